package media

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

var errMP4 = errors.New("bad box")

// mp4Boxes calls fn for each box in b (ISO BMFF: 32-bit size, type, an
// optional 64-bit size, 0 = to the end). Every size is checked against the
// bytes that are there.
func mp4Boxes(b []byte, fn func(typ string, body []byte) error) error {
	for pos := 0; pos < len(b); {
		if len(b)-pos < 8 {
			return errMP4
		}
		size := uint64(binary.BigEndian.Uint32(b[pos:]))
		typ := string(b[pos+4 : pos+8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b) - pos)
		case 1:
			if len(b)-pos < 16 {
				return errMP4
			}
			size, hdr = binary.BigEndian.Uint64(b[pos+8:]), 16
		}
		if size < hdr || size > uint64(len(b)-pos) {
			return errMP4
		}
		if err := fn(typ, b[pos+int(hdr):pos+int(size)]); err != nil {
			return err
		}
		pos += int(size)
	}
	return nil
}

// fullBox splits a full box body into version, flags and the rest.
func fullBox(b []byte) (version byte, flags uint32, rest []byte, ok bool) {
	if len(b) < 4 {
		return 0, 0, nil, false
	}
	return b[0], binary.BigEndian.Uint32(b) & 0xFFFFFF, b[4:], true
}

// timeHeader reads timescale and duration from an mvhd or mdhd body.
func timeHeader(b []byte) (timescale, duration uint64, ok bool) {
	v, _, r, ok := fullBox(b)
	switch {
	case !ok:
		return 0, 0, false
	case v == 1 && len(r) >= 28: // creation, modification (8 each), timescale, duration (8)
		d := binary.BigEndian.Uint64(r[20:])
		if d == math.MaxUint64 { // unknown
			d = 0
		}
		return uint64(binary.BigEndian.Uint32(r[16:])), d, true
	case v == 0 && len(r) >= 16: // creation, modification (4 each), timescale, duration (4)
		d := uint64(binary.BigEndian.Uint32(r[12:]))
		if d == math.MaxUint32 { // unknown
			d = 0
		}
		return uint64(binary.BigEndian.Uint32(r[8:])), d, true
	}
	return 0, 0, false
}

