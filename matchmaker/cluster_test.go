package matchmaker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// TestRoomStepsOnEachRedis runs the scripts the matching tests do not reach
// on one Redis and on a cluster: the queue count, a message with a reply,
// read markers and typing (action.lua), the per-user rate limit, a media
// upload and who may open it (mediaadd.lua, mediaget.lua), history and a
// clear.
func TestRoomStepsOnEachRedis(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		blob, err := blobstore.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { blob.Close() })
		s := matchmaker.New(rdb, matchmaker.Config{LinksAfter: -1}, &recorder{}, matchmaker.WithMedia(blob))
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		carol := mkUser(t, s, "Carol", matchmaker.Female, 27)

		if _, err := s.Search(ctx, alice.ID, anyAdult()); err != nil {
			t.Fatal(err)
		}
		if q, err := s.QueueFor(ctx, bob.ID, anyAdult()); err != nil || q.Fit != 1 {
			t.Fatalf("queue for bob = %+v, %v; want alice fitting", q, err)
		}
		m, err := s.Search(ctx, bob.ID, anyAdult())
		if err != nil || m.State != matchmaker.Matched {
			t.Fatalf("bob search = %+v, %v", m, err)
		}
		rid := m.Room.ID

		first, err := s.AddMessage(ctx, alice.TG, rid, matchmaker.NewMessage{Text: "hi", ClientMsgID: "a1"})
		if err != nil {
			t.Fatal(err)
		}
		reply, err := s.AddMessage(ctx, bob.TG, rid, matchmaker.NewMessage{Text: "hello", ClientMsgID: "b1", ReplyTo: first.Message.ID})
		if err != nil || reply.Message.ReplyTo != first.Message.ID {
			t.Fatalf("reply = %+v, %v", reply.Message, err)
		}
		if _, err := s.AddMessage(ctx, bob.TG, rid, matchmaker.NewMessage{Text: "?", ClientMsgID: "b2", ReplyTo: "9999999999999999"}); err == nil {
			t.Fatal("a reply to a message the room does not have was accepted")
		}

		rate := matchmaker.Rate{Every: time.Second, Burst: 5}
		read, err := s.Act(ctx, alice.TG, rid, matchmaker.ActionRead, rate, "9999999999999999")
		if err != nil || read.Read != reply.Message.ID || !read.Changed {
			t.Fatalf("read past the newest = %+v, %v; want clamped to %s", read, err, reply.Message.ID)
		}
		back, err := s.Act(ctx, alice.TG, rid, matchmaker.ActionRead, rate, first.Message.ID)
		if err != nil || back.Read != reply.Message.ID || back.Changed {
			t.Fatalf("read backwards = %+v, %v; want unchanged", back, err)
		}
		if _, err := s.Act(ctx, carol.TG, rid, matchmaker.ActionTyping, rate, ""); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("an outsider typing = %v; want ErrNotMember", err)
		}
		var limited *matchmaker.RateLimitedError
		for i := 0; i < 10 && err == nil; i++ {
			_, err = s.Act(ctx, bob.TG, rid, matchmaker.ActionTyping, matchmaker.Rate{Every: time.Minute, Burst: 2}, "")
		}
		if !errors.As(err, &limited) {
			t.Fatalf("typing past its burst = %v; want rate limited", err)
		}
		allowed := 0
		for i := 0; i < 5; i++ {
			ok, _, err := s.Allow(ctx, "search", alice.TG, matchmaker.Rate{Every: time.Minute, Burst: 3})
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				allowed++
			}
		}
		if allowed != 3 {
			t.Fatalf("allowed %d of 5 with a burst of 3", allowed)
		}

		up, err := s.AddMedia(ctx, alice.TG, rid, matchmaker.Upload{Kind: "voice", ContentType: "audio/ogg", Bytes: []byte("OggS voice"), DurationMS: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OpenMedia(ctx, bob.TG, up.ID, false); !errors.Is(err, matchmaker.ErrNotFound) {
			t.Fatalf("partner opening an unsent upload = %v; want ErrNotFound", err)
		}
		if _, err := s.AddMessage(ctx, alice.TG, rid, matchmaker.NewMessage{MediaID: up.ID, ClientMsgID: "a2"}); err != nil {
			t.Fatal(err)
		}
		obj, err := s.OpenMedia(ctx, bob.TG, up.ID, false)
		if err != nil {
			t.Fatalf("partner opening a sent voice message: %v", err)
		}
		b, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if string(b) != "OggS voice" {
			t.Fatalf("voice bytes = %q", b)
		}
		if _, err := s.OpenMedia(ctx, carol.TG, up.ID, false); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("an outsider opening it = %v; want ErrNotMember", err)
		}

		page, err := s.History(ctx, bob.TG, rid, "", 50)
		if err != nil || len(page.Messages) != 3 || page.Messages[1].ReplyTo != first.Message.ID || page.Messages[2].Media == nil {
			t.Fatalf("history = %+v, %v", page, err)
		}
		if err := s.Clear(ctx, bob.TG, rid); err != nil {
			t.Fatal(err)
		}
		if page, err := s.History(ctx, alice.TG, rid, "", 50); err != nil || len(page.Messages) != 0 {
			t.Fatalf("history after the clear = %+v, %v", page, err)
		}
		if _, err := s.OpenMedia(ctx, bob.TG, up.ID, false); !errors.Is(err, matchmaker.ErrNotFound) {
			t.Fatalf("opening the cleared room's voice message = %v; want ErrNotFound", err)
		}
	})
}

