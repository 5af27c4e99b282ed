// Package demo fills an empty database with a believable demo market: alleys
// on a floor plan, stallholders and their stalls, items with bilingual
// stories, tags and prices, and photos drawn on the spot (nothing is
// downloaded). It is what `shiji demo` and `shiji serve --demo` load, and
// the fixture benchmarks run on.
//
// The market depends only on the seed, the sizes and Options.Now (by default
// the current hour): the same Options give the same stalls, items and
// photos, except the organiser's password, which the caller chooses.
package demo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// Sizes of a demo market.
const (
	DefaultStalls = 200
	DefaultItems  = 2_000
	DefaultSeed   = 1
	MaxStalls     = 20_000
	MaxItems      = 2_000_000
)

// OrganiserName is the demo organiser's account name.
const OrganiserName = "organiser"

// stallholderHash is the password hash of every demo stallholder: an
// argon2id hash of a random password nobody kept, so they cannot log in
// (hashing a thousand passwords would take a minute).
const stallholderHash = "$argon2id$v=19$m=19456,t=2,p=1$wt9z7yxbONU07/MJ5k/gLQ$ZA4YxYrep3AVPE1JI5/NUTfV6S195YZDeazxtkas8/k"

// Options say which demo market to make.
type Options struct {
	Stalls int    // 1 to MaxStalls
	Items  int    // Stalls to MaxItems: every stall has at least one item
	Seed   uint64 // the same seed gives the same market

	// MediaDir is where the photos go: the data directory's "media".
	MediaDir string

	// OrganiserHash is the password hash of the "organiser" account, as
	// app.HashPassword makes it.
	OrganiserHash string

	// Now is the market's present: items were listed over the year
	// before it. Zero means the current hour (so two loads within the
	// same hour are alike to the second).
	Now time.Time

	// Progress, if set, is called as the work goes on, from the
	// goroutine that called Load: stage is "stalls", "items", "pictures"
	// (drawing them) or "photos" (giving them to stalls and items); done
	// of total are finished.
	Progress func(stage string, done, total int)
}

// CheckSize returns EINVALID with a readable message unless there are 1 to
// MaxStalls stalls and stalls to MaxItems items.
func CheckSize(stalls, items int) error {
	switch {
	case stalls < 1 || stalls > MaxStalls:
		return node.Errorf(node.EINVALID, "The number of stalls must be between 1 and %d (got %d).", MaxStalls, stalls)
	case items < stalls:
		return node.Errorf(node.EINVALID, "Every stall needs at least one item: use at least as many items as stalls (got %d items for %d stalls).", items, stalls)
	case items > MaxItems:
		return node.Errorf(node.EINVALID, "The number of items may be at most %d (got %d).", MaxItems, items)
	}
	return nil
}

// Check returns EINVALID with a readable message if the options are out of
// range or incomplete.
func (o *Options) Check() error {
	if err := CheckSize(o.Stalls, o.Items); err != nil {
		return err
	}
	switch {
	case o.MediaDir == "":
		return node.Errorf(node.EINVALID, "The photo directory is not set.")
	case o.OrganiserHash == "":
		return node.Errorf(node.EINVALID, "The organiser's password hash is not set.")
	}
	return nil
}

// Summary counts what Load made.
type Summary struct {
	Alleys     int
	Accounts   int // the stallholders and the organiser
	Stalls     int
	OpenToday  int
	Items      int
	Available  int
	Photos     int // photos of stalls and items
	Pictures   int // drawn pictures they share
	PlanW      int // floor plan size
	PlanH      int
	Organiser  string // the organiser's account name
	ItemsSince time.Time
}

// Load fills db, which must be empty, with the demo market, in one
// transaction: on any error nothing is stored (pictures already drawn stay in
// MediaDir, unused). It returns EINVALID for bad options and ECONFLICT,
// changing nothing, when the market is already set up or accounts exist.
//
// The pictures are drawn on all CPUs while the stalls and items are written.
func Load(ctx context.Context, db *data.DB, opt Options) (Summary, error) {
	return load(ctx, db, opt, poolSize(opt.Stalls))
}

