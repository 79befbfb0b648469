package matchmaker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Contact exchange ("reveal"): two members of an active room agree, each on
// their own, to give the other their public Telegram username. Nothing is
// given until both agree; until then either can take it back. When both
// have, the bot sends each the other's https://t.me/<username>.
//
// Where the username is, and for how long: the API sees a user's username
// only in their own validated init data, and hands it to the store with
// that user's offer. It is kept in the room's record beside the offer,
// until the offer is withdrawn, the room closes without an exchange, the
// room is cleared or deleted, or the exchange is done and its notices are
// queued; then it goes. It is put on the notices stream, for the bot alone,
// in the notice to the partner. It never goes to a channel, an API answer
// or a log line.
//
// A username removed later: each of the member's calls presents the
// username they have now (POST /reveal, and GET of the room while their
// offer stands). One without a username drops the one kept; the agreement
// stands, and the exchange waits until both have one: the call that finds
// both agreed with both usernames at hand completes it.

// Errors of the contact exchange.
var (
	ErrUsernameRequired = errors.New("matchmaker: a username is required to exchange contacts")
	ErrNotAllowed       = errors.New("matchmaker: this pair cannot exchange contacts")
	ErrAlreadyRevealed  = errors.New("matchmaker: contacts were exchanged already")
)

// Reveal is where a room's contact exchange stands.
type Reveal struct {
	// Offered: member id -> the member agrees to exchange contacts.
	Offered map[string]bool
	// NoUsername: member id -> agrees, but no username is at hand (they
	// removed theirs since): the exchange waits until they present one.
	NoUsername map[string]bool
	// Done is when both had agreed (zero while they have not).
	Done time.Time
	// Pending: done, but its notices may not be queued yet; FinishReveal
	// queues them.
	Pending bool
}

// reveal reads a room record's exchange fields (reveal.lua).
func reveal(h map[string]string, members [2]Member) Reveal {
	r := Reveal{Offered: map[string]bool{}, NoUsername: map[string]bool{}, Done: millisTime(h["rvd"]), Pending: h["rvp"] == "1"}
	for i, s := range []string{"a", "b"} {
		m := members[i].MemberID
		r.Offered[m] = h["rv"+s] == "1" || !r.Done.IsZero()
		r.NoUsername[m] = h["rv"+s] == "1" && h["ru"+s] == "" && r.Done.IsZero()
	}
	return r
}

// RevealOp is what a member does.
type RevealOp string

const (
	RevealOffer    RevealOp = "offer"
	RevealWithdraw RevealOp = "withdraw"
	// RevealRefresh presents the member's current username while their
	// offer stands (their app shows the room).
	RevealRefresh RevealOp = "refresh"
)

// Reveal states as the room channel publishes them.
const (
	RevealOffered   = "offered"
	RevealWithdrawn = "withdrawn"
	RevealDone      = "done"
)

