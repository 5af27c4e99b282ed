package limits

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	c, err := Parse("messages=3/1s, ip-messages=5/100ms open-reservations=2\ngroups=4 inbox=10/0", Default())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Rates[Messages]; got != (Rate{3, time.Second}) {
		t.Errorf("messages = %v", got)
	}
	if got := c.Rates[IP(Messages)]; got != (Rate{5, 100 * time.Millisecond}) {
		t.Errorf("ip-messages = %v", got)
	}
	if got := c.Rates[Inbox]; got != (Rate{10, 0}) {
		t.Errorf("inbox = %v", got)
	}
	if c.OpenReservations != 2 || c.Groups != 4 {
		t.Errorf("caps = %d, %d", c.OpenReservations, c.Groups)
	}
	if got, want := c.Rates[Items], Default().Rates[Items]; got != want {
		t.Errorf("items changed to %v", got)
	}
	// What String writes, Parse reads back.
	again, err := Parse(c.String(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if again.String() != c.String() {
		t.Errorf("round trip:\n%s\n%s", c.String(), again.String())
	}
	if _, err := Parse("", Default()); err != nil {
		t.Errorf("empty: %v", err)
	}
}

func TestParseRefusesWithAClearMessage(t *testing.T) {
	base := Default()
	for _, tc := range []struct{ in, want string }{
		{"messages", "NAME=BURST/EVERY"},
		{"messagez=1/1s", "unknown; known limits are"},
		{"messages=0/1s", "BURST from 1"},
		{"messages=x/1s", "BURST from 1"},
		{"messages=10", "BURST/EVERY"},
		{"messages=10/soon", "duration"},
		{"messages=10/-1s", "duration"},
		{"groups=0", "whole number"},
		{"open-reservations=many", "whole number"},
	} {
		c, err := Parse(tc.in, base)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
		if c.String() != base.String() {
			t.Errorf("Parse(%q) changed the limits on error", tc.in)
		}
	}
}

func TestBuckets(t *testing.T) {
	b := NewBuckets(Rate{Burst: 2, Every: time.Second})
	now := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		if w, _ := b.Reserve("a", now); w != 0 {
			t.Fatalf("take %d: wait %s", i, w)
		}
	}
	w, _ := b.Reserve("a", now)
	if w != time.Second {
		t.Fatalf("third take: wait %s, want 1s", w)
	}
	if w, _ := b.Reserve("b", now); w != 0 {
		t.Fatalf("another key waits %s", w)
	}
	if w, _ := b.Reserve("a", now.Add(time.Second)); w != 0 {
		t.Fatalf("a second later: wait %s", w)
	}
	// Idle keys are forgotten.
	b.Reserve("c", now.Add(time.Hour))
	if n := b.Len(); n != 1 {
		t.Errorf("%d keys after an idle hour, want 1", n)
	}
	// Every 0: no limit.
	free := NewBuckets(Rate{Burst: 1})
	for i := 0; i < 100; i++ {
		if w, _ := free.Reserve("a", now); w != 0 {
			t.Fatal("an unlimited bucket made someone wait")
		}
	}
}

// Take is all or nothing: a write refused by the address's bucket does not
// use up the account's.
func TestSetTakeAllOrNothing(t *testing.T) {
	s := NewSet(Config{Rates: map[string]Rate{"a": {Burst: 3, Every: time.Hour}, "b": {Burst: 1, Every: time.Hour}}})
	now := time.Unix(1000, 0)
	if w := s.Take(now, [2]string{"a", "x"}, [2]string{"b", "ip"}); w != 0 {
		t.Fatalf("first: %s", w)
	}
	for i := 0; i < 5; i++ {
		if w := s.Take(now, [2]string{"a", "x"}, [2]string{"b", "ip"}); w == 0 {
			t.Fatal("the empty bucket let a write through")
		}
	}
	// a/x still has its two tokens.
	for i := 0; i < 2; i++ {
		if w := s.Take(now, [2]string{"a", "x"}); w != 0 {
			t.Fatalf("a/x lost tokens to refused writes (take %d waits %s)", i, w)
		}
	}
	if w := s.Take(now, [2]string{"a", "x"}); w == 0 {
		t.Fatal("a/x has more than its burst")
	}
	// Unknown buckets and empty keys are skipped.
	if w := s.Take(now, [2]string{"nope", "x"}, [2]string{"a", ""}); w != 0 {
		t.Fatalf("skipped pairs: %s", w)
	}
}
