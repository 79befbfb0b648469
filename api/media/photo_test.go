package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/api/media"
)

// ---- building test images ------------------------------------------------

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants is a w×h image whose four quadrants are tl, tr, bl, br.
func quadrants(w, h int, tl, tr, bl, br color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := tl
			switch {
			case x >= w/2 && y < h/2:
				c = tr
			case x < w/2 && y >= h/2:
				c = bl
			case x >= w/2 && y >= h/2:
				c = br
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegSegment is one marker segment: APP1 = 0xE1 and so on.
type jpegSegment struct {
	marker byte
	data   []byte
}

// withSegments inserts segments right after a JPEG's SOI marker.
func withSegments(jpg []byte, segs ...jpegSegment) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, 0xFF, s.marker)
		out = binary.BigEndian.AppendUint16(out, uint16(len(s.data)+2))
		out = append(out, s.data...)
	}
	return append(out, jpg[2:]...)
}

// segmentsOf lists the markers of a JPEG up to its scan (SOS included).
func segmentsOf(t *testing.T, jpg []byte) []jpegSegment {
	t.Helper()
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		t.Fatalf("not a JPEG: % x", jpg[:min(4, len(jpg))])
	}
	var segs []jpegSegment
	for i := 2; ; {
		if i+4 > len(jpg) || jpg[i] != 0xFF {
			t.Fatalf("broken JPEG marker at %d", i)
		}
		m := jpg[i+1]
		n := int(binary.BigEndian.Uint16(jpg[i+2:]))
		segs = append(segs, jpegSegment{m, jpg[i+4 : i+2+n]})
		if m == 0xDA {
			return segs
		}
		i += 2 + n
	}
}

// ifdEntry is one TIFF tag; values of more than 4 bytes go to the data
// area after the IFD.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

func ascii(tag uint16, s string) ifdEntry {
	return ifdEntry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)}
}

func short(tag uint16, v uint16) ifdEntry {
	return ifdEntry{tag, 3, 1, binary.BigEndian.AppendUint16(nil, v)}
}

func long(tag uint16, v uint32) ifdEntry {
	return ifdEntry{tag, 4, 1, binary.BigEndian.AppendUint32(nil, v)}
}

func rationals(tag uint16, vs ...uint32) ifdEntry {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
		b = binary.BigEndian.AppendUint32(b, 1)
	}
	return ifdEntry{tag, 5, uint32(len(vs)), b}
}

func ifdSize(entries []ifdEntry) uint32 {
	n := uint32(2 + 12*len(entries) + 4)
	for _, e := range entries {
		if len(e.value) > 4 {
			n += uint32(len(e.value)+1) &^ 1
		}
	}
	return n
}

// ifdBytes lays out an IFD placed at offset at (big-endian TIFF).
func ifdBytes(at uint32, entries []ifdEntry, next uint32) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(entries)))
	data := at + uint32(2+12*len(entries)+4)
	var area []byte
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, e.tag)
		b = binary.BigEndian.AppendUint16(b, e.typ)
		b = binary.BigEndian.AppendUint32(b, e.count)
		if len(e.value) <= 4 {
			b = append(b, append(e.value, make([]byte, 4-len(e.value))...)...)
			continue
		}
		b = binary.BigEndian.AppendUint32(b, data+uint32(len(area)))
		area = append(area, e.value...)
		if len(area)%2 == 1 {
			area = append(area, 0)
		}
	}
	b = binary.BigEndian.AppendUint32(b, next)
	return append(b, area...)
}

