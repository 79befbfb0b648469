package matchmaker

import (
	"context"
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
	// Fresh is true when this very call made the match, so the caller tells
	// the partner who was waiting.
	Fresh bool
}

// Search files a search or matches the user at once with the longest-waiting
// compatible user. While the user waits or is in an active room it returns
// that state and files nothing.
func (s *Store) Search(ctx context.Context, userID string, f Filter) (Search, error) {
	if err := f.Validate(); err != nil {
		return Search{}, err
	}
	roomID, err := randomID(16)
	if err != nil {
		return Search{}, err
	}
	me, err := randomID(8)
	if err != nil {
		return Search{}, err
	}
	partner, err := randomID(8)
	if err != nil {
		return Search{}, err
	}
	status, out, err := scriptResult(s.scripts.search.Run(ctx, s.rdb, nil,
		s.cfg.Prefix, userID, string(f.Gender), f.AgeFrom, f.AgeTo,
		s.cfg.SearchTTL.Milliseconds(), roomID, me, partner, seconds(s.cfg.RoomTTL)).Result())
	if err != nil {
		return Search{}, fmt.Errorf("matchmaker: search: %w", err)
	}
	switch status {
	case "no_profile":
		return Search{}, ErrNoProfile
	case "restricted":
		return Search{}, &RestrictedError{Code: out[0], Until: millisTime(out[1])}
	case "bad_range":
		return Search{}, invalid("age_from", "the age range must stay on your side of %d", AdultAge)
	case "waiting":
		return Search{State: Waiting, Since: millisTime(out[0])}, nil
	case "matched":
		room, err := s.Room(ctx, out[0])
		if err != nil {
			return Search{}, fmt.Errorf("matchmaker: search: %w", err)
		}
		return Search{State: Matched, Room: &room, Fresh: out[1] == "new"}, nil
	}
	return Search{}, fmt.Errorf("matchmaker: search: unexpected reply %q", status)
}

// CurrentSearch returns the user's search state without changing it. A room
// that was closed or expired reads as Idle.
func (s *Store) CurrentSearch(ctx context.Context, userID string) (Search, error) {
	vals, err := s.rdb.HMGet(ctx, s.key("s:", userID), "state", "room", "since").Result()
	if err != nil {
		return Search{}, fmt.Errorf("matchmaker: current search: %w", err)
	}
	switch SearchState(str(vals[0])) {
	case Waiting:
		return Search{State: Waiting, Since: millisTime(str(vals[2]))}, nil
	case Expired:
		return Search{State: Expired}, nil
	case Matched:
		room, err := s.Room(ctx, str(vals[1]))
		if err == ErrNotFound || (err == nil && room.State != RoomActive) {
			return Search{State: Idle}, nil
		}
		if err != nil {
			return Search{}, fmt.Errorf("matchmaker: current search: %w", err)
		}
		return Search{State: Matched, Room: &room}, nil
	}
	return Search{State: Idle}, nil
}

// CancelSearch stops a waiting search. It is idempotent; after the match
// happened it returns ErrAlreadyMatched.
func (s *Store) CancelSearch(ctx context.Context, userID string) error {
	status, _, err := scriptResult(s.scripts.cancel.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID).Result())
	if err != nil {
		return fmt.Errorf("matchmaker: cancel search: %w", err)
	}
	if status == "matched" {
		return ErrAlreadyMatched
	}
	return nil
}

// ExpireSearches ends searches that waited longer than SearchTTL and returns
// the ids of their users, each exactly once across all callers.
func (s *Store) ExpireSearches(ctx context.Context, limit int) ([]string, error) {
	ids, err := s.scripts.sweep.Run(ctx, s.rdb, nil, s.cfg.Prefix, s.cfg.SearchTTL.Milliseconds(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("matchmaker: expire searches: %w", err)
	}
	return ids, nil
}

func millisTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
