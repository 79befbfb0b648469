package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
	"github.com/tetatet/tetatet/matchmaker/blobstore/s3test"
)

// mediaStack is the whole backend with its media in a real SeaweedFS.
func mediaStack(t *testing.T, cfg func(*api.Config)) (*apitest.Stack, *s3test.Server) {
	t.Helper()
	s3 := s3test.Start(t, s3test.Options{})
	blob, err := blobstore.NewS3(context.Background(), blobstore.S3Config{Endpoint: s3.Endpoint, AccessKey: s3.AccessKey,
		SecretKey: s3.SecretKey, Bucket: s3.Bucket, Region: s3.Region})
	if err != nil {
		t.Fatal(err)
	}
	st := apitest.Start(t, apitest.Options{Media: blob, Config: func(c *api.Config) {
		c.LinksAfterMessages = 0
		if cfg != nil {
			cfg(c)
		}
	}})
	return st, s3
}

// upload posts raw bytes as the media of a room.
func upload(t *testing.T, st *apitest.Stack, u *apitest.User, roomID, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", st.URL+"/api/rooms/"+roomID+"/media", bytes.NewReader(body))
	req.Header.Set("Authorization", "tma "+u.InitData)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func fetch(t *testing.T, st *apitest.Stack, u *apitest.User, path string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", st.URL+path, nil)
	req.Header.Set("Authorization", "tma "+u.InitData)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// jpegWithGPS is a photo as a phone writes it: an EXIF APP1 segment with a
// GPS position and the device model, right after the start of image.
func jpegWithGPS(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	// Exif\0\0, then a little-endian TIFF header and one IFD naming a GPS
	// IFD; the strings are what a leak would show.
	payload := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x25\x88\x04\x00\x01\x00\x00\x00\x1a\x00\x00\x00\x00\x00\x00\x00" +
		"GPSLatitude 52.5200 N GPSLongitude 13.4050 E Model: Pixel 9 Pro")
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{0xFF, 0xD8}, seg...)
	out = append(out, payload...)
	return append(out, plain.Bytes()[2:]...)
}

// hasSegment reports whether a JPEG has a marker segment (APP1 = 0xE1 is
// EXIF/XMP) before its image data.
func hasSegment(b []byte, marker byte) bool {
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return false
		}
		m := b[i+1]
		if m == marker {
			return true
		}
		if m == 0xDA { // start of scan: the image data follows
			return false
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return false
}

