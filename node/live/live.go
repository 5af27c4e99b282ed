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

// Sub is one subscriber's queue.
type Sub struct {
	C       chan Event
	topic   string
	dropped bool
}

// Hub fans events out to subscribers by topic.
type Hub struct {
	mu     sync.Mutex
	topics map[string]map[*Sub]struct{}
	// Counts of subscribers per topic are announced on the topic as
	// "<topic>.count" is not used; see Watch.
}

// New returns an empty Hub.
func New() *Hub { return &Hub{topics: map[string]map[*Sub]struct{}{}} }

// Subscribe adds a subscriber to topic with room for buf events.
func (h *Hub) Subscribe(topic string, buf int) *Sub {
	s := &Sub{C: make(chan Event, buf), topic: topic}
	h.mu.Lock()
	if h.topics[topic] == nil {
		h.topics[topic] = map[*Sub]struct{}{}
	}
	h.topics[topic][s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes s; its channel is not closed (the reader may still drain it).
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	delete(h.topics[s.topic], s)
	if len(h.topics[s.topic]) == 0 {
		delete(h.topics, s.topic)
	}
	h.mu.Unlock()
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
