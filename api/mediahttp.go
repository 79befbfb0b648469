package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tetatet/tetatet/api/media"
	"github.com/tetatet/tetatet/matchmaker"
)

type mediaResponse struct {
	MediaID    string `json:"media_id"`
	Kind       string `json:"kind"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	DurationMS int64  `json:"duration_ms,omitempty"`
}

// decodeSlots bounds the photo decodes one process runs at once: each takes
// tens of MB and up to a second of CPU, so a burst of uploads waits here
// (or is shed) instead of starving the message path.
const decodeSlots = 2

// postMedia takes a photo or a voice message as the raw body. The bytes,
// not the declared type, decide what it is; a photo is decoded and
// re-encoded so no metadata reaches the partner (api/media). The checks
// that cost nothing (membership, the room, minors, the links rule) run
// before the body is read.
func (s *Server) postMedia(w http.ResponseWriter, r *http.Request) {
	rid, err := roomID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tg := identityFrom(r.Context()).TelegramID
	// An upload may take longer than a JSON body (shed set that deadline).
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(6 * s.cfg.BodyReadTimeout))
	ct := r.Header.Get("Content-Type")
	kind, ok := media.KindOf(ct)
	if !ok {
		s.fail(w, r, errorf(http.StatusUnsupportedMediaType, "unsupported_media",
			"send a photo (image/jpeg, image/png, image/webp) or a voice message (audio/webm, audio/ogg, audio/mp4)"))
		return
	}
	if err := s.store.CanUpload(r.Context(), tg, rid); err != nil {
		s.fail(w, r, err)
		return
	}
	limit := int64(media.MaxPhotoBytes)
	if kind == media.KindVoice {
		limit = media.MaxVoiceBytes
	}
	if r.ContentLength > limit {
		s.fail(w, r, errorf(http.StatusRequestEntityTooLarge, "body_too_large", "a %s may be at most %d MB", kind, limit>>20))
		return
	}
	select {
	case s.decoding <- struct{}{}:
		defer func() { <-s.decoding }()
	case <-time.After(2 * time.Second):
		s.fail(w, r, errorf(http.StatusServiceUnavailable, "unavailable", "busy with other uploads; retry in a moment"))
		return
	}
	res, err := media.Sanitize(http.MaxBytesReader(w, r.Body, limit+1), ct)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = errorf(http.StatusRequestEntityTooLarge, "body_too_large", "a %s may be at most %d MB", kind, limit>>20)
		}
		s.fail(w, r, err)
		return
	}
	m, err := s.store.AddMedia(r.Context(), tg, rid, matchmaker.Upload{Kind: string(res.Kind), ContentType: res.ContentType,
		Bytes: res.Bytes, Width: res.Width, Height: res.Height, DurationMS: res.DurationMS, Preview: res.Preview})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, mediaResponse{MediaID: m.ID, Kind: m.Kind, Width: m.Width, Height: m.Height, DurationMS: m.DurationMS})
}

// getMedia serves a photo, its blurred preview (?preview=1) or a voice
// message to a member of its room, from the API itself (never a public
// URL): the app fetches it with its Authorization header and shows it
// from a blob URL.
func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	preview := r.URL.Query().Get("preview") == "1"
	obj, err := s.store.OpenMedia(r.Context(), identityFrom(r.Context()).TelegramID, id, preview)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer obj.Body.Close()
	h := w.Header()
	h.Set("Content-Type", obj.ContentType)
	h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, obj.Body)
}
