// Package media turns an uploaded photo or voice message into the bytes a
// partner may receive. Photos are decoded and re-encoded as JPEG, so no
// EXIF, GPS, maker notes, thumbnails, ICC or XMP data survive; voice is
// accepted only in the containers browsers record (WebM, Ogg, MP4), checked
// from the bytes, and its duration is read from the container.
//
// The bytes decide, never the declared Content-Type: a text file labelled
// image/jpeg is refused. Every size a header declares is checked before
// anything is allocated from it (a 50-megapixel PNG costs a header read).
//
// The package does no I/O beyond reading the body it is given: no network,
// no storage, no logging. Errors are *Error values wrapping ErrUnsupported,
// ErrInvalid or ErrTooLarge; their text is safe to show the uploader.
package media

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"time"
)

// Limits of what is accepted.
const (
	// MaxPhotoBytes is the largest photo upload (10 MiB).
	MaxPhotoBytes = 10 << 20
	// MaxVoiceBytes is the largest voice upload (2 MiB).
	MaxVoiceBytes = 2 << 20
	// MaxPhotoPixels is the most pixels (width × height, from the header)
	// a photo may have; anything larger is refused before decoding.
	MaxPhotoPixels = 40_000_000
	// MaxPhotoSide is the longest side of a sanitised photo; larger photos
	// are scaled down to it.
	MaxPhotoSide = 2560
	// PreviewSide is the longest side of the blurred preview.
	PreviewSide = 32
	// MaxVoiceDuration is the longest voice message. The recorder should
	// stop a little before it: the last encoded frame can overshoot.
	MaxVoiceDuration = 60 * time.Second
)

// Kind is what an upload is.
type Kind string

const (
	KindPhoto Kind = "photo"
	KindVoice Kind = "voice"
)

// Result is a sanitised upload.
type Result struct {
	Kind Kind
	// ContentType of Bytes: image/jpeg for photos; audio/webm, audio/ogg or
	// audio/mp4 for voice (the container the bytes are, not what was declared).
	ContentType string
	// Bytes to store and serve: a fresh JPEG for photos, the upload as is
	// for voice.
	Bytes []byte
	// Width and Height of the sanitised photo, upright.
	Width, Height int
	// Preview is a tiny blurred JPEG of the photo (PreviewSide px at most),
	// a few hundred bytes: enough to show that something arrived.
	Preview []byte
	// DurationMS of a voice message.
	DurationMS int64
}

// The three kinds of refusal; the API maps them to 415, 422 and 413.
var (
	// ErrUnsupported: the bytes are not one of the accepted formats, or
	// the declared type is not one we take (415 unsupported_media).
	ErrUnsupported = errors.New("unsupported media")
	// ErrInvalid: the format is right but the content cannot be used:
	// undecodable, too many pixels, too long, duration unreadable
	// (422 invalid_media).
	ErrInvalid = errors.New("invalid media")
	// ErrTooLarge: more bytes than MaxPhotoBytes or MaxVoiceBytes
	// (413 body_too_large).
	ErrTooLarge = errors.New("media too large")
)

// Error is a refusal. Kind is one of ErrUnsupported, ErrInvalid,
// ErrTooLarge (errors.Is works on it); Reason is a short sentence for the
// uploader that never contains the uploaded bytes.
type Error struct {
	Kind   error
	Reason string
}

func (e *Error) Error() string { return e.Reason }
func (e *Error) Unwrap() error { return e.Kind }

func unsupported(format string, args ...any) error {
	return &Error{Kind: ErrUnsupported, Reason: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Reason: fmt.Sprintf(format, args...)}
}

// Photo and voice types a client may declare.
var (
	photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}
	voiceTypes = map[string]bool{"audio/webm": true, "audio/ogg": true, "audio/mp4": true}
)

// MediaType returns the bare, lower-case media type of a Content-Type
// header ("audio/webm;codecs=opus" → "audio/webm"), or "" when it does
// not parse.
func MediaType(contentType string) string {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return t
}

// KindOf says whether a declared Content-Type is a photo or a voice type
// (parameters are ignored); ok is false for anything else.
func KindOf(contentType string) (k Kind, ok bool) {
	t := MediaType(contentType)
	switch {
	case photoTypes[t]:
		return KindPhoto, true
	case voiceTypes[t]:
		return KindVoice, true
	}
	return "", false
}

// Sanitize dispatches on the declared type: Photo for image types, Voice
// for audio types, ErrUnsupported for anything else.
func Sanitize(body io.Reader, declaredType string) (Result, error) {
	k, ok := KindOf(declaredType)
	switch {
	case !ok:
		return Result{}, unsupported("content type %q is not a photo (image/jpeg, image/png, image/webp) or a voice message (audio/webm, audio/ogg, audio/mp4)", MediaType(declaredType))
	case k == KindPhoto:
		return Photo(body, declaredType)
	default:
		return Voice(body, declaredType)
	}
}

// readLimited reads all of r, refusing more than limit bytes without
// reading further than limit+1.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("media: read %s: %w", what, err)
	}
	if int64(len(b)) > limit {
		return nil, &Error{Kind: ErrTooLarge, Reason: fmt.Sprintf("a %s may be at most %d MB", what, limit>>20)}
	}
	return b, nil
}