// phoneEXIF is the TIFF structure of an EXIF block as a phone writes it:
// make and model, the orientation, an EXIF IFD with a maker note, a GPS
// IFD with coordinates, and IFD1 with an embedded JPEG thumbnail.
func phoneEXIF(t *testing.T, orientation uint16) []byte {
	thumb := encodeJPEG(t, quadrants(16, 12, red, green, blue, white))
	ifd0 := func(exif, gps uint32) []ifdEntry {
		return []ifdEntry{
			ascii(0x010F, "TestPhone Inc"),
			ascii(0x0110, "TestPhone 12 Pro serial 0xC0FFEE"),
			short(0x0112, orientation),
			long(0x8769, exif),
			long(0x8825, gps),
		}
	}
	exif := []ifdEntry{
		ascii(0x9003, "2026:11:30 12:34:56"),
		{0x927C, 7, 28, []byte("SECRET-MAKERNOTE-SERIAL-1234")},
	}
	gps := []ifdEntry{
		ascii(0x0001, "N"),
		rationals(0x0002, 55, 45, 21),
		ascii(0x0003, "E"),
		rationals(0x0004, 37, 37, 4),
	}
	ifd1 := func(thumbAt uint32) []ifdEntry {
		return []ifdEntry{short(0x0103, 6), long(0x0201, thumbAt), long(0x0202, uint32(len(thumb)))}
	}
	at0 := uint32(8)
	atExif := at0 + ifdSize(ifd0(0, 0))
	atGPS := atExif + ifdSize(exif)
	at1 := atGPS + ifdSize(gps)
	atThumb := at1 + ifdSize(ifd1(0))
	b := []byte("MM\x00\x2A")
	b = binary.BigEndian.AppendUint32(b, at0)
	b = append(b, ifdBytes(at0, ifd0(atExif, atGPS), at1)...)
	b = append(b, ifdBytes(atExif, exif, 0)...)
	b = append(b, ifdBytes(atGPS, gps, 0)...)
	b = append(b, ifdBytes(at1, ifd1(atThumb), 0)...)
	return append(b, thumb...)
}

const xmpPacket = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
	`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="55,45.35N" exif:GPSLongitude="37,37.07E"/>` +
	`</rdf:RDF></x:xmpmeta>`

// phoneJPEG is img as a JPEG carrying everything a phone (and an editor)
// attaches: EXIF with GPS, a maker note and a thumbnail; XMP; an ICC
// profile; Photoshop IRB; a comment.
func phoneJPEG(t *testing.T, img image.Image, orientation uint16) []byte {
	return withSegments(encodeJPEG(t, img),
		jpegSegment{0xE1, append([]byte("Exif\x00\x00"), phoneEXIF(t, orientation)...)},
		jpegSegment{0xE1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket...)},
		jpegSegment{0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte("icc-profile-data"), 8)...)},
		jpegSegment{0xED, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0Csecret-iptc!")},
		jpegSegment{0xFE, []byte("shot at home, 5 Secret Street")},
	)
}

// metadataLeaks are strings of phoneJPEG's metadata that must not survive.
var metadataLeaks = []string{"Exif", "TestPhone", "SECRET-MAKERNOTE", "2026:11:30", "http://ns.adobe.com", "GPSLatitude", "ICC_PROFILE", "Photoshop", "8BIM", "Secret Street"}

func mustPhoto(t *testing.T, body []byte, declared string) media.Result {
	t.Helper()
	r, err := media.Photo(bytes.NewReader(body), declared)
	if err != nil {
		t.Fatalf("Photo(%s): %v", declared, err)
	}
	if r.Kind != media.KindPhoto || r.ContentType != "image/jpeg" {
		t.Fatalf("Photo: kind %q type %q", r.Kind, r.ContentType)
	}
	return r
}

func decodeJPEG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output is not a JPEG: %v", err)
	}
	return img
}

// near reports whether c is within tol of want on every channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v >= -tol && v <= tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// checkQuadrants samples the centre of each quadrant of img.
func checkQuadrants(t *testing.T, img image.Image, tl, tr, bl, br color.RGBA) {
	t.Helper()
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	for _, p := range []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"top left", w / 4, h / 4, tl}, {"top right", 3 * w / 4, h / 4, tr},
		{"bottom left", w / 4, 3 * h / 4, bl}, {"bottom right", 3 * w / 4, 3 * h / 4, br},
	} {
		if c := img.At(b.Min.X+p.x, b.Min.Y+p.y); !near(c, p.want, 40) {
			t.Errorf("%s quadrant is %v, want %v", p.name, c, p.want)
		}
	}
}

