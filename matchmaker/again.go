package matchmaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Meet again. For AgainTTL after a room ended, both members see it among
// their recent rooms and either may wish to talk again. A wish is private:
// the partner learns of it only when they wish it too, and then only by the
// new room (in which they are anonymous to each other as before: new member
// ids, the profiles of today). A wish lapses when the window ends.
//
// When both wish it, one step in the matchmaking slot (again.lua), which
// sees both users' states, creates the new room exactly once. A user is
// free when idle or searching (the search ends); one in another active
// room is busy, and the pair waits until both are free: the sweeper of
// every replica tries such pairs again every againRetry until the window
// ends, so the room opens within seconds of the second of them leaving
// their other room. A pair that is blocked (a report blocks too), a side
// suspended or banned, or a pair on the two sides of 18 by today's
// profiles, is never put together: their wishes stay unanswered, exactly
// like a one-sided wish, so no one learns why. A suspended or banned user
// cannot wish (their own restriction is no secret to them).

// ErrRoomActive: a room still going has no "again".
var ErrRoomActive = errors.New("matchmaker: the room is still active")

// RecentRoom is a room that ended, as one of its members sees it.
type RecentRoom struct {
	ID       string
	Partner  Profile // as the partner showed it in that room
	ClosedAt time.Time
	Last     *LastLine // nil when the room had no message
	// Wished: the caller wishes to talk again (the partner's wish is never
	// shown).
	Wished bool
}

// LastLine is a room's last message, shortened.
type LastLine struct {
	Text string
	Mine bool
	// Media is the kind of photo or voice message it carried ("" = none).
	Media string
}

const (
	recentLimit = 20  // rooms in the recent list, newest first
	lastLineLen = 200 // characters of the last line shown
	// againRetry is how soon a pair who both wish but are not both free is
	// tried again; againLease how long a sweeper's claim on one lasts.
	againRetry = 2 * time.Second
	againLease = 10 * time.Second
)

// RecentRooms lists the user's rooms that ended less than AgainTTL ago and
// are still kept, newest first, except those the user cleared or reported,
// those they left with a block, and those from which an again-room was
// made already.
func (s *Store) RecentRooms(ctx context.Context, userID string) ([]RecentRoom, error) {
	mm := s.mmKey()
	since := time.Now().Add(-s.cfg.AgainTTL)
	ids, err := s.rdb.ZRevRangeByScore(ctx, mm+":ur:"+userID, &redis.ZRangeBy{Max: "+inf",
		Min: strconv.FormatInt(since.UnixMilli(), 10), Count: 2 * recentLimit}).Result()
	if err != nil {
		return nil, fmt.Errorf("matchmaker: recent rooms: %w", err)
	}
	fields := []string{"state", "closed_at", "closed_by", "cleared", "ua", "ub", "ma", "mb", "na", "nb", "ga", "gb", "aa", "ab"}
	pipe := s.rdb.Pipeline()
	recs := make([]*redis.SliceCmd, len(ids))
	lasts := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		recs[i] = pipe.HMGet(ctx, s.roomKey(id), fields...)
		lasts[i] = pipe.LIndex(ctx, s.roomKeys(id)[1], -1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("matchmaker: recent rooms: %w", err)
	}
	type candidate struct {
		room            RecentRoom
		partner, closer string
	}
	var cands []candidate
	for i, id := range ids {
		v := recs[i].Val()
		if len(v) != len(fields) || RoomState(str(v[0])) != RoomClosed || str(v[3]) == "1" {
			continue
		}
		c := candidate{room: RecentRoom{ID: id, ClosedAt: millisTime(str(v[1]))}, closer: str(v[2])}
		if c.room.ClosedAt.Before(since) {
			continue
		}
		mine, theirs := 0, 1
		switch userID {
		case str(v[4]):
		case str(v[5]):
			mine, theirs = 1, 0
		default:
			continue
		}
		c.partner = str(v[4+theirs])
		age, _ := strconv.Atoi(str(v[12+theirs]))
		c.room.Partner = Profile{Nickname: str(v[8+theirs]), Gender: genderOf(str(v[10+theirs])), Age: age}
		var m Message
		if raw := lasts[i].Val(); raw != "" && json.Unmarshal([]byte(raw), &m) == nil {
			c.room.Last = &LastLine{Text: clipText(m.Text, lastLineLen), Mine: m.From == str(v[6+mine])}
			if m.Media != nil {
				c.room.Last.Media = m.Media.Kind
			}
		}
		cands = append(cands, c)
	}
	pipe = s.rdb.Pipeline()
	type marks struct {
		wished                  *redis.BoolCmd
		done, reported, blocked *redis.IntCmd
	}
	ms := make([]marks, len(cands))
	for i, c := range cands {
		a, b := userID, c.partner
		if b < a {
			a, b = b, a
		}
		ms[i] = marks{
			wished:   pipe.HExists(ctx, mm+":ag:"+c.room.ID, userID),
			done:     pipe.Exists(ctx, mm+":agd:"+c.room.ID),
			reported: pipe.Exists(ctx, mm+":rep:"+c.room.ID+":"+userID),
			blocked:  pipe.Exists(ctx, mm+":bl:"+a+":"+b),
		}
	}
	if len(cands) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("matchmaker: recent rooms: %w", err)
		}
	}
	out := []RecentRoom{}
	for i, c := range cands {
		m := ms[i]
		// The room the user reported, or left with a block, is not offered
		// to them again; the partner still sees it (it would tell them why
		// it went otherwise), and their wish is never answered.
		if m.done.Val() == 1 || m.reported.Val() == 1 || (m.blocked.Val() == 1 && c.closer == userID) {
			continue
		}
		c.room.Wished = m.wished.Val()
		out = append(out, c.room)
		if len(out) == recentLimit {
			break
		}
	}
	return out, nil
}

