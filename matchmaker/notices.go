package matchmaker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// NoticeKind is what the bot tells a user whose Mini App is closed.
type NoticeKind string

const (
	NoticePartnerWrote NoticeKind = "partner_wrote"
	NoticePartnerFound NoticeKind = "partner_found"
	NoticeBanned       NoticeKind = "banned"
	NoticeSuspended    NoticeKind = "suspended"
	// NoticeContact gives a member the partner's link once both agreed to
	// exchange contacts (consent.go); NoticeAgain tells that a wish to talk
	// again was mutual and the new room is open (again.go).
	NoticeContact NoticeKind = "contact"
	NoticeAgain   NoticeKind = "again"
)

// Notice is one message the bot owes a user. It never carries chat text,
// and nothing about the partner but, in NoticeContact alone, the username
// both agreed to exchange.
type Notice struct {
	ID         string // unique; the bot sends each id at most once
	Kind       NoticeKind
	TelegramID int64
	Lang       string
	Until      time.Time // bans and suspensions; zero = for good / n/a
	// Contact is the partner's username (NoticeContact only).
	Contact  string
	StreamID string // position in the Redis stream, for Ack
}

// NoticeRetention is how long a queued notice (it carries a Telegram id) is
// kept, sent or not.
const NoticeRetention = 7 * 24 * time.Hour

// Notify queues a notice for a user (their Telegram id and language come
// from the profile). With onceKey set, at most one notice per key is queued
// per cooldown. It reports whether one was queued; ErrNoProfile when the
// user has no profile (any more).
func (s *Store) Notify(ctx context.Context, userID string, kind NoticeKind, onceKey string, cooldown time.Duration, until time.Time) (bool, error) {
	u, err := s.GetUserByID(ctx, userID)
	if err != nil {
		return false, err
	}
	return s.NotifyTG(ctx, u.TelegramID, u.Lang, kind, onceKey, cooldown, until)
}

// NotifyTG is Notify for a Telegram id and language the caller knows.
func (s *Store) NotifyTG(ctx context.Context, telegramID int64, lang string, kind NoticeKind, onceKey string, cooldown time.Duration, until time.Time) (bool, error) {
	if telegramID == 0 {
		return false, nil
	}
	id, err := randomID(10)
	if err != nil {
		return false, err
	}
	untilMs := ""
	if !until.IsZero() {
		untilMs = strconv.FormatInt(until.UnixMilli(), 10)
	}
	stream := s.noticesKey() + ":notices"
	once := stream
	if onceKey != "" {
		once = s.noticesKey() + ":nc:" + onceKey
	}
	n, err := notifyScript.Run(ctx, s.rdb, []string{stream, once}, telegramID, lang, string(kind), id, untilMs,
		millis(cooldown), NoticeRetention.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("matchmaker: notify: %w", err)
	}
	return n == 1, nil
}

// NoticeQueue reads notices as one consumer of a consumer group, at least
// once. A notice read but not acknowledged is read again: by the same
// consumer name after a restart (at once), by the same consumer while it
// runs (after RetryIdle: the send failed and is retried), or by any other
// consumer once it has been idle for TakeoverIdle (its consumer is presumed
// gone). The bot deduplicates by notice id with Sent and MarkSent.
//
// Read keeps cursors: call it from one goroutine at a time. Ack, Sent and
// MarkSent may be called from any.
type NoticeQueue struct {
	s               *Store
	group, consumer string
	retry, takeover time.Duration

	ownFrom   string    // start-up: the next own pending entry to read, "" when done
	claimFrom string    // XAUTOCLAIM cursor
	nextSweep time.Time // when to look for idle pending entries again
}

// NoticeOption tunes a NoticeQueue.
type NoticeOption func(*NoticeQueue)

// RetryIdle sets how long this consumer's own unacknowledged notices wait
// before they are read again while it runs (default 30 s). It must be
// longer than the consumer takes to handle one notice.
func RetryIdle(d time.Duration) NoticeOption {
	return func(q *NoticeQueue) {
		if d > 0 {
			q.retry = d
		}
	}
}

// TakeoverIdle sets how long another consumer's unacknowledged notices wait
// before this one claims them (default 1 min).
func TakeoverIdle(d time.Duration) NoticeOption {
	return func(q *NoticeQueue) {
		if d > 0 {
			q.takeover = d
		}
	}
}