// RevealEvent is what the room channel is told of a call: State (""
// = nothing), From the member whose call it was, and Seq, unique per room
// and change, for the publication's idempotency key: a repeated call
// returns the same event, so its publication lands once.
type RevealEvent struct {
	State string
	From  string
	Seq   string
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{4,32}$`)

// ValidUsername reports whether s is a Telegram username (without the @);
// anything else is never stored or linked.
func ValidUsername(s string) bool { return usernamePattern.MatchString(s) }

// Reveal records a member's offer (with the username their init data has,
// "" for none), its withdrawal, or a refresh of the username behind a
// standing offer, and completes the exchange when both agree with
// usernames at hand. ErrUsernameRequired, a *MinorsError (either member is under
// 18), ErrNotAllowed (the pair is blocked, or a side suspended or banned),
// ErrRoomClosed, ErrAlreadyRevealed (withdraw once done); an offer is
// idempotent, and so is a withdrawal.
func (s *Store) Reveal(ctx context.Context, telegramID int64, roomID string, op RevealOp, username string) (RevealEvent, error) {
	if !ValidUsername(username) {
		username = ""
	}
	room, err := s.MemberRoom(ctx, telegramID, roomID)
	if err != nil {
		return RevealEvent{}, err
	}
	me, partner, _ := room.SideOf(telegramID)
	if op == RevealOffer {
		// A blocked pair offers nothing; completing re-checks it atomically
		// below (revealintent.lua).
		blocked, err := s.Blocked(ctx, me.UserID, partner.UserID)
		if err != nil {
			return RevealEvent{}, fmt.Errorf("matchmaker: reveal in %s: %w", roomID, err)
		}
		if blocked {
			return RevealEvent{}, ErrNotAllowed
		}
	}
	tg := strconv.FormatInt(telegramID, 10)
	run := func(intent string) (string, []string, error) {
		return scriptResult(s.runRoom(ctx, revealScript, roomID, tg, string(op), username, intent).Result())
	}
	status, out, err := run("")
	if err != nil {
		return RevealEvent{}, fmt.Errorf("matchmaker: reveal in %s: %w", roomID, err)
	}
	if status == "need_intent" {
		// This call may complete the exchange, whose follow-ups are in
		// other slots: the notices ({n}) and the operators' record ({mm}).
		// As keys.go says, the intent is written in {mm} first, as an
		// outbox entry, and only then is the exchange marked done in the
		// room's slot. The entry's step acts only on a room marked done
		// with its follow-ups pending, and each follow-up is idempotent
		// (a once-key per notice, a plain SET, an HDEL), so whoever runs
		// it, this call or a sweeper after a crash, and however often, it
		// queues one notice to each. Should a sweeper run the entry before
		// this call marks the room (a stall of over outboxGrace between
		// the two), the step finds nothing to do; the next GET of the room
		// by either member finishes the follow-ups (FinishReveal).
		st, iout, err := scriptResult(s.runMM(ctx, revealIntentScript, out[0], out[1], roomID,
			outboxGrace.Milliseconds()).Result())
		if err != nil {
			return RevealEvent{}, fmt.Errorf("matchmaker: reveal in %s: %w", roomID, err)
		}
		if st == "refused" {
			return RevealEvent{}, ErrNotAllowed
		}
		steps, err := parseSteps(iout[1])
		if err != nil {
			return RevealEvent{}, err
		}
		status, out, err = run("1")
		if err != nil {
			// The entry stays for a sweeper: harmless if nothing was done.
			return RevealEvent{}, fmt.Errorf("matchmaker: reveal in %s: %w", roomID, err)
		}
		if err := s.runEntry(ctx, iout[0], steps); err != nil {
			return RevealEvent{}, err
		}
	}
	switch status {
	case "not_found":
		return RevealEvent{}, ErrNotFound
	case "forbidden":
		return RevealEvent{}, ErrNotMember
	case "room_closed":
		return RevealEvent{}, ErrRoomClosed
	case "minor":
		return RevealEvent{}, &MinorsError{Rule: "reveal"}
	case "username_required":
		return RevealEvent{}, ErrUsernameRequired
	case "already_revealed":
		return RevealEvent{}, ErrAlreadyRevealed
	case "ok":
		return RevealEvent{State: out[0], Seq: out[1], From: out[2]}, nil
	}
	return RevealEvent{}, fmt.Errorf("matchmaker: reveal in %s: unexpected reply %q", roomID, status)
}

// FinishReveal runs the follow-ups of a done exchange if they are still
// pending (see Reveal): a no-op otherwise, and safe to call any number of
// times.
func (s *Store) FinishReveal(ctx context.Context, roomID string) error {
	return s.finishReveal(ctx, roomID)
}

// finishReveal is the outbox step of an exchange: once the room's slot says
// it is done, record it for operators and queue each member's notice with
// the other's link, then forget the usernames.
func (s *Store) finishReveal(ctx context.Context, roomID string) error {
	v, err := s.rdb.HMGet(ctx, s.roomKey(roomID), "rvp", "rvd", "ua", "ub", "ta", "tb", "la", "lb", "ma", "mb",
		"rua", "rub").Result()
	if err != nil {
		return err
	}
	if str(v[0]) != "1" {
		return nil // not done, or its follow-ups ran already
	}
	ua, ub := str(v[2]), str(v[3])
	if ub < ua {
		ua, ub = ub, ua
	}
	// Operators see in a report on this pair that they exchanged contacts
	// (report.lua copies this into a report filed later).
	if err := s.rdb.Set(ctx, s.mmKey()+":xch:"+ua+":"+ub, str(v[1]), s.cfg.ReportRetention).Err(); err != nil {
		return err
	}
	for i := range 2 {
		tg, _ := strconv.ParseInt(str(v[4+i]), 10, 64)
		contact := str(v[11-i]) // the other side's username
		if tg == 0 || !ValidUsername(contact) {
			continue // deleted their data, or the other side did
		}
		if _, err := s.notifyContact(ctx, tg, str(v[6+i]), contact, "reveal:"+roomID+":"+str(v[8+i])); err != nil {
			return err
		}
	}
	err = s.rdb.HDel(ctx, s.roomKey(roomID), "rvp", "rua", "rub").Err()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return err
}

// notifyContact queues the notice that gives a member the partner's link,
// once per member and room (the once-key outlives the stream).
func (s *Store) notifyContact(ctx context.Context, telegramID int64, lang, contact, onceKey string) (bool, error) {
	id, err := randomID(10)
	if err != nil {
		return false, err
	}
	n, err := notifyScript.Run(ctx, s.rdb, []string{s.noticesKey() + ":notices", s.noticesKey() + ":nc:" + onceKey},
		telegramID, lang, string(NoticeContact), id, "", millis(NoticeRetention+24*time.Hour), NoticeRetention.Milliseconds(),
		contact).Int()
	if err != nil {
		return false, fmt.Errorf("matchmaker: notify: %w", err)
	}
	return n == 1, nil
}

// exchangedAt reads the operators' record of a pair's exchange.
func (s *Store) exchangedAt(ctx context.Context, a, b string) (time.Time, error) {
	if b < a {
		a, b = b, a
	}
	v, err := s.rdb.Get(ctx, s.mmKey()+":xch:"+a+":"+b).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	return millisTime(v), err
}
