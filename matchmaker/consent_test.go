package matchmaker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// pairOf matches a (who waits) with b and returns their room.
func pairOf(t *testing.T, s *matchmaker.Store, a, b tuser) matchmaker.Room {
	t.Helper()
	ctx := context.Background()
	f := anyAdult()
	if u, _ := s.GetUserByID(ctx, a.ID); u.Age < 18 {
		f = matchmaker.Filter{Gender: matchmaker.GenderAny, AgeFrom: 16, AgeTo: 17}
	}
	if got, err := s.Search(ctx, a.ID, f); err != nil || got.State != matchmaker.Waiting {
		t.Fatalf("first search = %+v, %v; want waiting", got, err)
	}
	got, err := s.Search(ctx, b.ID, f)
	if err != nil || got.State != matchmaker.Matched {
		t.Fatalf("second search = %+v, %v; want matched", got, err)
	}
	return *got.Room
}

// roomRaw is everything Redis keeps of a room, values joined.
func roomRaw(t *testing.T, rdb redis.UniversalClient, roomID string) string {
	t.Helper()
	h, err := rdb.HGetAll(context.Background(), "tt:{r:"+roomID+"}").Result()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for k, v := range h {
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return b.String()
}

// noticesRaw is the notices stream as Redis keeps it.
func noticesRaw(t *testing.T, rdb redis.UniversalClient) []redis.XMessage {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), "tt:{n}:notices", "-", "+").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	return msgs
}

func member(t *testing.T, room matchmaker.Room, u tuser) string {
	t.Helper()
	me, _, err := room.Side(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return me.MemberID
}

// TestRevealStory follows one exchange: Alice offers (without a username
// first: refused), takes it back, offers again; Bob accepts; each gets one
// notice with the other's username, which then leaves the room's record.
// Until Bob agreed, nothing of Alice's username was anywhere but her offer.
func TestRevealStory(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		room := pairOf(t, s, alice, bob)
		ma, mb := member(t, room, alice), member(t, room, bob)

		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, ""); !errors.Is(err, matchmaker.ErrUsernameRequired) {
			t.Fatalf("offer without a username = %v; want ErrUsernameRequired", err)
		}
		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "not a username!"); !errors.Is(err, matchmaker.ErrUsernameRequired) {
			t.Fatalf("offer with a malformed username = %v; want ErrUsernameRequired", err)
		}
		offered, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "alice_tt")
		if err != nil || offered.State != matchmaker.RevealOffered || offered.From != ma || offered.Seq == "" {
			t.Fatalf("offer = %+v, %v", offered, err)
		}
		if again, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "alice_tt"); err != nil || again != offered {
			t.Fatalf("repeated offer = %+v, %v; want the same event %+v", again, err, offered)
		}
		r, _ := s.Room(ctx, room.ID)
		if !r.Reveal.Offered[ma] || r.Reveal.Offered[mb] || !r.Reveal.Done.IsZero() {
			t.Fatalf("reveal after alice's offer = %+v", r.Reveal)
		}
		if got, err := s.Reveal(ctx, bob.TG, room.ID, matchmaker.RevealWithdraw, ""); err != nil || got.State != "" {
			t.Fatalf("bob withdrawing nothing = %+v, %v; want nothing to publish", got, err)
		}

		withdrawn, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealWithdraw, "alice_tt")
		if err != nil || withdrawn.State != matchmaker.RevealWithdrawn || withdrawn.Seq == offered.Seq {
			t.Fatalf("withdraw = %+v, %v", withdrawn, err)
		}
		if again, _ := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealWithdraw, ""); again != withdrawn {
			t.Fatalf("repeated withdraw = %+v; want %+v", again, withdrawn)
		}
		if raw := roomRaw(t, rdb, room.ID); strings.Contains(raw, "alice_tt") {
			t.Fatalf("the username outlived the withdrawal:\n%s", raw)
		}
		if n := noticesRaw(t, rdb); len(n) != 0 {
			t.Fatalf("notices after a withdrawn offer: %v", n)
		}

		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "alice_tt"); err != nil {
			t.Fatal(err)
		}
		done, err := s.Reveal(ctx, bob.TG, room.ID, matchmaker.RevealOffer, "bob_tt")
		if err != nil || done.State != matchmaker.RevealDone || done.From != mb {
			t.Fatalf("bob's acceptance = %+v, %v; want done", done, err)
		}
		if again, _ := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "alice_tt"); again != done {
			t.Fatalf("offer once done = %+v; want %+v", again, done)
		}
		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealWithdraw, ""); !errors.Is(err, matchmaker.ErrAlreadyRevealed) {
			t.Fatalf("withdraw once done = %v; want ErrAlreadyRevealed", err)
		}
		r, _ = s.Room(ctx, room.ID)
		if !r.Reveal.Offered[ma] || !r.Reveal.Offered[mb] || r.Reveal.Done.IsZero() || r.Reveal.Pending {
			t.Fatalf("reveal once done = %+v", r.Reveal)
		}
		if raw := roomRaw(t, rdb, room.ID); strings.Contains(raw, "alice_tt") || strings.Contains(raw, "bob_tt") {
			t.Fatalf("usernames kept after the exchange:\n%s", raw)
		}
		// Running the follow-ups again (a sweeper after a crash) queues nothing more.
		if err := s.FinishReveal(ctx, room.ID); err != nil {
			t.Fatal(err)
		}
		q, err := s.NoticeQueue(ctx, "bot", "c1")
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]string{}
		for _, n := range readFor(t, q, 10, 300*time.Millisecond) {
			if n.Kind != matchmaker.NoticeContact {
				t.Fatalf("notice %+v; want only contacts", n)
			}
			if _, dup := got[n.TelegramID]; dup {
				t.Fatalf("two contact notices to %d", n.TelegramID)
			}
			got[n.TelegramID] = n.Contact
			if err := q.Ack(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != 2 || got[alice.TG] != "bob_tt" || got[bob.TG] != "alice_tt" {
			t.Fatalf("contact notices = %v; want alice <- bob_tt, bob <- alice_tt", got)
		}
		if n := noticesRaw(t, rdb); len(n) != 0 {
			t.Fatalf("contact notices stay in the stream once handled: %v", n)
		}

		// A report made later does not undo it; the operator sees it.
		if _, err := s.Report(ctx, bob.TG, room.ID, "other", ""); err != nil {
			t.Fatal(err)
		}
		rep, err := s.OldestOpenReport(ctx)
		if err != nil || rep == nil || rep.Exchanged.IsZero() {
			t.Fatalf("report = %+v, %v; want the exchange on it", rep, err)
		}
		if r, _ := s.Room(ctx, room.ID); r.Reveal.Done.IsZero() {
			t.Fatal("the report undid the exchange's record")
		}
	})
}

