package web

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"sync"
	"unsafe"
)

// A packedFrame is a signed-in reader's page kept for every reader like
// them, deflated: the bytes between the marks (the reader's CSRF token,
// handle and display name) are each deflated on their own and end on a byte
// boundary (a sync flush), so that a reader's page is the parts as kept with
// the reader's own bits between them as stored blocks, in a gzip member
// whose CRC-32 is combined from the parts' (writeGzip): a hit neither
// renders nor compresses, and a frame takes a half (an item page) to a
// fifth (a stall page) of its text's bytes: as text, the frames of a
// market's 1,000 item pages did not fit their share of the budget.
//
// A part that other frames hold too (the layout's head, top and foot, the
// bits between the reader's names, the market days' options) is the same
// bytes, kept once (sharedParts) and counted in the size of the first
// frame that held it only.
type packedFrame struct {
	parts []string // each part deflated, sync-flushed, not final
	// crcs and shift are, for each run of parts with no value between
	// them (the parts before the first mark of markCSRF, markName or
	// markShown, those up to the next and so on), the CRC-32 (IEEE) of
	// their text and x^(8·len) mod the CRC polynomial: a hit combines one
	// CRC per value, however many parts were cut.
	crcs  []uint32
	shift []uint32
	marks []byte // the mark after part i: markCSRF, markName, markShown or 0 (nothing)
	plain int    // the length of the parts' text
	size  int    // bytes kept (its own: not the shared parts)
	gz    int    // the parts' deflated length
}

// sharedParts holds the deflated parts of frames by their bytes, so that a
// part many frames hold is one string: its bytes, once. It holds at most
// maxSharedParts parts of at most maxSharedPart bytes each; when full, the
// parts not seen again since the last sweep go (a page's own parts, seen
// again when its frame is made again after a write, go at the sweep after
// next), and all of them if that frees nothing. A shared part's bytes are
// counted in the size of the frame that first held it only: when that
// frame goes before the others, they are held uncounted (the layout's
// parts, about 1 KB a language).
type sharedParts struct {
	mu    sync.Mutex
	parts map[string]*sharedPart
}

type sharedPart struct {
	s    string
	seen int
}

const (
	maxSharedParts = 512
	maxSharedPart  = 2 << 10
)

// intern returns the kept copy of the part b and whether a frame held it
// before (then its bytes are not the caller's to count).
func (sp *sharedParts) intern(b []byte) (string, bool) {
	if len(b) > maxSharedPart {
		return string(b), false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if p := sp.parts[string(b)]; p != nil {
		p.seen++
		return p.s, true
	}
	if len(sp.parts) >= maxSharedParts {
		for k, p := range sp.parts {
			if p.seen < 2 {
				delete(sp.parts, k)
			} else {
				p.seen = 1 // to stay past the next sweep, seen again before it
			}
		}
		if len(sp.parts) >= maxSharedParts {
			clear(sp.parts)
		}
	}
	if sp.parts == nil {
		sp.parts = map[string]*sharedPart{}
	}
	p := &sharedPart{s: string(b), seen: 1}
	sp.parts[p.s] = p
	return p.s, false
}

const (
	markCSRF = iota + 1
	markName
	markShown
)

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
	return w
}}

