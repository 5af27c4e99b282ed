package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/internal/freshdb"
)

// market is a node with an organiser, two stallholders and a resident, an
// alley and a stall held by "wang".
type market struct {
	n                        *testNode
	c                        *client
	org, wang, li, res, anon string // bearer tokens ("" for anonymous)
	stall                    float64
}

func newMarket(t *testing.T) *market {
	t.Helper()
	return newMarketWith(t)
}

// newMarketWith is newMarket with more flags for serve.
func newMarketWith(t *testing.T, flags ...string) *market {
	t.Helper()
	dir := freshdb.Dir(t)
	for _, u := range []struct{ name, role string }{{"mei", "organiser"}, {"wang", "stallholder"}, {"li", "stallholder"}, {"ajie", "resident"}} {
		if _, e, err := runCmd(t, "a long secret phrase\n", "user", "add", u.name, "--role", u.role, "--data", dir); err != nil {
			t.Fatal(err, e)
		}
	}
	m := &market{n: startNode(t, dir, flags...)}
	m.c = newClient(t, m.n.URL)
	login := func(name string) string {
		r := m.c.postJSON("/api/v1/sessions", fmt.Sprintf(`{"name":%q,"password":"a long secret phrase"}`, name))
		if r.Status != 201 {
			t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
		}
		return r.JSON(t)["token"].(string)
	}
	m.org, m.wang, m.li, m.res = login("mei"), login("wang"), login("li"), login("ajie")
	if r := m.call("POST", "/api/v1/alleys", m.org, `{"slug":"vintage","name":{"en":"Vintage","zh-Hans":"旧物"},"colour":"#8a5a44"}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	m.call("POST", "/api/v1/alleys", m.org, `{"slug":"flowers","name":{"en":"Flowers","zh-Hans":"花"},"colour":"#c0466b"}`)
	r := m.call("POST", "/api/v1/stalls", m.wang, `{"name":"Old Wang's Bicycles","story":"I have fixed bikes on this corner since 1988.","alley":"vintage","open_today":true}`)
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	m.stall = r.JSON(t)["id"].(float64)
	return m
}

func (m *market) call(method, path, token, body string) response {
	m.c.t.Helper()
	h := []string{"Content-Type", "application/json"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	return m.c.do(method, path, rd, h...)
}

// upload posts a multipart photo.
func (m *market) upload(path, token string, file []byte, alt string) response {
	m.c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "photo.jpg")
	fw.Write(file)
	w.WriteField("alt", alt)
	w.Close()
	h := []string{"Content-Type", w.FormDataContentType()}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return m.c.do("POST", path, &buf, h...)
}

// jpegWithGPS is a small JPEG carrying an EXIF segment with a GPS marker.
func jpegWithGPS(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 60, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 60; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), 120, uint8(y * 6), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x00GPS-SECRET-31.2304N-121.4737E\x00")
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	raw := b.Bytes()
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

func TestStallAndItemThroughTheAPI(t *testing.T) {
	m := newMarket(t)
	stall := fmt.Sprintf("/api/v1/stalls/%d", int(m.stall))
	r := m.call("POST", stall+"/items", m.wang, `{"title":"1980s Phoenix bicycle bell 凤凰自行车铃","story":"From my father's **Phoenix** bicycle.\n\n<script>alert(1)</script>[x](javascript:alert(1))","price":{"amount":"12.50","currency":"CNY"},"quantity":2,"tags":["vintage","#自行车"]}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("create item = %d %s", r.Status, r.Body)
	}
	item := r.JSON(t)
	id := int(item["id"].(float64))
	if !strings.HasSuffix(item["url"].(string), fmt.Sprintf("/items/%d", id)) {
		t.Fatalf("url = %v", item["url"])
	}
	got := m.call("GET", fmt.Sprintf("/api/v1/items/%d", id), "", "").JSON(t)
	html := got["story_html"].(string)
	if !strings.Contains(html, "<strong>Phoenix</strong>") || strings.Contains(html, "<script") || strings.Contains(html, "javascript:") {
		t.Fatalf("story_html = %q", html)
	}
	if got["status"] != "available" || got["quantity"].(float64) != 2 || got["stall"].(map[string]any)["name"] != "Old Wang's Bicycles" {
		t.Fatalf("item = %v", got)
	}
	if p := got["price"].(map[string]any); p["amount"] != "12.50" || p["currency"] != "CNY" || p["kind"] != "amount" {
		t.Fatalf("price = %v", p)
	}
	if tags := fmt.Sprint(got["tags"]); tags != "[vintage 自行车]" {
		t.Fatalf("tags = %s", tags)
	}

	// A photo with EXIF GPS comes back without it.
	r = m.upload(fmt.Sprintf("/api/v1/items/%d/photos", id), m.wang, jpegWithGPS(t), "The bell, a little rusty")
	if r.Status != http.StatusCreated {
		t.Fatalf("photo = %d %s", r.Status, r.Body)
	}
	photoURL := r.JSON(t)["url"].(string)
	ph := m.c.get(strings.TrimPrefix(photoURL, m.n.URL))
	if ph.Status != 200 || ph.Header.Get("Content-Type") != "image/jpeg" || !strings.Contains(ph.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("GET photo = %d %s %s", ph.Status, ph.Header.Get("Content-Type"), ph.Header.Get("Cache-Control"))
	}
	if strings.Contains(ph.Body, "Exif") || strings.Contains(ph.Body, "GPS-SECRET") {
		t.Fatal("the stored photo still carries EXIF/GPS")
	}
	got = m.call("GET", fmt.Sprintf("/api/v1/items/%d", id), "", "").JSON(t)
	if photos := got["photos"].([]any); len(photos) != 1 || photos[0].(map[string]any)["alt"] != "The bell, a little rusty" {
		t.Fatalf("photos = %v", got["photos"])
	}

	// Edit, then withdraw.
	r = m.call("PATCH", fmt.Sprintf("/api/v1/items/%d", id), m.wang, `{"price":{"kind":"swap"},"quantity":1}`)
	if r.Status != 200 || r.JSON(t)["price"].(map[string]any)["kind"] != "swap" {
		t.Fatalf("patch = %d %s", r.Status, r.Body)
	}
	if r := m.call("DELETE", fmt.Sprintf("/api/v1/items/%d", id), m.wang, ""); r.Status != 204 {
		t.Fatalf("delete = %d %s", r.Status, r.Body)
	}
	if st := m.call("GET", fmt.Sprintf("/api/v1/items/%d", id), "", "").JSON(t)["status"]; st != "withdrawn" {
		t.Fatalf("after delete status = %v", st)
	}
	// The stall with its items; another stallholder joins the stall? (PATCH by owner).
	s := m.call("GET", stall, "", "").JSON(t)
	if s["name"] != "Old Wang's Bicycles" || s["alley"].(map[string]any)["slug"] != "vintage" || fmt.Sprint(s["holders"]) != "[wang]" {
		t.Fatalf("stall = %v", s)
	}
	r = m.call("PATCH", stall, m.wang, `{"open_today":false,"story":"Fixing bikes since 1988."}`)
	if r.Status != 200 || r.JSON(t)["open_today"] != false {
		t.Fatalf("patch stall = %d %s", r.Status, r.Body)
	}
	if r := m.call("PUT", stall+"/spot", m.org, `{"x":2,"y":1}`); r.Status != 204 {
		t.Fatalf("place = %d %s", r.Status, r.Body)
	}
	if sp := m.call("GET", stall, "", "").JSON(t)["spot"].(map[string]any); sp["X"] != 2.0 && sp["x"] != 2.0 {
		t.Fatalf("spot = %v", sp)
	}
}

