package matchmaker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// SearchState is where a user's search stands.
type SearchState string

const (
	Idle    SearchState = "idle"
	Waiting SearchState = "waiting"
	Matched SearchState = "matched"
	Expired SearchState = "expired"
)

// Filter is what a user asks of a partner.
type Filter struct {
	Gender  Gender `json:"gender"`
	AgeFrom int    `json:"age_from"`
	AgeTo   int    `json:"age_to"`
}

// Validate checks the filter's fields. The pool rule (minors only with
// minors) is applied by Search against the user's own age.
func (f Filter) Validate() error {
	switch f.Gender {
	case GenderAny, Male, Female:
	default:
		return invalid("gender", `gender must be "any", "male" or "female"`)
	}
	if f.AgeFrom < MinAge || f.AgeFrom > MaxAge {
		return invalid("age_from", "age_from must be between %d and %d", MinAge, MaxAge)
	}
	if f.AgeTo < MinAge || f.AgeTo > MaxAge {
		return invalid("age_to", "age_to must be between %d and %d", MinAge, MaxAge)
	}
	if f.AgeFrom > f.AgeTo {
		return invalid("age_to", "age_to must not be below age_from")
	}
	return nil
}

// Search is a user's search state; Room is set when State is Matched.
type Search struct {
	State SearchState
	Room  *Room
	Since time.Time // when the user started waiting (State Waiting)
	// Fresh is true when this very call made the match (the partner who
	// waited has been told).
	Fresh bool
}

// maxCandidates bounds how many waiting users one search looks at: the
// oldest compatible ones, skipping blocked pairs, pairs in cooldown and
// searches that just expired. A user who has blocked that many of the
// oldest compatible users waits for the next search instead.
const maxCandidates = 32

// Search files a search or matches the user at once with the longest-waiting
// compatible user. While the user waits or is in an active room it returns
// that state and files nothing. The partner who waited is told through the
// Announcer (and the bot, when their app is closed).
func (s *Store) Search(ctx context.Context, userID string, f Filter) (Search, error) {
	if err := f.Validate(); err != nil {
		return Search{}, err
	}
	u, err := s.GetUserByID(ctx, userID)
	if err != nil {
		return Search{}, err
	}
	var ids [3]string
	for i, n := range []int{16, 8, 8} {
		if ids[i], err = randomID(n); err != nil {
			return Search{}, err
		}
	}
	checked := "" // a room the state pointed at that is no longer active
	for attempt := 0; attempt < 5; attempt++ {
		status, out, err := scriptResult(s.runMM(ctx, searchScript,
			userID, u.Gender.code(), u.Age, u.Nickname, u.TelegramID, u.Lang, u.Version,
			f.Gender.code(), f.AgeFrom, f.AgeTo, s.cfg.SearchTTL.Milliseconds(),
			ids[0], ids[1], ids[2], seconds(s.cfg.RoomTTL), checked, maxCandidates, outboxGrace.Milliseconds()).Result())
		if err != nil {
			return Search{}, fmt.Errorf("matchmaker: search: %w", err)
		}
		switch status {
		case "restricted":
			return Search{}, &RestrictedError{Code: out[0], Until: millisTime(out[1])}
		case "bad_range":
			return Search{}, invalid("age_from", "the age range must stay on your side of %d", AdultAge)
		case "stale_profile":
			if u, err = s.GetUserByID(ctx, userID); err != nil {
				return Search{}, err
			}
			continue
		case "check_room":
			room, active, err := s.currentRoom(ctx, out[0])
			if err != nil {
				return Search{}, fmt.Errorf("matchmaker: search: %w", err)
			}
			if active {
				return Search{State: Matched, Room: &room}, nil
			}
			checked = out[0]
			continue
		case "waiting":
			s.tellExpired(ctx, out[1])
			return Search{State: Waiting, Since: millisTime(out[0])}, nil
		case "matched":
			s.tellExpired(ctx, out[3])
			steps, err := parseSteps(out[2])
			if err != nil {
				return Search{}, err
			}
			// The room must exist before anyone hears of it. The partner
			// who waited is pushed the match before this call answers (the
			// push is what they wait for); whether the bot must tell them
			// too, and the entry's end, follow after the answer. A repeat
			// of the entry (it stays until then) pushes again under the
			// same idempotency key: once on the channel.
			room, err := s.ensureRoom(ctx, out[0])
			if err != nil {
				return Search{}, fmt.Errorf("matchmaker: search: %w", err)
			}
			waiter := room.Members[0].UserID
			// Whether the waiter's app is open is asked as the push goes
			// out (the app may act on the push and close).
			open := make(chan appOpen, 1)
			go func() {
				o, err := s.ann.AppOpen(context.WithoutCancel(ctx), waiter)
				open <- appOpen{o, err}
			}()
			if err := s.ann.Matched(ctx, room, waiter); err != nil {
				go s.runEntry(ctx, out[1], steps) //nolint:errcheck // left for a sweeper on failure
			} else {
				go s.finishMatch(ctx, out[1], room, waiter, open)
			}
			return Search{State: Matched, Room: &room, Fresh: true}, nil
		}
		return Search{}, fmt.Errorf("matchmaker: search: unexpected reply %q", status)
	}
	return Search{}, fmt.Errorf("matchmaker: search: state kept changing")
}

