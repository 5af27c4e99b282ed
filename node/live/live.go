// Package live is shiji's in-process publish/subscribe hub for everything that
// appears on pages without a reload: the market's ambience (people wandering
// now, stalls opening, questions asked) and, per account, new messages.
// Delivery never blocks a publisher: a subscriber that falls behind by more
// than its buffer loses the oldest events' place and is told to resync.
package live

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Event is one thing that happened, sent to a topic's subscribers.
type Event struct {
	Type string // e.g. "wanderers", "open", "question"
	Data []byte // JSON
}

// NewEvent marshals data into an Event.
func NewEvent(typ string, data any) Event {
	b, err := json.Marshal(data)
	if err != nil {
		b = []byte("null")
	}
	return Event{Type: typ, Data: b}
}

// Sub is one subscriber's queue, on one or more topics.
type Sub struct {
	C       chan Event
	topics  []string
	dropped bool
}

// Hub fans events out to subscribers by topic.
type Hub struct {
	mu     sync.Mutex
	topics map[string]map[*Sub]struct{}
}

// New returns an empty Hub.
func New() *Hub { return &Hub{topics: map[string]map[*Sub]struct{}{}} }

// Subscribe adds a subscriber to topic with room for buf events.
func (h *Hub) Subscribe(topic string, buf int) *Sub { return h.SubscribeAll(buf, topic) }

// SubscribeAll adds one subscriber to several topics; an event published on
// any of them arrives once per publish.
func (h *Hub) SubscribeAll(buf int, topics ...string) *Sub {
	s := &Sub{C: make(chan Event, buf), topics: topics}
	h.mu.Lock()
	for _, t := range topics {
		if h.topics[t] == nil {
			h.topics[t] = map[*Sub]struct{}{}
		}
		h.topics[t][s] = struct{}{}
	}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes s from its topics; its channel is not closed (the
// reader may still drain it).
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	for _, t := range s.topics {
		delete(h.topics[t], s)
		if len(h.topics[t]) == 0 {
			delete(h.topics, t)
		}
	}
	h.mu.Unlock()
}

// Dropped reports whether s has missed events because its buffer was full.
func (s *Sub) Dropped(h *Hub) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return s.dropped
}

// Publish sends ev to every subscriber of topic without blocking; a full
// subscriber misses the event.
func (h *Hub) Publish(topic string, ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.topics[topic] {
		select {
		case s.C <- ev:
		default:
			s.dropped = true
		}
	}
}

// Count returns the number of subscribers of topic.
func (h *Hub) Count(topic string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.topics[topic])
}

// WatchCount publishes NewEvent(typ, {"count": n}) on topic whenever its
// number of subscribers has changed, checking every interval, until ctx ends.
func (h *Hub) WatchCount(ctx context.Context, topic, typ string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	last := -1
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := h.Count(topic); n != last {
			last = n
			h.Publish(topic, NewEvent(typ, map[string]int{"count": n}))
		}
	}
}

// Subscribers counts the subscribers on any topic (the live streams open
// now), for metrics.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[*Sub]struct{}{}
	for _, subs := range h.topics {
		for s := range subs {
			seen[s] = struct{}{}
		}
	}
	return len(seen)
}
