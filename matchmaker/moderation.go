package matchmaker

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed report.lua
	reportLua    string
	reportScript = newScript(reportLua)
	//go:embed restrict.lua
	restrictLua    string
	restrictScript = newScript(restrictLua)
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

// ErrDuplicate says the same report was already filed.
var ErrDuplicate = errors.New("matchmaker: already reported")

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
	// Member and Closed are as for Leave: the caller tells the partner.
	Member string
	Closed bool
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

// Report closes the room like Leave, blocks the pair for good and files a
// report with the room's last 50 messages as evidence for operators. It is
// idempotent per room and reporter (ErrDuplicate on a repeat, after the
// block). Distinct reporters within the window suspend the reported user:
// the caller then calls Restrict's announcements (see SuspendedUntil).
func (s *Store) Report(ctx context.Context, userID, roomID, reason, comment string, mc ModerationConfig) (ReportResult, error) {
	if err := ValidateReport(reason, comment); err != nil {
		return ReportResult{}, err
	}
	mc = mc.withDefaults()
	member, closed, err := s.Leave(ctx, userID, roomID, LeaveOptions{Block: true})
	if err != nil {
		return ReportResult{}, err
	}
	res := ReportResult{Member: member, Closed: closed}
	id, err := randomID(10)
	if err != nil {
		return res, err
	}
	status, out, err := scriptResult(reportScript.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, roomID, reason, comment, id,
		mc.ReportWindow.Milliseconds(), mc.ReportsToSuspend, mc.SuspendFor.Milliseconds()).Result())
	if err != nil {
		return res, fmt.Errorf("matchmaker: report in %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return res, ErrNotFound
	case "forbidden":
		return res, ErrNotMember
	case "dup":
		return res, ErrDuplicate
	}
	res.ReportedID = out[0]
	if out[1] != "" {
		res.SuspendedUntil = millisTime(out[1])
	}
	return res, nil
}

// Restricted is what Restrict ended: the room to announce `left` in.
type Restricted struct {
	RoomID, Member string
}

// Restrict suspends (until a time) or bans (until a time, or for good with
// a zero until) a user, ending their search and active room at once.
func (s *Store) Restrict(ctx context.Context, userID, code string, until time.Time) (Restricted, error) {
	if code != Suspended && code != Banned {
		return Restricted{}, fmt.Errorf("matchmaker: restrict: unknown code %q", code)
	}
	u := "0"
	if !until.IsZero() {
		u = strconv.FormatInt(until.UnixMilli(), 10)
	}
	_, out, err := scriptResult(restrictScript.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, code, u, seconds(s.cfg.RoomTTL)).Result())
	if err != nil {
		return Restricted{}, fmt.Errorf("matchmaker: restrict: %w", err)
	}
	return Restricted{RoomID: out[0], Member: out[1]}, nil
}

// Restriction returns the user's current suspension or ban, if any.
func (s *Store) Restriction(ctx context.Context, userID string) (*RestrictedError, error) {
	vals, err := s.rdb.MGet(ctx, s.key("ban:", userID), s.key("susp:", userID)).Result()
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
	if err := s.rdb.Del(ctx, s.key("ban:", userID), s.key("susp:", userID)).Err(); err != nil {
		return fmt.Errorf("matchmaker: unban: %w", err)
	}
	return nil
}

// Blocked reports whether two users are blocked from meeting.
func (s *Store) Blocked(ctx context.Context, a, b string) (bool, error) {
	if b < a {
		a, b = b, a
	}
	n, err := s.rdb.Exists(ctx, s.key("bl:", a, ":", b)).Result()
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
	// two sides apart in Evidence (the room's last 50 messages).
	ReporterMember string
	Evidence       []Message
}

// OldestOpenReport returns the oldest report no operator has decided, or
// nil when there is none.
func (s *Store) OldestOpenReport(ctx context.Context) (*StoredReport, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("reports:open"), 0, 0).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.report(ctx, ids[0])
}

