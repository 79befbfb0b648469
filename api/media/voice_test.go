package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/tetatet/tetatet/api/media"
)

// ---- Ogg -------------------------------------------------------------------

// oggCRC is the Ogg page checksum (CRC-32, polynomial 0x04C11DB7, MSB
// first), written out here independently of the parser's.
func oggCRC(page []byte) uint32 {
	var crc uint32
	for _, c := range page {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// oggPage is one page holding one packet (shorter than 255·255 bytes).
func oggPage(flags byte, granule int64, serial, seq uint32, packet []byte) []byte {
	var lacing []byte
	n := len(packet)
	for ; n >= 255; n -= 255 {
		lacing = append(lacing, 255)
	}
	lacing = append(lacing, byte(n))
	p := []byte("OggS\x00")
	p = append(p, flags)
	p = binary.LittleEndian.AppendUint64(p, uint64(granule))
	p = binary.LittleEndian.AppendUint32(p, serial)
	p = binary.LittleEndian.AppendUint32(p, seq)
	p = append(p, 0, 0, 0, 0, byte(len(lacing)))
	p = append(p, lacing...)
	p = append(p, packet...)
	binary.LittleEndian.PutUint32(p[22:], oggCRC(p))
	return p
}

func opusHead(preSkip uint16) []byte {
	h := []byte("OpusHead\x01\x01")
	h = binary.LittleEndian.AppendUint16(h, preSkip)
	h = binary.LittleEndian.AppendUint32(h, 48000)
	return append(h, 0, 0, 0)
}

// oggOpus is an Ogg/Opus stream: the two header pages, then audio pages
// whose granule positions are the given sample counts at 48 kHz (after a
// 312-sample pre-skip, as libopus writes it).
func oggOpus(samples ...int64) []byte {
	const serial, preSkip = 0x1234, 312
	b := oggPage(0x02, 0, serial, 0, opusHead(preSkip))
	b = append(b, oggPage(0, 0, serial, 1, []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"))...)
	for i, s := range samples {
		flags := byte(0)
		if i == len(samples)-1 {
			flags = 0x04 // end of stream
		}
		granule := s + preSkip
		if s < 0 {
			granule = -1
		}
		b = append(b, oggPage(flags, granule, serial, uint32(2+i), bytes.Repeat([]byte{0xF8}, 60))...)
	}
	return b
}

func oggVorbis(rate uint32, lastSample int64) []byte {
	id := []byte("\x01vorbis\x00\x00\x00\x00\x01")
	id = binary.LittleEndian.AppendUint32(id, rate)
	id = append(id, make([]byte, 13)...)
	id = append(id, 1)
	b := oggPage(0x02, 0, 7, 0, id)
	b = append(b, oggPage(0, 0, 7, 1, []byte("\x03vorbis-comments"))...)
	return append(b, oggPage(0x04, lastSample, 7, 2, bytes.Repeat([]byte{1}, 100))...)
}

// ---- WebM (EBML) -------------------------------------------------------------

// el is an EBML element with an 8-byte size.
func el(id uint32, parts ...[]byte) []byte {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	b := idBytes(id)
	b = append(b, 0x01)
	b = append(b, binary.BigEndian.AppendUint64(nil, uint64(len(data)))[1:]...)
	return append(b, data...)
}

// elUnknown is a master element of unknown size (live recording).
func elUnknown(id uint32, parts ...[]byte) []byte {
	b := append(idBytes(id), 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func idBytes(id uint32) []byte {
	switch {
	case id > 0xFFFFFF:
		return binary.BigEndian.AppendUint32(nil, id)
	case id > 0xFFFF:
		return binary.BigEndian.AppendUint32(nil, id)[1:]
	case id > 0xFF:
		return binary.BigEndian.AppendUint16(nil, uint16(id))
	}
	return []byte{byte(id)}
}

func uintEl(id uint32, v uint64) []byte {
	return el(id, binary.BigEndian.AppendUint64(nil, v))
}

func floatEl(id uint32, f float64) []byte {
	return el(id, binary.BigEndian.AppendUint64(nil, math.Float64bits(f)))
}

func ebmlHead(docType string) []byte {
	return el(0x1A45DFA3, uintEl(0x4286, 1), el(0x4282, []byte(docType)), uintEl(0x4287, 4), uintEl(0x4285, 2))
}

func trackEntry(number, typ uint64, codec string) []byte {
	return el(0xAE, uintEl(0xD7, number), uintEl(0x83, typ), el(0x86, []byte(codec)))
}

// simpleBlock of track 1 at a timecode relative to its cluster.
func simpleBlock(rel int16) []byte {
	return el(0xA3, []byte{0x81, byte(uint16(rel) >> 8), byte(rel), 0x80}, bytes.Repeat([]byte{0xFC}, 20))
}

// cluster holds blocks every 20 ms from its timecode (ms) for n blocks.
func cluster(unknownSize bool, at uint64, n int) []byte {
	parts := [][]byte{uintEl(0xE7, at)}
	for i := range n {
		parts = append(parts, simpleBlock(int16(20*i)))
	}
	if unknownSize {
		return elUnknown(0x1F43B675, parts...)
	}
	return el(0x1F43B675, parts...)
}

func info(durationMS float64) []byte {
	parts := [][]byte{uintEl(0x2AD7B1, 1_000_000), el(0x4D80, []byte("test"))}
	if durationMS > 0 {
		parts = append(parts, floatEl(0x4489, durationMS))
	}
	return el(0x1549A966, parts...)
}

// webm is a file as Firefox writes it: sized elements and a Duration.
func webm(durationMS float64, tracks []byte, clusters ...[]byte) []byte {
	return append(ebmlHead("webm"), el(0x18538067, append([][]byte{el(0x114D9B74), info(durationMS), tracks}, clusters...)...)...)
}

// webmLive is a file as Chrome's MediaRecorder streams it: an unknown-size
// Segment and Clusters, and no Duration.
func webmLive(clusters ...[]byte) []byte {
	return append(ebmlHead("webm"), elUnknown(0x18538067, append([][]byte{info(0), el(0x1654AE6B, trackEntry(1, 2, "A_OPUS"))}, clusters...)...)...)
}

var audioTracks = el(0x1654AE6B, trackEntry(1, 2, "A_OPUS"))

// ---- MP4 -------------------------------------------------------------------

func box(typ string, parts ...[]byte) []byte {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(data))), typ...), data...)
}

func fullBox(typ string, version byte, flags uint32, parts ...[]byte) []byte {
	vf := binary.BigEndian.AppendUint32(nil, uint32(version)<<24|flags)
	return box(typ, append([][]byte{vf}, parts...)...)
}

func u32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func mvhd(timescale, duration uint32) []byte {
	return fullBox("mvhd", 0, 0, u32(0, 0, timescale, duration), make([]byte, 80))
}

func mvhd64(timescale uint32, duration uint64) []byte {
	return fullBox("mvhd", 1, 0, u64(0), u64(0), u32(timescale), u64(duration), make([]byte, 80))
}

// trak is one track: handler "soun" or "vide", its media timescale and
// duration, and a sample table of n samples of delta ticks each.
func trak(id uint32, handler string, timescale, duration, n, delta uint32) []byte {
	return box("trak",
		fullBox("tkhd", 0, 3, u32(0, 0, id, 0, 0), make([]byte, 60)),
		box("mdia",
			fullBox("mdhd", 0, 0, u32(0, 0, timescale, duration), []byte{0x55, 0xC4, 0, 0}),
			fullBox("hdlr", 0, 0, u32(0), []byte(handler), make([]byte, 12), []byte("handler\x00")),
			box("minf", box("stbl", fullBox("stts", 0, 0, u32(1, n, delta))))))
}

func ftyp() []byte { return box("ftyp", []byte("M4A \x00\x00\x02\x00M4A isomiso2")) }

// mp4Plain is a progressive file: durations and sample tables in moov.
func mp4Plain(movieMS uint32, tracks ...[]byte) []byte {
	return append(append(ftyp(), box("moov", append([][]byte{mvhd(1000, movieMS)}, tracks...)...)...), box("mdat", make([]byte, 64))...)
}

// mp4Fragmented is what MediaRecorder writes: an empty moov (zero
// durations, no samples) with mvex, then one moof+mdat per fragment of n
// samples of 1024 ticks at 48 kHz. Odd fragments give each sample's
// duration in trun, even ones rely on the tfhd default; every fragment
// has its tfdt.
func mp4Fragmented(fragments, n int) []byte {
	b := append(ftyp(), box("moov", mvhd(1000, 0), trak(1, "soun", 48000, 0, 0, 0),
		box("mvex", fullBox("trex", 0, 0, u32(1, 1, 0, 0, 0))))...)
	var t uint64
	for f := range fragments {
		var trun []byte
		var tfhd []byte
		if f%2 == 0 {
			tfhd = fullBox("tfhd", 0, 0x020000, u32(1))
			var samples []byte
			for range n {
				samples = append(samples, u32(1024, 10)...)
			}
			trun = fullBox("trun", 0, 0x000301, u32(uint32(n), 0), samples)
		} else {
			tfhd = fullBox("tfhd", 0, 0x020008, u32(1, 1024))
			trun = fullBox("trun", 0, 0x000200, u32(uint32(n)), bytes.Repeat(u32(10), n))
		}
		b = append(b, box("moof", fullBox("mfhd", 0, 0, u32(uint32(f+1))),
			box("traf", tfhd, fullBox("tfdt", 1, 0, u64(t)), trun))...)
		b = append(b, box("mdat", make([]byte, 10*n))...)
		t += uint64(n) * 1024
	}
	return b
}

// ---- tests -----------------------------------------------------------------

func TestVoiceDurations(t *testing.T) {
	minute := int64(48000 * 60)
	for _, tc := range []struct {
		name, declared, wantType string
		body                     []byte
		wantMS                   int64
	}{
		{"ogg opus 1.5 s", "audio/ogg", "audio/ogg", oggOpus(24000, 48000, 72000), 1500},
		{"ogg opus exactly 60 s", "audio/ogg", "audio/ogg", oggOpus(minute/2, minute), 60000},
		{"ogg opus, last page ends no packet", "audio/ogg", "audio/ogg", oggOpus(24000, 72000, -1), 1500},
		{"ogg opus with codecs parameter", "audio/ogg; codecs=opus", "audio/ogg", oggOpus(96000), 2000},
		{"ogg vorbis 44.1 kHz", "audio/ogg", "audio/ogg", oggVorbis(44100, 2*44100), 2000},
		{"webm with Duration", "audio/webm", "audio/webm", webm(1500, audioTracks, cluster(false, 0, 50), cluster(false, 1000, 24)), 1500},
		{"webm live, no Duration: last block + one frame", "audio/webm;codecs=opus", "audio/webm",
			webmLive(cluster(true, 0, 50), cluster(true, 1000, 25)), 1500},
		{"webm with a BlockGroup duration", "audio/webm", "audio/webm",
			webm(0, audioTracks, el(0x1F43B675, uintEl(0xE7, 0), el(0xA0, el(0xA1, []byte{0x81, 0x03, 0xE8, 0x00}), uintEl(0x9B, 250)))), 1250},
		{"webm exactly 60 s", "audio/webm", "audio/webm", webm(60000, audioTracks, cluster(false, 59000, 10)), 60000},
		{"mp4 plain", "audio/mp4", "audio/mp4", mp4Plain(1500, trak(1, "soun", 48000, 72000, 70, 1024)), 1500},
		{"mp4 sample table longer than headers", "audio/mp4", "audio/mp4", mp4Plain(1000, trak(1, "soun", 48000, 48000, 94, 1024)), 2005},
		{"mp4 64-bit movie header", "audio/mp4", "audio/mp4",
			append(append(ftyp(), box("moov", mvhd64(1000, 1500), trak(1, "soun", 48000, 0, 0, 0))...), box("mdat")...), 1500},
		{"mp4 fragmented (MediaRecorder)", "audio/mp4", "audio/mp4", mp4Fragmented(4, 47), 4010},
		{"mp4 declared as webm", "audio/webm", "audio/mp4", mp4Plain(1500, trak(1, "soun", 48000, 72000, 70, 1024)), 1500},
		{"mp4 with a 64-bit box size", "audio/mp4", "audio/mp4",
			append(mp4Plain(1500, trak(1, "soun", 48000, 72000, 70, 1024)), append(u32(1), append([]byte("free"), u64(16)...)...)...), 1500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := media.Voice(bytes.NewReader(tc.body), tc.declared)
			if err != nil {
				t.Fatalf("Voice: %v", err)
			}
			if r.Kind != media.KindVoice || r.ContentType != tc.wantType || r.DurationMS != tc.wantMS || !bytes.Equal(r.Bytes, tc.body) {
				t.Fatalf("Voice = %s %s %d ms (%d bytes), want %s %d ms, the bytes as uploaded", r.Kind, r.ContentType, r.DurationMS, len(r.Bytes), tc.wantType, tc.wantMS)
			}
		})
	}
}

// Recordings made by ffmpeg the way browsers record (testdata/generate.sh).
func TestVoiceFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, contentType string
		minMS, maxMS      int64
	}{
		{"voice.webm", "audio/webm", 1490, 1530},
		{"voice-live.webm", "audio/webm", 1490, 1530},
		{"voice.ogg", "audio/ogg", 1490, 1510},
		{"voice-vorbis.ogg", "audio/ogg", 1490, 1510},
		{"voice.m4a", "audio/mp4", 1490, 1530},
		{"voice-fragmented.m4a", "audio/mp4", 1490, 1530},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := readFixture(t, tc.file)
			r, err := media.Voice(bytes.NewReader(body), tc.contentType)
			if err != nil {
				t.Fatalf("Voice: %v", err)
			}
			if r.ContentType != tc.contentType || r.DurationMS < tc.minMS || r.DurationMS > tc.maxMS {
				t.Fatalf("Voice = %s %d ms, want %s in [%d, %d] ms", r.ContentType, r.DurationMS, tc.contentType, tc.minMS, tc.maxMS)
			}
		})
	}
}

