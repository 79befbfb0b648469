package matchmaker

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed notify.lua
var notifyLua string

var notifyScript = redis.NewScript(notifyLua)

// NoticeKind is what the bot tells a user whose Mini App is closed.
type NoticeKind string

const (
	NoticePartnerWrote NoticeKind = "partner_wrote"
	NoticePartnerFound NoticeKind = "partner_found"
	NoticeBanned       NoticeKind = "banned"
	NoticeSuspended    NoticeKind = "suspended"
)

// Notice is one message the bot owes a user. It never carries chat text or
// anything about the partner.
type Notice struct {
	ID         string // unique; the bot sends each id at most once
	Kind       NoticeKind
	TelegramID int64
	Lang       string
	Until      time.Time // bans and suspensions; zero = for good / n/a
	StreamID   string    // position in the Redis stream, for Ack
}

// Notify queues a notice for a user. With onceKey set, at most one notice
// per key is queued per cooldown. It reports whether one was queued.
func (s *Store) Notify(ctx context.Context, userID string, kind NoticeKind, onceKey string, cooldown time.Duration, until time.Time) (bool, error) {
	id, err := randomID(10)
	if err != nil {
		return false, err
	}
	untilMs := ""
	if !until.IsZero() {
		untilMs = strconv.FormatInt(until.UnixMilli(), 10)
	}
	n, err := notifyScript.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, string(kind), onceKey,
		max(cooldown.Milliseconds(), 1), id, untilMs).Int()
	if err != nil {
		return false, fmt.Errorf("matchmaker: notify: %w", err)
	}
	return n == 1, nil
}

// NoticeQueue reads notices as one consumer of a consumer group: at least
// once, and what a consumer read but did not ack is read again after a
// restart under the same name.
type NoticeQueue struct {
	s               *Store
	group, consumer string
	pendingDone     bool
}

// NoticeQueue creates the consumer group if needed.
func (s *Store) NoticeQueue(ctx context.Context, group, consumer string) (*NoticeQueue, error) {
	err := s.rdb.XGroupCreateMkStream(ctx, s.key("notices"), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("matchmaker: notice group: %w", err)
	}
	return &NoticeQueue{s: s, group: group, consumer: consumer}, nil
}

// Read returns up to count notices, waiting up to block for new ones. It
// first returns this consumer's own unacknowledged notices, then claims
// those another consumer left unacknowledged for over a minute.
func (q *NoticeQueue) Read(ctx context.Context, count int, block time.Duration) ([]Notice, error) {
	stream := q.s.key("notices")
	if !q.pendingDone {
		res, err := q.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: q.group, Consumer: q.consumer,
			Streams: []string{stream, "0"}, Count: int64(count)}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("matchmaker: read pending notices: %w", err)
		}
		if out := parseNotices(res); len(out) > 0 {
			return out, nil
		}
		q.pendingDone = true
		msgs, _, err := q.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: q.group,
			Consumer: q.consumer, MinIdle: time.Minute, Start: "0", Count: int64(count)}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("matchmaker: claim notices: %w", err)
		}
		if len(msgs) > 0 {
			q.pendingDone = false
			return parseNotices([]redis.XStream{{Messages: msgs}}), nil
		}
	}
	res, err := q.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: q.group, Consumer: q.consumer,
		Streams: []string{stream, ">"}, Count: int64(count), Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("matchmaker: read notices: %w", err)
	}
	return parseNotices(res), nil
}

// Ack marks a notice handled (sent, or given up on for good).
func (q *NoticeQueue) Ack(ctx context.Context, n Notice) error {
	if err := q.s.rdb.XAck(ctx, q.s.key("notices"), q.group, n.StreamID).Err(); err != nil {
		return fmt.Errorf("matchmaker: ack notice: %w", err)
	}
	return nil
}

// Sent reports whether a notice id was already sent, and MarkSent records
// it, so a notice read twice is sent once.
func (q *NoticeQueue) Sent(ctx context.Context, n Notice) (bool, error) {
	k, err := q.s.rdb.Exists(ctx, q.s.key("nsent:", n.ID)).Result()
	if err != nil {
		return false, fmt.Errorf("matchmaker: notice sent: %w", err)
	}
	return k == 1, nil
}

// MarkSent records that a notice went out.
func (q *NoticeQueue) MarkSent(ctx context.Context, n Notice) error {
	if err := q.s.rdb.Set(ctx, q.s.key("nsent:", n.ID), "1", 7*24*time.Hour).Err(); err != nil {
		return fmt.Errorf("matchmaker: mark notice sent: %w", err)
	}
	return nil
}

func parseNotices(res []redis.XStream) []Notice {
	var out []Notice
	for _, st := range res {
		for _, m := range st.Messages {
			n := Notice{StreamID: m.ID}
			n.ID, _ = m.Values["id"].(string)
			kind, _ := m.Values["kind"].(string)
			n.Kind = NoticeKind(kind)
			tg, _ := m.Values["tg"].(string)
			n.TelegramID, _ = strconv.ParseInt(tg, 10, 64)
			n.Lang, _ = m.Values["lang"].(string)
			if u, _ := m.Values["until"].(string); u != "" {
				n.Until = millisTime(u)
			}
			out = append(out, n)
		}
	}
	return out
}