// load is Load with a pool of pictures pictures.
func load(ctx context.Context, db *data.DB, opt Options, pictures int) (Summary, error) {
	if err := opt.Check(); err != nil {
		return Summary{}, err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now().Truncate(time.Hour)
	}
	now = now.UTC().Truncate(time.Second)
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}

	b, err := db.BeginBulk(ctx)
	if err != nil {
		return Summary{}, err
	}
	defer b.Rollback()
	if err := b.RequireEmpty(); err != nil {
		return Summary{}, err
	}
	store, err := media.NewStore(opt.MediaDir, media.DefaultLimits())
	if err != nil {
		return Summary{}, err
	}
	p := newPlan(opt.Stalls, opt.Items, opt.Seed, now)
	pl := newPool(pictures, p)
	drawing := pl.draw(ctx, store, opt.Seed)
	defer drawing.stop()

	sum := Summary{PlanW: p.w, PlanH: p.h, Pictures: len(pl.photos), Organiser: OrganiserName}
	if err := writeMarket(b, p, opt, now, &sum, progress); err != nil {
		return Summary{}, err
	}
	if err := drawing.wait(func(done, total int) { progress("pictures", done, total) }); err != nil {
		return Summary{}, err
	}
	if err := writePhotos(ctx, b, p, pl, opt.Seed, &sum, progress); err != nil {
		return Summary{}, err
	}
	if err := b.Commit(); err != nil {
		return Summary{}, err
	}
	if err := writeMarketDays(ctx, db, now); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// writeMarket writes the market, its alleys, accounts, stalls and items.
func writeMarket(b *data.Bulk, p *plan, opt Options, now time.Time, sum *Summary, progress func(string, int, int)) error {
	if err := b.SetMarket(data.DemoMarket(), now); err != nil {
		return err
	}
	if err := b.SetFloorPlan(p.w, p.h); err != nil {
		return err
	}
	alleyIDs := make([]node.AlleyID, len(alleys))
	for i, a := range alleys {
		al := &node.Alley{Slug: a.slug, Name: node.Text{"zh-Hans": a.name.zh, "en": a.name.en}, Colour: a.colour, Position: i + 1}
		if err := b.CreateAlley(al); err != nil {
			return err
		}
		alleyIDs[i] = al.ID
	}
	sum.Alleys = len(alleys)
	org := &node.Account{Name: OrganiserName, DisplayName: "市集主理人 The Organiser", Role: node.RoleOrganiser,
		CreatedAt: p.stalls[0].created.Add(-30 * 24 * time.Hour)}
	if err := b.CreateAccount(org, opt.OrganiserHash); err != nil {
		return err
	}
	sum.Accounts++

	for i := range p.stalls {
		s := &p.stalls[i]
		acc := &node.Account{Name: s.who.handle, DisplayName: s.who.displayName(s.voice), Role: node.RoleStallholder,
			Lang: [...]string{voiceZh: "zh-Hans", voiceEn: "en", voiceBoth: ""}[s.voice], CreatedAt: s.created}
		if err := b.CreateAccount(acc, stallholderHash); err != nil {
			return err
		}
		name, story := stallWords(s)
		spot := s.spot
		st := &node.Stall{Name: name, Story: story, Alley: alleyIDs[s.alley], Spot: &spot, OpenToday: s.open, CreatedAt: s.created}
		if err := b.CreateStall(st, acc.ID); err != nil {
			return err
		}
		s.id = st.ID
		sum.Accounts++
		sum.Stalls++
		if s.open {
			sum.OpenToday++
		}
		progress("stalls", i+1, len(p.stalls))
	}

	for k := range p.items {
		ip := &p.items[k]
		it, kind, v := makeItem(opt.Seed, k, *ip, &p.stalls[ip.stall], now)
		it.Stall = p.stalls[ip.stall].id
		if err := b.CreateItem(it); err != nil {
			return err
		}
		ip.id, ip.kind, ip.voice = int32(it.ID), kindIndex(kind), v
		sum.Items++
		if it.Status == node.ItemAvailable {
			sum.Available++
		}
		if k == 0 {
			sum.ItemsSince = it.CreatedAt
		}
		if k%256 == 255 || k == len(p.items)-1 {
			progress("items", k+1, len(p.items))
		}
	}
	return nil
}

// writePhotos gives every stall one photo and every item one to three, from
// the drawn pictures that suit them.
func writePhotos(ctx context.Context, b *data.Bulk, p *plan, pl *pool, seed uint64, sum *Summary, progress func(string, int, int)) error {
	total := len(p.stalls) + len(p.items)
	for i := range p.stalls {
		s := &p.stalls[i]
		rng := rand.New(rand.NewPCG(s.seed, 2))
		if err := b.AddPhotos("stall", int64(s.id), pl.pick(rng, subjects[s.arch.goods[0]], 1, s.voice)); err != nil {
			return err
		}
		sum.Photos++
	}
	for k, ip := range p.items {
		if k%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rng := rand.New(rand.NewPCG(seed^0x9407, uint64(k)))
		photos := pl.pick(rng, subjects[kinds[ip.kind]], 1+min(rng.IntN(3), rng.IntN(3)), ip.voice)
		if err := b.AddPhotos("item", int64(ip.id), photos); err != nil {
			return err
		}
		sum.Photos += len(photos)
		if k%1024 == 1023 || k == len(p.items)-1 {
			progress("photos", len(p.stalls)+k+1, total)
		}
	}
	return nil
}