// TestRevealUsernameRemovedLater: Alice agreed, then removed her username;
// the exchange waits for it, and completes with the new one she presents.
func TestRevealUsernameRemovedLater(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		room := pairOf(t, s, alice, bob)
		ma := member(t, room, alice)

		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "alice_old"); err != nil {
			t.Fatal(err)
		}
		if ev, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealRefresh, ""); err != nil || ev.State != "" {
			t.Fatalf("refresh without a username = %+v, %v", ev, err)
		}
		r, _ := s.Room(ctx, room.ID)
		if !r.Reveal.Offered[ma] || !r.Reveal.NoUsername[ma] {
			t.Fatalf("reveal = %+v; want alice's offer standing without a username", r.Reveal)
		}
		if raw := roomRaw(t, rdb, room.ID); strings.Contains(raw, "alice_old") {
			t.Fatalf("the removed username is kept:\n%s", raw)
		}
		if ev, err := s.Reveal(ctx, bob.TG, room.ID, matchmaker.RevealOffer, "bob_tt"); err != nil || ev.State != matchmaker.RevealOffered {
			t.Fatalf("bob's acceptance while alice has no username = %+v, %v; want offered (waiting)", ev, err)
		}
		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, ""); !errors.Is(err, matchmaker.ErrUsernameRequired) {
			t.Fatalf("alice offering again without one = %v; want ErrUsernameRequired", err)
		}
		ev, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealRefresh, "alice_new")
		if err != nil || ev.State != matchmaker.RevealDone || ev.From != ma {
			t.Fatalf("refresh with a new username = %+v, %v; want done", ev, err)
		}
		contacts := map[string]string{}
		for _, m := range noticesRaw(t, rdb) {
			contacts[m.Values["tg"].(string)] = m.Values["contact"].(string)
		}
		if contacts[fmt.Sprint(bob.TG)] != "alice_new" || contacts[fmt.Sprint(alice.TG)] != "bob_tt" || len(contacts) != 2 {
			t.Fatalf("contacts = %v; want bob <- alice_new, alice <- bob_tt", contacts)
		}
	})
}