func TestVoiceRefused(t *testing.T) {
	minute := int64(48000 * 60)
	opus := oggOpus(48000)
	badCRC := append([]byte{}, opus...)
	badCRC[len(badCRC)-1] ^= 0xFF
	otherStream := append(append([]byte{}, opus...), oggPage(0, 96000, 0x9999, 0, []byte{1, 2, 3})...)
	theora := oggPage(0x02, 0, 1, 0, []byte("\x80theora\x03\x02\x01"))
	plain := mp4Plain(1500, trak(1, "soun", 48000, 72000, 70, 1024))
	for _, tc := range []struct {
		name     string
		declared string
		body     []byte
		want     error
	}{
		// not a voice container at all, whatever the label
		{"text labelled ogg", "audio/ogg", []byte("this is not a recording"), media.ErrUnsupported},
		{"jpeg labelled webm", "audio/webm", encodeJPEG(t, quadrants(8, 8, red, green, blue, white)), media.ErrUnsupported},
		{"wav", "audio/webm", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), media.ErrUnsupported},
		{"mp3", "audio/mp4", []byte("ID3\x04\x00\x00\x00\x00\x00\x00\xFF\xFB"), media.ErrUnsupported},
		{"empty", "audio/ogg", nil, media.ErrUnsupported},
		{"ogg labelled mpeg", "audio/mpeg", opus, media.ErrUnsupported},
		{"ogg labelled as a photo", "image/jpeg", opus, media.ErrUnsupported},
		{"ogg theora", "audio/ogg", theora, media.ErrUnsupported},
		{"ogg with a second stream", "audio/ogg", otherStream, media.ErrUnsupported},
		{"matroska that is not webm", "audio/webm", append(ebmlHead("matroska"), el(0x18538067, info(1000), audioTracks)...), media.ErrUnsupported},
		{"webm with video", "audio/webm", webm(1000, el(0x1654AE6B, trackEntry(1, 2, "A_OPUS"), trackEntry(2, 1, "V_VP8")), cluster(false, 0, 5)), media.ErrUnsupported},
		{"mp4 with video", "audio/mp4", mp4Plain(1500, trak(1, "soun", 48000, 72000, 70, 1024), trak(2, "vide", 90000, 135000, 45, 3000)), media.ErrUnsupported},

		// the right container, but too long, empty or damaged
		{"ogg 61 s", "audio/ogg", oggOpus(minute, minute+48000), media.ErrInvalid},
		{"ogg 60.02 s", "audio/ogg", oggOpus(minute + 960), media.ErrInvalid},
		{"ogg whose middle page claims an hour", "audio/ogg", oggOpus(48000, 60*minute, 96000), media.ErrInvalid},
		{"ogg fixture 61 s", "audio/ogg", readFixture(t, "voice-61s.ogg"), media.ErrInvalid},
		{"ogg headers only", "audio/ogg", oggOpus(), media.ErrInvalid},
		{"ogg bad checksum", "audio/ogg", badCRC, media.ErrInvalid},
		{"ogg cut short", "audio/ogg", opus[:len(opus)-10], media.ErrInvalid},
		{"ogg trailing garbage", "audio/ogg", append(append([]byte{}, opus...), "garbage"...), media.ErrInvalid},
		{"webm 61 s", "audio/webm", webm(61000, audioTracks, cluster(false, 0, 5)), media.ErrInvalid},
		{"webm whose Duration hides 70 s of blocks", "audio/webm", webm(10000, audioTracks, cluster(false, 0, 5), cluster(false, 70000, 5)), media.ErrInvalid},
		{"webm live 61 s", "audio/webm", webmLive(cluster(true, 0, 5), cluster(true, 61000, 5)), media.ErrInvalid},
		{"webm without duration or blocks", "audio/webm", webmLive(), media.ErrInvalid},
		{"webm without tracks", "audio/webm", append(ebmlHead("webm"), el(0x18538067, info(1000))...), media.ErrInvalid},
		{"webm cut short", "audio/webm", func() []byte { b := webm(1500, audioTracks, cluster(false, 0, 50)); return b[:len(b)-7] }(), media.ErrInvalid},
		{"webm infinite duration", "audio/webm", webm(math.Inf(1), audioTracks), media.ErrInvalid},
		{"ebml header only", "audio/webm", ebmlHead("webm"), media.ErrInvalid},
		{"mp4 61 s", "audio/mp4", mp4Plain(61000, trak(1, "soun", 48000, 61*48000, 0, 0)), media.ErrInvalid},
		{"mp4 headers say 1 s, samples 70 s", "audio/mp4", mp4Plain(1000, trak(1, "soun", 48000, 48000, 70*47, 1024)), media.ErrInvalid},
		{"mp4 fragments run 70 s", "audio/mp4", mp4Fragmented(70, 47), media.ErrInvalid},
		{"mp4 without audio", "audio/mp4", mp4Plain(1500, trak(1, "meta", 1000, 1500, 0, 0)), media.ErrInvalid},
		{"mp4 without moov", "audio/mp4", append(ftyp(), box("mdat", make([]byte, 64))...), media.ErrInvalid},
		{"mp4 zero duration", "audio/mp4", mp4Plain(0, trak(1, "soun", 48000, 0, 0, 0)), media.ErrInvalid},
		{"mp4 box runs past the end", "audio/mp4", plain[:len(plain)-5], media.ErrInvalid},
		{"mp4 box of size 4", "audio/mp4", append(ftyp(), 0, 0, 0, 4, 'm', 'o', 'o', 'v'), media.ErrInvalid},
		{"mp4 stts claims 2^32 entries", "audio/mp4", mp4Plain(1500, box("trak",
			fullBox("tkhd", 0, 3, u32(0, 0, 1, 0, 0), make([]byte, 60)),
			box("mdia", fullBox("mdhd", 0, 0, u32(0, 0, 48000, 72000), []byte{0, 0, 0, 0}),
				fullBox("hdlr", 0, 0, u32(0), []byte("soun"), make([]byte, 12)),
				box("minf", box("stbl", fullBox("stts", 0, 0, u32(0xFFFFFFFF, 1, 1024))))))), media.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.Voice(bytes.NewReader(tc.body), tc.declared)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Voice = %v, want %v", err, tc.want)
			}
			var me *media.Error
			if !errors.As(err, &me) || me.Reason == "" {
				t.Fatalf("error %v is not a *media.Error with a reason", err)
			}
		})
	}
}

