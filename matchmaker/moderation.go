package matchmaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Restriction kinds.
const (
	Suspended = "suspended"
	Banned    = "banned"
)

// RestrictedError is returned by Search for a suspended or banned user.
type RestrictedError struct {
	Code  string    // Suspended or Banned
	Until time.Time // zero for a permanent ban
}

func (e *RestrictedError) Error() string { return "matchmaker: user is " + e.Code }

// Report reasons.
var ReportReasons = map[string]bool{"spam": true, "abuse": true, "sexual": true, "minor": true, "other": true}

// ModerationConfig tunes automatic suspension.
type ModerationConfig struct {
	ReportsToSuspend int           // distinct reporters within ReportWindow, default 3
	ReportWindow     time.Duration // default 24h
	SuspendFor       time.Duration // default 24h
}

func (c ModerationConfig) withDefaults() ModerationConfig {
	if c.ReportsToSuspend == 0 {
		c.ReportsToSuspend = 3
	}
	if c.ReportWindow == 0 {
		c.ReportWindow = 24 * time.Hour
	}
	if c.SuspendFor == 0 {
		c.SuspendFor = 24 * time.Hour
	}
	return c
}

// ReportResult is what a report did.
type ReportResult struct {
	// Duplicate: this reporter had already reported this room; nothing new
	// was filed (the first report's effects stand).
	Duplicate bool
	// ReportedID is the partner's user id; SuspendedUntil is set when this
	// report was the one that suspended them.
	ReportedID     string
	SuspendedUntil time.Time
}

// ValidateReport checks a report's reason and comment.
func ValidateReport(reason, comment string) error {
	if !ReportReasons[reason] {
		return invalid("reason", `reason must be one of "spam", "abuse", "sexual", "minor", "other"`)
	}
	if !utf8.ValidString(comment) || utf8.RuneCountInString(comment) > 500 {
		return invalid("comment", "comment must be at most 500 characters")
	}
	return nil
}

// Report files a report on the partner of a room the Telegram user is (or
// was) in, with the room's last messages as evidence for operators (as they
// were when the room was cleared, if it was). In one atomic step the pair
// is blocked for good, the room ends for both (the partner sees only
// "left") and, when enough distinct users reported the partner within the
// window, the partner is suspended; the announcements follow through the
// outbox, so none is lost if the caller goes away. It works until the room
// expires, also after either member cleared it. Idempotent per room and
// reporter.
func (s *Store) Report(ctx context.Context, telegramID int64, roomID, reason, comment string) (ReportResult, error) {
	if err := ValidateReport(reason, comment); err != nil {
		return ReportResult{}, err
	}
	room, err := s.MemberRoom(ctx, telegramID, roomID)
	if err != nil {
		return ReportResult{}, err
	}
	me, partner, _ := room.SideOf(telegramID)
	// The messages and what a clear kept of them, read in one transaction
	// (one slot): a clear moves the last messages from the one to the other
	// atomically (clear.lua), and no message follows a clear, so whichever
	// side of a clear this read falls on, one of the two holds the evidence.
	// (Choosing by the room's cleared flag, read apart, lost it to a clear
	// landing between the reads.)
	keys := s.roomKeys(roomID)
	pipe := s.rdb.TxPipeline()
	last := pipe.LRange(ctx, keys[1], -evidenceSize, -1)
	kept := pipe.Get(ctx, keys[2])
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return ReportResult{}, fmt.Errorf("matchmaker: report in %s: %w", roomID, err)
	}
	evidence := "[" + strings.Join(last.Val(), ",") + "]"
	if len(last.Val()) == 0 && kept.Val() != "" {
		evidence = kept.Val()
	}
	id, err := randomID(10)
	if err != nil {
		return ReportResult{}, err
	}
	active := ""
	if room.State == RoomActive {
		active = "1"
	}
	mediaIDs := ""
	if ids := evidenceMedia(evidence); len(ids) > 0 {
		b, _ := json.Marshal(ids)
		mediaIDs = string(b)
	}
	mc := s.cfg.Moderation
	status, out, err := scriptResult(s.runMM(ctx, reportScript, me.UserID, partner.UserID, roomID, reason, comment, id,
		evidence, me.MemberID, me.TelegramID, partner.TelegramID, mc.ReportWindow.Milliseconds(), mc.ReportsToSuspend,
		mc.SuspendFor.Milliseconds(), s.cfg.ReportRetention.Milliseconds(), seconds(s.cfg.RoomTTL),
		outboxGrace.Milliseconds(), active, mediaIDs, minorFlag(me.Age)).Result())
	if err != nil {
		return ReportResult{}, fmt.Errorf("matchmaker: report in %s: %w", roomID, err)
	}
	res := ReportResult{ReportedID: partner.UserID}
	if status == "dup" {
		res.Duplicate = true
		return res, nil
	}
	if out[2] != "" {
		res.SuspendedUntil = millisTime(out[2])
	}
	steps, err := parseSteps(out[1])
	if err != nil {
		return res, err
	}
	return res, s.runEntry(ctx, out[0], steps)
}

