package matchmaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Announcer tells users what the store did. The centrifugo package
// implements it with publications; every call must be idempotent (a step is
// repeated after a crash), which publications with idempotency keys are.
type Announcer interface {
	// Matched pushes a new room to one of its members (the one who waited).
	Matched(ctx context.Context, room Room, userID string) error
	// Left tells a room that the member left (or was removed).
	Left(ctx context.Context, roomID, member string) error
	// Restricted tells a user's app they were suspended or banned (zero
	// until = for good).
	Restricted(ctx context.Context, userID, code string, until time.Time) error
	// SearchExpired tells a user's app that their search ran out.
	SearchExpired(ctx context.Context, userID string) error
	// RemoveHistory deletes a room channel's history.
	RemoveHistory(ctx context.Context, roomID string) error
	// AppOpen reports whether the user's Mini App is connected now.
	AppOpen(ctx context.Context, userID string) (bool, error)
}

type silent struct{}

func (silent) Matched(context.Context, Room, string) error                 { return nil }
func (silent) Left(context.Context, string, string) error                  { return nil }
func (silent) Restricted(context.Context, string, string, time.Time) error { return nil }
func (silent) SearchExpired(context.Context, string) error                 { return nil }
func (silent) RemoveHistory(context.Context, string) error                 { return nil }
func (silent) AppOpen(context.Context, string) (bool, error)               { return true, nil }

// step is one outbox step, as the {mm} scripts write them (mm.lua).
type step struct {
	Op     string `json:"op"`
	Room   string `json:"room,omitempty"`
	User   string `json:"user,omitempty"`
	By     string `json:"by,omitempty"`
	Code   string `json:"code,omitempty"`
	Until  string `json:"until,omitempty"`
	TG     string `json:"tg,omitempty"`
	Forget bool   `json:"forget,omitempty"`
	// Announce (clear_room): the room was active when the step was
	// written, so the partner is told it ended.
	Announce bool `json:"announce,omitempty"`
	// Report and Media (keep_media): the report whose evidence holds these
	// media ids.
	Report string   `json:"report,omitempty"`
	Media  []string `json:"media,omitempty"`
}

func parseSteps(raw string) ([]step, error) {
	if raw == "" || raw == "{}" { // cjson writes an empty list as {}
		return nil, nil
	}
	var steps []step
	if err := json.Unmarshal([]byte(raw), &steps); err != nil {
		return nil, fmt.Errorf("matchmaker: outbox steps %q: %w", raw, err)
	}
	return steps, nil
}

// Outbox timing: an entry is due for the sweepers outboxGrace after it was
// written (its writer runs it at once, so the sweepers only see entries
// whose writer failed or died), and a sweeper's claim lasts outboxLease.
var outboxGrace = 10 * time.Second // a variable only so tests can shorten it (export_test.go)

const (
	outboxLease = 30 * time.Second
	// stepTimeout bounds one run of an entry, detached from any request:
	// a state change that was received is carried out even if the client
	// goes away.
	stepTimeout = 10 * time.Second
)

// runEntry carries out an outbox entry's steps in order, then deletes it.
// It runs on a context detached from the caller's cancellation, with its own
// deadline, and retries a failed step a few times; what still fails stays in
// the outbox for a sweeper. The returned error is the last failure.
func (s *Store) runEntry(ctx context.Context, id string, steps []step) error {
	if id == "" || s.dies.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stepTimeout)
	defer cancel()
	var err error
	for attempt, wait := 0, 50*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(wait):
			}
		}
		if err = s.runSteps(ctx, steps); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("matchmaker: outbox %s: %w", id, err)
	}
	return s.doneEntry(ctx, id)
}

// doneEntry deletes a carried-out outbox entry.
func (s *Store) doneEntry(ctx context.Context, id string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.mmKey()+":ob", id)
	pipe.HDel(ctx, s.mmKey()+":obd", id)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("matchmaker: outbox %s done: %w", id, err)
	}
	return nil
}

// notifyIfAppClosed has the bot tell a matched user when their Mini App is
// not connected (they would not see the push).
func (s *Store) notifyIfAppClosed(ctx context.Context, room Room, userID string) error {
	open, err := s.ann.AppOpen(ctx, userID)
	if err != nil || open {
		return err
	}
	return s.notifyClosedApp(ctx, room, userID)
}

// notifyClosedApp queues the bot's "partner found" for a matched user.
func (s *Store) notifyClosedApp(ctx context.Context, room Room, userID string) error {
	me, _, err := room.Side(userID)
	if err != nil {
		return nil
	}
	_, err = s.NotifyTG(ctx, me.TelegramID, me.Lang, NoticePartnerFound, "found:"+room.ID, time.Hour, time.Time{})
	return err
}

func (s *Store) runSteps(ctx context.Context, steps []step) error {
	for _, st := range steps {
		if err := s.runStep(ctx, st); err != nil {
			return fmt.Errorf("%s %s: %w", st.Op, st.Room, err)
		}
	}
	return nil
}

