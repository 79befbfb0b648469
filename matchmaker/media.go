package matchmaker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// Option configures a Store.
type Option func(*Store)

// WithMedia keeps photos and voice messages in blob (the API's and the
// bot's media store). Without it the store refuses media and deletes none.
func WithMedia(blob blobstore.Store) Option { return func(s *Store) { s.blob = blob } }

// MaxPendingMedia is how many uploads a member may have that were not sent
// yet.
const MaxPendingMedia = 10

// Sentinel errors of media.
var (
	// ErrMinors: a rule of minors mode refused it (a *MinorsError says which).
	ErrMinors = errors.New("matchmaker: not for users under 18")
	// ErrMediaNotAllowed: media, like links, waits until both sides have
	// written LinksAfter messages (a *LinkError says how many more).
	ErrMediaNotAllowed = errors.New("matchmaker: media is not allowed yet")
	// ErrNoMedia: media is not configured in this store.
	ErrNoMedia = errors.New("matchmaker: media is not supported here")
)

// MinorsError is ErrMinors for one rule of minors mode: "links", "media",
// "reveal", "again".
type MinorsError struct{ Rule string }

func (e *MinorsError) Error() string { return ErrMinors.Error() + ": " + e.Rule }
func (e *MinorsError) Unwrap() error { return ErrMinors }

// MediaError is ErrMediaNotAllowed with how many more messages each side
// must send.
type MediaError struct {
	RemainingMe, RemainingPartner int
}

func (e *MediaError) Error() string { return ErrMediaNotAllowed.Error() }
func (e *MediaError) Unwrap() error { return ErrMediaNotAllowed }

// Media describes a stored photo or voice message, as messages carry it.
type Media struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"` // "photo" | "voice"
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	DurationMS int64  `json:"duration_ms,omitempty"`
	Spoiler    bool   `json:"spoiler"`
}

