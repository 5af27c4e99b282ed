package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// eventStream reads Server-Sent Events of one request.
type eventStream struct {
	t      *testing.T
	events chan [2]string
	close  func()
}

func openStream(t *testing.T, url, token string) *eventStream {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		t.Fatalf("stream %s = %d", url, resp.StatusCode)
	}
	es := &eventStream{t: t, events: make(chan [2]string, 100), close: func() { resp.Body.Close() }}
	go func() {
		r := bufio.NewReader(resp.Body)
		var ev string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				close(es.events)
				return
			}
			line = strings.TrimRight(line, "\n")
			if strings.HasPrefix(line, "event: ") {
				ev = strings.TrimPrefix(line, "event: ")
			} else if strings.HasPrefix(line, "data: ") {
				es.events <- [2]string{ev, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	t.Cleanup(es.close)
	return es
}

// next waits for an event of type typ whose data contains want.
func (es *eventStream) next(typ, want string) string {
	es.t.Helper()
	deadline := time.After(hangGuard)
	for {
		select {
		case ev, ok := <-es.events:
			if !ok {
				es.t.Fatalf("stream closed waiting for %s %q", typ, want)
			}
			if ev[0] == typ && strings.Contains(ev[1], want) {
				return ev[1]
			}
		case <-deadline:
			es.t.Fatalf("no %s event with %q within %s", typ, want, hangGuard)
			return ""
		}
	}
}

// none fails if an event containing word arrives within d.
func (es *eventStream) none(word string, d time.Duration) {
	es.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-es.events:
			if !ok {
				return
			}
			if strings.Contains(ev[1], word) {
				es.t.Fatalf("leaked event %s %s", ev[0], ev[1])
			}
		case <-deadline:
			return
		}
	}
}

func (m *market) item(t *testing.T, title string) int {
	t.Helper()
	r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", int(m.stall)), m.wang, fmt.Sprintf(`{"title":%q,"price":{"kind":"ask"}}`, title))
	if r.Status != 201 {
		t.Fatalf("item: %d %s", r.Status, r.Body)
	}
	return int(r.JSON(t)["id"].(float64))
}

func TestPublicThreadQuestionsAndAnswers(t *testing.T) {
	m := newMarket(t)
	item := m.item(t, "Enamel mug")
	thread := fmt.Sprintf("/api/v1/items/%d/thread", item)
	if r := m.call("GET", thread, "", ""); r.Status != 200 || len(r.JSON(t)["messages"].([]any)) != 0 {
		t.Fatalf("empty thread = %d %s", r.Status, r.Body)
	}
	wangStream := openStream(t, m.n.URL+"/api/v1/stream", m.wang)
	ambience := openStream(t, m.n.URL+"/live/ambience", "")
	r := m.call("POST", thread, m.res, `{"body":"Where does it **come from**?"}`)
	if r.Status != 201 {
		t.Fatalf("ask = %d %s", r.Status, r.Body)
	}
	q := r.JSON(t)
	if q["from_stall"] != false || !strings.Contains(q["body_html"].(string), "<strong>come from</strong>") {
		t.Fatalf("question = %v", q)
	}
	wangStream.next("message", "come from")
	ambience.next("question", "come from")
	r = m.call("POST", thread, m.wang, fmt.Sprintf(`{"body":"From my grandmother's kitchen.","reply_to":%d}`, int(q["id"].(float64))))
	if r.Status != 201 || r.JSON(t)["from_stall"] != true {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	// Anyone, even without an account, reads the thread.
	msgs := m.call("GET", thread, "", "").JSON(t)["messages"].([]any)
	if len(msgs) != 2 || msgs[1].(map[string]any)["from_stall"] != true {
		t.Fatalf("thread = %v", msgs)
	}
	// The stallholder was told of the question, the asker of the answer.
	n := m.call("GET", "/api/v1/notifications", m.wang, "").JSON(t)
	if !strings.Contains(fmt.Sprint(n["notifications"]), "question") {
		t.Fatalf("wang's notifications = %v", n)
	}
	n = m.call("GET", "/api/v1/notifications", m.res, "").JSON(t)
	if !strings.Contains(fmt.Sprint(n["notifications"]), "reply") || n["unread_notifications"].(float64) < 1 {
		t.Fatalf("ajie's notifications = %v", n)
	}
	// The item page shows the thread, the answer marked as the stall's.
	page := m.c.get(fmt.Sprintf("/items/%d", item)).Body
	mustContain(t, "item page", page, "From my grandmother", "from-stall", "<strong>come from</strong>")
	// Stall threads work the same way.
	if r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/thread", int(m.stall)), m.res, `{"body":"Open on Friday night?"}`); r.Status != 201 {
		t.Fatalf("stall thread = %d %s", r.Status, r.Body)
	}
}

