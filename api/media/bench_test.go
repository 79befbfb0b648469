package media_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tetatet/tetatet/api/media"
)

// noisy is a w×h picture with detail everywhere (gradients and noise), so
// JPEG sizes and decode times are like a photo's, not a flat test card's.
func noisy(w, h int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = uint8((x*255/w+y*255/h)/2) + uint8(r.IntN(12))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(100+r.IntN(56)), uint8(100+r.IntN(56))
	}
	return img
}

// BenchmarkPhoto sanitises a typical 12-megapixel phone photo and one at
// the 40-megapixel limit; it reports the sanitised size in bytes.
func BenchmarkPhoto(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{4032, 3024}, {7296, 5472}} {
		var in bytes.Buffer
		if err := jpegEncode(&in, noisy(sz.w, sz.h)); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			b.ReportAllocs()
			var out int
			for b.Loop() {
				r, err := media.Photo(bytes.NewReader(in.Bytes()), "image/jpeg")
				if err != nil {
					b.Fatal(err)
				}
				out = len(r.Bytes)
			}
			b.ReportMetric(float64(in.Len()), "in-bytes")
			b.ReportMetric(float64(out), "out-bytes")
		})
	}
}

func jpegEncode(w io.Writer, img image.Image) error {
	return jpeg.Encode(w, img, &jpeg.Options{Quality: 80})
}
