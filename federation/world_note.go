package federation

import (
	"context"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/shiji-market/shiji/node"
)

// What an item's Note says for other markets' catalogues (the world market),
// beyond what Mastodon shows: the Proposal's primary Intent names the item's
// alley as a ValueFlows classification (resourceClassifiedAs, the alley's
// page) and, when the stall brings the item on one market day, that day's
// hours (hasBeginning, hasEnd). Receiving markets read them back in
// proposalFacts (from_as.go).

// offerExtras adds the alley and the market day to intent. It reads the
// store (the alleys, the schedule) on its own: it is called while a Note is
// rendered, which has no request of its own to follow.
func (f *Federation) offerExtras(it *node.Item, intent map[string]any) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if it.Alley != 0 {
		if alleys, err := f.db.Alleys(ctx); err == nil {
			for _, a := range alleys {
				if a.ID == it.Alley {
					intent["resourceClassifiedAs"] = f.u.base + node.AlleyPath(a.Slug)
				}
			}
		}
	}
	if it.BringOn == "" {
		return
	}
	m, err := f.db.Market(ctx)
	if err != nil {
		return
	}
	sched, err := f.db.Schedule(ctx)
	if err != nil {
		return
	}
	if day, ok := sched.Day(m.Location(), it.BringOn); ok && !day.Cancelled {
		intent["hasBeginning"] = day.Start.Format(time.RFC3339)
		intent["hasEnd"] = day.End.Format(time.RFC3339)
	}
}

// linkText is the text of the first link to href in an HTML fragment ("":
// none): a shiji item's Note links its stall by name, which the catalogue
// shows without fetching the stall's actor.
func linkText(s, href string) string {
	if href == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	in := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" || !hasAttr || in {
				continue
			}
			for {
				k, v, more := z.TagAttr()
				if string(k) == "href" && string(v) == href {
					in = true
				}
				if !more {
					break
				}
			}
		case html.TextToken:
			if in {
				b.Write(z.Text())
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); in && string(name) == "a" {
				return strings.TrimSpace(b.String())
			}
		}
	}
}
