package media

import (
	"io"
	"time"
)

// voiceFormat is a container we accept, with the parser that checks its
// structure and reads its duration.
type voiceFormat struct {
	contentType string
	duration    func([]byte) (time.Duration, error)
}

// sniffVoice recognises a voice container by its first bytes.
func sniffVoice(b []byte) (voiceFormat, bool) {
	switch {
	case len(b) >= 4 && string(b[:4]) == "\x1a\x45\xdf\xa3":
		return voiceFormat{"audio/webm", webmDuration}, true
	case len(b) >= 4 && string(b[:4]) == "OggS":
		return voiceFormat{"audio/ogg", oggDuration}, true
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return voiceFormat{"audio/mp4", mp4Duration}, true
	}
	return voiceFormat{}, false
}

// Voice checks a voice upload: a WebM, Ogg (Opus or Vorbis) or MP4 audio
// file, whichever of the three is declared, with one or more audio tracks
// and no video, no longer than MaxVoiceDuration. The bytes are returned as
// uploaded; ContentType is the container they really are.
func Voice(body io.Reader, declaredType string) (Result, error) {
	if t := MediaType(declaredType); !voiceTypes[t] {
		return Result{}, unsupported("content type %q is not a voice type (audio/webm, audio/ogg, audio/mp4)", t)
	}
	b, err := readLimited(body, MaxVoiceBytes, "voice message")
	if err != nil {
		return Result{}, err
	}
	f, ok := sniffVoice(b)
	if !ok {
		return Result{}, unsupported("the file is not a WebM, Ogg or MP4 recording")
	}
	d, err := f.duration(b)
	if err != nil {
		return Result{}, err
	}
	if d <= 0 {
		return Result{}, invalid("the recording is empty")
	}
	if d > MaxVoiceDuration {
		return Result{}, invalid("the recording is %.2f s long, more than %d s", d.Seconds(), int(MaxVoiceDuration.Seconds()))
	}
	return Result{Kind: KindVoice, ContentType: f.contentType, Bytes: b, DurationMS: d.Milliseconds()}, nil
}