// pngBomb is a PNG whose header claims w×h pixels with almost no data.
func pngBomb(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

func objects(t *testing.T, s3 *s3test.Server, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range s3.Client(t).ListObjects(context.Background(), s3.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// TestPhotoReachesThePartnerWithoutMetadata (issue 15, acceptance 1, 3): a
// phone photo with GPS in its EXIF, sent as a spoiler: the partner gets a
// JPEG with no EXIF block that decodes to the same size, and a small
// preview; outsiders get 403; after a clear the objects are gone from the
// bucket and the URL answers 404.
func TestPhotoReachesThePartnerWithoutMetadata(t *testing.T) {
	st, s3 := mediaStack(t, nil)
	a, b, ra, rb := pairUp(t, st, 210_001, 210_002)
	cb := connect(t, st, b)
	cb.subscribe(rb.Channel)
	status, up := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 640, 480))
	if status != 201 || up["kind"] != "photo" || up["width"] != 640.0 || up["height"] != 480.0 {
		t.Fatalf("upload = %d %v", status, up)
	}
	id := up["media_id"].(string)
	// Not sent yet: only its uploader sees it.
	if code, _, _ := fetch(t, st, b, "/api/media/"+id); code != 404 {
		t.Fatalf("partner fetched an unsent upload: %d", code)
	}
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]any{"media_id": id, "spoiler": true, "client_msg_id": "p1"}, 201, nil)
	ev := cb.next("photo message", isType("message"))
	m, _ := ev.Data["media"].(map[string]any)
	if m["id"] != id || m["kind"] != "photo" || m["spoiler"] != true || m["width"] != 640.0 {
		t.Fatalf("publication media = %v", ev.Data)
	}
	code, got, h := fetch(t, st, b, "/api/media/"+id)
	if code != 200 || h.Get("Content-Type") != "image/jpeg" || !strings.Contains(h.Get("Cache-Control"), "private") {
		t.Fatalf("partner's fetch = %d %v", code, h)
	}
	if hasSegment(got, 0xE1) || bytes.Contains(got, []byte("GPS")) || bytes.Contains(got, []byte("Pixel")) {
		t.Fatal("the partner's photo still carries EXIF data")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(got))
	if err != nil || cfg.Width != 640 || cfg.Height != 480 {
		t.Fatalf("partner's photo = %+v, %v; want 640x480", cfg, err)
	}
	code, prev, _ := fetch(t, st, b, "/api/media/"+id+"?preview=1")
	if pc, err := jpeg.DecodeConfig(bytes.NewReader(prev)); code != 200 || err != nil || max(pc.Width, pc.Height) > 32 {
		t.Fatalf("preview = %d %+v %v", code, pc, err)
	}
	// Sent once.
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]any{"media_id": id, "client_msg_id": "p2"}, 422, nil)
	// A voice message as Chrome's MediaRecorder writes it.
	voice, err := os.ReadFile("media/testdata/voice.webm")
	if err != nil {
		t.Fatal(err)
	}
	status, vup := upload(t, st, b, rb.ID, "audio/webm;codecs=opus", voice)
	if status != 201 || vup["kind"] != "voice" || vup["duration_ms"].(float64) <= 0 {
		t.Fatalf("voice upload = %d %v", status, vup)
	}
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/messages", map[string]any{"media_id": vup["media_id"], "client_msg_id": "v1"}, 201, nil)
	if code, got, h := fetch(t, st, a, "/api/media/"+vup["media_id"].(string)); code != 200 || h.Get("Content-Type") != "audio/webm" || !bytes.Equal(got, voice) {
		t.Fatalf("voice fetch = %d %s, %d bytes", code, h.Get("Content-Type"), len(got))
	}
	eve := st.User(t, 210_003, "Eve")
	eve.Onboard("Eve", "female", 33)
	if code, _, _ := fetch(t, st, eve, "/api/media/"+id); code != 403 {
		t.Fatalf("outsider's fetch = %d; want 403", code)
	}
	if keys := objects(t, s3, "rooms/"+ra.ID+"/"); len(keys) != 3 {
		t.Fatalf("bucket holds %v; want the photo, its preview and the voice message", keys)
	}
	b.MustDo("DELETE", "/api/rooms/"+rb.ID, nil, 204, nil)
	// Both were among the last messages, which a clear keeps hidden for a
	// report until the room expires (TestClearKeepsPhotosForAReport): kept,
	// but no member can open them.
	if keys := objects(t, s3, "rooms/"+ra.ID+"/"); len(keys) != 3 {
		t.Fatalf("after the clear the bucket holds %v; want the evidence kept", keys)
	}
	for _, u := range []*apitest.User{a, b} {
		if code, _, _ := fetch(t, st, u, "/api/media/"+id); code != 404 {
			t.Fatalf("after the clear the photo answers %d; want 404", code)
		}
	}
}

// TestMediaRefusals (issue 15, acceptance 2 and 4): a 50-megapixel PNG is
// refused from its header, without the server allocating its pixels; a text
// file called image/jpeg gets 415; an 11 MB photo 413; a minor's upload and
// media before the links rule allows it are refused; a media id is sent only
// by its uploader in its room.
func TestMediaRefusals(t *testing.T) {
	st, _ := mediaStack(t, nil)
	a, b, ra, rb := pairUp(t, st, 220_001, 220_002)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, body := upload(t, st, a, ra.ID, "image/png", pngBomb(8000, 6250))
	runtime.ReadMemStats(&after)
	if status != 422 || body["error"].(map[string]any)["code"] != "invalid_media" {
		t.Fatalf("50 MP PNG = %d %v; want 422 invalid_media", status, body)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 50<<20 {
		t.Fatalf("refusing the 50 MP PNG allocated %d MB", grew>>20)
	}
	if status, body := upload(t, st, a, ra.ID, "image/jpeg", []byte("just some text, not a photo at all")); status != 415 {
		t.Fatalf("text as image/jpeg = %d %v; want 415", status, body)
	}
	if status, body := upload(t, st, a, ra.ID, "image/jpeg", bytes.Repeat([]byte{0xFF}, 11<<20)); status != 413 {
		t.Fatalf("11 MB photo = %d %v; want 413", status, body)
	}
	if status, _ := upload(t, st, a, ra.ID, "application/pdf", []byte("%PDF-1.7")); status != 415 {
		t.Fatalf("a PDF = %d; want 415", status)
	}
	// A media id is the uploader's, for their room.
	_, up := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 100, 100))
	id := up["media_id"].(string)
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/messages", map[string]any{"media_id": id, "client_msg_id": "steal"}, 422, nil)
	c, d, rc, _ := pairUp(t, st, 220_003, 220_004)
	_ = d
	c.MustDo("POST", "/api/rooms/"+rc.ID+"/messages", map[string]any{"media_id": id, "client_msg_id": "elsewhere"}, 422, nil)

	// Minors never send media.
	kid1, kid2 := st.User(t, 220_005, "K1"), st.User(t, 220_006, "K2")
	kid1.Onboard("Kid", "male", 16)
	kid2.Onboard("Kiddo", "female", 17)
	teens := map[string]any{"gender": "any", "age_from": 16, "age_to": 17}
	var s apitest.SearchState
	kid1.MustDo("POST", "/api/search", teens, 200, &s)
	kid2.MustDo("POST", "/api/search", teens, 200, &s)
	if status, body := upload(t, st, kid2, s.Room.ID, "image/jpeg", jpegWithGPS(t, 50, 50)); status != 403 || body["error"].(map[string]any)["code"] != "minors_not_allowed" {
		t.Fatalf("a minor's upload = %d %v; want 403 minors_not_allowed", status, body)
	}
}