// finishMatch is the rest of a match's outbox entry once the push went
// out: the bot tells the waiter too if their app is closed, and the entry
// is done.
func (s *Store) finishMatch(ctx context.Context, entry string, room Room, waiter string, open <-chan appOpen) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stepTimeout)
	defer cancel()
	o := <-open
	if o.err != nil {
		return // the sweeper runs the whole entry again
	}
	if !o.open {
		if err := s.notifyClosedApp(ctx, room, waiter); err != nil {
			return
		}
	}
	s.doneEntry(ctx, entry) //nolint:errcheck // a sweeper deletes it otherwise
}

type appOpen struct {
	open bool
	err  error
}

// tellExpired tells users whose expired search a script found on its way.
func (s *Store) tellExpired(ctx context.Context, csv string) {
	for _, id := range splitIDs(csv) {
		go s.ann.SearchExpired(context.WithoutCancel(ctx), id) //nolint:errcheck // the app also re-reads its state
	}
}

// currentRoom loads the room a user's state points at, creating it from its
// match record when the matching call did not get that far, and says
// whether it is still active.
func (s *Store) currentRoom(ctx context.Context, roomID string) (Room, bool, error) {
	room, err := s.Room(ctx, roomID)
	if errors.Is(err, ErrNotFound) {
		room, err = s.ensureRoom(ctx, roomID)
	}
	if errors.Is(err, ErrNotFound) {
		return Room{}, false, nil
	}
	if err != nil {
		return Room{}, false, err
	}
	return room, room.State == RoomActive, nil
}

// CurrentSearch returns the user's search state without changing it. A room
// that was closed or expired reads as Idle.
func (s *Store) CurrentSearch(ctx context.Context, userID string) (Search, error) {
	vals, err := s.rdb.HMGet(ctx, s.mmKey()+":st:"+userID, "state", "room", "since").Result()
	if err != nil {
		return Search{}, fmt.Errorf("matchmaker: current search: %w", err)
	}
	switch SearchState(str(vals[0])) {
	case Waiting:
		return Search{State: Waiting, Since: millisTime(str(vals[2]))}, nil
	case Expired:
		return Search{State: Expired}, nil
	case Matched:
		room, active, err := s.currentRoom(ctx, str(vals[1]))
		if err != nil {
			return Search{}, fmt.Errorf("matchmaker: current search: %w", err)
		}
		if active {
			return Search{State: Matched, Room: &room}, nil
		}
	}
	return Search{State: Idle}, nil
}

// CancelSearch stops a waiting search. It is idempotent; after the match
// happened it returns ErrAlreadyMatched.
func (s *Store) CancelSearch(ctx context.Context, userID string) error {
	status, out, err := scriptResult(s.runMM(ctx, cancelScript, userID).Result())
	if err != nil {
		return fmt.Errorf("matchmaker: cancel search: %w", err)
	}
	if status == "check_room" {
		_, active, err := s.currentRoom(ctx, out[0])
		if err != nil {
			return fmt.Errorf("matchmaker: cancel search: %w", err)
		}
		if active {
			return ErrAlreadyMatched
		}
	}
	return nil
}

// sweepBatch is how many expired searches one script call unfiles: each
// touches every age its user accepted, and no call may hold Redis long.
const sweepBatch = 4

// ExpireSearches ends up to limit searches that waited longer than
// SearchTTL and returns the ids of their users, each exactly once across
// all callers. It works in small script calls, so Redis serves other
// requests in between.
func (s *Store) ExpireSearches(ctx context.Context, limit int) ([]string, error) {
	var out []string
	for len(out) < limit {
		ids, err := s.runMM(ctx, sweepScript, s.cfg.SearchTTL.Milliseconds(), min(sweepBatch, limit-len(out))).StringSlice()
		if err != nil {
			return out, fmt.Errorf("matchmaker: expire searches: %w", err)
		}
		out = append(out, ids...)
		if len(ids) < sweepBatch {
			break
		}
	}
	return out, nil
}

// QueueFit counts the users searching now whose filters and the user's
// accept each other (the user's own search is not counted). Its cost does
// not grow with the queue.
func (s *Store) QueueFit(ctx context.Context, userID string, f Filter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	u, err := s.GetUserByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	status, out, err := scriptResult(s.runMM(ctx, queueScript, userID, u.Gender.code(), u.Age,
		f.Gender.code(), f.AgeFrom, f.AgeTo).Result())
	if err != nil {
		return 0, fmt.Errorf("matchmaker: queue: %w", err)
	}
	if status == "bad_range" {
		return 0, invalid("age_from", "the age range must stay on your side of %d", AdultAge)
	}
	return strconv.Atoi(out[0])
}

func millisTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