func TestVoiceTooLarge(t *testing.T) {
	big := append(oggOpus(48000), make([]byte, media.MaxVoiceBytes)...)
	if _, err := media.Voice(bytes.NewReader(big), "audio/ogg"); !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("Voice(%d bytes) = %v, want ErrTooLarge", len(big), err)
	}
}

func TestSanitizeDispatches(t *testing.T) {
	r, err := media.Sanitize(bytes.NewReader(oggOpus(48000)), "audio/ogg")
	if err != nil || r.Kind != media.KindVoice {
		t.Fatalf("Sanitize(ogg) = %v %v", r.Kind, err)
	}
	r, err = media.Sanitize(bytes.NewReader(encodeJPEG(t, quadrants(8, 8, red, green, blue, white))), "image/jpeg")
	if err != nil || r.Kind != media.KindPhoto {
		t.Fatalf("Sanitize(jpeg) = %v %v", r.Kind, err)
	}
	for ct, want := range map[string]media.Kind{"image/webp": media.KindPhoto, "AUDIO/WEBM; codecs=opus": media.KindVoice, "video/webm": "", "": ""} {
		if k, ok := media.KindOf(ct); k != want || ok != (want != "") {
			t.Errorf("KindOf(%q) = %q %v, want %q", ct, k, ok, want)
		}
	}
}