// TestMediaWaitsForTheLinksRule: like links, media waits until both sides
// wrote LINKS_AFTER_MESSAGES messages; the refusal says how many more.
func TestMediaWaitsForTheLinksRule(t *testing.T) {
	st, _ := mediaStack(t, func(c *api.Config) { c.LinksAfterMessages = 2 })
	a, b, ra, rb := pairUp(t, st, 230_001, 230_002)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "hi", "client_msg_id": "1"}, 201, nil)
	status, body := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 50, 50))
	e, _ := body["error"].(map[string]any)
	rem, _ := e["remaining"].(map[string]any)
	if status != 422 || e["code"] != "media_not_allowed_yet" || rem["me"] != 1.0 || rem["partner"] != 2.0 {
		t.Fatalf("early upload = %d %v; want 422 media_not_allowed_yet, 1 and 2 to go", status, body)
	}
	for i := 0; i < 2; i++ {
		b.MustDo("POST", "/api/rooms/"+rb.ID+"/messages", map[string]string{"text": fmt.Sprint("b", i), "client_msg_id": fmt.Sprint("b", i)}, 201, nil)
	}
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "ok", "client_msg_id": "2"}, 201, nil)
	if status, body := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 50, 50)); status != 201 {
		t.Fatalf("upload after the rule = %d %v", status, body)
	}
}

// TestMediaGoesWithDeleteAndStaysWithAReport: /delete removes the user's
// rooms' media from the bucket at once; a report keeps a copy of the
// reported photo for operators (and only them).
func TestMediaGoesWithDeleteAndStaysWithAReport(t *testing.T) {
	st, s3 := mediaStack(t, nil)
	ctx := context.Background()
	a, b, ra, rb := pairUp(t, st, 240_001, 240_002)
	_, up := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 80, 60))
	id := up["media_id"].(string)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]any{"media_id": id, "client_msg_id": "x"}, 201, nil)
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/report", map[string]string{"reason": "sexual"}, 204, nil)
	r, err := st.Store.OldestOpenReport(ctx)
	if err != nil || r == nil || len(r.Evidence) != 1 || r.Evidence[0].Media == nil || r.Evidence[0].Media.ID != id {
		t.Fatalf("report = %+v, %v; want the photo in its evidence", r, err)
	}
	obj, err := st.Store.ReportMedia(ctx, r.StreamID, id)
	if err != nil {
		t.Fatalf("operator's copy: %v", err)
	}
	obj.Body.Close()
	if _, err := st.Store.DeleteUser(ctx, a.TG); err != nil {
		t.Fatal(err)
	}
	// What a clear keeps hidden for a report (the last messages, this photo
	// among them) stays until the room expires; nothing else does.
	for _, k := range objects(t, s3, "rooms/"+ra.ID+"/") {
		if !strings.Contains(k, strings.TrimPrefix(id, ra.ID+".")) {
			t.Fatalf("after /delete the bucket still holds %s", k)
		}
	}
	if code, _, _ := fetch(t, st, b, "/api/media/"+id); code != 404 {
		t.Fatalf("after /delete the photo answers %d; want 404", code)
	}
	if keys := objects(t, s3, "reports/"); len(keys) == 0 {
		t.Fatal("the report's copy went with the room")
	}
	_ = matchmaker.MediaRoom
}

