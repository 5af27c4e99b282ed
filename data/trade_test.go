package data

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// tradeMarket is a store with a stall held by holder, coming on day, and
// buyers residents.
type tradeMarket struct {
	db     *DB
	holder node.AccountID
	buyers []node.AccountID
	stall  node.StallID
	day    node.MarketDay
	now    time.Time
}

func newTradeMarket(t *testing.T, buyers int) *tradeMarket {
	t.Helper()
	ctx := context.Background()
	m := &tradeMarket{db: openTest(t), now: time.Now().Truncate(time.Second)}
	acc := func(name string, role node.Role) node.AccountID {
		a := &node.Account{Name: name, Role: role}
		if err := m.db.CreateAccount(ctx, a, "not-a-real-hash", ""); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	m.holder = acc("wang", node.RoleStallholder)
	for i := range buyers {
		m.buyers = append(m.buyers, acc(fmt.Sprintf("buyer%d", i), node.RoleResident))
	}
	al := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}}
	if err := m.db.CreateAlley(ctx, al); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang's Bicycles", Alley: al.ID}
	if err := m.db.CreateStall(ctx, st, m.holder); err != nil {
		t.Fatal(err)
	}
	m.stall = st.ID
	start := m.now.Add(48 * time.Hour)
	m.day = node.MarketDay{Date: start.UTC().Format(node.DateLayout), Start: start, End: start.Add(5 * time.Hour)}
	if err := m.db.SetStallDays(ctx, m.stall, m.day.Date, []string{m.day.Date}); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *tradeMarket) item(t *testing.T, quantity int) *node.Item {
	t.Helper()
	it := &node.Item{Stall: m.stall, Title: "Brass bell", Price: node.Price{Kind: node.PriceAsk}, Quantity: quantity}
	if err := m.db.CreateItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return m.reload(t, it.ID)
}

func (m *tradeMarket) reload(t *testing.T, id node.ItemID) *node.Item {
	t.Helper()
	it, err := m.db.Item(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (m *tradeMarket) reserve(it *node.Item, buyer node.AccountID, q int) (*node.Trade, error) {
	tr, err := node.NewTrade(buyer, false, it, q, m.day, "Could you keep it for me?", m.now)
	if err != nil {
		return nil, err
	}
	return tr, m.db.CreateTrade(context.Background(), tr, 0)
}

func (m *tradeMarket) step(id node.TradeID, f func(t *node.Trade) error) (*node.Trade, error) {
	return m.db.StepTrade(context.Background(), id, f)
}

func (m *tradeMarket) accept(id node.TradeID) error {
	_, err := m.step(id, func(t *node.Trade) error { return t.Accept(m.holder, true, m.now) })
	return err
}

// TestNeverOversell: 100 residents reserve concurrently, then the stall
// accepts every request concurrently: exactly quantity are accepted, every
// other acceptance is a conflict, and no reader ever sees more held than
// the stall has.
func TestNeverOversell(t *testing.T) {
	for _, quantity := range []int{1, 7} {
		t.Run(fmt.Sprintf("quantity %d", quantity), func(t *testing.T) {
			ctx := context.Background()
			m := newTradeMarket(t, 100)
			it := m.item(t, quantity)

			ids := make([]node.TradeID, len(m.buyers))
			var wg sync.WaitGroup
			errs := make(chan error, len(m.buyers))
			for i, b := range m.buyers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tr, err := m.reserve(it, b, 1)
					if err != nil {
						errs <- err
						return
					}
					ids[i] = tr.ID
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("reserve: %v", err)
			}

			// A reader watches the item while the stall accepts.
			stop := make(chan struct{})
			var watched sync.WaitGroup
			watched.Add(1)
			var bad atomic.Value
			go func() {
				defer watched.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					got, err := m.db.Item(ctx, it.ID)
					if err != nil {
						bad.Store(err.Error())
						return
					}
					if got.Held > got.Quantity || got.Quantity < 0 || got.Available() < 0 {
						bad.Store(fmt.Sprintf("held %d of %d", got.Held, got.Quantity))
					}
				}
			}()
			var accepted, conflicts, other atomic.Int32
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					switch err := m.accept(id); node.ErrorCode(err) {
					case "":
						accepted.Add(1)
					case node.ECONFLICT:
						conflicts.Add(1)
					default:
						t.Errorf("accept %d: %v", id, err)
						other.Add(1)
					}
				}()
			}
			wg.Wait()
			close(stop)
			watched.Wait()
			if b := bad.Load(); b != nil {
				t.Fatalf("a reader saw an oversold item: %v", b)
			}
			if int(accepted.Load()) != quantity || int(conflicts.Load()) != len(ids)-quantity || other.Load() != 0 {
				t.Fatalf("accepted %d, conflicts %d, other %d; want %d and %d", accepted.Load(), conflicts.Load(), other.Load(), quantity, len(ids)-quantity)
			}
			got := m.reload(t, it.ID)
			if got.Quantity != quantity || got.Held != quantity || got.Available() != 0 || got.Status != node.ItemReserved {
				t.Fatalf("item after accepting: quantity %d held %d status %s", got.Quantity, got.Held, got.Status)
			}
			accTrades, err := m.db.Trades(ctx, TradeFilter{Item: it.ID, Status: []node.TradeStatus{node.TradeAccepted}})
			if err != nil || len(accTrades) != quantity {
				t.Fatalf("accepted trades in the store: %d %v", len(accTrades), err)
			}

			// Hand everything over and confirm, concurrently: the quantity ends at 0, gone.
			for _, tr := range accTrades {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := m.step(tr.ID, func(t *node.Trade) error { return t.HandOver(m.holder, true, m.now) }); err != nil {
						t.Errorf("hand over: %v", err)
						return
					}
					if _, err := m.step(tr.ID, func(t *node.Trade) error { return t.Confirm(tr.Buyer, m.now) }); err != nil {
						t.Errorf("confirm: %v", err)
					}
				}()
			}
			wg.Wait()
			got = m.reload(t, it.ID)
			if got.Quantity != 0 || got.Held != 0 || got.Status != node.ItemGone {
				t.Fatalf("item after the hand-overs: quantity %d held %d status %s", got.Quantity, got.Held, got.Status)
			}
			// Nothing is left to accept.
			rest, _ := m.db.Trades(ctx, TradeFilter{Item: it.ID, Status: []node.TradeStatus{node.TradeRequested}, Limit: 1})
			if err := m.accept(rest[0].ID); node.ErrorCode(err) != node.ECONFLICT {
				t.Fatalf("accepting after all is gone: %v", err)
			}
		})
	}
}