// FuzzVoice: no input makes the voice parsers panic, loop or allocate
// from a declared size; every refusal is a *media.Error; every acceptance
// is a voice message of at most a minute, returned byte for byte.
func FuzzVoice(f *testing.F) {
	for _, name := range []string{"voice.webm", "voice-live.webm", "voice.ogg", "voice-vorbis.ogg", "voice.m4a", "voice-fragmented.m4a"} {
		f.Add(readFixture(f, name))
	}
	f.Add(oggOpus(24000, 48000))
	f.Add(oggVorbis(44100, 44100))
	f.Add(webm(1500, audioTracks, cluster(false, 0, 5)))
	f.Add(webmLive(cluster(true, 0, 5), cluster(true, 1000, 5)))
	f.Add(webm(0, audioTracks, el(0x1F43B675, uintEl(0xE7, 0), el(0xA0, el(0xA1, []byte{0x81, 0, 0, 0}), uintEl(0x9B, 250)))))
	f.Add(mp4Plain(1500, trak(1, "soun", 48000, 72000, 70, 1024)))
	f.Add(mp4Fragmented(2, 5))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := media.Voice(bytes.NewReader(body), "audio/webm")
		if err != nil {
			var me *media.Error
			if !errors.As(err, &me) || me.Reason == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r.Kind != media.KindVoice || r.DurationMS <= 0 || r.DurationMS > media.MaxVoiceDuration.Milliseconds() || !bytes.Equal(r.Bytes, body) {
			t.Fatalf("accepted %s %s %d ms (%d of %d bytes)", r.Kind, r.ContentType, r.DurationMS, len(r.Bytes), len(body))
		}
		switch r.ContentType {
		case "audio/webm", "audio/ogg", "audio/mp4":
		default:
			t.Fatalf("accepted as %q", r.ContentType)
		}
	})
}
