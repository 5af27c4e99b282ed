package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

func openDB(t *testing.T) (*data.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func TestCheckSize(t *testing.T) {
	for _, c := range []struct {
		stalls, items int
		ok            bool
	}{
		{1, 1, true}, {200, 2000, true}, {MaxStalls, MaxItems, true}, {30, 30, true},
		{0, 10, false}, {-1, 10, false}, {MaxStalls + 1, MaxItems, false},
		{10, 9, false}, {10, MaxItems + 1, false},
	} {
		err := CheckSize(c.stalls, c.items)
		if (err == nil) != c.ok {
			t.Errorf("CheckSize(%d, %d) = %v", c.stalls, c.items, err)
		}
		if err != nil && node.ErrorCode(err) != node.EINVALID {
			t.Errorf("CheckSize(%d, %d) code = %s", c.stalls, c.items, node.ErrorCode(err))
		}
	}
}

// The plan: every stall has a spot of its own on the plan and at least one
// item, and a few stalls hold most of the items.
func TestPlanSpotsAndSkew(t *testing.T) {
	now := time.Date(2026, 5, 16, 9, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 7, 8, 200, 1000, 4321, MaxStalls} {
		w, h := planSize(n)
		cells := spots(w, h, n)
		if w > 200 || h > 200 || len(cells) != n {
			t.Errorf("%d stalls: plan %d×%d with %d spots", n, w, h, len(cells))
		}
	}
	for _, c := range []struct{ stalls, items int }{{1, 1}, {8, 8}, {30, 300}, {200, 2000}, {1000, 100_000}} {
		p := newPlan(c.stalls, c.items, 7, now)
		taken := map[node.Spot]int{}
		counts := make([]int, len(p.stalls))
		for _, it := range p.items {
			counts[it.stall]++
			if it.created >= now.Unix() || it.created < now.Unix()-366*24*3600 {
				t.Fatalf("%d stalls: an item listed at %d, not in the year before %d", c.stalls, it.created, now.Unix())
			}
			if it.created < p.stalls[it.stall].created.Unix() {
				t.Fatalf("%d stalls: an item listed before its stall came", c.stalls)
			}
		}
		if len(p.items) != c.items || len(p.stalls) != c.stalls {
			t.Fatalf("plan has %d stalls and %d items, want %d and %d", len(p.stalls), len(p.items), c.stalls, c.items)
		}
		for i, s := range p.stalls {
			if s.spot.X < 0 || s.spot.Y < 0 || s.spot.X >= p.w || s.spot.Y >= p.h {
				t.Fatalf("%d stalls: spot %v outside the %d×%d plan", c.stalls, s.spot, p.w, p.h)
			}
			if j, ok := taken[s.spot]; ok {
				t.Fatalf("%d stalls: stalls %d and %d both on %v", c.stalls, i, j, s.spot)
			}
			taken[s.spot] = i
			if counts[i] < 1 {
				t.Fatalf("%d stalls: stall %d has no item", c.stalls, i)
			}
		}
		if c.items >= 10*c.stalls {
			sorted := slices.Clone(counts)
			slices.Sort(sorted)
			median, top := sorted[len(sorted)/2], sorted[len(sorted)-1]
			if top < 10*median {
				t.Errorf("%d stalls, %d items: the biggest stall has %d items, the median %d: not skewed", c.stalls, c.items, top, median)
			}
		}
	}
}

// Stalls of an alley stand together: most of a stall's neighbours along the
// row are in the same alley.
func TestPlanClustersAlleys(t *testing.T) {
	p := newPlan(200, 2000, 1, time.Now())
	alleyAt := map[node.Spot]int{}
	for _, s := range p.stalls {
		alleyAt[s.spot] = s.alley
	}
	same, pairs := 0, 0
	for spot, a := range alleyAt {
		if b, ok := alleyAt[node.Spot{X: spot.X + 1, Y: spot.Y}]; ok {
			pairs++
			if a == b {
				same++
			}
		}
	}
	if same*10 < pairs*8 {
		t.Errorf("only %d of %d neighbouring stalls share an alley", same, pairs)
	}
}

// Every template expands, in every voice, into text within the limits.
func TestWordsAreComplete(t *testing.T) {
	now := time.Now()
	p := newPlan(400, 4000, 3, now)
	for i := range p.stalls {
		s := &p.stalls[i]
		for _, v := range []voice{voiceZh, voiceEn, voiceBoth} {
			s.voice = v
			name, story := stallWords(s)
			st := node.Stall{Name: name, Story: story, Alley: 1}
			if err := st.Validate(); err != nil {
				t.Fatalf("stall %q: %v", name, err)
			}
			if strings.ContainsAny(name+story, "{}") {
				t.Fatalf("unexpanded template in stall %q: %s", name, story)
			}
		}
	}
	for k, ip := range p.items {
		it, kind, _ := makeItem(3, k, ip, &p.stalls[ip.stall], now)
		it.Stall = 1
		if err := it.Validate(); err != nil {
			t.Fatalf("item %q: %v", it.Title, err)
		}
		if strings.ContainsAny(it.Title+it.Story, "{}") {
			t.Fatalf("unexpanded template in item %q: %s", it.Title, it.Story)
		}
		if n := len(it.Tags); n < 2 || n > 5 {
			t.Fatalf("item %q has %d tags: %v", it.Title, n, it.Tags)
		}
		if len(subjects[kind]) == 0 {
			t.Fatalf("no pictures suit %s", kind)
		}
		if !utf8.ValidString(it.Title) {
			t.Fatalf("title %q is not UTF-8", it.Title)
		}
	}
	for _, a := range archetypes {
		for _, g := range a.goods {
			if catalog[g] == nil {
				t.Errorf("archetype of %s sells unknown goods %q", a.alley, g)
			}
		}
	}
	for _, k := range kinds {
		if catalog[k] == nil || subjects[k] == nil {
			t.Errorf("kind %q has no catalog entry or pictures", k)
		}
	}
}

// Searches for everyday words find items in the default demo: 3-character
// words through the trigram index, shorter ones through LIKE, English too.
func TestDefaultDemoIsSearchable(t *testing.T) {
	db, dir := openDB(t)
	ctx := context.Background()
	opt := Options{Stalls: DefaultStalls, Items: DefaultItems, Seed: DefaultSeed, MediaDir: filepath.Join(dir, "media"), OrganiserHash: "x"}
	sum, err := load(ctx, db, opt, 1) // one picture is enough here, and quick
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stalls != DefaultStalls || sum.Items != DefaultItems || sum.Alleys < 6 {
		t.Fatalf("summary = %+v", sum)
	}
	for _, q := range []string{"自行车", "旧书", "花", "bicycle", "Bicycle", "搪瓷杯"} {
		items, _, err := db.Search(ctx, data.SearchQuery{Text: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if len(items) == 0 {
			t.Errorf("search %q finds nothing", q)
		}
		for _, found := range items {
			it, err := db.Item(ctx, found.ID) // listings leave the story out
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ToLower(it.Title + it.Story + strings.Join(it.Tags, " ") + it.StallName)
			if !strings.Contains(text, strings.ToLower(q)) {
				t.Errorf("search %q found %q, which does not contain it", q, it.Title)
			}
		}
	}
	m, err := db.Market(ctx)
	if err != nil || !m.Configured || m.Name.In("en") != "Wutong Lane Weekend Market" {
		t.Fatalf("market = %+v, %v", m, err)
	}
	w, h, err := db.FloorPlan(ctx)
	if err != nil || w*h < DefaultStalls {
		t.Fatalf("floor plan %d×%d, %v", w, h, err)
	}
	open, err := db.Stalls(ctx, data.StallFilter{OpenToday: true, Limit: 500})
	if err != nil || len(open) < DefaultStalls/2 || len(open) > DefaultStalls*9/10 {
		t.Errorf("%d of %d stalls open today (%v)", len(open), DefaultStalls, err)
	}
	acc, _, err := db.AccountByName(ctx, OrganiserName)
	if err != nil || acc.Role != node.RoleOrganiser {
		t.Errorf("organiser = %+v, %v", acc, err)
	}
}

func TestLoadRefusesAMarketThatExists(t *testing.T) {
	db, dir := openDB(t)
	ctx := context.Background()
	if err := db.CreateAccount(ctx, &node.Account{Name: "mei", Role: node.RoleOrganiser}, "hash", ""); err != nil {
		t.Fatal(err)
	}
	media := filepath.Join(dir, "media")
	_, err := Load(ctx, db, Options{Stalls: 10, Items: 20, MediaDir: media, OrganiserHash: "x"})
	if node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("Load into a database with an account = %v, want ECONFLICT", err)
	}
	if m, _ := db.Market(ctx); m.Configured {
		t.Error("the market was configured anyway")
	}
	if _, err := os.Stat(media); err == nil {
		t.Error("photos were drawn anyway")
	}
	if n, _ := db.CountAccounts(ctx); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
}

func TestLoadChecksOptions(t *testing.T) {
	db, dir := openDB(t)
	for _, opt := range []Options{
		{Stalls: 0, Items: 10, MediaDir: dir, OrganiserHash: "x"},
		{Stalls: 10, Items: 5, MediaDir: dir, OrganiserHash: "x"},
		{Stalls: 10, Items: 10, OrganiserHash: "x"},
		{Stalls: 10, Items: 10, MediaDir: dir},
	} {
		if _, err := Load(context.Background(), db, opt); node.ErrorCode(err) != node.EINVALID {
			t.Errorf("Load(%+v) = %v, want EINVALID", opt, err)
		}
	}
}
