package web

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// An iCalendar (RFC 5545) feed of market days. Times are written in UTC
// (FORM #2), which every calendar reads without a VTIMEZONE; the market's
// zone is named in X-WR-TIMEZONE for the calendars that show it.

type icsEvent struct {
	UID         string
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Cancelled   bool
}

type icsCalendar struct {
	Name     string
	Timezone string
	Stamp    time.Time
	Events   []icsEvent
}

// bytes renders the calendar: CRLF line ends, lines folded at 75 octets
// without splitting a UTF-8 character, TEXT values escaped.
func (cal icsCalendar) bytes() []byte {
	var b bytes.Buffer
	line := func(name, value string) { writeFolded(&b, name+":"+value) }
	stamp := cal.Stamp.UTC().Format(icsTime)
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//shiji//market days//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("X-WR-CALNAME", icsText(cal.Name))
	if cal.Timezone != "" {
		line("X-WR-TIMEZONE", icsText(cal.Timezone))
	}
	for _, ev := range cal.Events {
		line("BEGIN", "VEVENT")
		line("UID", icsText(ev.UID))
		line("DTSTAMP", stamp)
		line("DTSTART", ev.Start.UTC().Format(icsTime))
		line("DTEND", ev.End.UTC().Format(icsTime))
		line("SUMMARY", icsText(ev.Summary))
		if ev.Description != "" {
			line("DESCRIPTION", icsText(ev.Description))
		}
		if ev.Location != "" {
			line("LOCATION", icsText(ev.Location))
		}
		if ev.URL != "" {
			line("URL", ev.URL)
		}
		if ev.Cancelled {
			line("STATUS", "CANCELLED")
		} else {
			line("STATUS", "CONFIRMED")
		}
		line("TRANSP", "TRANSPARENT")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return b.Bytes()
}

const icsTime = "20060102T150405Z"

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	s = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
	// Other control characters are not allowed in TEXT.
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// writeFolded writes one content line, folded so that no line is longer than
// 75 octets (continuation lines start with a space), then CRLF.
func writeFolded(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
