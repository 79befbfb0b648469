package media

import (
	"encoding/binary"
	"math"
	"time"
)

// WebM (Matroska/EBML) element ids the parser looks at.
const (
	ebmlHeader    = 0x1A45DFA3
	ebmlDocType   = 0x4282
	mkvSegment    = 0x18538067
	mkvInfo       = 0x1549A966
	mkvTimescale  = 0x2AD7B1
	mkvDuration   = 0x4489
	mkvTracks     = 0x1654AE6B
	mkvTrackEntry = 0xAE
	mkvTrackType  = 0x83
	mkvCluster    = 0x1F43B675
	mkvTimecode   = 0xE7
	mkvSimple     = 0xA3
	mkvBlockGroup = 0xA0
	mkvBlock      = 0xA1
	mkvBlockDur   = 0x9B
)

// ebmlID reads an element id (1–4 bytes, length marker kept) at b[i:].
func ebmlID(b []byte, i int) (id uint32, n int, ok bool) {
	if i >= len(b) || b[i] == 0 {
		return 0, 0, false
	}
	n = 1 + countLeadingZeros8(b[i])
	if n > 4 || i+n > len(b) {
		return 0, 0, false
	}
	for k := range n {
		id = id<<8 | uint32(b[i+k])
	}
	return id, n, true
}

// ebmlSize reads an element data size (1–8 bytes, length marker removed);
// unknown is true for the all-ones "unknown size" of live recordings.
func ebmlSize(b []byte, i int) (size uint64, n int, unknown, ok bool) {
	if i >= len(b) || b[i] == 0 {
		return 0, 0, false, false
	}
	n = 1 + countLeadingZeros8(b[i])
	if i+n > len(b) {
		return 0, 0, false, false
	}
	size = uint64(b[i]) & (0xFF >> n)
	allOnes := size == 0xFF>>n
	for k := 1; k < n; k++ {
		size = size<<8 | uint64(b[i+k])
		allOnes = allOnes && b[i+k] == 0xFF
	}
	return size, n, allOnes, true
}

func countLeadingZeros8(x byte) int {
	n := 0
	for mask := byte(0x80); mask != 0 && x&mask == 0; mask >>= 1 {
		n++
	}
	return n
}

func ebmlUint(d []byte) (uint64, bool) {
	if len(d) > 8 {
		return 0, false
	}
	var v uint64
	for _, c := range d {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// webmDuration checks that b is a WebM file with an audio track and no
// video, and returns the longer of its declared Duration and the end of
// its last block. Chrome's MediaRecorder writes no Duration and clusters
// of unknown size, so the blocks are scanned whenever they are there.
//
// Master elements that matter are entered rather than skipped, so the
// walk is flat: one pass over the bytes, nothing allocated, every size
// checked against what is left.
func webmDuration(b []byte) (time.Duration, error) {
	bad := invalid("the WebM file is damaged")
	// EBML header, with DocType "webm".
	id, n, ok := ebmlID(b, 0)
	if !ok || id != ebmlHeader {
		return 0, bad
	}
	size, m, unknown, ok := ebmlSize(b, n)
	if !ok || unknown || size > uint64(len(b)-n-m) {
		return 0, bad
	}
	hdr, pos := b[n+m:n+m+int(size)], n+m+int(size)
	docType := ""
	for i := 0; i < len(hdr); {
		id, n, ok := ebmlID(hdr, i)
		size, m, unknown, ok2 := ebmlSize(hdr, i+n)
		if !ok || !ok2 || unknown || size > uint64(len(hdr)-i-n-m) {
			return 0, bad
		}
		if id == ebmlDocType {
			docType = string(hdr[i+n+m : i+n+m+int(size)])
		}
		i += n + m + int(size)
	}
	if docType != "webm" {
		return 0, unsupported("the Matroska file is not WebM")
	}

	scale := uint64(1_000_000) // ns per tick
	var (
		declared             float64 // Info/Duration, in ticks
		cluster              uint64
		lastEnd              int64 = -1 // end of the last block, ticks (with its duration when known)
		lastStart, prevStart int64 = -1, -1
		sawSegment           bool
		audio, video         int
	)
	for pos < len(b) {
		id, n, ok := ebmlID(b, pos)
		if !ok {
			return 0, bad
		}
		size, m, unknown, ok := ebmlSize(b, pos+n)
		if !ok {
			return 0, bad
		}
		data := pos + n + m
		if unknown {
			if id != mkvSegment && id != mkvCluster {
				return 0, bad
			}
		} else if size > uint64(len(b)-data) {
			return 0, invalid("the WebM file is cut short")
		}
		switch id {
		case mkvSegment:
			sawSegment = true
			pos = data // enter
			continue
		case mkvInfo, mkvTracks, mkvTrackEntry, mkvCluster, mkvBlockGroup:
			pos = data // enter
			continue
		}
		if !sawSegment {
			return 0, bad
		}
		d := b[data : data+int(size)]
		switch id {
		case mkvTimescale:
			v, ok := ebmlUint(d)
			if !ok || v == 0 {
				return 0, bad
			}
			scale = v
		case mkvDuration:
			var f float64
			switch len(d) {
			case 4:
				f = float64(math.Float32frombits(binary.BigEndian.Uint32(d)))
			case 8:
				f = math.Float64frombits(binary.BigEndian.Uint64(d))
			default:
				return 0, bad
			}
			if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return 0, bad
			}
			declared = f
		case mkvTrackType:
			v, ok := ebmlUint(d)
			if !ok {
				return 0, bad
			}
			switch v {
			case 1:
				video++
			case 2:
				audio++
			}
		case mkvTimecode:
			v, ok := ebmlUint(d)
			if !ok || v > math.MaxInt64/2 {
				return 0, bad
			}
			cluster = v
		case mkvSimple, mkvBlock:
			// track number (a size-style vint), then a signed 16-bit timecode relative to the cluster
			_, tn, _, ok := ebmlSize(d, 0)
			if !ok || len(d) < tn+3 {
				return 0, bad
			}
			t := int64(cluster) + int64(int16(binary.BigEndian.Uint16(d[tn:])))
			if t > lastStart {
				prevStart, lastStart = lastStart, t
			}
			lastEnd = max(lastEnd, t)
		case mkvBlockDur:
			v, ok := ebmlUint(d)
			if !ok || v > math.MaxInt64/4 {
				return 0, bad
			}
			lastEnd = max(lastEnd, lastStart+int64(v))
		}
		pos = data + int(size)
	}
	if !sawSegment {
		return 0, bad
	}
	if video > 0 {
		return 0, unsupported("the WebM file holds video, not only a voice recording")
	}
	if audio == 0 {
		return 0, invalid("the WebM file has no audio track")
	}
	if declared == 0 && lastEnd == lastStart && prevStart >= 0 {
		// No Duration, no BlockDuration: the last block lasts about as long as the one before.
		lastEnd += lastStart - prevStart
	}
	ticks := max(declared, float64(lastEnd))
	if ticks <= 0 {
		return 0, invalid("the WebM file has no readable duration")
	}
	ns := ticks * float64(scale)
	if ns > float64(math.MaxInt64) {
		return time.Duration(math.MaxInt64), nil
	}
	return time.Duration(ns), nil
}