// ---- tests -----------------------------------------------------------------

// A phone photo with GPS EXIF comes out with no metadata segment at all,
// its size kept (or capped at MaxPhotoSide), its picture intact.
func TestPhotoStripsMetadata(t *testing.T) {
	for _, tc := range []struct {
		w, h, wantW, wantH int
	}{
		{800, 600, 800, 600},
		{3000, 2000, 2560, 1707},
		{1000, 4000, 640, 2560},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			in := phoneJPEG(t, quadrants(tc.w, tc.h, red, green, blue, white), 1)
			var app1 int
			for _, s := range segmentsOf(t, in) {
				if s.marker == 0xE1 {
					app1++
				}
			}
			if app1 != 2 || !bytes.Contains(in, []byte("TestPhone")) {
				t.Fatalf("test input lacks its metadata (%d APP1 segments)", app1)
			}

			r := mustPhoto(t, in, "image/jpeg")
			for _, s := range segmentsOf(t, r.Bytes) {
				switch {
				case s.marker >= 0xE0 && s.marker <= 0xEF:
					t.Errorf("output has an APP%d segment (%q…)", s.marker-0xE0, s.data[:min(16, len(s.data))])
				case s.marker == 0xFE:
					t.Errorf("output has a comment %q", s.data)
				case s.marker != 0xDB && s.marker != 0xC0 && s.marker != 0xC4 && s.marker != 0xDA:
					t.Errorf("output has an unexpected marker %#x", s.marker)
				}
			}
			for _, leak := range metadataLeaks {
				if bytes.Contains(r.Bytes, []byte(leak)) {
					t.Errorf("output contains %q", leak)
				}
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.Bytes))
			if err != nil || cfg.Width != tc.wantW || cfg.Height != tc.wantH || r.Width != tc.wantW || r.Height != tc.wantH {
				t.Fatalf("output is %dx%d (Result %dx%d, %v), want %dx%d", cfg.Width, cfg.Height, r.Width, r.Height, err, tc.wantW, tc.wantH)
			}
			checkQuadrants(t, decodeJPEG(t, r.Bytes), red, green, blue, white)
		})
	}
}

// storedCorners says, for each EXIF orientation, which corner of the
// upright picture each stored corner shows (top left, top right, bottom
// left, bottom right), straight from the TIFF definition of tag 0x0112
// ("row 0 is the visual …, column 0 is the visual …").
var storedCorners = map[uint16][4]string{
	1: {"TL", "TR", "BL", "BR"}, // row 0 top, column 0 left
	2: {"TR", "TL", "BR", "BL"}, // row 0 top, column 0 right
	3: {"BR", "BL", "TR", "TL"}, // row 0 bottom, column 0 right
	4: {"BL", "BR", "TL", "TR"}, // row 0 bottom, column 0 left
	5: {"TL", "BL", "TR", "BR"}, // row 0 left, column 0 top
	6: {"TR", "BR", "TL", "BL"}, // row 0 right, column 0 top
	7: {"BR", "TR", "BL", "TL"}, // row 0 right, column 0 bottom
	8: {"BL", "TL", "BR", "TR"}, // row 0 left, column 0 bottom
}

var upright = map[string]color.RGBA{"TL": red, "TR": green, "BL": blue, "BR": white}

// storedImage is how a camera stores the upright 80×60 quadrant picture
// under orientation o.
func storedImage(o uint16) *image.RGBA {
	c := storedCorners[o]
	w, h := 80, 60
	if o >= 5 {
		w, h = h, w
	}
	return quadrants(w, h, upright[c[0]], upright[c[1]], upright[c[2]], upright[c[3]])
}