func TestTradeStepsChangeQuantityStatusAndRecordEvents(t *testing.T) {
	ctx := context.Background()
	m := newTradeMarket(t, 2)
	it := m.item(t, 2)
	a, err := m.reserve(it, m.buyers[0], 2)
	if err != nil {
		t.Fatal(err)
	}
	if a.Conversation == 0 || a.Status != node.TradeRequested {
		t.Fatalf("trade %+v", a)
	}
	// The trade's private conversation: the resident and the stall, the message first.
	members, _ := m.db.Members(ctx, a.Conversation)
	msgs, _ := m.db.Messages(ctx, a.Conversation, 0, 10)
	conv, _ := m.db.Conversation(ctx, a.Conversation, m.holder)
	if len(members) != 2 || len(msgs) != 1 || msgs[0].Body != "Could you keep it for me?" || conv.Kind != node.Private || conv.Item != it.ID {
		t.Fatalf("conversation: members %v, messages %v, %+v", members, msgs, conv)
	}
	if id, _ := m.db.TradeByConversation(ctx, a.Conversation); id != a.ID {
		t.Fatalf("TradeByConversation = %d", id)
	}
	if _, n, _ := m.db.Unread(ctx, m.holder); n != 1 {
		t.Fatalf("the stall has %d notifications", n)
	}
	if got := m.reload(t, it.ID); got.Status != node.ItemAvailable || got.Held != 0 {
		t.Fatalf("a request holds nothing: %+v", got)
	}
	if err := m.accept(a.ID); err != nil {
		t.Fatal(err)
	}
	if got := m.reload(t, it.ID); got.Status != node.ItemReserved || got.Held != 2 {
		t.Fatalf("after accept: %s held %d", got.Status, got.Held)
	}
	// The stall cannot sell below what is held.
	over := m.reload(t, it.ID)
	over.Quantity = 1
	if err := m.db.UpdateItem(ctx, over); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("quantity below held: %v", err)
	}
	// Nothing is left to reserve.
	if _, err := m.reserve(m.reload(t, it.ID), m.buyers[1], 1); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("reserve a held item: %v", err)
	}
	// Cancel releases the hold.
	if _, err := m.step(a.ID, func(t *node.Trade) error { return t.Cancel(m.buyers[0], false, "I cannot come after all", m.now) }); err != nil {
		t.Fatal(err)
	}
	if got := m.reload(t, it.ID); got.Status != node.ItemAvailable || got.Held != 0 || got.Quantity != 2 {
		t.Fatalf("after cancel: %+v", got)
	}
	full, err := m.db.Trade(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, ev := range full.Events {
		steps = append(steps, fmt.Sprintf("%s by %s", ev.Status, ev.ActorName))
	}
	if fmt.Sprint(steps) != "[requested by buyer0 accepted by wang cancelled by buyer0]" || full.Reason != "I cannot come after all" {
		t.Fatalf("events %v, reason %q", steps, full.Reason)
	}
	// A step that is not allowed changes nothing and records nothing.
	before, _ := m.db.Trade(ctx, a.ID)
	if err := m.accept(a.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("accept a cancelled trade: %v", err)
	}
	after, _ := m.db.Trade(ctx, a.ID)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("a refused step changed the trade:\n%+v\n%+v", before, after)
	}

	// Expiry releases the hold too; a withdrawn item cannot be accepted.
	b, err := m.reserve(m.reload(t, it.ID), m.buyers[1], 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.accept(b.ID); err != nil {
		t.Fatal(err)
	}
	if got := m.reload(t, it.ID); got.Status != node.ItemAvailable || got.Available() != 1 {
		t.Fatalf("one of two held: %+v", got)
	}
	grace := time.Hour
	if _, err := m.step(b.ID, func(t *node.Trade) error { t.Expire(m.day.End, grace); return nil }); err != nil {
		t.Fatal(err)
	}
	if tr, _ := m.db.Trade(ctx, b.ID); tr.Status != node.TradeAccepted {
		t.Fatalf("expired before the grace: %s", tr.Status)
	}
	due, _ := m.db.DueTrades(ctx, m.day.End.Add(grace).Add(-grace), 10)
	if len(due) != 1 || due[0] != b.ID {
		t.Fatalf("due = %v", due)
	}
	if _, err := m.step(b.ID, func(t *node.Trade) error { t.Expire(m.day.End.Add(grace), grace); return nil }); err != nil {
		t.Fatal(err)
	}
	if tr, _ := m.db.Trade(ctx, b.ID); tr.Status != node.TradeExpired || tr.LastEvent().Actor != 0 {
		t.Fatalf("after expiry: %s", tr.Status)
	}
	if got := m.reload(t, it.ID); got.Held != 0 || got.Status != node.ItemAvailable {
		t.Fatalf("after expiry: %+v", got)
	}
	c, err := m.reserve(m.reload(t, it.ID), m.buyers[1], 1)
	if err != nil {
		t.Fatal(err)
	}
	withdrawn := m.reload(t, it.ID)
	withdrawn.Status = node.ItemWithdrawn
	if err := m.db.UpdateItem(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}
	if err := m.accept(c.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("accept for a withdrawn item: %v", err)
	}
	if _, err := m.reserve(m.reload(t, it.ID), m.buyers[1], 1); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("reserve a withdrawn item: %v", err)
	}
}