// satAdd adds, stopping at MaxInt64.
func satAdd(a, b uint64) uint64 {
	if b > math.MaxInt64 || a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

type mp4Track struct {
	handler     string
	timescale   uint64
	declared    uint64 // mdhd duration
	samples     uint64 // sum of stts deltas
	defaultDur  uint64 // trex default sample duration
	fragmentEnd uint64 // end of the last fragment run
}

// mp4Duration checks that b is an MP4 file with one or more audio tracks
// and no video, and returns the longest duration it admits to: the movie
// header, the fragment header (mehd), each audio track's media header and
// sample table, and the runs of every fragment (MediaRecorder writes
// fragmented MP4 with a zero duration in the movie header).
func mp4Duration(b []byte) (time.Duration, error) {
	bad := invalid("the MP4 file is damaged")
	var (
		movieScale, movieDur uint64
		tracks               = map[uint32]*mp4Track{}
		order                []uint32 // track ids in file order, to keep the walk deterministic
		sawMoov              bool
	)
	track := func(id uint32) *mp4Track {
		t, ok := tracks[id]
		if !ok {
			if len(tracks) >= 64 {
				return nil
			}
			t = &mp4Track{}
			tracks[id] = t
			order = append(order, id)
		}
		return t
	}

	trak := func(body []byte) error {
		var (
			id                  uint32
			haveID              bool
			handler             string
			scale, dur, samples uint64
		)
		// stts: sample count × sample delta entries; their sum is the
		// media's real length, whatever the headers claim.
		stts := func(body []byte) error {
			_, _, r, ok := fullBox(body)
			if !ok || len(r) < 4 {
				return errMP4
			}
			n := uint64(binary.BigEndian.Uint32(r))
			if n > uint64(len(r)-4)/8 {
				return errMP4
			}
			for k := range n {
				e := r[4+8*k:]
				c, d := uint64(binary.BigEndian.Uint32(e)), uint64(binary.BigEndian.Uint32(e[4:]))
				samples = satAdd(samples, c*d) // c, d < 2^32: c·d fits
			}
			return nil
		}
		err := mp4Boxes(body, func(typ string, body []byte) error {
			switch typ {
			case "tkhd":
				v, _, r, ok := fullBox(body)
				switch {
				case ok && v == 1 && len(r) >= 20:
					id, haveID = binary.BigEndian.Uint32(r[16:]), true
				case ok && v == 0 && len(r) >= 12:
					id, haveID = binary.BigEndian.Uint32(r[8:]), true
				default:
					return errMP4
				}
			case "mdia":
				return mp4Boxes(body, func(typ string, body []byte) error {
					switch typ {
					case "mdhd":
						var ok bool
						if scale, dur, ok = timeHeader(body); !ok {
							return errMP4
						}
					case "hdlr":
						_, _, r, ok := fullBox(body)
						if !ok || len(r) < 8 {
							return errMP4
						}
						handler = string(r[4:8])
					case "minf": // minf/stbl/stts, exactly: boxes never nest deeper
						return mp4Boxes(body, func(typ string, body []byte) error {
							if typ != "stbl" {
								return nil
							}
							return mp4Boxes(body, func(typ string, body []byte) error {
								if typ == "stts" {
									return stts(body)
								}
								return nil
							})
						})
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !haveID || handler == "" || scale == 0 || scale > math.MaxUint32 {
			return errMP4
		}
		t := track(id)
		if t == nil || t.handler != "" {
			return errMP4
		}
		t.handler, t.timescale, t.declared, t.samples = handler, scale, dur, samples
		return nil
	}

	traf := func(body []byte) error {
		var (
			t          *mp4Track
			defaultDur uint64
			haveDef    bool
			base       uint64
			haveBase   bool
		)
		return mp4Boxes(body, func(typ string, body []byte) error {
			switch typ {
			case "tfhd":
				_, flags, r, ok := fullBox(body)
				if !ok || len(r) < 4 {
					return errMP4
				}
				if t = track(binary.BigEndian.Uint32(r)); t == nil {
					return errMP4
				}
				off := 4
				if flags&0x01 != 0 { // base data offset
					off += 8
				}
				if flags&0x02 != 0 { // sample description index
					off += 4
				}
				if flags&0x08 != 0 {
					if len(r) < off+4 {
						return errMP4
					}
					defaultDur, haveDef = uint64(binary.BigEndian.Uint32(r[off:])), true
				}
			case "tfdt":
				v, _, r, ok := fullBox(body)
				switch {
				case ok && v == 1 && len(r) >= 8:
					base = binary.BigEndian.Uint64(r)
				case ok && v == 0 && len(r) >= 4:
					base = uint64(binary.BigEndian.Uint32(r))
				default:
					return errMP4
				}
				haveBase = true
			case "trun":
				if t == nil {
					return errMP4
				}
				_, flags, r, ok := fullBox(body)
				if !ok || len(r) < 4 {
					return errMP4
				}
				n := uint64(binary.BigEndian.Uint32(r))
				off := 4
				if flags&0x01 != 0 { // data offset
					off += 4
				}
				if flags&0x04 != 0 { // first sample flags
					off += 4
				}
				per := 0
				for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
					if flags&bit != 0 {
						per += 4
					}
				}
				if len(r) < off || (per > 0 && n > uint64(len(r)-off)/uint64(per)) {
					return errMP4
				}
				start := t.fragmentEnd
				if haveBase {
					start = base
				}
				var total uint64
				if flags&0x100 != 0 {
					for k := range n {
						total += uint64(binary.BigEndian.Uint32(r[off+int(k)*per:]))
					}
				} else {
					d := t.defaultDur
					if haveDef {
						d = defaultDur
					}
					total = n * d // n, d < 2^32: no overflow
				}
				end := start + total
				if end < start || end > math.MaxInt64 {
					end = math.MaxInt64
				}
				t.fragmentEnd = max(t.fragmentEnd, end)
				haveBase = false // a second run in this traf follows the first
			}
			return nil
		})
	}

	err := mp4Boxes(b, func(typ string, body []byte) error {
		switch typ {
		case "moov":
			sawMoov = true
			return mp4Boxes(body, func(typ string, body []byte) error {
				switch typ {
				case "mvhd":
					var ok bool
					if movieScale, movieDur, ok = timeHeader(body); !ok {
						return errMP4
					}
				case "trak":
					return trak(body)
				case "mvex":
					return mp4Boxes(body, func(typ string, body []byte) error {
						v, _, r, ok := fullBox(body)
						switch {
						case typ == "mehd" && ok && v == 1 && len(r) >= 8:
							movieDur = max(movieDur, binary.BigEndian.Uint64(r))
						case typ == "mehd" && ok && v == 0 && len(r) >= 4:
							movieDur = max(movieDur, uint64(binary.BigEndian.Uint32(r)))
						case typ == "trex" && ok && len(r) >= 12:
							t := track(binary.BigEndian.Uint32(r))
							if t == nil {
								return errMP4
							}
							t.defaultDur = uint64(binary.BigEndian.Uint32(r[8:]))
						case typ == "mehd" || typ == "trex":
							return errMP4
						}
						return nil
					})
				}
				return nil
			})
		case "moof":
			if !sawMoov {
				return errMP4
			}
			return mp4Boxes(body, func(typ string, body []byte) error {
				if typ == "traf" {
					return traf(body)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return 0, bad
	}
	if !sawMoov || movieScale == 0 || movieScale > math.MaxUint32 {
		return 0, bad
	}
	longest, audio := ticksToDuration(movieDur, movieScale), 0
	for _, id := range order {
		t := tracks[id]
		switch t.handler {
		case "vide":
			return 0, unsupported("the MP4 file holds video, not only a voice recording")
		case "soun":
			audio++
			for _, ticks := range []uint64{t.declared, t.samples, t.fragmentEnd} {
				longest = max(longest, ticksToDuration(ticks, t.timescale))
			}
		case "":
			return 0, bad // fragments or defaults for a track the movie does not declare
		}
	}
	if audio == 0 {
		return 0, invalid("the MP4 file has no audio track")
	}
	if longest <= 0 {
		return 0, invalid("the MP4 file has no readable duration")
	}
	return longest, nil
}