// Every EXIF orientation comes out upright: the turn is applied to the
// pixels before the EXIF block is dropped.
func TestPhotoOrientation(t *testing.T) {
	for o := uint16(1); o <= 8; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			r := mustPhoto(t, phoneJPEG(t, storedImage(o), o), "image/jpeg")
			if r.Width != 80 || r.Height != 60 {
				t.Fatalf("orientation %d: output %dx%d, want 80x60", o, r.Width, r.Height)
			}
			checkQuadrants(t, decodeJPEG(t, r.Bytes), red, green, blue, white)
		})
	}
}

// pngChunk is a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// withPNGChunk inserts a chunk right after IHDR.
func withPNGChunk(p []byte, chunk []byte) []byte {
	ihdrEnd := 8 + 12 + 13
	return append(append(append([]byte{}, p[:ihdrEnd]...), chunk...), p[ihdrEnd:]...)
}

// webpWithEXIF wraps a simple-format (VP8L) WebP into the extended
// format with an EXIF chunk.
func webpWithEXIF(t *testing.T, simple []byte, w, h int, exif []byte) []byte {
	t.Helper()
	if string(simple[12:16]) != "VP8L" && string(simple[12:16]) != "VP8 " {
		t.Fatalf("fixture is not a simple WebP: %q", simple[12:16])
	}
	vp8x := []byte{0x08, 0, 0, 0} // EXIF present
	vp8x = append(vp8x, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	chunk := func(typ string, d []byte) []byte {
		b := append([]byte(typ), binary.LittleEndian.AppendUint32(nil, uint32(len(d)))...)
		b = append(b, d...)
		if len(d)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	body := append([]byte("WEBP"), chunk("VP8X", vp8x)...)
	body = append(body, simple[12:]...)
	body = append(body, chunk("EXIF", exif)...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PNG and WebP come in, JPEG goes out; transparency turns white, not
// black; the EXIF orientation of PNG (eXIf) and WebP (EXIF) is applied too.
func TestPhotoFormats(t *testing.T) {
	translucent := quadrants(64, 48, red, green, blue, color.RGBA{})
	for _, tc := range []struct {
		name, declared string
		body           []byte
		tl, tr, bl, br color.RGBA
	}{
		{"png", "image/png", encodePNG(t, quadrants(64, 48, red, green, blue, white)), red, green, blue, white},
		{"png with transparency", "image/png", encodePNG(t, translucent), red, green, blue, white},
		{"png with eXIf orientation 3", "image/png",
			withPNGChunk(encodePNG(t, quadrants(64, 48, red, green, blue, white)), pngChunk("eXIf", phoneEXIF(t, 3))), white, blue, green, red},
		{"webp lossy", "image/webp", readFixture(t, "photo.webp"), red, green, blue, white},
		{"webp lossless", "image/webp", readFixture(t, "photo-lossless.webp"), red, green, blue, white},
		{"webp with EXIF orientation 3", "image/webp",
			webpWithEXIF(t, readFixture(t, "photo-lossless.webp"), 64, 48, phoneEXIF(t, 3)), white, blue, green, red},
		{"jpeg declared as png", "image/png", encodeJPEG(t, quadrants(64, 48, red, green, blue, white)), red, green, blue, white},
		{"declared with parameters", "image/jpeg; charset=binary", encodeJPEG(t, quadrants(64, 48, red, green, blue, white)), red, green, blue, white},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustPhoto(t, tc.body, tc.declared)
			if r.Width != 64 || r.Height != 48 {
				t.Fatalf("output %dx%d, want 64x48", r.Width, r.Height)
			}
			for _, leak := range metadataLeaks {
				if bytes.Contains(r.Bytes, []byte(leak)) {
					t.Errorf("output contains %q", leak)
				}
			}
			checkQuadrants(t, decodeJPEG(t, r.Bytes), tc.tl, tc.tr, tc.bl, tc.br)
		})
	}
}

// The bytes decide: anything that is not a JPEG, PNG or WebP is refused as
// unsupported whatever its label, and a photo under a non-photo label too.
func TestPhotoUnsupported(t *testing.T) {
	jpg := encodeJPEG(t, quadrants(8, 8, red, green, blue, white))
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	for _, tc := range []struct {
		name, declared string
		body           []byte
	}{
		{"text labelled jpeg", "image/jpeg", []byte("hello, this is a text file, not a photo\n")},
		{"html labelled png", "image/png", []byte("<!doctype html><script>alert(1)</script>")},
		{"svg labelled webp", "image/webp", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		{"gif labelled jpeg", "image/jpeg", gif},
		{"voice labelled jpeg", "image/jpeg", readFixture(t, "voice.ogg")},
		{"riff that is not webp", "image/webp", []byte("RIFF\x04\x00\x00\x00WAVEfmt ")},
		{"empty", "image/jpeg", nil},
		{"jpeg labelled gif", "image/gif", jpg},
		{"jpeg labelled text", "text/plain", jpg},
		{"jpeg labelled voice", "audio/ogg", jpg},
		{"jpeg with no label", "", jpg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.Photo(bytes.NewReader(tc.body), tc.declared)
			if !errors.Is(err, media.ErrUnsupported) {
				t.Fatalf("Photo = %v, want ErrUnsupported", err)
			}
			if _, err := media.Sanitize(bytes.NewReader(tc.body), tc.declared); !errors.Is(err, media.ErrUnsupported) {
				t.Fatalf("Sanitize = %v, want ErrUnsupported", err)
			}
		})
	}
}

// pngHeader is a PNG whose IHDR claims w×h truecolour pixels, followed by
// a tiny IDAT (a zlib stream of a few empty rows) and IEND: a
// decompression bomb as far as a decoder that trusts the header goes.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)                             // 8-bit RGB, no interlace
	idat := []byte{0x78, 0x9C, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00} // zlib header and a short deflate block
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", idat)...)
	return append(out, pngChunk("IEND", nil)...)
}

// A photo that is not what it says it is, or too big, is invalid.
func TestPhotoInvalid(t *testing.T) {
	jpg := encodeJPEG(t, quadrants(64, 48, red, green, blue, white))
	sof := bytes.Index(jpg, []byte{0xFF, 0xC0})
	zeroWidth := append([]byte{}, jpg...)
	zeroWidth[sof+7], zeroWidth[sof+8] = 0, 0
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	webp := readFixture(t, "photo-lossless.webp")
	for _, tc := range []struct {
		name, declared, reason string
		body                   []byte
	}{
		{"50 megapixels", "image/png", "megapixels", pngHeader(8000, 6250)},
		{"40 megapixels and one row", "image/png", "megapixels", pngHeader(8000, 5001)},
		{"a thin line of 50 megapixels", "image/png", "megapixels", pngHeader(50_000_000, 1)},
		{"2^31 x 2^31", "image/png", "", pngHeader(1<<31-1, 1<<31-1)},
		{"16-bit png of 25 megapixels", "image/png", "too large to decode", func() []byte {
			b := pngHeader(5000, 5000)
			b[8+8+8] = 16 // bit depth in IHDR
			binary.BigEndian.PutUint32(b[8+8+13:], crc32.ChecksumIEEE(b[8+4:8+8+13]))
			return b
		}()},
		{"jpeg cut short in its scan", "image/jpeg", "decoded", jpg[:sos+(len(jpg)-sos)/2]},
		{"jpeg header only", "image/jpeg", "", jpg[:sof]},
		{"jpeg of zero width", "image/jpeg", "", zeroWidth},
		{"png cut short", "image/png", "", encodePNG(t, quadrants(64, 48, red, green, blue, white))[:60]},
		{"webp cut short", "image/webp", "", webp[:len(webp)-10]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.Photo(bytes.NewReader(tc.body), tc.declared)
			if !errors.Is(err, media.ErrInvalid) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("Photo = %v, want ErrInvalid (%q)", err, tc.reason)
			}
			var me *media.Error
			if !errors.As(err, &me) || me.Reason == "" {
				t.Fatalf("error %v is not a *media.Error with a reason", err)
			}
		})
	}
}

