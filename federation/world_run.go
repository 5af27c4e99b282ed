package federation

import (
	"context"
	"sync"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The world market's background work (runWorld): reading linked markets'
// outboxes (catalogue_sync.go), naming their stalls, copying thumbnails
// (catalogue_photos.go), asking linked markets whether they are up, and
// sweeping what is old. Each linked market is worked on by at most one
// goroutine at a time, so a slow or broken market holds up only itself.

// worldWorkers bounds the linked markets worked on at once.
const worldWorkers = 4

type worldRun struct {
	f        *Federation
	sem      chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	busy     map[string]bool // "sync:ID", "check:ID", "names", "thumbs"
	failures map[node.LinkID]int
	retryAt  map[node.LinkID]time.Time
}

// runWorld does the world market's background work until ctx ends.
func (f *Federation) runWorld(ctx context.Context) {
	w := &worldRun{f: f, sem: make(chan struct{}, worldWorkers), busy: map[string]bool{},
		failures: map[node.LinkID]int{}, retryAt: map[node.LinkID]time.Time{}}
	if err := f.reloadLinks(ctx); err != nil && ctx.Err() == nil {
		f.log.Error("loading market links", "err", err)
	}
	if err := f.refetchLostThumbs(ctx); err != nil && ctx.Err() == nil {
		f.log.Error("world catalogue: checking thumbnails", "err", err)
	}
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	var swept, checked time.Time
	for {
		now := f.now()
		if now.Sub(swept) >= time.Hour {
			swept = now
			w.sweep(ctx)
		}
		if now.Sub(checked) >= f.world.check {
			checked = now
			w.checkAll(ctx)
		}
		w.step(ctx)
		select {
		case <-ctx.Done():
			w.wg.Wait()
			return
		case <-f.world.wake:
			w.gcThumbs(ctx)
		case <-tick.C:
		}
	}
}

// start runs job as key unless a job of that key is running; it takes a
// worker slot.
func (w *worldRun) start(ctx context.Context, key string, job func(context.Context)) {
	w.mu.Lock()
	if w.busy[key] {
		w.mu.Unlock()
		return
	}
	w.busy[key] = true
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() {
			w.mu.Lock()
			delete(w.busy, key)
			w.mu.Unlock()
		}()
		select {
		case w.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-w.sem }()
		job(ctx)
	}()
}

// step starts the reads of outboxes that are due, and the naming of stalls
// and copying of thumbnails.
func (w *worldRun) step(ctx context.Context) {
	f := w.f
	if err := f.dueSyncs(ctx); err != nil && ctx.Err() == nil {
		f.log.Error("world catalogue: scheduling reads", "err", err)
	}
	ids, err := f.pendingSyncs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Error("world catalogue: listing reads", "err", err)
		}
		return
	}
	ls := f.links(ctx)
	for _, id := range ids {
		lk := ls.byID[id]
		w.mu.Lock()
		wait := f.now().Before(w.retryAt[id])
		w.mu.Unlock()
		if lk == nil || wait {
			continue
		}
		w.start(ctx, "sync:"+lk.actor, func(ctx context.Context) {
			pages, err := f.syncLink(ctx, lk)
			w.mu.Lock()
			if pages > 0 {
				delete(w.failures, id) // it got on: the next failure waits the least
			}
			if err != nil && ctx.Err() == nil {
				w.failures[id]++
				after := syncBackoff(w.failures[id])
				w.retryAt[id] = f.now().Add(after)
				time.AfterFunc(after, f.wakeWorld) // not at the next tick: it may be 15 s on
				f.log.Info("world catalogue: reading a linked market's outbox failed; will retry", "market", lk.actor, "err", err,
					"at", w.retryAt[id].UTC().Format(time.RFC3339))
			} else {
				delete(w.failures, id)
				delete(w.retryAt, id)
			}
			w.mu.Unlock()
			f.wakeWorld()
		})
	}
	w.start(ctx, "names", func(ctx context.Context) {
		if n, err := f.nameStalls(ctx, 50); err != nil && ctx.Err() == nil {
			f.log.Info("world catalogue: naming stalls", "err", err)
		} else if n > 0 {
			f.wakeWorld()
		}
	})
	if f.cfg.WorldMedia != nil {
		w.start(ctx, "thumbs", func(ctx context.Context) {
			if n, err := f.fetchThumbs(ctx, 16); err != nil && ctx.Err() == nil {
				f.log.Info("world catalogue: thumbnails", "err", err)
			} else if n > 0 {
				f.wakeWorld()
			}
		})
	}
}

// checkAll asks every linked market for its actor and facts (name, city,
// stalls open): one that answers is fresh, one that does not is stale.
func (w *worldRun) checkAll(ctx context.Context) {
	f := w.f
	for _, lk := range f.links(ctx).byActor {
		if lk.state != node.LinkLinked {
			continue
		}
		w.start(ctx, "check:"+lk.actor, func(ctx context.Context) {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			ra, err := f.remoteActor(cctx, lk.actor, true)
			if err != nil {
				if ctx.Err() == nil {
					f.unreachable(ctx, lk, err)
				}
				return
			}
			f.heard(ctx, lk)
			f.storeFacts(ctx, lk.id, f.marketFacts(cctx, ra))
		})
	}
}

// sweep drops old catalogue items and unreferenced thumbnails.
func (w *worldRun) sweep(ctx context.Context) {
	if err := w.f.sweepCatalogue(ctx); err != nil && ctx.Err() == nil {
		w.f.log.Error("world catalogue: sweep", "err", err)
	}
	w.gcThumbs(ctx)
}

// gcThumbs removes thumbnail files no catalogue item uses any more.
func (w *worldRun) gcThumbs(ctx context.Context) {
	if w.f.cfg.WorldMedia == nil {
		return
	}
	w.start(ctx, "gc", func(ctx context.Context) {
		if n, err := w.f.collectThumbs(ctx); err != nil && ctx.Err() == nil {
			w.f.log.Error("world catalogue: removing thumbnails", "err", err)
		} else if n > 0 {
			w.f.log.Info("world catalogue: removed unused thumbnails", "files", n)
		}
	})
}