// ReportByStreamID loads one report.
func (s *Store) report(ctx context.Context, streamID string) (*StoredReport, error) {
	msgs, err := s.rdb.XRange(ctx, s.key("reports"), streamID, streamID).Result()
	if err != nil {
		return nil, fmt.Errorf("matchmaker: report %s: %w", streamID, err)
	}
	if len(msgs) == 0 {
		s.rdb.ZRem(ctx, s.key("reports:open"), streamID) // trimmed away
		return nil, nil
	}
	v := msgs[0].Values
	get := func(k string) string { x, _ := v[k].(string); return x }
	r := &StoredReport{StreamID: streamID, ID: get("id"), Reason: get("reason"), Comment: get("comment"),
		Time: millisTime(get("ts")), RoomID: get("room"), ReporterID: get("reporter"), ReportedID: get("reported"),
		ReporterMember: get("reporter_member")}
	r.ReporterTG, _ = strconv.ParseInt(get("reporter_tg"), 10, 64)
	r.ReportedTG, _ = strconv.ParseInt(get("reported_tg"), 10, 64)
	if err := json.Unmarshal([]byte(get("evidence")), &r.Evidence); err != nil {
		return nil, fmt.Errorf("matchmaker: report %s evidence: %w", streamID, err)
	}
	return r, nil
}

// ResolveReport closes a report with an operator's decision.
func (s *Store) ResolveReport(ctx context.Context, streamID, decision string) (bool, error) {
	n, err := s.rdb.ZRem(ctx, s.key("reports:open"), streamID).Result()
	if err != nil {
		return false, fmt.Errorf("matchmaker: resolve report: %w", err)
	}
	if n == 1 {
		s.rdb.HSet(ctx, s.key("reports:decisions"), streamID, decision)
	}
	return n == 1, nil
}

// Stats are the operators' numbers.
type Stats struct {
	Users, Waiting, ActiveRooms, MessagesToday, OpenReports int64
}

// Stats counts users, waiting searches, active rooms, today's messages (UTC)
// and open reports.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	day := strconv.FormatInt(time.Now().Unix()/86400, 10)
	pipe := s.rdb.Pipeline()
	users := pipe.Get(ctx, s.key("stats:users"))
	waiting := pipe.ZCard(ctx, s.key("waiting"))
	// Active rooms are scored by their last activity; one idle past RoomTTL
	// has expired from Redis without being closed.
	pipe.ZRemRangeByScore(ctx, s.key("active"), "-inf", strconv.FormatInt(time.Now().Add(-s.cfg.RoomTTL).UnixMilli(), 10))
	active := pipe.ZCard(ctx, s.key("active"))
	msgs := pipe.Get(ctx, s.key("stats:messages:", day))
	open := pipe.ZCard(ctx, s.key("reports:open"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Stats{}, fmt.Errorf("matchmaker: stats: %w", err)
	}
	u, _ := users.Int64()
	m, _ := msgs.Int64()
	return Stats{Users: u, Waiting: waiting.Val(), ActiveRooms: active.Val(), MessagesToday: m, OpenReports: open.Val()}, nil
}

// linkPattern finds what the first-message spam of anonymous chats looks
// like: URLs, bare domains, t.me links and @usernames.
var linkPattern = regexp.MustCompile(`(?i)(https?://|www\.|t\.me/|telegram\.me/|@[a-z0-9_]{4,}|\b[a-z0-9-]{2,}\.(com|net|org|ru|me|io|info|biz|xyz|site|online|top|app|link|club|shop|store|pro|su|ua|by|kz)\b)`)

// HasLink reports whether text carries a link or an @username.
func HasLink(text string) bool { return linkPattern.MatchString(text) }

// Counter reads one of the global counters (e.g. "banned", "suspended").
func (s *Store) Counter(ctx context.Context, name string) (int64, error) {
	n, err := s.rdb.Get(ctx, s.key("stats:", name)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