// mediaRecord is an upload as the room's record keeps it (md:<id>).
type mediaRecord struct {
	Kind        string `json:"kind"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	DurationMS  int64  `json:"duration_ms,omitempty"`
	ContentType string `json:"ct"`
	Preview     bool   `json:"preview,omitempty"`
	Owner       string `json:"owner,omitempty"`
	Sent        bool   `json:"sent,omitempty"`
	Spoiler     bool   `json:"spoiler,omitempty"`
}

// Upload is a sanitised file to store (api/media makes it).
type Upload struct {
	Kind        string
	ContentType string
	Bytes       []byte
	Width       int
	Height      int
	DurationMS  int64
	Preview     []byte // photos: a tiny blurred JPEG
}

// mediaID names a room's upload: the room's id, a dot, a random part, so
// GET /api/media/{id} finds the room (and its slot) from the id alone.
func mediaID(roomID string) (string, error) {
	r, err := randomID(10)
	if err != nil {
		return "", err
	}
	return roomID + "." + r, nil
}

// MediaRoom returns the room a media id belongs to, or "".
func MediaRoom(mediaID string) string {
	room, rest, ok := strings.Cut(mediaID, ".")
	if !ok || len(room) != 26 || len(rest) != 16 || strings.Trim(mediaID, "abcdefghijklmnopqrstuvwxyz234567.") != "" {
		return ""
	}
	return room
}

func roomFolder(roomID string) string { return "rooms/" + roomID + "/" }

// mediaKey is where an upload's bytes are; preview adds ".preview".
func mediaKey(mediaID string, preview bool) string {
	room, rest, _ := strings.Cut(mediaID, ".")
	k := roomFolder(room) + rest
	if preview {
		k += ".preview"
	}
	return k
}

func reportFolder(reportID string) string { return "reports/" + reportID + "/" }

// CanUpload checks, cheaply and before the upload is decoded, that the
// Telegram user may send media in the room now: a member of an active room
// of adults where both sides wrote enough messages, without too many
// uploads not sent yet. AddMedia checks again, atomically.
func (s *Store) CanUpload(ctx context.Context, telegramID int64, roomID string) error {
	_, err := s.mediaCall(ctx, telegramID, roomID, "", nil)
	return err
}

// AddMedia stores an upload's bytes and records it in the room, for its
// uploader to send once in that room. It returns the media as a message
// will carry it (not a spoiler until sent so).
func (s *Store) AddMedia(ctx context.Context, telegramID int64, roomID string, u Upload) (Media, error) {
	if s.blob == nil {
		return Media{}, ErrNoMedia
	}
	id, err := mediaID(roomID)
	if err != nil {
		return Media{}, err
	}
	if err := s.blob.Put(ctx, mediaKey(id, false), u.ContentType, bytes.NewReader(u.Bytes), int64(len(u.Bytes))); err != nil {
		return Media{}, fmt.Errorf("matchmaker: store media: %w", err)
	}
	rec := mediaRecord{Kind: u.Kind, Width: u.Width, Height: u.Height, DurationMS: u.DurationMS, ContentType: u.ContentType}
	if len(u.Preview) > 0 {
		if err := s.blob.Put(ctx, mediaKey(id, true), "image/jpeg", bytes.NewReader(u.Preview), int64(len(u.Preview))); err != nil {
			return Media{}, fmt.Errorf("matchmaker: store media preview: %w", err)
		}
		rec.Preview = true
	}
	if _, err := s.mediaCall(ctx, telegramID, roomID, id, &rec); err != nil {
		// The room closed (or the rules changed) while the file was being
		// stored: it is never recorded, so it goes.
		s.blob.Delete(context.WithoutCancel(ctx), mediaKey(id, false)) //nolint:errcheck // the room's folder goes with the room
		s.blob.Delete(context.WithoutCancel(ctx), mediaKey(id, true))  //nolint:errcheck
		return Media{}, err
	}
	// The room's media must go when the room expires without a clear: the
	// sweep looks at this index (a failure here leaves the bucket's
	// lifecycle rule as the backstop).
	s.rdb.ZAdd(ctx, s.mmKey()+":media", redisZ(time.Now().Add(s.cfg.RoomTTL), roomID))
	return Media{ID: id, Kind: rec.Kind, Width: rec.Width, Height: rec.Height, DurationMS: rec.DurationMS}, nil
}

func (s *Store) mediaCall(ctx context.Context, telegramID int64, roomID, id string, rec *mediaRecord) (string, error) {
	if s.blob == nil {
		return "", ErrNoMedia
	}
	raw := []byte("{}")
	if rec != nil {
		raw, _ = json.Marshal(rec)
	}
	status, out, err := scriptResult(s.runRoom(ctx, mediaAddScript, roomID, strconv.FormatInt(telegramID, 10), id, string(raw),
		s.cfg.LinksAfter, MaxPendingMedia, seconds(s.cfg.RoomTTL)).Result())
	if err != nil {
		return "", fmt.Errorf("matchmaker: media in %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return "", ErrNotFound
	case "forbidden":
		return "", ErrNotMember
	case "room_closed":
		return "", ErrRoomClosed
	case "minors":
		return "", &MinorsError{Rule: "media"}
	case "not_yet":
		a, _ := strconv.Atoi(out[0])
		b, _ := strconv.Atoi(out[1])
		return "", &MediaError{RemainingMe: a, RemainingPartner: b}
	case "too_many":
		return "", &RateLimitedError{RetryAfter: time.Minute}
	case "ok":
		return out[0], nil
	}
	return "", fmt.Errorf("matchmaker: media in %s: unexpected reply %q", roomID, status)
}

// MediaObject is a media file opened for a member: its bytes and type.
type MediaObject struct {
	Body        io.ReadCloser
	ContentType string
	Size        int64
}

// OpenMedia opens a media file (or its preview) for a Telegram user who is
// a member of its room: ErrNotMember for anyone else, ErrNotFound once it is
// gone (a cleared or expired room) or before it was sent (but for its
// uploader).
func (s *Store) OpenMedia(ctx context.Context, telegramID int64, id string, preview bool) (MediaObject, error) {
	room := MediaRoom(id)
	if room == "" || s.blob == nil {
		return MediaObject{}, ErrNotFound
	}
	status, out, err := scriptResult(s.runRoom(ctx, mediaGetScript, room, strconv.FormatInt(telegramID, 10), id).Result())
	if err != nil {
		return MediaObject{}, fmt.Errorf("matchmaker: media %s: %w", id, err)
	}
	switch status {
	case "not_found":
		return MediaObject{}, ErrNotFound
	case "forbidden":
		return MediaObject{}, ErrNotMember
	}
	var rec mediaRecord
	if err := json.Unmarshal([]byte(out[0]), &rec); err != nil {
		return MediaObject{}, fmt.Errorf("matchmaker: media %s: %w", id, err)
	}
	if preview && !rec.Preview {
		return MediaObject{}, ErrNotFound
	}
	obj, err := s.blob.Get(ctx, mediaKey(id, preview))
	if errors.Is(err, blobstore.ErrNotFound) {
		return MediaObject{}, ErrNotFound
	}
	if err != nil {
		return MediaObject{}, fmt.Errorf("matchmaker: media %s: %w", id, err)
	}
	return MediaObject{Body: obj.Body, ContentType: obj.ContentType, Size: obj.Size}, nil
}

// clearRoomMedia is the media half of a clear (and of /delete, which clears
// every room of the user): the room's media goes at once, except the photos
// and voice messages among the last messages a clear keeps hidden for a
// report (clear.lua). Those stay, readable by nobody (mediaget.lua refuses a
// cleared room), until the room expires and sweepMedia deletes the rest: a
// partner who clears or deletes their data cannot take a photo out of the
// report the other is about to file. Idempotent; it runs after clear_room in
// the same outbox entry, so the evidence it reads is in place.
func (s *Store) clearRoomMedia(ctx context.Context, roomID string) error {
	if s.blob == nil {
		return nil
	}
	ev, err := s.rdb.Get(ctx, s.roomKeys(roomID)[2]).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	ids := evidenceMedia(ev)
	if len(ids) == 0 {
		return s.deleteRoomMedia(ctx, roomID)
	}
	keep := make(map[string]bool, 2*len(ids))
	for _, id := range ids {
		keep[mediaKey(id, false)], keep[mediaKey(id, true)] = true, true
	}
	keys, err := s.blob.List(ctx, roomFolder(roomID))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !keep[k] {
			if err := s.blob.Delete(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteRoomMedia deletes every media file of a room (expiry; a clear whose
// evidence holds none); idempotent.
func (s *Store) deleteRoomMedia(ctx context.Context, roomID string) error {
	if s.blob == nil {
		return nil
	}
	if _, err := blobstore.DeleteFolder(ctx, s.blob, roomFolder(roomID)); err != nil {
		return err
	}
	return s.rdb.ZRem(ctx, s.mmKey()+":media", roomID).Err()
}

// keepReportMedia copies the media of a report's evidence to the report's
// own folder, where operators see it for the report's retention after the
// room is gone. Idempotent.
func (s *Store) keepReportMedia(ctx context.Context, roomID, reportID string, ids []string) error {
	if s.blob == nil || len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		for _, preview := range []bool{false, true} {
			obj, err := s.blob.Get(ctx, mediaKey(id, preview))
			if errors.Is(err, blobstore.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			_, rest, _ := strings.Cut(mediaKey(id, preview), roomFolder(roomID))
			err = s.blob.Put(ctx, reportFolder(reportID)+rest, obj.ContentType, obj.Body, obj.Size)
			obj.Body.Close()
			if err != nil {
				return err
			}
		}
	}
	return s.rdb.ZAdd(ctx, s.mmKey()+":rmedia", redisZ(time.Now().Add(s.cfg.ReportRetention), reportID)).Err()
}

// ReportMedia opens a reported photo or voice message for an operator.
func (s *Store) ReportMedia(ctx context.Context, reportID, mediaID string) (MediaObject, error) {
	room, rest, ok := strings.Cut(mediaID, ".")
	if s.blob == nil || !ok || room == "" || !blobstore.ValidKey(reportID) || !blobstore.ValidKey(rest) {
		return MediaObject{}, ErrNotFound
	}
	obj, err := s.blob.Get(ctx, reportFolder(reportID)+rest)
	if errors.Is(err, blobstore.ErrNotFound) {
		return MediaObject{}, ErrNotFound
	}
	if err != nil {
		return MediaObject{}, err
	}
	return MediaObject{Body: obj.Body, ContentType: obj.ContentType, Size: obj.Size}, nil
}

// sweepMedia deletes the media of rooms that expired (and of reports past
// their retention); a room still alive is looked at again when its TTL
// would end.
func (s *Store) sweepMedia(ctx context.Context, limit int) error {
	if s.blob == nil {
		return nil
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	rooms, err := s.rdb.ZRangeArgs(ctx, zUpTo(s.mmKey()+":media", now, limit)).Result()
	if err != nil {
		return err
	}
	for _, id := range rooms {
		ttl, err := s.rdb.PTTL(ctx, s.roomKey(id)).Result()
		if err != nil {
			return err
		}
		if ttl > 0 {
			s.rdb.ZAdd(ctx, s.mmKey()+":media", redisZ(time.Now().Add(ttl), id))
			continue
		}
		if err := s.deleteRoomMedia(ctx, id); err != nil {
			return err
		}
	}
	reports, err := s.rdb.ZRangeArgs(ctx, zUpTo(s.mmKey()+":rmedia", now, limit)).Result()
	if err != nil {
		return err
	}
	for _, id := range reports {
		if _, err := blobstore.DeleteFolder(ctx, s.blob, reportFolder(id)); err != nil {
			return err
		}
		s.rdb.ZRem(ctx, s.mmKey()+":rmedia", id)
	}
	return nil
}

// evidenceMedia lists the media ids of an evidence JSON array of messages.
func evidenceMedia(evidence string) []string {
	var msgs []Message
	if json.Unmarshal([]byte(evidence), &msgs) != nil {
		return nil
	}
	var ids []string
	for _, m := range msgs {
		if m.Media != nil {
			ids = append(ids, m.Media.ID)
		}
	}
	return ids
}
