package media

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/webp"
)

const (
	photoQuality   = 85
	previewQuality = 50
	previewBlur    = 2 // box radius in preview pixels, applied three times
)

// maxDecodedBytes bounds the memory of a decoded photo: 40 megapixels at
// 4 bytes each. A 16-bit PNG (8 bytes a pixel) may therefore have 20.
const maxDecodedBytes = 4 * MaxPhotoPixels

// bytesPerPixel is what the standard decoders allocate per pixel for a
// colour model (an upper bound; YCbCr JPEGs are at most 4:4:4).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

type photoFormat struct {
	name         string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
	orientation  func([]byte) int
}

var (
	formatJPEG = photoFormat{"JPEG", jpeg.DecodeConfig, jpeg.Decode, jpegOrientation}
	formatPNG  = photoFormat{"PNG", png.DecodeConfig, png.Decode, pngOrientation}
	formatWebP = photoFormat{"WebP", webp.DecodeConfig, webp.Decode, webpOrientation}
)

// sniffPhoto recognises a photo format by its magic bytes.
func sniffPhoto(b []byte) (photoFormat, bool) {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG, true
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return formatPNG, true
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP, true
	}
	return photoFormat{}, false
}

// Photo sanitises a photo upload: JPEG, PNG or WebP in (whatever of the
// three is declared), a fresh JPEG out, upright (the EXIF orientation is
// applied to the pixels), at most MaxPhotoSide on its longest side, with
// no metadata at all, plus a blurred preview. The pixel count is checked
// from the header before anything is decoded.
//
// While it works, Photo holds the upload, the decoded image (up to 160 MB
// for a photo at the pixel limit; about 60 MB for a 40-megapixel JPEG) and
// the result (up to 26 MB): callers bound how many run at once.
func Photo(body io.Reader, declaredType string) (Result, error) {
	if t := MediaType(declaredType); !photoTypes[t] {
		return Result{}, unsupported("content type %q is not a photo type (image/jpeg, image/png, image/webp)", t)
	}
	b, err := readLimited(body, MaxPhotoBytes, "photo")
	if err != nil {
		return Result{}, err
	}
	f, ok := sniffPhoto(b)
	if !ok {
		return Result{}, unsupported("the file is not a JPEG, PNG or WebP image")
	}
	cfg, err := f.decodeConfig(bytes.NewReader(b))
	if err != nil {
		return Result{}, invalid("the %s image cannot be read", f.name)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Result{}, invalid("the %s image has no pixels", f.name)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return Result{}, invalid("the image is %d×%d, more than %d megapixels", cfg.Width, cfg.Height, MaxPhotoPixels/1_000_000)
	}
	if bpp := bytesPerPixel(cfg.ColorModel); int64(cfg.Width)*int64(cfg.Height)*bpp > maxDecodedBytes {
		return Result{}, invalid("the image is %d×%d at %d bytes per pixel, too large to decode", cfg.Width, cfg.Height, bpp)
	}
	orient := f.orientation(b)
	src, err := f.decode(bytes.NewReader(b))
	if err != nil {
		return Result{}, invalid("the %s image cannot be decoded", f.name)
	}
	if sb := src.Bounds(); sb.Dx() != cfg.Width || sb.Dy() != cfg.Height {
		return Result{}, invalid("the %s image does not match its header", f.name)
	}

	img := orientRGBA(flatten(src, MaxPhotoSide), orient)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: photoQuality}); err != nil {
		return Result{}, err
	}
	preview, err := blurredPreview(img)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Kind:        KindPhoto,
		ContentType: "image/jpeg",
		Bytes:       out.Bytes(),
		Width:       img.Bounds().Dx(),
		Height:      img.Bounds().Dy(),
		Preview:     preview,
	}, nil
}

// fit scales w×h down (never up) so its longest side is at most side.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}

// flatten draws src over white into a new RGBA image, scaled down (by
// area averaging) to fit side: JPEG has no alpha, and transparent pixels
// would otherwise turn black.
func flatten(src image.Image, side int) *image.RGBA {
	sb := src.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), side)
	if w != sb.Dx() || h != sb.Dy() {
		return downscale(src, w, h)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
	return dst
}