func TestMutatingRoutesAuthorisation(t *testing.T) {
	m := newMarket(t)
	stall := fmt.Sprintf("/api/v1/stalls/%d", int(m.stall))
	r := m.call("POST", stall+"/items", m.wang, `{"title":"Brass bell","price":{"kind":"ask"}}`)
	item := fmt.Sprintf("/api/v1/items/%d", int(r.JSON(t)["id"].(float64)))
	before := m.call("GET", item, "", "").Body
	beforeStall := m.call("GET", stall, "", "").Body

	routes := []struct {
		method, path, body string
		upload             bool
		owner              int // status for the stall's own stallholder
	}{
		{"PATCH", stall, `{"name":"Taken over"}`, false, 200},
		{"POST", stall + "/items", `{"title":"Sneaky","price":{"kind":"free"}}`, false, 201},
		{"PATCH", item, `{"title":"Renamed"}`, false, 200},
		{"POST", item + "/photos", "", true, 201},
		{"POST", stall + "/photos", "", true, 201},
		{"DELETE", item, "", false, 204},
		{"PUT", stall + "/spot", `{"x":1,"y":1}`, false, 403}, // only the organiser places stalls
		{"POST", "/api/v1/alleys", `{"slug":"food","name":{"en":"Food"}}`, false, 403},
	}
	photo := jpegWithGPS(t)
	do := func(method, path, body, token string, upload bool) response {
		if upload {
			return m.upload(path, token, photo, "alt")
		}
		return m.call(method, path, token, body)
	}
	for _, rt := range routes {
		for _, who := range []struct {
			name, token string
			want        int
		}{{"anonymous", "", 401}, {"resident", m.res, 403}, {"other stallholder", m.li, 403}} {
			if r := do(rt.method, rt.path, rt.body, who.token, rt.upload); r.Status != who.want || r.JSON(t)["error"] == "" {
				t.Errorf("%s %s as %s = %d %s, want %d", rt.method, rt.path, who.name, r.Status, r.Body, who.want)
			}
		}
	}
	if after := m.call("GET", item, "", "").Body; after != before {
		t.Fatalf("refused requests changed the item:\n%s\n%s", before, after)
	}
	if after := m.call("GET", stall, "", "").Body; after != beforeStall {
		t.Fatalf("refused requests changed the stall")
	}
	for _, rt := range routes {
		if r := do(rt.method, rt.path, rt.body, m.wang, rt.upload); r.Status != rt.owner {
			t.Errorf("%s %s as owner = %d %s, want %d", rt.method, rt.path, r.Status, r.Body, rt.owner)
		}
	}
	// Moderators and organisers may act on any stall.
	if r := m.call("PATCH", stall, m.org, `{"open_today":true}`); r.Status != 200 {
		t.Errorf("organiser patch = %d", r.Status)
	}
	if r := m.call("PUT", stall+"/spot", m.org, `{"x":0,"y":0}`); r.Status != 204 {
		t.Errorf("organiser place = %d %s", r.Status, r.Body)
	}
	// A resident cannot open a stall.
	if r := m.call("POST", "/api/v1/stalls", m.res, `{"name":"Mine","alley":"vintage"}`); r.Status != 403 {
		t.Errorf("resident stall = %d", r.Status)
	}
}