// Refusing a 50-megapixel PNG costs a header read: the process allocates
// next to nothing, where decoding it would allocate 200 MB.
func TestPhotoBombCostsNothing(t *testing.T) {
	bomb := pngHeader(8000, 6250)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 20 {
		if _, err := media.Photo(bytes.NewReader(bomb), "image/png"); !errors.Is(err, media.ErrInvalid) {
			t.Fatalf("Photo(50 MP) = %v, want ErrInvalid", err)
		}
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("refusing 20 bombs allocated %d KB in all; heap in use grew by %d KB", allocated>>10, grown>>10)
	if allocated > 8<<20 || grown > 8<<20 {
		t.Fatalf("refusing 20 bombs allocated %d bytes (heap in use +%d): the pixels were allocated", allocated, grown)
	}

	// The measure can see a decode: the standard decoder, trusting the
	// header, allocates the 8000×6250 image before finding the data short.
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := png.Decode(bytes.NewReader(bomb))
	runtime.ReadMemStats(&after)
	if err == nil || after.TotalAlloc-before.TotalAlloc < 150<<20 {
		t.Fatalf("control: png.Decode allocated %d bytes (%v); the measure above would not catch a decode", after.TotalAlloc-before.TotalAlloc, err)
	}
}

func TestPhotoTooLarge(t *testing.T) {
	big := append(encodeJPEG(t, quadrants(8, 8, red, green, blue, white)), make([]byte, media.MaxPhotoBytes)...)
	if _, err := media.Photo(bytes.NewReader(big), "image/jpeg"); !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("Photo(%d bytes) = %v, want ErrTooLarge", len(big), err)
	}
	if media.MaxPhotoBytes != 10<<20 || media.MaxVoiceBytes != 2<<20 {
		t.Fatalf("limits changed: photo %d, voice %d", media.MaxPhotoBytes, media.MaxVoiceBytes)
	}
}

