package live

import (
	"context"
	"testing"
	"time"
)

func TestPublishFansOutByTopic(t *testing.T) {
	h := New()
	a, b, other := h.Subscribe("ambience", 4), h.Subscribe("ambience", 4), h.Subscribe("account:1", 4)
	h.Publish("ambience", NewEvent("open", map[string]int{"stall": 3}))
	for _, s := range []*Sub{a, b} {
		select {
		case ev := <-s.C:
			if ev.Type != "open" || string(ev.Data) != `{"stall":3}` {
				t.Fatalf("event = %+v", ev)
			}
		default:
			t.Fatal("subscriber got nothing")
		}
	}
	select {
	case ev := <-other.C:
		t.Fatalf("other topic got %+v", ev)
	default:
	}
	if h.Count("ambience") != 2 {
		t.Fatalf("count = %d", h.Count("ambience"))
	}
	h.Unsubscribe(a)
	if h.Count("ambience") != 1 {
		t.Fatalf("count after unsubscribe = %d", h.Count("ambience"))
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	h := New()
	s := h.Subscribe("t", 1)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 100; i++ {
			h.Publish("t", NewEvent("x", i))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a guard against a hang, not a measure
		t.Fatal("publish blocked on a full subscriber")
	}
	if len(s.C) != 1 || !s.dropped {
		t.Fatalf("len %d dropped %v", len(s.C), s.dropped)
	}
}

func TestWatchCountAnnouncesChanges(t *testing.T) {
	h := New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.WatchCount(ctx, "ambience", "wanderers", 5*time.Millisecond)
	s := h.Subscribe("ambience", 8)
	want := func(n string) {
		t.Helper()
		select {
		case ev := <-s.C:
			if ev.Type != "wanderers" || string(ev.Data) != `{"count":`+n+`}` {
				t.Fatalf("event %s %s, want count %s", ev.Type, ev.Data, n)
			}
		case <-time.After(time.Minute): // a guard against a hang, not a measure
			t.Fatalf("no count %s", n)
		}
	}
	want("1")
	s2 := h.Subscribe("ambience", 8)
	want("2")
	h.Unsubscribe(s2)
	want("1")
}