func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// WishAgain records the user's wish to talk again with the partner of a
// room that ended; when the partner wishes it too, the new room opens (now,
// or once both are free) and both are told as of a match. ErrNotFound when
// the room is no longer among the user's recent rooms, ErrRoomActive, a
// RestrictedError for a suspended or banned user. Idempotent.
func (s *Store) WishAgain(ctx context.Context, userID, roomID string) error {
	return s.again(ctx, "wish", userID, roomID)
}

// UnwishAgain takes the user's wish back (idempotent; a room gone is no
// error).
func (s *Store) UnwishAgain(ctx context.Context, userID, roomID string) error {
	err := s.again(ctx, "unwish", userID, roomID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (s *Store) again(ctx context.Context, op, userID, roomID string) error {
	room, err := s.Room(ctx, roomID)
	if err != nil {
		return err
	}
	if _, _, err := room.Side(userID); err != nil {
		return err
	}
	if op == "wish" {
		if room.State == RoomActive {
			return ErrRoomActive
		}
		if room.Cleared {
			return ErrNotFound
		}
		// Minors mode: no "meet again" under 18.
		if room.Members[0].Age < AdultAge || room.Members[1].Age < AdultAge {
			return &MinorsError{Rule: "again"}
		}
	}
	return s.tryAgain(ctx, op, userID, room)
}

// tryAgain runs again.lua for a room's pair: a wish, its withdrawal, or
// another try of a pair who both wish (op "retry", by the sweeper).
func (s *Store) tryAgain(ctx context.Context, op, caller string, room Room) error {
	var users [2]User
	read := func() error {
		for i, m := range room.Members {
			u, err := s.GetUserByID(ctx, m.UserID)
			if err != nil {
				return err
			}
			users[i] = u
		}
		return nil
	}
	if op != "unwish" {
		if err := read(); errors.Is(err, ErrNoProfile) {
			// One of them deleted their data (their rooms were cleared).
			if op == "retry" {
				return s.rdb.ZRem(ctx, s.mmKey()+":agq", room.ID).Err()
			}
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("matchmaker: again: %w", err)
		}
	}
	var ids [3]string
	for i, n := range []int{16, 8, 8} {
		var err error
		if ids[i], err = randomID(n); err != nil {
			return err
		}
	}
	closed := int64(0)
	if !room.ClosedAt.IsZero() {
		closed = room.ClosedAt.UnixMilli()
	}
	var inactive, active [2]string // rooms the users' states point at, as found
	for attempt := 0; attempt < 6; attempt++ {
		args := []any{op, room.ID, closed, caller, room.Members[0].UserID, room.Members[1].UserID, s.cfg.AgainTTL.Milliseconds()}
		for _, u := range users {
			args = append(args, u.Gender.code(), u.Age, u.Nickname, u.TelegramID, u.Lang, u.Version)
		}
		args = append(args, ids[0], ids[1], ids[2], seconds(s.cfg.RoomTTL), inactive[0], active[0], inactive[1], active[1],
			outboxGrace.Milliseconds(), againRetry.Milliseconds())
		for _, u := range users {
			codes, _ := interestCodes(u.Interests) // stored ones, valid
			args = append(args, codes)
		}
		status, out, err := scriptResult(s.runMM(ctx, againScript, args...).Result())
		if err != nil {
			return fmt.Errorf("matchmaker: again: %w", err)
		}
		switch status {
		case "gone":
			if op == "retry" {
				return nil
			}
			return ErrNotFound
		case "restricted":
			return &RestrictedError{Code: out[0], Until: millisTime(out[1])}
		case "stale_profile":
			if err := read(); err != nil {
				return fmt.Errorf("matchmaker: again: %w", err)
			}
			continue
		case "check_room":
			i := 0
			if out[0] == "b" {
				i = 1
			}
			_, isActive, err := s.currentRoom(ctx, out[1])
			if err != nil {
				return fmt.Errorf("matchmaker: again: %w", err)
			}
			if isActive {
				active[i] = out[1]
			} else {
				inactive[i] = out[1]
			}
			continue
		case "wished", "unwished", "done":
			return nil
		case "matched":
			steps, err := parseSteps(out[2])
			if err != nil {
				return err
			}
			// The room exists before anyone hears of it.
			if _, err := s.ensureRoom(ctx, out[0]); err != nil {
				return fmt.Errorf("matchmaker: again: %w", err)
			}
			return s.runEntry(ctx, out[1], steps)
		}
		return fmt.Errorf("matchmaker: again: unexpected reply %q", status)
	}
	return fmt.Errorf("matchmaker: again: state kept changing")
}

// sweepAgain tries again the pairs who both wish to meet again but were not
// both free (Sweep).
func (s *Store) sweepAgain(ctx context.Context, limit int) error {
	ids, err := s.runMM(ctx, againClaimScript, limit, againLease.Milliseconds()).StringSlice()
	if err != nil {
		return fmt.Errorf("matchmaker: sweep again: %w", err)
	}
	var errs []error
	for _, id := range ids {
		room, err := s.Room(ctx, id)
		if errors.Is(err, ErrNotFound) {
			errs = append(errs, s.rdb.ZRem(ctx, s.mmKey()+":agq", id).Err())
			continue
		}
		if err == nil {
			err = s.tryAgain(ctx, "retry", "", room)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// againMatched is the outbox step that tells one member of an again-room:
// the matched push, and the bot's notice if their app is closed.
func (s *Store) againMatched(ctx context.Context, st step) error {
	room, err := s.Room(ctx, st.Room)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if room.State != RoomActive {
		return nil
	}
	open, openErr := s.ann.AppOpen(ctx, st.User)
	if err := s.ann.Matched(ctx, room, st.User); err != nil {
		return err
	}
	if openErr == nil && !open {
		if me, _, err := room.Side(st.User); err == nil {
			_, err = s.NotifyTG(ctx, me.TelegramID, me.Lang, NoticeAgain, "again:"+room.ID+":"+me.MemberID, time.Hour, time.Time{})
			return err
		}
	}
	return nil
}
