package matchmaker_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// ended matches a and b, lets b say something, and has a leave: the room
// that ended.
func ended(t *testing.T, s *matchmaker.Store, a, b tuser) matchmaker.Room {
	t.Helper()
	ctx := context.Background()
	room := pairOf(t, s, a, b)
	if _, err := s.AddMessage(ctx, b.TG, room.ID, text("it was nice talking")); err != nil {
		t.Fatal(err)
	}
	if err := s.Leave(ctx, a.TG, room.ID, matchmaker.LeaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return room
}

// pushedBut counts the rooms pushed to a user (any user for "") other than
// the one given: the search that made it may or may not have announced it,
// as the room may have ended before.
func pushedBut(rec *recorder, userID, roomID string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, e := range rec.events {
		if strings.HasPrefix(e, "matched "+userID) && !strings.HasSuffix(e, " "+roomID) {
			n++
		}
	}
	return n
}

func recentOf(t *testing.T, s *matchmaker.Store, u tuser) []matchmaker.RecentRoom {
	t.Helper()
	rs, err := s.RecentRooms(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// matchedTo is the room a user's state says they are in now, "" if none.
func matchedTo(t *testing.T, s *matchmaker.Store, u tuser) string {
	t.Helper()
	cur, err := s.CurrentSearch(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.State != matchmaker.Matched {
		return ""
	}
	return cur.Room.ID
}

// TestAgainStory: Alice and Bob's chat ended. Both see it among their
// recent rooms; Alice wishes to talk again, which Bob cannot tell in any
// answer nor by any announcement; when Bob wishes it too, a new room opens
// once, both are pushed to it, and they are new members of it showing the
// same nicknames.
func TestAgainStory(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, rec := newStoreOn(t, rdb, matchmaker.Config{})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		old := ended(t, s, alice, bob)
		oa, ob := member(t, old, alice), member(t, old, bob)

		for _, c := range []struct {
			u       tuser
			partner string
			mine    bool
		}{{alice, "Bob", false}, {bob, "Alice", true}} {
			rs := recentOf(t, s, c.u)
			if len(rs) != 1 || rs[0].ID != old.ID || rs[0].Partner.Nickname != c.partner || rs[0].Wished ||
				rs[0].Last == nil || rs[0].Last.Text != "it was nice talking" || rs[0].Last.Mine != c.mine || rs[0].ClosedAt.IsZero() {
				t.Fatalf("recent rooms of %s = %+v", c.partner, rs)
			}
		}
		if err := s.WishAgain(ctx, alice.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.WishAgain(ctx, alice.ID, old.ID); err != nil {
			t.Fatalf("repeated wish = %v", err)
		}
		if rs := recentOf(t, s, alice); len(rs) != 1 || !rs[0].Wished {
			t.Fatalf("alice's recent rooms = %+v; want her wish shown", rs)
		}
		if rs := recentOf(t, s, bob); len(rs) != 1 || rs[0].Wished {
			t.Fatalf("bob's recent rooms = %+v; want nothing of alice's wish", rs)
		}
		if n := pushedBut(rec, "", old.ID); n != 0 {
			t.Fatalf("%d matches announced on a one-sided wish", n)
		}
		if matchedTo(t, s, alice) != "" || matchedTo(t, s, bob) != "" {
			t.Fatal("a one-sided wish made a room")
		}

		// Interests set since the first chat: the new room shows the shared ones.
		for _, u := range []struct {
			u         tuser
			nick      string
			g         matchmaker.Gender
			age       int
			interests []string
		}{{alice, "Alice", matchmaker.Female, 25, []string{"films", "games", "art"}}, {bob, "Bob", matchmaker.Male, 30, []string{"games", "films", "sport"}}} {
			if _, err := s.PutProfile(ctx, u.u.TG, "en", matchmaker.Profile{Nickname: u.nick, Gender: u.g, Age: u.age, Interests: u.interests}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.WishAgain(ctx, bob.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		rid := matchedTo(t, s, alice)
		if rid == "" || rid == old.ID || matchedTo(t, s, bob) != rid {
			t.Fatalf("after both wished: alice in %q, bob in %q", rid, matchedTo(t, s, bob))
		}
		rec.waitFor(t, "matched "+alice.ID+" "+rid)
		rec.waitFor(t, "matched "+bob.ID+" "+rid)
		room, err := s.Room(ctx, rid)
		if err != nil || room.State != matchmaker.RoomActive {
			t.Fatalf("again-room = %+v, %v", room, err)
		}
		if got := room.SharedInterests; len(got) != 2 || !slices.Contains(got, "films") || !slices.Contains(got, "games") {
			t.Fatalf("again-room shared interests = %v; want films and games", got)
		}
		me, partner, _ := room.Side(alice.ID)
		if me.MemberID == oa || partner.MemberID == ob || partner.Nickname != "Bob" || partner.UserID != bob.ID {
			t.Fatalf("again-room sides = %+v / %+v; want new member ids, the same nickname", me, partner)
		}
		// Once made, the old room leaves both lists, and no wish on it makes another.
		for _, u := range []tuser{alice, bob} {
			if rs := recentOf(t, s, u); len(rs) != 0 {
				t.Fatalf("recent rooms once the again-room exists = %+v", rs)
			}
			if err := s.WishAgain(ctx, u.ID, old.ID); err != nil {
				t.Fatalf("wish on a room already met again = %v", err)
			}
		}
		if n, _ := s.Counter(ctx, "again"); n != 1 || rec.count("matched "+alice.ID+" "+rid) != 1 || rec.count("matched "+bob.ID) != 1 {
			t.Fatalf("again-rooms = %d; want 1, announced once to each", n)
		}
		if err := s.WishAgain(ctx, alice.ID, rid); !errors.Is(err, matchmaker.ErrRoomActive) {
			t.Fatalf("wish on an active room = %v; want ErrRoomActive", err)
		}

		// A wish taken back is gone: the partner's later wish finds nothing.
		carol := mkUser(t, s, "Carol", matchmaker.Female, 25)
		dave := mkUser(t, s, "Dave", matchmaker.Male, 30)
		cd := ended(t, s, carol, dave)
		if err := s.WishAgain(ctx, carol.ID, cd.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.UnwishAgain(ctx, carol.ID, cd.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.UnwishAgain(ctx, carol.ID, cd.ID); err != nil {
			t.Fatalf("repeated unwish = %v", err)
		}
		if err := s.WishAgain(ctx, dave.ID, cd.ID); err != nil {
			t.Fatal(err)
		}
		if matchedTo(t, s, carol) != "" || matchedTo(t, s, dave) != "" {
			t.Fatal("a withdrawn wish made a room")
		}
		if err := s.WishAgain(ctx, alice.ID, cd.ID); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("wish on someone else's room = %v; want ErrNotMember", err)
		}
	})
}

// TestAgainConcurrentTaps: in many ended rooms both members tap "again" at
// the same moment, several times each; every pair gets exactly one room.
func TestAgainConcurrentTaps(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, rec := newStoreOn(t, rdb, matchmaker.Config{})
		const pairs = 20
		type pair struct {
			a, b tuser
			room matchmaker.Room
		}
		ps := make([]pair, pairs)
		for i := range ps {
			a := mkUser(t, s, fmt.Sprintf("A%d", i), matchmaker.Female, 25)
			b := mkUser(t, s, fmt.Sprintf("B%d", i), matchmaker.Male, 25)
			ps[i] = pair{a, b, ended(t, s, a, b)}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, p := range ps {
			for _, u := range []tuser{p.a, p.b} {
				for range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						if err := s.WishAgain(ctx, u.ID, p.room.ID); err != nil {
							t.Errorf("wish: %v", err)
						}
					}()
				}
			}
		}
		close(start)
		wg.Wait()
		if n, _ := s.Counter(ctx, "again"); n != pairs {
			t.Fatalf("%d again-rooms for %d pairs", n, pairs)
		}
		for i, p := range ps {
			ra, rb := matchedTo(t, s, p.a), matchedTo(t, s, p.b)
			if ra == "" || ra != rb {
				t.Fatalf("pair %d: in %q and %q", i, ra, rb)
			}
			for _, u := range []tuser{p.a, p.b} {
				rec.waitFor(t, "matched "+u.ID+" "+ra)
				if n := pushedBut(rec, u.ID, p.room.ID); n != 1 {
					t.Fatalf("pair %d: a member was pushed %d rooms", i, n)
				}
			}
		}
	})
}

// TestAgainWhenBusy: a partner who is searching is taken out of the queue
// into the again-room; one in another chat makes the pair wait, and the
// sweep opens the room once that chat ended.
func TestAgainWhenBusy(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		old := ended(t, s, alice, bob)
		// Bob searches for someone new (a man's filter: alice is no fit).
		if got, err := s.Search(ctx, bob.ID, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}); err != nil || got.State != matchmaker.Waiting {
			t.Fatalf("bob's search = %+v, %v", got, err)
		}
		if err := s.WishAgain(ctx, alice.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.WishAgain(ctx, bob.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		if rid := matchedTo(t, s, bob); rid == "" || matchedTo(t, s, alice) != rid {
			t.Fatal("a searching partner was not put in the again-room")
		}
		if st, _ := s.Stats(ctx); st.Waiting != 0 {
			t.Fatalf("%d still in the queue", st.Waiting)
		}
		// A man looking for men finds nobody: bob left the queue.
		carl := mkUser(t, s, "Carl", matchmaker.Male, 30)
		if got, _ := s.Search(ctx, carl.ID, anyAdult()); got.State != matchmaker.Waiting {
			t.Fatalf("carl was matched with %+v", got.Room)
		}
		s.CancelSearch(ctx, carl.ID)

		// Busy: Dan is in a chat with Erin when Cleo's and his wishes meet.
		cleo := mkUser(t, s, "Cleo", matchmaker.Female, 25)
		dan := mkUser(t, s, "Dan", matchmaker.Male, 30)
		cd := ended(t, s, cleo, dan)
		erin := mkUser(t, s, "Erin", matchmaker.Female, 40)
		other := pairOf(t, s, erin, dan)
		if err := s.WishAgain(ctx, cleo.ID, cd.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.WishAgain(ctx, dan.ID, cd.ID); err != nil {
			t.Fatal(err)
		}
		if matchedTo(t, s, cleo) != "" || matchedTo(t, s, dan) != other.ID {
			t.Fatal("the again-room opened while dan was in another chat")
		}
		s.Sweep(ctx, nil)
		if matchedTo(t, s, cleo) != "" {
			t.Fatal("the sweep opened the again-room while dan was busy")
		}
		if err := s.Leave(ctx, erin.TG, other.ID, matchmaker.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for matchedTo(t, s, cleo) == "" {
			if time.Now().After(deadline) {
				t.Fatal("the again-room did not open once dan was free")
			}
			s.Sweep(ctx, nil)
			time.Sleep(50 * time.Millisecond)
		}
		if matchedTo(t, s, dan) != matchedTo(t, s, cleo) {
			t.Fatal("cleo and dan are in different rooms")
		}
		if n, _ := s.Counter(ctx, "again"); n != 2 {
			t.Fatalf("again-rooms = %d; want 2", n)
		}
	})
}

// TestAgainNeverPairs: pairs that must stay apart never get a room, and
// neither side learns why: a wish is accepted (or the room is not offered
// to the side that chose to end it for good), and stays unanswered.
func TestAgainNeverPairs(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{Moderation: matchmaker.ModerationConfig{ReportsToSuspend: 1000}})
		cases := []struct {
			name string
			ages [2]int
			// end ends the room its way (a is always the one acting).
			end func(t *testing.T, room matchmaker.Room, a, b tuser)
			// listed: whether each still sees the room; wishErr: what each wish returns.
			listed  [2]bool
			wishErr [2]error
		}{
			{name: "reported", ages: [2]int{30, 30}, listed: [2]bool{false, true}, wishErr: [2]error{matchmaker.ErrNotFound, nil},
				end: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if _, err := s.Report(ctx, a.TG, room.ID, "spam", ""); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "blocked", ages: [2]int{30, 30}, listed: [2]bool{false, true},
				end: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if err := s.Leave(ctx, a.TG, room.ID, matchmaker.LeaveOptions{Block: true}); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "suspended", ages: [2]int{30, 30}, listed: [2]bool{true, true}, wishErr: [2]error{nil, &matchmaker.RestrictedError{}},
				end: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if err := s.Leave(ctx, a.TG, room.ID, matchmaker.LeaveOptions{}); err != nil {
						t.Fatal(err)
					}
					if err := s.Restrict(ctx, b.ID, matchmaker.Suspended, time.Now().Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
				}},
			// Minors mode: no meeting again under 18 (the room's ages).
			{name: "grew up", ages: [2]int{17, 17}, listed: [2]bool{true, true}, wishErr: [2]error{matchmaker.ErrMinors, matchmaker.ErrMinors},
				end: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if err := s.Leave(ctx, a.TG, room.ID, matchmaker.LeaveOptions{}); err != nil {
						t.Fatal(err)
					}
					if _, err := s.PutProfile(ctx, b.TG, "en", matchmaker.Profile{Nickname: "Bb", Gender: matchmaker.Male, Age: 18}); err != nil {
						t.Fatal(err)
					}
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a := mkUser(t, s, "Aa", matchmaker.Female, c.ages[0])
				b := mkUser(t, s, "Bb", matchmaker.Male, c.ages[1])
				room := pairOf(t, s, a, b)
				c.end(t, room, a, b)
				for i, u := range []tuser{a, b} {
					rs := recentOf(t, s, u)
					if got := len(rs) == 1 && rs[0].ID == room.ID; got != c.listed[i] {
						t.Fatalf("user %d lists the room: %v; want %v (%+v)", i, got, c.listed[i], rs)
					}
				}
				for i, u := range []tuser{b, a, b} { // b first: a's wish would be the second
					j := map[string]int{a.ID: 0, b.ID: 1}[u.ID]
					err := s.WishAgain(ctx, u.ID, room.ID)
					var re *matchmaker.RestrictedError
					switch want := c.wishErr[j]; {
					case errors.As(want, &re):
						if !errors.As(err, &re) {
							t.Fatalf("wish %d = %v; want a restriction", i, err)
						}
					case !errors.Is(err, want):
						t.Fatalf("wish %d = %v; want %v", i, err, want)
					}
				}
				s.Sweep(ctx, nil)
				if matchedTo(t, s, a) != "" || matchedTo(t, s, b) != "" {
					t.Fatal("the pair was put together")
				}
				for i, u := range []tuser{a, b} {
					for _, r := range recentOf(t, s, u) {
						if r.ID == room.ID && i == 1 && c.wishErr[1] == nil && !r.Wished {
							t.Fatalf("b's own wish is not shown to b: %+v", r)
						}
					}
				}
			})
		}
		if n, _ := s.Counter(ctx, "again"); n != 0 {
			t.Fatalf("%d again-rooms", n)
		}
	})
}

// TestAgainLapses: a wish lapses when the window (AgainTTL after the room
// ended) does: the partner's later wish finds the room gone, and the
// lists no longer show it.
func TestAgainLapses(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		const window = 1500 * time.Millisecond
		s, _ := newStoreOn(t, rdb, matchmaker.Config{AgainTTL: window})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		old := ended(t, s, alice, bob)
		if err := s.WishAgain(ctx, alice.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(window + 200*time.Millisecond)
		for _, u := range []tuser{alice, bob} {
			if rs := recentOf(t, s, u); len(rs) != 0 {
				t.Fatalf("recent rooms after the window = %+v", rs)
			}
		}
		if err := s.WishAgain(ctx, bob.ID, old.ID); !errors.Is(err, matchmaker.ErrNotFound) {
			t.Fatalf("wish after the window = %v; want ErrNotFound", err)
		}
		if matchedTo(t, s, alice) != "" || matchedTo(t, s, bob) != "" {
			t.Fatal("a lapsed wish made a room")
		}
		if n, _ := rdb.Exists(ctx, "tt:{mm}:ag:"+old.ID).Result(); n != 0 {
			t.Fatal("wishes kept after the window")
		}
	})
}