func TestStallAndItemBadInput(t *testing.T) {
	m := newMarket(t)
	stall := fmt.Sprintf("/api/v1/stalls/%d", int(m.stall))
	bad := []struct{ body, want string }{
		{`{"title":"Bell","price":{"amount":"abc","currency":"CNY"}}`, "not an amount"},
		{`{"title":"Bell","price":{"amount":"-3","currency":"CNY"}}`, "negative"},
		{`{"title":"Bell","price":{"amount":"3","currency":"XYZ"}}`, "Unknown currency"},
		{`{"title":"Bell","price":{"amount":"3.999","currency":"CNY"}}`, "decimal places"},
		{`{"title":"Bell","price":{"kind":"cheap"}}`, "Unknown price kind"},
		{`{"title":"Bell"}`, "needs a \"price\""},
		{`{"title":"Bell","price":{"kind":"free"},"quantity":-1}`, "negative"},
		{`{"title":"Bell","price":{"kind":"free"},"quantity":0}`, "at least 1"},
		{`{"title":"` + strings.Repeat("长", 121) + `","price":{"kind":"free"}}`, "at most 120"},
		{`{"title":"","price":{"kind":"free"}}`, "needs a title"},
		{`{"title":"Bell","price":{"kind":"free"},"tags":["a b"]}`, "Tags may use"},
		{`{"title":"Bell","price":{"kind":"free"},"quantity":"two"}`, "must be a number"},
	}
	for _, b := range bad {
		r := m.call("POST", stall+"/items", m.wang, b.body)
		msg, _ := r.JSON(t)["error"].(string)
		if r.Status != 422 || !strings.Contains(msg, b.want) {
			t.Errorf("%s = %d %q, want 422 with %q", b.body, r.Status, msg, b.want)
		}
	}
	if items := m.call("GET", stall, "", "").JSON(t)["items"]; items != nil && len(items.([]any)) != 0 {
		t.Fatalf("bad input created items: %v", items)
	}
	r := m.call("POST", stall+"/items", m.wang, `{"title":"Bell","price":{"kind":"free"}}`)
	item := fmt.Sprintf("/api/v1/items/%d", int(r.JSON(t)["id"].(float64)))
	// Not an image; too many photos.
	if r := m.upload(item+"/photos", m.wang, []byte("<html>not a photo</html>"), ""); r.Status != 415 {
		t.Errorf("not an image = %d %s", r.Status, r.Body)
	}
	for i := 0; i < 8; i++ {
		img := jpegWithGPS(t)
		img = append(img, byte(i)) // a different file each time
		if r := m.upload(item+"/photos", m.wang, img, fmt.Sprint("photo ", i)); r.Status != 201 {
			t.Fatalf("photo %d = %d %s", i, r.Status, r.Body)
		}
	}
	if r := m.upload(item+"/photos", m.wang, jpegWithGPS(t), "ninth"); r.Status != 422 || !strings.Contains(r.Body, "at most 8") {
		t.Errorf("ninth photo = %d %s", r.Status, r.Body)
	}
	if r := m.upload(item+"/photos", m.wang, jpegWithGPS(t), strings.Repeat("a", 301)); r.Status != 422 {
		t.Errorf("long alt = %d", r.Status)
	}
	// Status changes the item's life does not allow.
	m.call("PATCH", item, m.wang, `{"status":"gone"}`)
	if r := m.call("PATCH", item, m.wang, `{"status":"reserved"}`); r.Status != 409 {
		t.Errorf("gone → reserved = %d", r.Status)
	}
	if r := m.call("PATCH", item, m.wang, `{"status":"sold"}`); r.Status != 422 {
		t.Errorf("unknown status = %d", r.Status)
	}
	// Unknown ids and alleys.
	if r := m.call("GET", "/api/v1/items/999999", "", ""); r.Status != 404 {
		t.Errorf("unknown item = %d", r.Status)
	}
	if r := m.call("GET", "/api/v1/items/abc", "", ""); r.Status != 404 {
		t.Errorf("bad id = %d", r.Status)
	}
	if r := m.call("POST", "/api/v1/stalls", m.li, `{"name":"Li's","alley":"nowhere"}`); r.Status != 422 {
		t.Errorf("unknown alley = %d", r.Status)
	}
	if r := m.call("POST", "/api/v1/stalls", m.li, `{"name":"","alley":"vintage"}`); r.Status != 422 {
		t.Errorf("empty stall name = %d", r.Status)
	}
	if r := m.call("PUT", stall+"/spot", m.org, `{"x":500,"y":1}`); r.Status != 422 {
		t.Errorf("spot outside plan = %d", r.Status)
	}
	// An empty or overlong search.
	for _, q := range []string{"", "%20%20", strings.Repeat("x", 101)} {
		if r := m.call("GET", "/api/v1/search?q="+q, "", ""); r.Status != 422 {
			t.Errorf("search %q = %d", q, r.Status)
		}
	}
	if r := m.call("GET", "/api/v1/search?q=bell&min=10&max=1", "", ""); r.Status != 422 {
		t.Errorf("min > max = %d", r.Status)
	}
}