func (s *Store) runStep(ctx context.Context, st step) error {
	switch st.Op {
	case "create_room":
		_, err := s.ensureRoom(ctx, st.Room)
		if errors.Is(err, ErrNotFound) {
			return nil // created and gone already
		}
		return err
	case "matched":
		room, err := s.Room(ctx, st.Room)
		if errors.Is(err, ErrNotFound) {
			return nil // cleared and expired already: nothing to announce
		}
		if err != nil {
			return err
		}
		if room.State != RoomActive {
			return nil
		}
		if err := s.ann.Matched(ctx, room, st.User); err != nil {
			return err
		}
		return s.notifyIfAppClosed(ctx, room, st.User)
	case "close_room":
		status, out, err := scriptResult(s.runRoom(ctx, closeScript, st.Room, st.User, st.By, seconds(s.cfg.RoomTTL)).Result())
		if err != nil || status != "ok" {
			return err
		}
		if out[0] == st.By { // closed by this step (now or in an earlier run)
			return s.ann.Left(ctx, st.Room, out[1])
		}
		return nil
	case "clear_room":
		forget := ""
		if st.Forget {
			forget = "1"
		}
		status, out, err := scriptResult(s.runRoom(ctx, clearScript, st.Room, st.User, forget,
			seconds(s.cfg.RoomTTL), evidenceSize).Result())
		if err != nil || status != "ok" {
			return err
		}
		if st.Announce && out[0] == st.User {
			return s.ann.Left(ctx, st.Room, out[1])
		}
		return nil
	case "remove_history":
		return s.ann.RemoveHistory(ctx, st.Room)
	case "unindex":
		// Left by matches of the version with one index entry per age;
		// those entries went with that index (reindex.lua).
		return nil
	case "delete_media":
		return s.clearRoomMedia(ctx, st.Room)
	case "keep_media":
		return s.keepReportMedia(ctx, st.Room, st.Report, st.Media)
	case "restricted":
		var until time.Time
		if st.Until != "" && st.Until != "0" {
			until = millisTime(st.Until)
		}
		if err := s.ann.Restricted(ctx, st.User, st.Code, until); err != nil {
			return err
		}
		kind := NoticeSuspended
		if st.Code == Banned {
			kind = NoticeBanned
		}
		// Once per restriction: a repeated step queues no second notice.
		_, err := s.Notify(ctx, st.User, kind, "restricted:"+st.User+":"+st.Code+":"+st.Until, 24*time.Hour, until)
		if errors.Is(err, ErrNoProfile) {
			return nil
		}
		return err
	case "reveal":
		return s.finishReveal(ctx, st.Room)
	case "again_matched":
		return s.againMatched(ctx, st)
	case "delete_profile":
		tg, _ := strconv.ParseInt(st.TG, 10, 64)
		return s.deleteProfile(ctx, st.User, tg)
	}
	return fmt.Errorf("unknown step %q", st.Op)
}

// Sweep does the background work of one replica; every replica may run it
// (each piece of work is claimed atomically): it moves a search index of
// the earlier version to the block index (once), expires searches that
// waited too long and tells their users, runs outbox entries whose writer
// did not finish them, forgets active rooms that expired while open, and
// adds this process's message count to the day's counter.
func (s *Store) Sweep(ctx context.Context, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s.migrateIndex(ctx); err != nil {
		log.Warn("move the search index", "err", err)
	}
	ids, err := s.ExpireSearches(ctx, 200)
	if err != nil {
		log.Warn("expire searches", "err", err)
	}
	for _, id := range ids {
		if err := s.ann.SearchExpired(ctx, id); err != nil {
			log.Warn("tell search expired", "err", err)
		}
	}
	if err := s.sweepOutbox(ctx, 50); err != nil {
		log.Warn("outbox", "err", err)
	}
	if err := s.sweepAgain(ctx, 50); err != nil {
		log.Warn("meet again", "err", err)
	}
	if err := s.pruneActiveRooms(ctx, 100); err != nil {
		log.Warn("prune active rooms", "err", err)
	}
	if err := s.trimReports(ctx); err != nil {
		log.Warn("trim reports", "err", err)
	}
	if err := s.sweepMedia(ctx, 20); err != nil {
		log.Warn("sweep media", "err", err)
	}
	if err := s.FlushStats(ctx); err != nil {
		log.Warn("flush stats", "err", err)
	}
}

// sweepOutbox claims due outbox entries and runs them.
func (s *Store) sweepOutbox(ctx context.Context, limit int) error {
	res, err := s.runMM(ctx, claimScript, limit, outboxLease.Milliseconds()).StringSlice()
	if err != nil {
		return err
	}
	var errs []error
	for i := 0; i+1 < len(res); i += 2 {
		steps, err := parseSteps(res[i+1])
		if err == nil {
			err = s.runEntry(ctx, res[i], steps)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// OutboxLen is how many outbox entries wait (operators' metric).
func (s *Store) OutboxLen(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, s.mmKey()+":ob").Result()
}