// TestRevealRefused: who cannot exchange, and what ending a room leaves.
func TestRevealRefused(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{RematchCooldown: -1})
		cases := []struct {
			name string
			ages [2]int
			// before runs after the match, with a offering "a_user" first
			// when offerFirst; then b offers and gets want (nil: before
			// checks it all).
			offerFirst bool
			before     func(t *testing.T, room matchmaker.Room, a, b tuser)
			want       error
			gone       bool // a's username is no longer kept
		}{
			{name: "minors", ages: [2]int{16, 17}, want: matchmaker.ErrMinors},
			{name: "closed", ages: [2]int{30, 30}, offerFirst: true, want: matchmaker.ErrRoomClosed, gone: true,
				before: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if err := s.Leave(ctx, a.TG, room.ID, matchmaker.LeaveOptions{}); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "cleared", ages: [2]int{30, 30}, offerFirst: true, want: matchmaker.ErrRoomClosed, gone: true,
				before: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if err := s.Clear(ctx, b.TG, room.ID); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "deleted", ages: [2]int{30, 30}, offerFirst: true, want: matchmaker.ErrRoomClosed, gone: true,
				before: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if _, err := s.DeleteUser(ctx, a.TG); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "not a member", ages: [2]int{30, 30},
				before: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					if _, err := s.Reveal(ctx, 424242, room.ID, matchmaker.RevealOffer, "intruder"); !errors.Is(err, matchmaker.ErrNotMember) {
						t.Fatalf("stranger's offer = %v; want ErrNotMember", err)
					}
					// And b is a stranger to another room.
					c, d := mkUser(t, s, "Cc", matchmaker.Male, 30), mkUser(t, s, "Dd", matchmaker.Female, 30)
					other := pairOf(t, s, c, d)
					if _, err := s.Reveal(ctx, b.TG, other.ID, matchmaker.RevealOffer, "b_user"); !errors.Is(err, matchmaker.ErrNotMember) {
						t.Fatalf("offer in another's room = %v", err)
					}
					s.Leave(ctx, c.TG, other.ID, matchmaker.LeaveOptions{})
				}},
			{name: "blocked since an earlier room", ages: [2]int{30, 30}, offerFirst: true, want: matchmaker.ErrNotAllowed,
				before: func(t *testing.T, room matchmaker.Room, a, b tuser) {
					// The pair met before; a report on that room now blocks them
					// (their current room goes on: it is another room).
					if err := s.Leave(ctx, a.TG, room.ID, matchmaker.LeaveOptions{}); err != nil {
						t.Fatal(err)
					}
					now := pairOf(t, s, a, b)
					if _, err := s.Reveal(ctx, a.TG, now.ID, matchmaker.RevealOffer, "a_user"); err != nil {
						t.Fatal(err)
					}
					if _, err := s.Report(ctx, a.TG, room.ID, "abuse", ""); err != nil {
						t.Fatal(err)
					}
					if _, err := s.Reveal(ctx, b.TG, now.ID, matchmaker.RevealOffer, "b_user"); !errors.Is(err, matchmaker.ErrNotAllowed) {
						t.Fatalf("offer of a blocked pair = %v; want ErrNotAllowed", err)
					}
					if r, _ := s.Room(ctx, now.ID); !r.Reveal.Done.IsZero() {
						t.Fatal("a blocked pair exchanged contacts")
					}
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a := mkUser(t, s, "Aa", matchmaker.Female, c.ages[0])
				b := mkUser(t, s, "Bb", matchmaker.Male, c.ages[1])
				room := pairOf(t, s, a, b)
				if c.offerFirst {
					if _, err := s.Reveal(ctx, a.TG, room.ID, matchmaker.RevealOffer, "a_user"); err != nil {
						t.Fatal(err)
					}
				}
				if c.before != nil {
					c.before(t, room, a, b)
				}
				if c.want != nil && c.want != matchmaker.ErrNotAllowed {
					if _, err := s.Reveal(ctx, b.TG, room.ID, matchmaker.RevealOffer, "b_user"); !errors.Is(err, c.want) {
						t.Fatalf("b's offer = %v; want %v", err, c.want)
					}
				}
				raw := roomRaw(t, rdb, room.ID)
				if c.gone && strings.Contains(raw, "a_user") {
					t.Fatalf("a's username outlived the end of the room:\n%s", raw)
				}
				if strings.Contains(raw, "b_user") {
					t.Fatalf("a refused offer kept b's username:\n%s", raw)
				}
				for _, m := range noticesRaw(t, rdb) {
					if m.Values["kind"] == string(matchmaker.NoticeContact) {
						t.Fatalf("contact notice queued: %v", m.Values)
					}
				}
				if r, err := s.Room(ctx, room.ID); err == nil && (!r.Reveal.Done.IsZero() || r.Reveal.Offered[member(t, room, b)]) {
					t.Fatalf("reveal = %+v; want nothing of b", r.Reveal)
				}
			})
		}
	})
}