func TestPrivateChatIsPrivateEverywhere(t *testing.T) {
	m := newMarket(t)
	item := m.item(t, "Phoenix bicycle")
	r := m.call("POST", "/api/v1/conversations", m.res, fmt.Sprintf(`{"kind":"private","item":%d}`, item))
	if r.Status != 201 {
		t.Fatalf("start private = %d %s", r.Status, r.Body)
	}
	conv := int(r.JSON(t)["id"].(float64))
	msgs := fmt.Sprintf("/api/v1/conversations/%d/messages", conv)
	wangStream := openStream(t, m.n.URL+"/api/v1/stream", m.wang)
	liStream := openStream(t, m.n.URL+"/api/v1/stream", m.li)
	orgStream := openStream(t, m.n.URL+"/api/v1/stream", m.org)
	ambience := openStream(t, m.n.URL+"/live/ambience", "")
	if r := m.call("POST", msgs, m.res, `{"body":"Would you take 300 for it? zebrafinch"}`); r.Status != 201 {
		t.Fatalf("post = %d %s", r.Status, r.Body)
	}
	wangStream.next("message", "zebrafinch")
	// The stallholder sees it, unread, and replies.
	list := m.call("GET", "/api/v1/conversations", m.wang, "").JSON(t)["conversations"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["unread"].(float64) != 1 || list[0].(map[string]any)["item"].(float64) != float64(item) {
		t.Fatalf("wang's conversations = %v", list)
	}
	if r := m.call("POST", msgs, m.wang, `{"body":"350 and it's yours."}`); r.Status != 201 {
		t.Fatalf("reply = %d", r.Status)
	}
	if got := m.call("GET", msgs, m.wang, "").JSON(t)["messages"].([]any); len(got) != 2 {
		t.Fatalf("messages = %v", got)
	}
	// Outsiders — another stallholder, the organiser, anonymous — see nothing, anywhere.
	for _, who := range []struct{ name, token string }{{"li", m.li}, {"organiser", m.org}} {
		for _, path := range []string{fmt.Sprintf("/api/v1/conversations/%d", conv), msgs} {
			if r := m.call("GET", path, who.token, ""); r.Status != 404 {
				t.Errorf("%s GET %s = %d %s", who.name, path, r.Status, r.Body)
			}
		}
		if r := m.call("POST", msgs, who.token, `{"body":"hi"}`); r.Status != 404 {
			t.Errorf("%s posted: %d", who.name, r.Status)
		}
		if r := m.call("POST", fmt.Sprintf("/api/v1/conversations/%d/members", conv), who.token, ""); r.Status != 404 {
			t.Errorf("%s joined: %d", who.name, r.Status)
		}
		if len(m.call("GET", "/api/v1/conversations", who.token, "").JSON(t)["conversations"].([]any)) != 0 {
			t.Errorf("%s lists the private chat", who.name)
		}
		if r := m.c.do("GET", fmt.Sprintf("/api/v1/stream?watch=%d", conv), nil, "Authorization", "Bearer "+who.token); r.Status != 404 {
			t.Errorf("%s watched the stream: %d", who.name, r.Status)
		}
	}
	if r := m.call("GET", msgs, "", ""); r.Status != 401 {
		t.Errorf("anonymous = %d", r.Status)
	}
	if r := m.c.get(fmt.Sprintf("/conversations/%d", conv)); r.Status != 303 {
		t.Errorf("anonymous page = %d", r.Status)
	}
	if r := m.call("GET", "/api/v1/search?q=zebrafinch", "", ""); strings.Contains(r.Body, "zebrafinch") {
		t.Errorf("search leaks the private message: %s", r.Body)
	}
	if strings.Contains(m.c.get(fmt.Sprintf("/items/%d", item)).Body, "zebrafinch") {
		t.Error("the item page leaks the private message")
	}
	liStream.none("zebrafinch", 300*time.Millisecond)
	orgStream.none("zebrafinch", 10*time.Millisecond)
	ambience.none("zebrafinch", 10*time.Millisecond)

	// A block: ajie can no longer write to, read, or start chats with wang.
	if r := m.call("POST", "/api/v1/blocks", m.wang, `{"name":"ajie"}`); r.Status != 204 {
		t.Fatalf("block = %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", msgs, m.res, `{"body":"hello?"}`); r.Status != 403 {
		t.Errorf("blocked post = %d", r.Status)
	}
	if r := m.call("GET", msgs, m.res, ""); r.Status != 403 {
		t.Errorf("blocked read = %d", r.Status)
	}
	if r := m.call("POST", "/api/v1/conversations", m.res, `{"kind":"private","with":["wang"]}`); r.Status != 403 {
		t.Errorf("blocked start = %d", r.Status)
	}
	if r := m.call("POST", "/api/v1/conversations", m.res, fmt.Sprintf(`{"kind":"private","item":%d}`, item)); r.Status != 403 {
		t.Errorf("blocked start from item = %d", r.Status)
	}
	m.call("DELETE", "/api/v1/blocks/ajie", m.wang, "")
	if r := m.call("POST", msgs, m.res, `{"body":"hello again"}`); r.Status != 201 {
		t.Errorf("after unblock = %d", r.Status)
	}
}

func TestGroupChats(t *testing.T) {
	m := newMarket(t)
	r := m.call("POST", "/api/v1/conversations", m.org, `{"kind":"group","name":"花友 Flower friends","description":"Cuttings and seeds"}`)
	if r.Status != 201 {
		t.Fatalf("group = %d %s", r.Status, r.Body)
	}
	g := int(r.JSON(t)["id"].(float64))
	msgs := fmt.Sprintf("/api/v1/conversations/%d/messages", g)
	members := fmt.Sprintf("/api/v1/conversations/%d/members", g)
	// Anyone can browse it; only members read and write.
	if groups := m.call("GET", "/api/v1/conversations", m.res, "").JSON(t)["groups"].([]any); len(groups) != 1 {
		t.Fatalf("groups = %v", groups)
	}
	m.call("POST", msgs, m.org, `{"body":"Welcome! secretseedling"}`)
	if r := m.call("GET", msgs, m.res, ""); r.Status != 403 {
		t.Errorf("non-member read = %d", r.Status)
	}
	if r := m.call("POST", msgs, m.res, `{"body":"let me in"}`); r.Status != 403 {
		t.Errorf("non-member post = %d", r.Status)
	}
	if r := m.c.do("GET", fmt.Sprintf("/api/v1/stream?watch=%d", g), nil, "Authorization", "Bearer "+m.res); r.Status != 403 {
		t.Errorf("non-member watch = %d", r.Status)
	}
	for _, tok := range []string{m.res, m.wang} {
		if r := m.call("POST", members, tok, ""); r.Status != 204 {
			t.Fatalf("join = %d %s", r.Status, r.Body)
		}
	}
	stream := openStream(t, m.n.URL+fmt.Sprintf("/api/v1/stream?watch=%d", g), m.wang)
	r = m.call("POST", msgs, m.res, `{"body":"My roses have aphids, @wang any tips?"}`)
	if r.Status != 201 {
		t.Fatalf("member post = %d %s", r.Status, r.Body)
	}
	stream.next("message", "aphids")
	if !strings.Contains(fmt.Sprint(m.call("GET", "/api/v1/notifications", m.wang, "").JSON(t)["notifications"]), "mention") {
		t.Error("no mention notification")
	}
	aphid := int(r.JSON(t)["id"].(float64))
	// Edit within the window by the author only.
	if r := m.call("PATCH", fmt.Sprintf("/api/v1/messages/%d", aphid), m.wang, `{"body":"hijack"}`); r.Status != 403 {
		t.Errorf("edit by other = %d", r.Status)
	}
	if r := m.call("PATCH", fmt.Sprintf("/api/v1/messages/%d", aphid), m.res, `{"body":"My roses have greenfly"}`); r.Status != 200 || r.JSON(t)["edited_at"] == nil {
		t.Errorf("edit = %d %s", r.Status, r.Body)
	}
	// Mute, report, moderation, removal.
	if r := m.call("PATCH", members+"/me", m.wang, `{"muted":true}`); r.Status != 204 {
		t.Errorf("mute = %d", r.Status)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/messages/%d/reports", aphid), m.wang, `{"reason":"off topic"}`); r.Status != 201 {
		t.Fatalf("report = %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/messages/%d/reports", aphid), m.li, `{"reason":"x"}`); r.Status != 404 {
		t.Errorf("report by non-member = %d", r.Status)
	}
	if r := m.call("GET", "/api/v1/reports", m.res, ""); r.Status != 403 {
		t.Errorf("resident reads reports = %d", r.Status)
	}
	reports := m.call("GET", "/api/v1/reports", m.org, "").JSON(t)["reports"].([]any)
	if len(reports) != 1 {
		t.Fatalf("reports = %v", reports)
	}
	rid := int(reports[0].(map[string]any)["id"].(float64))
	if r := m.call("POST", fmt.Sprintf("/api/v1/reports/%d/resolve", rid), m.org, `{"action":"remove"}`); r.Status != 204 {
		t.Fatalf("resolve = %d %s", r.Status, r.Body)
	}
	got := m.call("GET", msgs, m.res, "").JSON(t)["messages"].([]any)
	last := got[len(got)-1].(map[string]any)
	if last["deleted"] != true || last["body"] != "" {
		t.Fatalf("removed message = %v", last)
	}
	// The owner removes a member; a plain member cannot.
	if r := m.call("DELETE", members+"/wang", m.res, ""); r.Status != 403 {
		t.Errorf("member removed member = %d", r.Status)
	}
	if r := m.call("DELETE", members+"/ajie", m.org, ""); r.Status != 204 {
		t.Errorf("owner removed member = %d", r.Status)
	}
	if r := m.call("POST", msgs, m.res, `{"body":"still here?"}`); r.Status != 403 {
		t.Errorf("removed member posts = %d", r.Status)
	}
	// Leave.
	if r := m.call("DELETE", members+"/me", m.wang, ""); r.Status != 204 {
		t.Errorf("leave = %d", r.Status)
	}
	if r := m.call("GET", msgs, m.wang, ""); r.Status != 403 {
		t.Errorf("after leaving = %d", r.Status)
	}
}

func TestConversationBadInput(t *testing.T) {
	m := newMarket(t)
	item := m.item(t, "Lamp")
	thread := fmt.Sprintf("/api/v1/items/%d/thread", item)
	bad := []struct {
		method, path, body string
		status             int
	}{
		{"POST", thread, `{"body":""}`, 422},
		{"POST", thread, `{"body":"   "}`, 422},
		{"POST", thread, `{"body":"` + strings.Repeat("长", 2001) + `"}`, 422},
		{"POST", thread, `{"body":`, 400},
		{"POST", "/api/v1/items/99999/thread", `{"body":"hi"}`, 404},
		{"GET", "/api/v1/conversations/99999/messages", "", 404},
		{"POST", "/api/v1/conversations/99999/messages", `{"body":"hi"}`, 404},
		{"POST", "/api/v1/conversations", `{"kind":"party"}`, 422},
		{"POST", "/api/v1/conversations", `{"kind":"private","with":["nobody_here"]}`, 404},
		{"POST", "/api/v1/conversations", `{"kind":"private"}`, 422},
		{"POST", "/api/v1/conversations", `{"kind":"private","with":["ajie"]}`, 422}, // only oneself
		{"POST", "/api/v1/conversations", `{"kind":"group","name":""}`, 422},
		{"POST", "/api/v1/conversations", `{"kind":"group","name":"` + strings.Repeat("x", 61) + `"}`, 422},
		{"GET", "/api/v1/conversations/1/messages?before=x", "", 422},
		{"POST", "/api/v1/blocks", `{"name":"ajie"}`, 422},
		{"POST", "/api/v1/blocks", `{"name":"ghost"}`, 404},
	}
	for _, b := range bad {
		r := m.call(b.method, b.path, m.res, b.body)
		if r.Status != b.status || r.JSON(t)["error"] == "" {
			t.Errorf("%s %s %.60s = %d %s, want %d", b.method, b.path, b.body, r.Status, r.Body, b.status)
		}
	}
	// A reply to a message of another conversation.
	other := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/thread", int(m.stall)), m.res, `{"body":"stall question"}`).JSON(t)
	if r := m.call("POST", thread, m.res, fmt.Sprintf(`{"body":"x","reply_to":%d}`, int(other["id"].(float64)))); r.Status != 422 {
		t.Errorf("cross-conversation reply = %d", r.Status)
	}
	// Oversized body.
	if r := m.call("POST", thread, m.res, `{"body":"`+strings.Repeat("x", 2<<20)+`"}`); r.Status != 413 {
		t.Errorf("oversized = %d", r.Status)
	}
	// Nothing above was stored: the thread holds no message.
	if got := m.call("GET", thread, "", "").JSON(t)["messages"].([]any); len(got) != 0 {
		t.Errorf("bad input stored messages: %v", got)
	}
	// Posting is rate-limited per account.
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		limited = m.call("POST", thread, m.li, fmt.Sprintf(`{"body":"flood %d"}`, i)).Status == 429
	}
	if !limited {
		t.Error("30 posts in a row were not rate-limited")
	}
}