// pack cuts h at the server's marks and deflates the parts.
func (s *Server) pack(h string) *packedFrame {
	f := &packedFrame{}
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	var runCRC uint32
	var runLen int
	endRun := func() {
		f.crcs = append(f.crcs, runCRC)
		f.shift = append(f.shift, x8nmodp(runLen))
		runCRC, runLen = 0, 0
		f.size += 8
	}
	add := func(text string) {
		var out bytes.Buffer
		w.Reset(&out)
		io.WriteString(w, text)
		w.Flush()
		b, held := s.shared.intern(out.Bytes())
		f.parts = append(f.parts, b)
		runCRC = crc32.Update(runCRC, crc32.IEEETable, []byte(text))
		runLen += len(text)
		f.plain += len(text)
		f.size += 16
		if !held {
			f.size += len(b)
		}
		f.gz += len(b)
	}
	for {
		i := strings.Index(h, s.markPrefix)
		if i < 0 || len(h) < i+len(s.csrfMark) {
			add(h)
			endRun()
			break
		}
		var mark byte
		switch h[i : i+len(s.csrfMark)] {
		case s.csrfMark:
			mark = markCSRF
		case s.nameMark:
			mark = markName
		case s.shownMark:
			mark = markShown
		case s.cutMark:
			// The end of a part, nothing in its place (an empty part is
			// left out).
			if i > 0 {
				add(h[:i])
				f.marks = append(f.marks, 0)
				f.size++
			}
			h = h[i+len(s.cutMark):]
			continue
		}
		if mark == 0 { // the prefix alone, by chance: text
			add(h[:i+len(s.markPrefix)])
			f.marks = append(f.marks, 0)
			h = h[i+len(s.markPrefix):]
			continue
		}
		add(h[:i])
		endRun()
		f.marks = append(f.marks, mark)
		h = h[i+len(s.csrfMark):]
		f.size++
	}
	return f
}

// gzipHeader starts a gzip member: deflate, no name, no time, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// writeGzip writes the frame as one gzip member with vals in place of its
// marks (vals[markCSRF] and so on; a mark without a value, 0, writes
// nothing).
func (f *packedFrame) writeGzip(buf *bytes.Buffer, vals *[4]string) {
	n := len(gzipHeader) + f.gz + 13 // the final block and the trailer
	for _, m := range f.marks {
		n += len(vals[m]) + 5
	}
	buf.Grow(n)
	buf.Write(gzipHeader)
	var crc uint32
	run := 0
	n = f.plain
	for i, p := range f.parts {
		buf.WriteString(p)
		if i < len(f.marks) && f.marks[i] != 0 {
			crc = multmodp(f.shift[run], crc) ^ f.crcs[run]
			run++
			v := vals[f.marks[i]]
			for len(v) > 0 { // stored blocks of at most 65,535 bytes
				k := min(len(v), 0xffff)
				buf.Write([]byte{0, byte(k), byte(k >> 8), ^byte(k), ^byte(k >> 8)})
				buf.WriteString(v[:k])
				// The value's bytes as they are: crc32 only reads them.
				crc = crc32.Update(crc, crc32.IEEETable, unsafe.Slice(unsafe.StringData(v), k))
				v, n = v[k:], n+k
			}
		}
	}
	crc = multmodp(f.shift[run], crc) ^ f.crcs[run]
	buf.Write([]byte{1, 0, 0, 0xff, 0xff}) // the final block, empty and stored
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:4], crc)
	binary.LittleEndian.PutUint32(tail[4:], uint32(n))
	buf.Write(tail[:])
}

// writePlain writes the frame's text with vals in place of its marks, for
// a client that does not take gzip.
func (f *packedFrame) writePlain(buf *bytes.Buffer, vals *[4]string) error {
	var gz bytes.Buffer
	f.writeGzip(&gz, vals)
	zr, _ := gzReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(&gz)
	} else {
		err = zr.Reset(&gz)
	}
	if err != nil {
		return err
	}
	_, err = buf.ReadFrom(zr)
	gzReaders.Put(zr)
	return err
}

// multmodp multiplies a and b modulo the CRC-32 polynomial (reflected, as
// zlib's crc32_combine does): crc(A‖B) = multmodp(x^(8·len B), crc(A)) ^ crc(B).
func multmodp(a, b uint32) uint32 {
	const poly = 0xedb88320
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		if b&1 != 0 {
			b = b>>1 ^ poly
		} else {
			b >>= 1
		}
	}
	return p
}

// x2nTable[k] is x^(2^k) modulo the polynomial.
var x2nTable = func() (t [32]uint32) {
	p := uint32(1) << 30 // x^1
	t[0] = p
	for n := 1; n < 32; n++ {
		p = multmodp(p, p)
		t[n] = p
	}
	return t
}()

// x8nmodp returns x^(8·n) modulo the polynomial.
func x8nmodp(n int) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n > 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = multmodp(x2nTable[k&31], p)
		}
	}
	return p
}