func minorFlag(age int) string {
	if age < AdultAge {
		return "1"
	}
	return ""
}

// Restrict suspends (until a time) or bans (until a time, or for good with
// a zero until) a user: their search and active room end at once, their
// partner sees "left", their app is told and the bot tells them.
func (s *Store) Restrict(ctx context.Context, userID, code string, until time.Time) error {
	if code != Suspended && code != Banned {
		return fmt.Errorf("matchmaker: restrict: unknown code %q", code)
	}
	u := "0"
	if !until.IsZero() {
		u = strconv.FormatInt(until.UnixMilli(), 10)
	}
	_, out, err := scriptResult(s.runMM(ctx, restrictScript, userID, code, u, seconds(s.cfg.RoomTTL),
		outboxGrace.Milliseconds()).Result())
	if err != nil {
		return fmt.Errorf("matchmaker: restrict: %w", err)
	}
	steps, err := parseSteps(out[1])
	if err != nil {
		return err
	}
	return s.runEntry(ctx, out[0], steps)
}

// Restriction returns the user's current suspension or ban, if any.
func (s *Store) Restriction(ctx context.Context, userID string) (*RestrictedError, error) {
	vals, err := s.rdb.MGet(ctx, s.mmKey()+":ban:"+userID, s.mmKey()+":susp:"+userID).Result()
	if err != nil {
		return nil, fmt.Errorf("matchmaker: restriction: %w", err)
	}
	for i, code := range []string{Banned, Suspended} {
		if v := str(vals[i]); v != "" {
			return &RestrictedError{Code: code, Until: millisTime(v)}, nil
		}
	}
	return nil, nil
}

// Unban lifts a ban and a suspension.
func (s *Store) Unban(ctx context.Context, userID string) error {
	if err := s.rdb.Del(ctx, s.mmKey()+":ban:"+userID, s.mmKey()+":susp:"+userID).Err(); err != nil {
		return fmt.Errorf("matchmaker: unban: %w", err)
	}
	return nil
}

// Blocked reports whether two users are blocked from meeting.
func (s *Store) Blocked(ctx context.Context, a, b string) (bool, error) {
	if b < a {
		a, b = b, a
	}
	n, err := s.rdb.Exists(ctx, s.mmKey()+":bl:"+a+":"+b).Result()
	return n == 1, err
}

// StoredReport is a report as operators see it.
type StoredReport struct {
	StreamID   string
	ID         string
	Reason     string
	Comment    string
	Time       time.Time
	RoomID     string
	ReporterID string
	ReportedID string
	ReporterTG int64
	ReportedTG int64
	// ReporterMember is the reporter's member id in the room, to tell the
	// two sides apart in Evidence (the room's last messages).
	ReporterMember string
	Evidence       []Message
	// Exchanged is when the two exchanged contacts (consent.go), zero if
	// they did not; a report does not undo it.
	Exchanged time.Time
}

