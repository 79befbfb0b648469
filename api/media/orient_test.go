package media

import "testing"

// FuzzOrientation: the EXIF orientation readers never panic on any bytes
// and always answer 1–8.
func FuzzOrientation(f *testing.F) {
	tiff := []byte("MM\x00\x2A\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	f.Add(append([]byte("\xFF\xD8\xFF\xE1\x00\x24Exif\x00\x00"), tiff...))
	f.Add(append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x1AeXIf"), tiff...))
	f.Add(append([]byte("RIFF\x00\x00\x00\x00WEBPEXIF\x1A\x00\x00\x00"), tiff...))
	f.Add(tiff)
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, read := range map[string]func([]byte) int{
			"jpeg": jpegOrientation, "png": pngOrientation, "webp": webpOrientation, "tiff": tiffOrientation,
		} {
			if o := read(b); o < 1 || o > 8 {
				t.Fatalf("%s orientation %d", name, o)
			}
		}
	})
}