// downscale returns src over white at w×h (smaller than src), each
// destination pixel the mean of the source area it covers. It converts
// one source row at a time, so beyond the result it needs a few rows of
// memory, however large src is (a general-purpose kernel scaler would hold
// the whole source height at the destination width in float64s: 250 MB
// for a 12-megapixel photo).
func downscale(src image.Image, w, h int) *image.RGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))

	// Horizontal taps: destination column x averages source columns
	// first[x] … first[x]+len(weights[x])-1 with these weights (sum 1).
	xs := float64(sw) / float64(w)
	first := make([]int, w)
	weights := make([][]float32, w)
	for x := range w {
		x0, x1 := float64(x)*xs, float64(x+1)*xs
		i0, i1 := int(x0), min(int(math.Ceil(x1)), sw)
		first[x] = i0
		for i := i0; i < i1; i++ {
			weights[x] = append(weights[x], float32((min(float64(i+1), x1)-max(float64(i), x0))/xs))
		}
	}

	line := image.NewRGBA(image.Rect(0, 0, sw, 1))
	cur, acc := make([]float32, 3*w), make([]float32, 3*w)
	curRow := -1
	// load converts source row sy to opaque RGB over white and averages it
	// horizontally into cur.
	load := func(sy int) {
		if sy == curRow {
			return
		}
		curRow = sy
		draw.Draw(line, line.Bounds(), src, image.Pt(sb.Min.X, sb.Min.Y+sy), draw.Src)
		p := line.Pix
		for x := range w {
			var r, g, b float32
			for k, wt := range weights[x] {
				o := 4 * (first[x] + k)
				white := float32(255 - p[o+3]) // premultiplied alpha over white
				r += wt * (float32(p[o]) + white)
				g += wt * (float32(p[o+1]) + white)
				b += wt * (float32(p[o+2]) + white)
			}
			cur[3*x], cur[3*x+1], cur[3*x+2] = r, g, b
		}
	}
	ys := float64(sh) / float64(h)
	for y := range h {
		y0, y1 := float64(y)*ys, float64(y+1)*ys
		clear(acc)
		for sy := int(y0); sy < min(int(math.Ceil(y1)), sh); sy++ {
			load(sy)
			wt := float32((min(float64(sy+1), y1) - max(float64(sy), y0)) / ys)
			for i, v := range cur {
				acc[i] += wt * v
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x := range w {
			out[4*x] = uint8(min(acc[3*x]+0.5, 255))
			out[4*x+1] = uint8(min(acc[3*x+1]+0.5, 255))
			out[4*x+2] = uint8(min(acc[3*x+2]+0.5, 255))
			out[4*x+3] = 0xFF
		}
	}
	return dst
}

// blurredPreview is img shrunk to PreviewSide and box-blurred three times
// (close to a Gaussian), as a low-quality JPEG.
func blurredPreview(img *image.RGBA) ([]byte, error) {
	b := img.Bounds()
	w, h := fit(b.Dx(), b.Dy(), PreviewSide)
	small := downscale(img, w, h)
	for range 3 {
		boxBlur(small, previewBlur)
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: previewQuality}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// boxBlur blurs an opaque RGBA image in place with a (2r+1)-wide box,
// horizontally then vertically, clamping at the edges.
func boxBlur(img *image.RGBA, r int) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	tmp := make([]uint8, len(img.Pix))
	pass := func(src, dst []uint8, n, lines int, at func(line, i int) int) {
		for line := range lines {
			for i := range n {
				var sum [3]int
				for k := -r; k <= r; k++ {
					o := at(line, min(max(i+k, 0), n-1))
					sum[0] += int(src[o])
					sum[1] += int(src[o+1])
					sum[2] += int(src[o+2])
				}
				o := at(line, i)
				for c := range 3 {
					dst[o+c] = uint8(sum[c] / (2*r + 1))
				}
				dst[o+3] = 0xFF
			}
		}
	}
	pass(img.Pix, tmp, w, h, func(y, x int) int { return y*img.Stride + 4*x })
	pass(tmp, img.Pix, h, w, func(x, y int) int { return y*img.Stride + 4*x })
}