// The preview is a tiny JPEG of the same shape, blurred: a sharp
// black-and-white edge becomes a ramp several pixels wide.
func TestPhotoPreview(t *testing.T) {
	black := color.RGBA{0, 0, 0, 255}
	r := mustPhoto(t, encodeJPEG(t, quadrants(1200, 800, black, white, black, white)), "image/jpeg")
	if len(r.Preview) == 0 || len(r.Preview) > 1024 {
		t.Fatalf("preview is %d bytes, want a few hundred", len(r.Preview))
	}
	for _, leak := range []string{"Exif", "JFIF"} {
		if bytes.Contains(r.Preview, []byte(leak)) {
			t.Errorf("preview contains %q", leak)
		}
	}
	p := decodeJPEG(t, r.Preview)
	if w, h := p.Bounds().Dx(), p.Bounds().Dy(); w != media.PreviewSide || h != 21 {
		t.Fatalf("preview is %dx%d, want %dx21", w, h, media.PreviewSide)
	}
	grey := 0
	y := p.Bounds().Dy() / 2
	for x := range p.Bounds().Dx() {
		if c := color.GrayModel.Convert(p.At(x, y)).(color.Gray); c.Y > 40 && c.Y < 215 {
			grey++
		}
	}
	if grey < 3 {
		t.Fatalf("preview edge is %d px of grey wide: not blurred", grey)
	}
	t.Logf("preview: %d bytes, %d grey px across the edge", len(r.Preview), grey)
}