func TestSearchChineseAndEnglish(t *testing.T) {
	m := newMarket(t)
	stall := fmt.Sprintf("/api/v1/stalls/%d", int(m.stall))
	// The stall's name is searched too; keep it out of the way of "bicycle".
	m.call("PATCH", stall, m.wang, `{"name":"老王的杂货","story":"什么都修。"}`)
	r := m.call("POST", "/api/v1/stalls", m.li, `{"name":"阿婆的阳台","story":"阿婆在阳台上种花。","alley":"flowers"}`)
	flowers := fmt.Sprintf("/api/v1/stalls/%d", int(r.JSON(t)["id"].(float64)))
	add := func(stall, body string) int {
		tok := m.wang
		if strings.Contains(stall, flowers) {
			tok = m.li
		}
		r := m.call("POST", stall+"/items", tok, body)
		if r.Status != 201 {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
		return int(r.JSON(t)["id"].(float64))
	}
	bike := add(stall, `{"title":"凤凰牌自行车","story":"上海产的老自行车，还能骑。","price":{"amount":"380","currency":"CNY"}}`)
	books := add(stall, `{"title":"一箱旧书","story":"七十年代的连环画。","price":{"amount":"20","currency":"CNY"}}`)
	rose := add(flowers, `{"title":"月季","story":"今早刚剪的花，很香。","price":{"amount":"5","currency":"CNY"},"quantity":12}`)
	bell := add(stall, `{"title":"Bicycle bell","story":"A brass bell from an old bicycle.","price":{"amount":"15","currency":"CNY"},"tags":["brass"]}`)
	ids := func(q string) []int {
		r := m.call("GET", "/api/v1/search?"+q, "", "")
		if r.Status != 200 {
			t.Fatalf("search %s = %d %s", q, r.Status, r.Body)
		}
		var out []int
		for _, it := range r.JSON(t)["items"].([]any) {
			out = append(out, int(it.(map[string]any)["id"].(float64)))
		}
		return out
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"q=自行车", []int{bike}},               // 3 characters: trigram index
		{"q=旧书", []int{books}},               // 2 characters: LIKE
		{"q=花", []int{rose}},                 // 1 character: LIKE (story and stall story)
		{"q=bicycle", []int{bell}},           // English, case-insensitive
		{"q=BRASS", []int{bell}},             // tags
		{"q=阿婆", []int{rose}},                // the stall's name
		{"q=bicycle+brass", []int{bell}},     // every word
		{"q=bicycle+books", nil},             // no item has both
		{"q=自行车&alley=flowers", nil},         // alley filter
		{"q=CNY&min=10", nil},                // currency codes are not text
		{"q=老&min=18&max=100", []int{books}}, // price range
		{"q=%25", nil},                       // LIKE wildcards are literal
	}
	for _, tt := range tests {
		if got := ids(tt.q); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("search %s = %v, want %v", tt.q, got, tt.want)
		}
	}
	// Stalls are found too.
	r = m.call("GET", "/api/v1/search?q=阳台", "", "")
	if st := r.JSON(t)["stalls"].([]any); len(st) != 1 || st[0].(map[string]any)["name"] != "阿婆的阳台" {
		t.Fatalf("stall search = %s", r.Body)
	}
	// Withdrawn items drop out of search.
	m.call("DELETE", fmt.Sprintf("/api/v1/items/%d", bell), m.wang, "")
	if got := ids("q=bicycle"); len(got) != 0 {
		t.Errorf("withdrawn item still found: %v", got)
	}
}