// OldestOpenReport returns the oldest report no operator has decided, or
// nil when there is none.
func (s *Store) OldestOpenReport(ctx context.Context) (*StoredReport, error) {
	for {
		ids, err := s.rdb.ZRange(ctx, s.mmKey()+":reports:open", 0, 0).Result()
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		r, err := s.report(ctx, ids[0])
		if r != nil || err != nil {
			return r, err
		}
	}
}

func (s *Store) report(ctx context.Context, streamID string) (*StoredReport, error) {
	msgs, err := s.rdb.XRange(ctx, s.mmKey()+":reports", streamID, streamID).Result()
	if err != nil {
		return nil, fmt.Errorf("matchmaker: report %s: %w", streamID, err)
	}
	if len(msgs) == 0 { // past its retention
		return nil, s.rdb.ZRem(ctx, s.mmKey()+":reports:open", streamID).Err()
	}
	v := msgs[0].Values
	get := func(k string) string { x, _ := v[k].(string); return x }
	r := &StoredReport{StreamID: streamID, ID: get("id"), Reason: get("reason"), Comment: get("comment"),
		Time: millisTime(get("ts")), RoomID: get("room"), ReporterID: get("reporter"), ReportedID: get("reported"),
		ReporterMember: get("reporter_member")}
	r.ReporterTG, _ = strconv.ParseInt(get("reporter_tg"), 10, 64)
	r.ReportedTG, _ = strconv.ParseInt(get("reported_tg"), 10, 64)
	if r.Exchanged = millisTime(get("exchanged")); r.Exchanged.IsZero() {
		// Done while the report was filed (the exchange and the report
		// race; the one first in the matchmaking slot stands).
		if r.Exchanged, err = s.exchangedAt(ctx, r.ReporterID, r.ReportedID); err != nil {
			return nil, fmt.Errorf("matchmaker: report %s: %w", streamID, err)
		}
	}
	if err := json.Unmarshal([]byte(get("evidence")), &r.Evidence); err != nil {
		return nil, fmt.Errorf("matchmaker: report %s evidence: %w", streamID, err)
	}
	return r, nil
}

// ResolveReport closes a report with an operator's decision, kept as long
// as the report.
func (s *Store) ResolveReport(ctx context.Context, streamID, decision string) (bool, error) {
	n, err := s.rdb.ZRem(ctx, s.mmKey()+":reports:open", streamID).Result()
	if err != nil {
		return false, fmt.Errorf("matchmaker: resolve report: %w", err)
	}
	if n == 1 {
		if err := s.rdb.Set(ctx, s.mmKey()+":reports:decision:"+streamID, decision, s.cfg.ReportRetention).Err(); err != nil {
			return true, fmt.Errorf("matchmaker: resolve report: %w", err)
		}
	}
	return n == 1, nil
}

// Stats are the operators' numbers.
type Stats struct {
	Users, Waiting, ActiveRooms, MessagesToday, OpenReports int64
	// Reviews waiting for an operator (holds for spam, many down-ratings),
	// and today's ratings after chats.
	OpenReviews, RatedUp, RatedDown int64
}

func dayKey(t time.Time) string { return strconv.FormatInt(t.Unix()/86400, 10) }

// Stats counts users, waiting searches, active rooms, today's messages (UTC)
// and open reports.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	mm := s.mmKey()
	pipe := s.rdb.Pipeline()
	users := pipe.Get(ctx, mm+":stats:users")
	waiting := pipe.ZCard(ctx, mm+":w")
	active := pipe.ZCard(ctx, mm+":active")
	msgs := pipe.Get(ctx, mm+":stats:messages:"+dayKey(time.Now()))
	open := pipe.ZCard(ctx, mm+":reports:open")
	reviews := pipe.ZCard(ctx, mm+":review:open")
	up := pipe.Get(ctx, mm+":stats:rating:up:"+dayKey(time.Now()))
	down := pipe.Get(ctx, mm+":stats:rating:down:"+dayKey(time.Now()))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Stats{}, fmt.Errorf("matchmaker: stats: %w", err)
	}
	u, _ := users.Int64()
	m, _ := msgs.Int64()
	nu, _ := up.Int64()
	nd, _ := down.Int64()
	return Stats{Users: u, Waiting: waiting.Val(), ActiveRooms: active.Val(), MessagesToday: m + s.messages.Load(),
		OpenReports: open.Val(), OpenReviews: reviews.Val(), RatedUp: nu, RatedDown: nd}, nil
}

