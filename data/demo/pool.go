package demo

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"math/rand/v2"
	"runtime"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// Photo size of the drawn pictures.
const photoW, photoH = 640, 480

// pool is the set of drawn photos stalls and items share: each is saved once
// in the media store and used by many rows.
type pool struct {
	photos    []poolPhoto
	scene     []int // the scene each picture shows
	bySubject map[string][]int
}

type poolPhoto struct {
	media.Photo
	desc bi // what it shows
}

// alt returns the photo's description in the voice v.
func (p *poolPhoto) alt(v voice) string {
	switch v {
	case voiceZh:
		return p.desc.zh
	case voiceEn:
		return p.desc.en
	}
	return p.desc.zh + " / " + p.desc.en
}

// node returns the photo as a stall's or item's photo, described in v.
func (p *poolPhoto) node(v voice) node.Photo {
	return node.Photo{Hash: p.Hash, Ext: p.Ext, Width: p.Width, Height: p.Height, Alt: p.alt(v)}
}

// pick returns n different photos of subjects (fewer if there are not as
// many), described in the voice v. The pictures must have been drawn.
func (pl *pool) pick(rng *rand.Rand, subjects []string, n int, v voice) []node.Photo {
	var idx []int
	for _, s := range subjects {
		idx = append(idx, pl.bySubject[s]...)
	}
	n = min(n, len(idx))
	out := make([]node.Photo, 0, n)
	for _, i := range rng.Perm(len(idx))[:n] {
		out = append(out, pl.photos[idx[i]].node(v))
	}
	return out
}

// paint draws picture i of the pool, showing scene, on a backdrop in its
// alley's colours.
func paint(seed uint64, i, scene int) (*canvas, bi) {
	rng := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(i)))
	sc := scenes[scene]
	alley := hex(alleys[alleyIndex(sc.alley)].colour)
	c := newCanvas(photoW, photoH)
	table := 300 + rng.IntN(40)
	clothKind := rng.IntN(3)
	cloth := pick(rng, []rgb{alley.lighter(0.55), {186, 136, 92}, {236, 226, 204}, alley.lighter(0.3)})
	pattern := pick(rng, []rgb{{255, 255, 255}, alley, alley.darker(0.3)})
	top, bottom := alley.lighter(0.86).jitter(rng, 6), alley.lighter(0.7).jitter(rng, 6)
	switch sc.name {
	case "kite":
		top, bottom, cloth, clothKind = rgb{140, 192, 232}, rgb{214, 234, 244}, rgb{120, 170, 96}, 0
	case "bike", "robot":
		cloth, clothKind = rgb{196, 190, 180}, 0 // a pavement, not a cloth
	}
	c.backdrop(top, bottom, cloth, pattern, table, clothKind)
	desc := sc.draw(rng, c, float64(table))
	if sc.name != "kite" && sc.name != "bike" && sc.name != "robot" {
		desc.zh += "，放在" + cloths[clothKind].zh + "桌布上"
		desc.en += " on a " + cloths[clothKind].en + " cloth"
	}
	c.vignette(0.35)
	return c, desc
}

// poolSize is the number of pictures drawn for a market of stalls stalls:
// one of each subject and one more per 16 stalls, at most 96 (32 for the
// default 200 stalls). Saving a picture with its thumbnails is the slow part
// of a small demo (a twentieth of a second each, ten times that under the
// race detector), but a market looks only as varied as its pictures.
func poolSize(stalls int) int {
	return min(96, len(scenes)+stalls/16)
}

// newPool returns a pool of n pictures yet to be drawn, shared out over the
// subjects by how many of the plan's stalls and items they suit: every
// subject in use gets a picture (if n allows), the common ones more.
func newPool(n int, p *plan) *pool {
	index := map[string]int{}
	for i, sc := range scenes {
		index[sc.name] = i
	}
	weights := make([]int, len(scenes))
	use := func(kind string, w int) {
		for _, s := range subjects[kind] {
			weights[index[s]] += w / len(subjects[kind])
		}
	}
	for _, s := range p.stalls {
		use(s.arch.goods[0], 120) // the stall's own photo
		for _, kind := range s.arch.goods {
			use(kind, 120*s.items/len(s.arch.goods))
		}
	}
	var used, usedWeights []int
	for i, w := range weights {
		if w > 0 {
			used, usedWeights = append(used, i), append(usedWeights, w)
		}
	}
	pl := &pool{photos: make([]poolPhoto, 0, n), bySubject: map[string][]int{}}
	for k, count := range shareOut(n, usedWeights) {
		for range count {
			sc := used[k]
			pl.bySubject[scenes[sc].name] = append(pl.bySubject[scenes[sc].name], len(pl.scene))
			pl.scene = append(pl.scene, sc)
		}
	}
	pl.photos = pl.photos[:len(pl.scene)]
	return pl
}

// drawing is a pool being drawn and saved in the background.
type drawing struct {
	pl      *pool
	results chan error
	got     int // results received
	cancel  context.CancelFunc
}

// draw starts drawing the pool's pictures and saving them in store, on all
// CPUs, while the caller goes on. Call wait, or stop, for them.
func (pl *pool) draw(ctx context.Context, store *media.Store, seed uint64) *drawing {
	ctx, cancel := context.WithCancel(ctx)
	n := len(pl.photos)
	d := &drawing{pl: pl, results: make(chan error, n), cancel: cancel}
	jobs := make(chan int, n)
	for i := range n {
		jobs <- i
	}
	close(jobs)
	for range min(n, runtime.GOMAXPROCS(0)) {
		go func() {
			var buf bytes.Buffer
			for i := range jobs {
				if ctx.Err() != nil {
					d.results <- ctx.Err()
					continue
				}
				c, desc := paint(seed, i, pl.scene[i])
				buf.Reset()
				err := jpeg.Encode(&buf, c.img, &jpeg.Options{Quality: 92})
				var p media.Photo
				if err == nil {
					p, err = store.Save(bytes.NewReader(buf.Bytes()))
				}
				if err != nil {
					err = fmt.Errorf("demo: picture %d: %w", i, err)
				}
				pl.photos[i] = poolPhoto{Photo: p, desc: desc}
				d.results <- err
			}
		}()
	}
	return d
}

// wait waits until every picture is saved, reporting progress after each,
// and returns the first error. After wait, the pool's photos are filled in.
func (d *drawing) wait(progress func(done, total int)) error {
	defer d.cancel()
	var first error
	n := len(d.pl.photos)
	for d.got < n {
		d.got++
		if err := <-d.results; err != nil && first == nil {
			first = err
			d.cancel()
		}
		progress(d.got, n)
	}
	return first
}

// stop cancels the drawing and waits for the pictures being drawn, so that
// nothing writes in the store after it returns. It may follow wait.
func (d *drawing) stop() {
	d.cancel()
	for ; d.got < len(d.pl.photos); d.got++ {
		<-d.results
	}
}