// TestClearKeepsPhotosForAReport: a partner who clears the conversation
// cannot take the photo they sent out of the report the other files next:
// the photos among the last messages a clear keeps hidden stay, readable by
// neither member, and go to the report; an upload that was never sent goes
// at once. (Before: the clear deleted every photo, and the report after it
// had the message without its photo.)
func TestClearKeepsPhotosForAReport(t *testing.T) {
	st, s3 := mediaStack(t, nil)
	ctx := context.Background()
	a, b, ra, rb := pairUp(t, st, 245_001, 245_002)
	_, up := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 80, 60))
	sent := up["media_id"].(string)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]any{"media_id": sent, "client_msg_id": "x"}, 201, nil)
	_, up2 := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 40, 30))
	unsent := up2["media_id"].(string)
	a.MustDo("DELETE", "/api/rooms/"+ra.ID, nil, 204, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		keys := objects(t, s3, "rooms/"+ra.ID+"/")
		gone := true
		for _, k := range keys {
			if strings.Contains(k, strings.TrimPrefix(unsent, ra.ID+".")) {
				gone = false
			}
		}
		if gone && len(keys) > 0 {
			break
		}
		if time.Now().After(deadline) || len(keys) == 0 {
			t.Fatalf("after the clear the bucket holds %v; want the sent photo only", keys)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, u := range []*apitest.User{a, b} {
		if code, _, _ := fetch(t, st, u, "/api/media/"+sent); code != 404 {
			t.Fatalf("the cleared room's photo answers %d; want 404", code)
		}
	}
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/report", map[string]string{"reason": "sexual"}, 204, nil)
	r, err := st.Store.OldestOpenReport(ctx)
	if err != nil || r == nil || len(r.Evidence) != 1 || r.Evidence[0].Media == nil || r.Evidence[0].Media.ID != sent {
		t.Fatalf("report after the clear = %+v, %v; want the photo in its evidence", r, err)
	}
	obj, err := st.Store.ReportMedia(ctx, r.StreamID, sent)
	if err != nil {
		t.Fatalf("operator's copy of the photo after the clear: %v", err)
	}
	obj.Body.Close()
}

// TestMediaGoesWhenTheRoomExpires: a room that idles past ROOM_TTL takes its
// media with it (the sweep), even if nobody cleared it.
func TestMediaGoesWhenTheRoomExpires(t *testing.T) {
	st, s3 := mediaStack(t, func(c *api.Config) { c.RoomTTL = 2 * time.Second })
	a, _, ra, _ := pairUp(t, st, 250_001, 250_002)
	_, up := upload(t, st, a, ra.ID, "image/jpeg", jpegWithGPS(t, 40, 40))
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]any{"media_id": up["media_id"], "client_msg_id": "x"}, 201, nil)
	// And a cleared room's photo, kept hidden for a report, goes with it too.
	c, _, rc, _ := pairUp(t, st, 250_003, 250_004)
	_, up = upload(t, st, c, rc.ID, "image/jpeg", jpegWithGPS(t, 40, 40))
	c.MustDo("POST", "/api/rooms/"+rc.ID+"/messages", map[string]any{"media_id": up["media_id"], "client_msg_id": "x"}, 201, nil)
	c.MustDo("DELETE", "/api/rooms/"+rc.ID, nil, 204, nil)
	deadline := time.Now().Add(15 * time.Second)
	for _, rid := range []string{ra.ID, rc.ID} {
		for len(objects(t, s3, "rooms/"+rid+"/")) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the expired room's media is still in the bucket: %v", objects(t, s3, "rooms/"+rid+"/"))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// TestMediaLimits: uploads have their own limit (10 a minute; also at most
// 10 sent by nobody yet), refused with 429 and Retry-After, and a closed
// room takes none (409 room_closed, as for messages).
func TestMediaLimits(t *testing.T) {
	st, _ := mediaStack(t, nil)
	a, b, ra, rb := pairUp(t, st, 260_001, 260_002)
	photo := jpegWithGPS(t, 20, 20)
	for i := 0; i < 10; i++ {
		if status, body := upload(t, st, a, ra.ID, "image/jpeg", photo); status != 201 {
			t.Fatalf("upload %d = %d %v", i+1, status, body)
		}
	}
	req, _ := http.NewRequest("POST", st.URL+"/api/rooms/"+ra.ID+"/media", bytes.NewReader(photo))
	req.Header.Set("Authorization", "tma "+a.InitData)
	req.Header.Set("Content-Type", "image/jpeg")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 429 || out.Error.Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("11th upload in a minute = %d %+v, Retry-After %q; want 429 rate_limited with Retry-After",
			resp.StatusCode, out, resp.Header.Get("Retry-After"))
	}
	// The partner's own limit is untouched.
	if status, body := upload(t, st, b, rb.ID, "image/jpeg", photo); status != 201 {
		t.Fatalf("partner's upload = %d %v", status, body)
	}
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/leave", nil, 204, nil)
	if status, body := upload(t, st, b, rb.ID, "image/jpeg", photo); status != 409 || body["error"].(map[string]any)["code"] != "room_closed" {
		t.Fatalf("upload in a closed room = %d %v; want 409 room_closed", status, body)
	}
}