// FlushStats adds the messages this process stored since the last flush to
// today's counter.
func (s *Store) FlushStats(ctx context.Context) error {
	n := s.messages.Swap(0)
	if n == 0 {
		return nil
	}
	k := s.mmKey() + ":stats:messages:" + dayKey(time.Now())
	pipe := s.rdb.TxPipeline()
	pipe.IncrBy(ctx, k, n)
	pipe.Expire(ctx, k, 3*24*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		s.messages.Add(n)
		return err
	}
	return nil
}

// trimReports drops what has passed the report retention from the reports
// stream and the operators' queues. The script that files a report trims
// them too, but only when one is filed; between reports this is what keeps
// the promise ("kept 30 days"), since each new report refreshes the
// stream's TTL. The scores are those report.lua and hold_user (mm.lua)
// write: time, minors' reports 1e13 ms earlier.
func (s *Store) trimReports(ctx context.Context) error {
	cut := time.Now().Add(-s.cfg.ReportRetention).UnixMilli()
	mm := s.mmKey()
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XTrimMinID(ctx, mm+":reports", itoa(cut))
		p.ZRemRangeByScore(ctx, mm+":reports:open", itoa(cut-1e12), itoa(cut))
		p.ZRemRangeByScore(ctx, mm+":reports:open", "-inf", itoa(cut-1e13))
		p.ZRemRangeByScore(ctx, mm+":review:open", "-inf", itoa(cut))
		return nil
	})
	return err
}

// pruneActiveRooms looks at active rooms not seen for a room TTL: one that
// expired while open leaves the index; one still alive is rescored by its
// last activity (its TTL tells when that was).
func (s *Store) pruneActiveRooms(ctx context.Context, limit int) error {
	k := s.mmKey() + ":active"
	now := time.Now()
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: k, ByScore: true, Start: "-inf",
		Stop: strconv.FormatInt(now.Add(-s.cfg.RoomTTL).UnixMilli(), 10), Count: int64(limit)}).Result()
	if err != nil || len(ids) == 0 {
		return err
	}
	for _, id := range ids {
		pipe := s.rdb.Pipeline()
		state := pipe.HGet(ctx, s.roomKey(id), "state")
		ttl := pipe.PTTL(ctx, s.roomKey(id))
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if state.Val() != string(RoomActive) || ttl.Val() <= 0 {
			s.rdb.ZRem(ctx, k, id)
			continue
		}
		last := now.Add(ttl.Val() - s.cfg.RoomTTL).UnixMilli()
		s.rdb.ZAdd(ctx, k, redis.Z{Score: float64(last), Member: id})
	}
	return nil
}

// linkPattern finds what the first-message spam of anonymous chats looks
// like: URLs, bare domains, t.me links and @usernames.
var linkPattern = regexp.MustCompile(`(?i)(https?://|www\.|t\.me/|telegram\.me/|@[a-z0-9_]{4,}|\b[a-z0-9-]{2,}\.(com|net|org|ru|me|io|info|biz|xyz|site|online|top|app|link|club|shop|store|pro|su|ua|by|kz)\b)`)

// HasLink reports whether text carries a link or an @username. Each form
// the pattern knows has a '.', a '/' or an '@', so a text with none of
// them skips it (most messages: this runs on every one).
func HasLink(text string) bool {
	return strings.ContainsAny(text, "./@") && linkPattern.MatchString(text)
}

// Counter reads one of the global counters (e.g. "banned", "suspended").
func (s *Store) Counter(ctx context.Context, name string) (int64, error) {
	n, err := s.rdb.Get(ctx, s.mmKey()+":stats:"+name).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