// TestRevealBlockedBeforeCompletion: Alice's username went away after she
// agreed; Bob accepts, and a block lands before she presents one again:
// her refresh then finds the pair blocked (the atomic check of the
// matchmaking slot) and nothing is exchanged.
func TestRevealBlockedBeforeCompletion(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{RematchCooldown: -1})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		first := pairOf(t, s, alice, bob)
		if err := s.Leave(ctx, alice.TG, first.ID, matchmaker.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		room := pairOf(t, s, alice, bob)
		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealOffer, "alice_tt"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealRefresh, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Reveal(ctx, bob.TG, room.ID, matchmaker.RevealOffer, "bob_tt"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Report(ctx, bob.TG, first.ID, "abuse", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Reveal(ctx, alice.TG, room.ID, matchmaker.RevealRefresh, "alice_tt"); !errors.Is(err, matchmaker.ErrNotAllowed) {
			t.Fatalf("completing refresh of a blocked pair = %v; want ErrNotAllowed", err)
		}
		if r, _ := s.Room(ctx, room.ID); !r.Reveal.Done.IsZero() {
			t.Fatal("exchanged after the block")
		}
		if n := noticesRaw(t, rdb); len(n) != 0 {
			t.Fatalf("notices: %v", n)
		}
	})
}

// TestRevealConcurrentAcceptance: in many rooms both members agree at the
// same moment, several times over; each room is done once and each member
// gets exactly one notice.
func TestRevealConcurrentAcceptance(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{})
		const rooms = 20
		type pair struct {
			a, b tuser
			room matchmaker.Room
		}
		pairs := make([]pair, rooms)
		for i := range pairs {
			a := mkUser(t, s, fmt.Sprintf("A%d", i), matchmaker.Female, 25)
			b := mkUser(t, s, fmt.Sprintf("B%d", i), matchmaker.Male, 25)
			pairs[i] = pair{a, b, pairOf(t, s, a, b)}
		}
		var wg sync.WaitGroup
		dones := make([]int, rooms)
		var mu sync.Mutex
		for i := range pairs {
			for j, u := range []tuser{pairs[i].a, pairs[i].b} {
				for range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ev, err := s.Reveal(ctx, u.TG, pairs[i].room.ID, matchmaker.RevealOffer, fmt.Sprintf("user_%d_%d", i, j))
						if err != nil {
							t.Errorf("offer: %v", err)
							return
						}
						if ev.State == matchmaker.RevealDone {
							mu.Lock()
							dones[i]++
							mu.Unlock()
						}
					}()
				}
			}
		}
		wg.Wait()
		perTG := map[string]int{}
		for _, m := range noticesRaw(t, rdb) {
			perTG[m.Values["tg"].(string)]++
		}
		for i, p := range pairs {
			if r, _ := s.Room(ctx, p.room.ID); r.Reveal.Done.IsZero() {
				t.Errorf("room %d not done", i)
			}
			if dones[i] == 0 {
				t.Errorf("room %d: no call saw it done", i)
			}
			for _, u := range []tuser{p.a, p.b} {
				if n := perTG[fmt.Sprint(u.TG)]; n != 1 {
					t.Errorf("room %d: %d notices to a member; want 1", i, n)
				}
			}
		}
	})
}