func TestCreateTradeChecksTheStallComes(t *testing.T) {
	m := newTradeMarket(t, 1)
	it := m.item(t, 1)
	m.day.Date = m.day.Start.Add(24 * time.Hour).UTC().Format(node.DateLayout)
	if _, err := m.reserve(it, m.buyers[0], 1); node.ErrorCode(err) != node.EINVALID {
		t.Fatalf("a day the stall does not come: %v", err)
	}
	if trs, _ := m.db.Trades(context.Background(), TradeFilter{Item: it.ID}); len(trs) != 0 {
		t.Fatalf("a refused reservation left %d trades", len(trs))
	}
}

func TestNotesOnePerSide(t *testing.T) {
	ctx := context.Background()
	m := newTradeMarket(t, 1)
	it := m.item(t, 1)
	tr, err := m.reserve(it, m.buyers[0], 1)
	if err != nil {
		t.Fatal(err)
	}
	buyer := m.buyers[0]
	for _, f := range []func(t *node.Trade) error{
		func(t *node.Trade) error { return t.Accept(m.holder, true, m.now) },
		func(t *node.Trade) error { return t.HandOver(m.holder, true, m.now) },
		func(t *node.Trade) error { return t.Confirm(buyer, m.now) },
	} {
		if tr, err = m.step(tr.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	n, err := tr.NewNote(buyer, false, "The bell rings like new. Thank you!", m.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.db.AddNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	again, _ := tr.NewNote(buyer, false, "Again", m.now)
	if err := m.db.AddNote(ctx, again); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("second note: %v", err)
	}
	s, _ := tr.NewNote(m.holder, true, "Come again next Saturday!", m.now)
	if err := m.db.AddNote(ctx, s); err != nil {
		t.Fatal(err)
	}
	forStall, _ := m.db.Notes(ctx, NoteFilter{Stall: m.stall})
	about, _ := m.db.Notes(ctx, NoteFilter{About: buyer})
	if len(forStall) != 1 || forStall[0].AuthorName != "buyer0" || len(about) != 1 || about[0].Body != "Come again next Saturday!" || about[0].StallName != "Old Wang's Bicycles" {
		t.Fatalf("notes for the stall %+v, about the buyer %+v", forStall, about)
	}
	met, err := m.db.Encounters(ctx, buyer, 0)
	if err != nil || len(met) != 1 || met[0].Stall != m.stall || met[0].Kind != "trade" || met[0].Status != node.TradeCompleted {
		t.Fatalf("encounters %+v %v", met, err)
	}
	met, err = m.db.Encounters(ctx, m.holder, 0)
	if err != nil || len(met) != 1 || met[0].Person != buyer {
		t.Fatalf("the stall's encounters %+v %v", met, err)
	}
}
