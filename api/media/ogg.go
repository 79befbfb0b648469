package media

import (
	"encoding/binary"
	"math"
	"time"
)

// oggCRC is the Ogg page checksum table (CRC-32, polynomial 0x04C11DB7,
// not reflected, initial value 0).
var oggCRC = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04C11DB7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggChecksum(page []byte) uint32 {
	var crc uint32
	for i, c := range page {
		if i >= 22 && i < 26 { // the checksum field counts as zero
			c = 0
		}
		crc = crc<<8 ^ oggCRC[byte(crc>>24)^c]
	}
	return crc
}

// oggDuration checks that b is one Ogg logical stream of Opus or Vorbis
// audio made only of well-formed pages (capture pattern, version, lengths
// and checksum), and returns its duration from the highest granule
// position: samples at 48 kHz minus the pre-skip for Opus, samples at the
// identification header's rate for Vorbis.
func oggDuration(b []byte) (time.Duration, error) {
	bad := invalid("the Ogg file is damaged")
	var (
		serial     uint32
		opus       bool
		preSkip    uint64
		rate       uint64
		maxGranule int64 = -1
	)
	for pos, page := 0, 0; pos < len(b); page++ {
		h := b[pos:]
		if len(h) < 27 || string(h[:4]) != "OggS" || h[4] != 0 {
			return 0, bad
		}
		flags := h[5]
		granule := int64(binary.LittleEndian.Uint64(h[6:]))
		ser := binary.LittleEndian.Uint32(h[14:])
		nseg := int(h[26])
		if len(h) < 27+nseg {
			return 0, bad
		}
		body := 0
		for _, s := range h[27 : 27+nseg] {
			body += int(s)
		}
		size := 27 + nseg + body
		if len(h) < size {
			return 0, invalid("the Ogg file is cut short")
		}
		if oggChecksum(h[:size]) != binary.LittleEndian.Uint32(h[22:]) {
			return 0, bad
		}
		if page == 0 {
			if flags&0x02 == 0 { // beginning of stream
				return 0, bad
			}
			serial = ser
			p := h[27+nseg : size]
			switch {
			case len(p) >= 19 && string(p[:8]) == "OpusHead":
				if p[8]>>4 != 0 || p[9] == 0 { // major version 0, at least one channel
					return 0, bad
				}
				opus, preSkip, rate = true, uint64(binary.LittleEndian.Uint16(p[10:])), 48000
			case len(p) >= 30 && string(p[:7]) == "\x01vorbis":
				rate = uint64(binary.LittleEndian.Uint32(p[12:]))
				if p[11] == 0 || rate == 0 {
					return 0, bad
				}
			default:
				return 0, unsupported("the Ogg file is not Opus or Vorbis audio")
			}
		} else if ser != serial || flags&0x02 != 0 {
			return 0, unsupported("the Ogg file holds more than one stream")
		}
		if granule >= 0 { // -1: no packet ends on this page
			maxGranule = max(maxGranule, granule)
		}
		pos += size
	}
	if maxGranule < 0 {
		return 0, invalid("the Ogg file has no readable duration")
	}
	samples := uint64(maxGranule)
	if opus {
		samples -= min(samples, preSkip)
	}
	return ticksToDuration(samples, rate), nil
}

// ticksToDuration converts ticks at scale per second, saturating instead
// of overflowing. scale must fit in 32 bits.
func ticksToDuration(ticks, scale uint64) time.Duration {
	if scale == 0 {
		return 0
	}
	secs := ticks / scale
	if secs > math.MaxInt64/uint64(time.Second)-1 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(secs)*time.Second + time.Duration((ticks%scale)*uint64(time.Second)/scale)
}