// TestOldEntriesNeverMatch: a match takes the waiting user out of the
// index. An entry of that search left behind anyway (here put back by
// hand) must never match anyone: not while the user is in the room, and
// not once they search again with other filters. Searches drop it on
// their way.
func TestOldEntriesNeverMatch(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{RematchCooldown: -1})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		carl := mkUser(t, s, "Carl", matchmaker.Male, 40)
		dan := mkUser(t, s, "Dan", matchmaker.Male, 41)
		wantMen := matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}
		wantWomen := matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 18, AgeTo: 99}
		if res, err := s.Search(ctx, alice.ID, wantMen); err != nil || res.State != matchmaker.Waiting {
			t.Fatalf("alice = %+v, %v", res, err)
		}
		score := rdb.HGet(ctx, "tt:{mm}:st:"+alice.ID, "score").Val()
		if score == "" {
			t.Fatal("alice's waiting state has no score")
		}
		m, err := s.Search(ctx, bob.ID, wantWomen)
		if err != nil || m.State != matchmaker.Matched {
			t.Fatalf("bob = %+v, %v", m, err)
		}
		// Where Carl (40) and Dan (41) would find her: the partition of the
		// block of ages 18-81 ('6.0', offsets 0-63 from 18), the first of the
		// three that make up her 18-99. Gone once she is matched.
		const stale = "tt:{mm}:p:afm:6.0:25"
		if rdb.ZScore(ctx, stale, alice.ID).Err() == nil {
			t.Fatal("alice is still filed after her match")
		}
		// As if an entry of hers had been left behind.
		rdb.ZAdd(ctx, stale, redis.Z{Score: mustFloat(t, score), Member: alice.ID})
		rdb.ZAdd(ctx, "tt:{mm}:ph:afm:6.0", redis.Z{Score: mustFloat(t, score), Member: "25"})
		if res, err := s.Search(ctx, carl.ID, wantWomen); err != nil || res.State != matchmaker.Waiting {
			t.Fatalf("carl, with alice in a room = %+v, %v; want waiting", res, err)
		}
		if rdb.ZScore(ctx, stale, alice.ID).Err() == nil {
			t.Fatal("the search did not drop alice's old entry")
		}
		if err := s.CancelSearch(ctx, carl.ID); err != nil {
			t.Fatal(err)
		}
		// Alice's chat ends and she searches again, for women now.
		if err := s.Leave(ctx, alice.TG, m.Room.ID, matchmaker.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		if res, err := s.Search(ctx, alice.ID, wantWomen); err != nil || res.State != matchmaker.Waiting {
			t.Fatalf("alice again = %+v, %v", res, err)
		}
		if res, err := s.Search(ctx, dan.ID, wantWomen); err != nil || res.State != matchmaker.Waiting {
			t.Fatalf("dan, whom alice no longer wants = %+v, %v; want waiting", res, err)
		}
	})
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDeathBetweenSlots: a leave and a report change the matchmaking slot
// in one step and leave the room's own slot (and telling the partner) to
// outbox steps. If the process dies right after the first part, the room
// is still open in its slot and nobody was told; a sweeper of any replica
// finishes the job, once.
func TestDeathBetweenSlots(t *testing.T) {
	defer matchmaker.SetOutboxGrace(200 * time.Millisecond)()
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, rec := newStoreOn(t, rdb, matchmaker.Config{})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		left := pairOf(t, s, alice, bob)
		carol := mkUser(t, s, "Carol", matchmaker.Female, 25)
		dave := mkUser(t, s, "Dave", matchmaker.Male, 30)
		reported := pairOf(t, s, carol, dave)

		matchmaker.DieBeforeOutbox(s, true)
		if err := s.Leave(ctx, alice.TG, left.ID, matchmaker.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Report(ctx, carol.TG, reported.ID, "spam", ""); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{left.ID, reported.ID} {
			if r, err := s.Room(ctx, id); err != nil || r.State != matchmaker.RoomActive {
				t.Fatalf("room %s after the death = %+v, %v; want still active in its slot", id, r.State, err)
			}
			if n := rec.count("left " + id); n != 0 {
				t.Fatalf("room %s: partner told before the steps ran", id)
			}
		}
		if r, err := s.OldestOpenReport(ctx); err != nil || r == nil || r.RoomID != reported.ID {
			t.Fatalf("the report of the first part = %+v, %v", r, err)
		}

		// Another replica's sweeper, once the entries are due.
		matchmaker.DieBeforeOutbox(s, false)
		time.Sleep(300 * time.Millisecond)
		s.Sweep(ctx, nil)
		for _, c := range []struct {
			room   matchmaker.Room
			leaver tuser
		}{{left, alice}, {reported, carol}} {
			r, err := s.Room(ctx, c.room.ID)
			if err != nil || r.State == matchmaker.RoomActive {
				t.Fatalf("room %s after the sweep = %+v, %v; want closed", c.room.ID, r.State, err)
			}
			me, _, _ := c.room.Side(c.leaver.ID)
			if n := rec.count("left " + c.room.ID + " " + me.MemberID); n != 1 {
				t.Fatalf("room %s: partner told %d times; want once", c.room.ID, n)
			}
		}
		s.Sweep(ctx, nil)
		if n := rec.count("left "); n != 2 {
			t.Fatalf("%d leaves announced after a second sweep; want 2", n)
		}
		if n := rdb.ZCard(ctx, "tt:{mm}:ob").Val(); n != 0 {
			t.Fatalf("%d outbox entries left", n)
		}
	})
}