// NoticeQueue creates the consumer group if needed.
func (s *Store) NoticeQueue(ctx context.Context, group, consumer string, opts ...NoticeOption) (*NoticeQueue, error) {
	q := &NoticeQueue{s: s, group: group, consumer: consumer, retry: 30 * time.Second, takeover: time.Minute,
		ownFrom: "0", claimFrom: "0-0"}
	for _, o := range opts {
		o(q)
	}
	if err := q.createGroup(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

// createGroup makes the stream and the consumer group if they are missing
// (the stream expires after a week without notices).
func (q *NoticeQueue) createGroup(ctx context.Context) error {
	err := q.s.rdb.XGroupCreateMkStream(ctx, q.stream(), q.group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("matchmaker: notice group: %w", err)
	}
	return nil
}

func (q *NoticeQueue) stream() string { return q.s.noticesKey() + ":notices" }

// Read returns up to count notices, waiting up to block for new ones. It
// returns, in this order of preference: this consumer's notices left
// unacknowledged before a restart; its own notices unacknowledged for
// RetryIdle; other consumers' unacknowledged for TakeoverIdle; new ones.
// A notice may come back while the caller still handles it (after
// RetryIdle): the caller skips those it has in hand.
func (q *NoticeQueue) Read(ctx context.Context, count int, block time.Duration) ([]Notice, error) {
	out, err := q.read(ctx, count, block)
	if err != nil && strings.Contains(err.Error(), "NOGROUP") {
		if err := q.createGroup(ctx); err != nil {
			return nil, err
		}
		return q.read(ctx, count, block)
	}
	return out, err
}

func (q *NoticeQueue) read(ctx context.Context, count int, block time.Duration) ([]Notice, error) {
	count = max(count, 1)
	stream := q.stream()
	if q.ownFrom != "" {
		res, err := q.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: q.group, Consumer: q.consumer,
			Streams: []string{stream, q.ownFrom}, Count: int64(count)}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("matchmaker: read pending notices: %w", err)
		}
		if out := parseNotices(res); len(out) > 0 {
			q.ownFrom = out[len(out)-1].StreamID
			return out, nil
		}
		q.ownFrom = "" // and sweep at once: a dead consumer's notices may be waiting
	}
	if !time.Now().Before(q.nextSweep) {
		out, done, err := q.sweep(ctx, stream, count)
		if err != nil {
			return nil, err
		}
		if done {
			q.nextSweep = time.Now().Add(q.sweepEvery())
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	// Wake up in time for the next sweep. Block 0 would mean forever.
	block = max(min(block, time.Until(q.nextSweep)), time.Millisecond)
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

// sweepEvery is how often Read looks for idle pending entries: often enough
// that neither idle limit is overshot by much.
func (q *NoticeQueue) sweepEvery() time.Duration {
	return max(min(q.retry, q.takeover)/2, 10*time.Millisecond)
}

// sweep claims idle pending entries: first this consumer's own (a failed
// send to retry), then anyone's idle past TakeoverIdle. Claiming resets an
// entry's idle time, so each comes back once per idle period. done says
// nothing more is waiting to be claimed right now.
func (q *NoticeQueue) sweep(ctx context.Context, stream string, count int) ([]Notice, bool, error) {
	pend, err := q.s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: q.group,
		Idle: q.retry, Start: "-", End: "+", Count: int64(count), Consumer: q.consumer}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("matchmaker: pending notices: %w", err)
	}
	if len(pend) > 0 {
		ids := make([]string, len(pend))
		for i, p := range pend {
			ids[i] = p.ID
		}
		msgs, err := q.s.rdb.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: q.group, Consumer: q.consumer,
			MinIdle: q.retry, Messages: ids}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, false, fmt.Errorf("matchmaker: retry notices: %w", err)
		}
		return parseNotices([]redis.XStream{{Messages: msgs}}), false, nil
	}
	msgs, next, err := q.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: q.group,
		Consumer: q.consumer, MinIdle: q.takeover, Start: q.claimFrom, Count: int64(count)}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("matchmaker: claim notices: %w", err)
	}
	if next == "" {
		next = "0-0"
	}
	q.claimFrom = next
	return parseNotices([]redis.XStream{{Messages: msgs}}), next == "0-0", nil
}

// Ack marks a notice handled (sent, or given up on for good). A notice
// that carries a contact leaves the stream at once.
func (q *NoticeQueue) Ack(ctx context.Context, n Notice) error {
	if err := q.s.rdb.XAck(ctx, q.stream(), q.group, n.StreamID).Err(); err != nil {
		return fmt.Errorf("matchmaker: ack notice: %w", err)
	}
	if n.Contact != "" {
		if err := q.s.rdb.XDel(ctx, q.stream(), n.StreamID).Err(); err != nil {
			return fmt.Errorf("matchmaker: ack notice: %w", err)
		}
	}
	return nil
}

// Sent reports whether a notice id was already sent, and MarkSent records
// it, so a notice read twice is sent once.
func (q *NoticeQueue) Sent(ctx context.Context, n Notice) (bool, error) {
	k, err := q.s.rdb.Exists(ctx, q.s.noticesKey()+":nsent:"+n.ID).Result()
	if err != nil {
		return false, fmt.Errorf("matchmaker: notice sent: %w", err)
	}
	return k == 1, nil
}

// MarkSent records that a notice went out.
func (q *NoticeQueue) MarkSent(ctx context.Context, n Notice) error {
	if err := q.s.rdb.Set(ctx, q.s.noticesKey()+":nsent:"+n.ID, "1", 7*24*time.Hour).Err(); err != nil {
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
			n.Contact, _ = m.Values["contact"].(string)
			if u, _ := m.Values["until"].(string); u != "" {
				n.Until = millisTime(u)
			}
			out = append(out, n)
		}
	}
	return out
}
