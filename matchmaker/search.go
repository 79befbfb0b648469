package matchmaker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// maxDropped bounds how many entries of searches that are over (searches
// whose state expired before a sweeper came) one search drops on its way,
// apart from the candidates. It only bounds a search's cost.
const maxDropped = 1024

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
			ids[0], ids[1], ids[2], seconds(s.cfg.RoomTTL), checked, maxCandidates, outboxGrace.Milliseconds(),
			mustCodes(u.Interests), s.cfg.InterestWindow.Milliseconds(), maxDropped).Result())
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
			room, err := s.createRoom(ctx, out[0], out[4])
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
				return Search{State: Matched, Room: &room, Fresh: true}, nil
			}
			go s.finishMatch(ctx, out[1], room, waiter, open)
			return Search{State: Matched, Room: &room, Fresh: true}, nil
		}
		return Search{}, fmt.Errorf("matchmaker: search: unexpected reply %q", status)
	}
	return Search{}, fmt.Errorf("matchmaker: search: state kept changing")
}

// finishMatch is the rest of a match's outbox entry once the push went
// out, after the answer: the bot tells the waiter too if their app is
// closed, and the entry is done. On a failure the sweeper runs the whole
// entry again; every step is idempotent.
func (s *Store) finishMatch(ctx context.Context, entry string, room Room, waiter string, open <-chan appOpen) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stepTimeout)
	defer cancel()
	// The room exists: its match record may go (ensureRoom would only
	// find the room).
	s.rdb.Del(ctx, s.mmKey()+":m:"+room.ID) //nolint:errcheck // it expires within the hour anyway
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

// Queue is what a user choosing a filter may know of the queue.
type Queue struct {
	// Fit is how many users search now whose filters and the user's
	// accept each other (the user's own search not counted).
	Fit int
	// ExpectedWait is the median wait of recent matches of users with
	// similar filters (the same pool, own and wanted gender, a narrow or
	// wide age range); ok is false when there are too few of them.
	ExpectedWait time.Duration
	WaitKnown    bool
}

// Expected waits are the median of at least minWaitSamples waits recorded
// within waitHorizon.
const (
	minWaitSamples = 5
	waitHorizon    = 6 * time.Hour
)

// QueueFor reads the queue for a filter. Its cost does not grow with the
// queue: it reads the partitions a search would.
func (s *Store) QueueFor(ctx context.Context, userID string, f Filter) (Queue, error) {
	if err := f.Validate(); err != nil {
		return Queue{}, err
	}
	u, err := s.GetUserByID(ctx, userID)
	if err != nil {
		return Queue{}, err
	}
	status, out, err := scriptResult(s.runMM(ctx, queueScript, userID, u.Gender.code(), u.Age,
		f.Gender.code(), f.AgeFrom, f.AgeTo).Result())
	if err != nil {
		return Queue{}, fmt.Errorf("matchmaker: queue: %w", err)
	}
	if status == "bad_range" {
		return Queue{}, invalid("age_from", "the age range must stay on your side of %d", AdultAge)
	}
	var q Queue
	q.Fit, _ = strconv.Atoi(out[0])
	since := time.Now().Add(-waitHorizon).UnixMilli()
	var waits []int64
	for _, x := range out[1:] {
		w, at, _ := strings.Cut(x, ":")
		ms, _ := strconv.ParseInt(w, 10, 64)
		when, _ := strconv.ParseInt(at, 10, 64)
		if when >= since {
			waits = append(waits, ms)
		}
	}
	if len(waits) >= minWaitSamples {
		slices.Sort(waits)
		q.ExpectedWait, q.WaitKnown = time.Duration(waits[len(waits)/2])*time.Millisecond, true
	}
	return q, nil
}

// QueueFit counts the users searching now whose filters and the user's
// accept each other (QueueFor's Fit).
func (s *Store) QueueFit(ctx context.Context, userID string, f Filter) (int, error) {
	q, err := s.QueueFor(ctx, userID, f)
	return q.Fit, err
}

// Wider returns the smallest widening of f that more people searching now
// would fit, with their count: any gender, then the age range 5, 10 years
// wider on each side, then the whole pool; ok is false when none helps.
func (s *Store) Wider(ctx context.Context, userID string, f Filter, fit int) (Filter, int, bool, error) {
	u, err := s.GetUserByID(ctx, userID)
	if err != nil {
		return Filter{}, 0, false, err
	}
	lo, hi := AdultAge, MaxAge
	if u.Age < AdultAge {
		lo, hi = MinAge, AdultAge-1
	}
	clamp := func(x Filter) Filter {
		x.AgeFrom, x.AgeTo = max(x.AgeFrom, lo), min(x.AgeTo, hi)
		return x
	}
	f = clamp(f)
	var cands []Filter
	if f.Gender != GenderAny {
		cands = append(cands, Filter{Gender: GenderAny, AgeFrom: f.AgeFrom, AgeTo: f.AgeTo})
	}
	for _, d := range []int{5, 10} {
		cands = append(cands, clamp(Filter{Gender: f.Gender, AgeFrom: f.AgeFrom - d, AgeTo: f.AgeTo + d}))
	}
	cands = append(cands, Filter{Gender: f.Gender, AgeFrom: lo, AgeTo: hi}, Filter{Gender: GenderAny, AgeFrom: lo, AgeTo: hi})
	for _, c := range cands {
		if c == f {
			continue
		}
		n, err := s.QueueFit(ctx, userID, c)
		if err != nil {
			return Filter{}, 0, false, err
		}
		if n > fit {
			return c, n, true, nil
		}
	}
	return Filter{}, 0, false, nil
}

// mustCodes are a stored profile's interest codes (stored ones are valid).
func mustCodes(names []string) string {
	c, _ := interestCodes(names)
	return c
}

func millisTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// migrateIndex moves a search index of the earlier version (one entry per
// accepted age) to the block index (reindex.lua), in short calls, until it
// is done or ctx ends (the next sweep goes on). Once done it costs nothing.
func (s *Store) migrateIndex(ctx context.Context) error {
	if s.indexMoved.Load() {
		return nil
	}
	for ctx.Err() == nil {
		r, err := s.runMM(ctx, reindexScript, 8, 12).Text()
		if err != nil {
			return fmt.Errorf("matchmaker: move the search index: %w", err)
		}
		if r == "done" {
			s.indexMoved.Store(true)
			return nil
		}
	}
	return ctx.Err()
}