// TestIndexMigration: a search filed by the earlier version (one entry per
// accepted age, MM:q and MM:qh) is moved to the block index by the first
// sweep, and the old keys are gone, a stale entry among them.
func TestIndexMigration(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{})
		w := mkUser(t, s, "Wanda", matchmaker.Female, 25)
		if res, err := s.Search(ctx, w.ID, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}); err != nil || res.State != matchmaker.Waiting {
			t.Fatalf("w = %+v, %v", res, err)
		}
		// File her as the earlier version did, instead.
		score := mustFloat(t, rdb.HGet(ctx, "tt:{mm}:st:"+w.ID, "score").Val())
		for _, b := range []string{"6.0", "4.4", "1.40"} {
			if n := rdb.ZRem(ctx, "tt:{mm}:p:afm:"+b+":25", w.ID).Val(); n != 1 {
				t.Fatalf("w is not filed under block %s", b)
			}
			rdb.Del(ctx, "tt:{mm}:ph:afm:"+b)
		}
		for x := 18; x <= 99; x++ {
			rdb.ZAdd(ctx, fmt.Sprintf("tt:{mm}:q:afm:%d:25", x), redis.Z{Score: score, Member: w.ID})
			rdb.ZAdd(ctx, fmt.Sprintf("tt:{mm}:qh:afm:%d", x), redis.Z{Score: score, Member: "25"})
		}
		// And an entry the earlier version left behind.
		rdb.ZAdd(ctx, "tt:{mm}:q:afm:30:40", redis.Z{Score: score - 1, Member: "ghost"})
		rdb.ZAdd(ctx, "tt:{mm}:qh:afm:30", redis.Z{Score: score - 1, Member: "40"})

		s.Sweep(ctx, nil)
		if n := rdb.Exists(ctx, "tt:{mm}:q:afm:30:25", "tt:{mm}:q:afm:99:25", "tt:{mm}:qh:afm:30", "tt:{mm}:q:afm:30:40", "tt:{mm}:qh:afm:99").Val(); n != 0 {
			t.Fatalf("%d old index keys are left", n)
		}
		if v := rdb.Get(ctx, "tt:{mm}:ix").Val(); v != "2" {
			t.Fatalf("index version = %q", v)
		}
		m := mkUser(t, s, "Max", matchmaker.Male, 30)
		res, err := s.Search(ctx, m.ID, matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 18, AgeTo: 99})
		if err != nil || res.State != matchmaker.Matched {
			t.Fatalf("m = %+v, %v; want matched with w", res, err)
		}
		if _, p, _ := res.Room.Side(m.ID); p.UserID != w.ID {
			t.Fatalf("m matched %s, want w", p.UserID)
		}
		s.Sweep(ctx, nil) // done: changes nothing
		if v := rdb.Get(ctx, "tt:{mm}:ix").Val(); v != "2" {
			t.Fatalf("index version after a second sweep = %q", v)
		}
	})
}
