package federation

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/media"
)

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Pictures both ways: a private message from GoToSocial with a photo (its
// real shape, fixture 14, addressed to our stall) arrives with the photo
// copied here; a picture-only note is kept too; what cannot be fetched or is
// not an image is left out; our own message's photos go out as Image
// attachments.
func TestPicturesInMessages(t *testing.T) {
	ctx := context.Background()
	store, err := media.NewStore(filepath.Join(t.TempDir(), "media"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.Media = store })
	n.run()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	stallURL := n.f.u.stall(st.ID)
	amy := newRemote(t, n.net, "https://gts.test/users/amy", "")
	photoURL := "https://gts.test/fileserver/01MKMQ3P7779SKW5KHVQ52E5CF/attachment/original/01M889HKB7RVAAF2FNCCDHEBTQ.jpeg"
	n.net.serveFile(photoURL, "image/jpeg", testJPEG(t, 64, 48))

	dm := gtsShaped(t, "14-inbox-create-note-with-photo.http", amy, "")
	obj := dm["object"].(map[string]any)
	for _, m := range []map[string]any{dm, obj} { // addressed to the stall only: a private message
		m["to"], m["cc"] = stallURL, []any{}
	}
	post := func(k *remoteKey, a map[string]any) {
		t.Helper()
		if w := n.do(k.signedPost(t, n.f.u.sharedInbox(), a, n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("%s = %d %s", a["id"], w.Code, w.Body)
		}
	}
	post(amy, dm)
	convs, _ := n.db.Conversations(ctx, wang.ID, 10)
	if len(convs) != 1 {
		t.Fatalf("conversations = %d", len(convs))
	}
	ms, _ := n.db.Messages(ctx, convs[0].ID, 0, 10)
	if len(ms) != 1 || !strings.Contains(ms[0].Body, "With a photo 带照片") || len(ms[0].Photos) != 1 {
		t.Fatalf("message = %+v", ms)
	}
	ph := ms[0].Photos[0]
	if ph.Width != 64 || ph.Height != 48 || ph.Ext != "jpg" {
		t.Fatalf("photo = %+v", ph)
	}
	if rec := httptestGet(store.Handler(), "/"+ph.Hash+".jpg"); rec != http.StatusOK {
		t.Fatalf("the copied photo is not served: %d", rec)
	}

	// A picture-only note, with one broken and one non-image attachment.
	only := map[string]any{"@context": asContextIRI, "id": amy.id + "/n/2#create", "type": "Create", "actor": amy.id,
		"object": map[string]any{"id": amy.id + "/n/2", "type": "Note", "attributedTo": amy.id, "to": stallURL, "content": "",
			"attachment": []any{
				map[string]any{"type": "Document", "mediaType": "image/jpeg", "url": "https://gts.test/missing.jpg"},
				map[string]any{"type": "Document", "mediaType": "image/jpeg", "url": "https://gts.test/not-a-picture.jpg"},
				map[string]any{"type": "Image", "mediaType": "image/jpeg", "url": photoURL, "name": "the bell, close up"},
			}}}
	n.net.serveFile("https://gts.test/not-a-picture.jpg", "image/jpeg", []byte("<html>hello</html>"))
	post(amy, only)
	ms, _ = n.db.Messages(ctx, convs[0].ID, 0, 10)
	if len(ms) != 2 {
		t.Fatalf("messages = %d", len(ms))
	}
	last := ms[len(ms)-1]
	if last.Body != "📷" || len(last.Photos) != 1 || last.Photos[0].Alt != "the bell, close up" {
		t.Fatalf("picture-only message = %+v", last)
	}

	// Our answer with a photo carries it as an Image.
	mine, err := store.Save(bytes.NewReader(testJPEG(t, 32, 32)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.app.Post(ctx, wang, app.PostInput{Conversation: convs[0].ID, Body: "Here it is from the side.",
		Photos: []node.Photo{{Hash: mine.Hash, Ext: mine.Ext, Width: mine.Width, Height: mine.Height, Alt: "side view"}}})
	if err != nil {
		t.Fatal(err)
	}
	sent := decode(t, n.waitPosts(t, amy.id+"/inbox", 1)[0].Body)
	atts, _ := sent["object"].(map[string]any)["attachment"].([]any)
	if one, ok := sent["object"].(map[string]any)["attachment"].(map[string]any); ok {
		atts = []any{one} // a single value is not an array in JSON-LD
	}
	if len(atts) != 1 {
		t.Fatalf("attachments = %v", sent["object"])
	}
	img := atts[0].(map[string]any)
	if img["type"] != "Image" || img["url"] != "https://market.test/media/"+mine.Hash+".jpg" || img["name"] != "side view" ||
		img["mediaType"] != "image/jpeg" || img["width"] != 32.0 {
		t.Fatalf("image = %v", img)
	}
}

// httptestGet serves a GET of path and returns its status.
func httptestGet(h http.Handler, path string) int {
	r, _ := http.NewRequest(http.MethodGet, "http://x"+path, nil)
	w := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(w, r)
	return w.code
}

type statusRecorder struct {
	header http.Header
	code   int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = 200
	}
	return len(b), nil
}
func (s *statusRecorder) WriteHeader(c int) { s.code = c }
