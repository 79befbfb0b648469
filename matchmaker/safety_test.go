package matchmaker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// TestBlockedPairsNeverMeetAgain: 200 users search in rounds; after every
// round each room ends with a report, a block or a plain leave. No reported
// or blocked pair is ever matched again, and the matching invariants hold in
// every round. The rematch cooldown is off, so only blocks keep pairs apart.
func TestBlockedPairsNeverMeetAgain(t *testing.T) {
	eachRedis(t, blockedPairsNeverMeetAgain)
}

func blockedPairsNeverMeetAgain(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	// No cooldown, and nobody is suspended: only blocks keep pairs apart.
	s, _ := newStoreOn(t, rdb, matchmaker.Config{RematchCooldown: -1,
		Moderation: matchmaker.ModerationConfig{ReportsToSuspend: 1000}})
	rng := rand.New(rand.NewPCG(7, 8))
	type user struct {
		id string
		tg int64
		p  matchmaker.Profile
		f  matchmaker.Filter
	}
	users := make([]user, 200)
	byID := map[string]*user{}
	for i := range users {
		age := 16 + rng.IntN(30)
		g := []matchmaker.Gender{matchmaker.Male, matchmaker.Female}[rng.IntN(2)]
		lo, hi := 18, 99
		if age < 18 {
			lo, hi = 16, 17
		}
		tu := mkUser(t, s, fmt.Sprintf("s%d", i), g, age)
		id := tu.ID
		users[i] = user{id: id, tg: tu.TG, p: matchmaker.Profile{Gender: g, Age: age},
			f: matchmaker.Filter{Gender: []matchmaker.Gender{matchmaker.GenderAny, matchmaker.Male, matchmaker.Female}[rng.IntN(3)], AgeFrom: lo, AgeTo: hi}}
		byID[id] = &users[i]
	}
	key := func(a, b string) string {
		if b < a {
			a, b = b, a
		}
		return a + "|" + b
	}
	accepts := func(a, b *user) bool {
		return (a.f.Gender == matchmaker.GenderAny || a.f.Gender == b.p.Gender) && b.p.Age >= a.f.AgeFrom && b.p.Age <= a.f.AgeTo
	}
	forbidden := map[string]string{} // pair -> "reported" | "blocked"
	met, reported, blocked := 0, 0, 0
	for round := 0; round < 40; round++ {
		var wg sync.WaitGroup
		for i := range users {
			wg.Add(1)
			go func(u *user) {
				defer wg.Done()
				if _, err := s.Search(ctx, u.id, u.f); err != nil {
					t.Errorf("search: %v", err)
				}
			}(&users[i])
		}
		wg.Wait()

		rooms := map[string]matchmaker.Room{}
		var waiting []*user
		for i := range users {
			u := &users[i]
			cur, err := s.CurrentSearch(ctx, u.id)
			if err != nil {
				t.Fatal(err)
			}
			switch cur.State {
			case matchmaker.Matched:
				rooms[cur.Room.ID] = *cur.Room
			case matchmaker.Waiting:
				waiting = append(waiting, u)
			default:
				t.Fatalf("round %d: user ended %s", round, cur.State)
			}
		}
		for _, room := range rooms {
			a, b := byID[room.Members[0].UserID], byID[room.Members[1].UserID]
			if why, ok := forbidden[key(a.id, b.id)]; ok {
				t.Fatalf("round %d: a %s pair was matched again", round, why)
			}
			if !accepts(a, b) || !accepts(b, a) || (a.p.Age < 18) != (b.p.Age < 18) {
				t.Fatalf("round %d: room %s breaks the matching rules", round, room.ID)
			}
			met++
			who := []int64{a.tg, b.tg}[rng.IntN(2)]
			switch rng.IntN(3) {
			case 0:
				if res, err := s.Report(ctx, who, room.ID, "spam", ""); err != nil || res.Duplicate {
					t.Fatal(res, err)
				}
				if res, err := s.Report(ctx, who, room.ID, "spam", ""); err != nil || !res.Duplicate {
					t.Fatalf("second report = %+v, %v; want a duplicate", res, err)
				}
				forbidden[key(a.id, b.id)] = "reported"
				reported++
			case 1:
				if err := s.Leave(ctx, who, room.ID, matchmaker.LeaveOptions{Block: true}); err != nil {
					t.Fatal(err)
				}
				forbidden[key(a.id, b.id)] = "blocked"
				blocked++
			default:
				if err := s.Leave(ctx, who, room.ID, matchmaker.LeaveOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, a := range waiting {
			for _, b := range waiting[i+1:] {
				if _, ok := forbidden[key(a.id, b.id)]; ok {
					continue
				}
				if accepts(a, b) && accepts(b, a) && (a.p.Age < 18) == (b.p.Age < 18) {
					t.Fatalf("round %d: two compatible users are both waiting", round)
				}
			}
		}
	}
	t.Logf("40 rounds: %d rooms, %d reported and %d blocked pairs never met again", met, reported, blocked)
	if reported == 0 || blocked == 0 {
		t.Fatal("the test exercised no report or no block")
	}
}

// TestSuspensionAfterThreeReporters: the third distinct reporter's report
// suspends the troll in the same atomic step that files it: no second call
// is needed, and the troll's app and partner are told.
func TestSuspensionAfterThreeReporters(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, rec := newStoreOn(t, rdb, matchmaker.Config{RematchCooldown: -1,
			Moderation: matchmaker.ModerationConfig{ReportsToSuspend: 3, SuspendFor: time.Hour}})
		troll := mkUser(t, s, "Troll", matchmaker.Male, 30)
		var until time.Time
		for i := 0; i < 3; i++ {
			victim := mkUser(t, s, fmt.Sprintf("Victim%d", i), matchmaker.Female, 30)
			s.Search(ctx, victim.ID, anyAdult())
			m, err := s.Search(ctx, troll.ID, anyAdult())
			if err != nil || m.State != matchmaker.Matched {
				t.Fatalf("troll search %d: %+v %v", i, m, err)
			}
			res, err := s.Report(ctx, victim.TG, m.Room.ID, "abuse", "rude")
			if err != nil || res.ReportedID != troll.ID || res.Duplicate {
				t.Fatalf("report %d: %+v %v", i, res, err)
			}
			if i < 2 && !res.SuspendedUntil.IsZero() {
				t.Fatalf("suspended after %d reports", i+1)
			}
			until = res.SuspendedUntil
		}
		if until.IsZero() || until.Before(time.Now().Add(59*time.Minute)) {
			t.Fatalf("third report: until = %v; want about an hour from now", until)
		}
		var re *matchmaker.RestrictedError
		if _, err := s.Search(ctx, troll.ID, anyAdult()); !errors.As(err, &re) || re.Code != matchmaker.Suspended {
			t.Fatalf("suspended search = %v", err)
		}
		if n := rec.count("restricted " + troll.ID + " suspended"); n != 1 {
			t.Fatalf("the troll's app was told %d times; want once", n)
		}
		r, _ := s.OldestOpenReport(ctx)
		if r == nil || r.Reason != "abuse" || r.ReportedID != troll.ID || r.ReportedTG != troll.TG {
			t.Fatalf("oldest open report = %+v", r)
		}
		if ok, _ := s.ResolveReport(ctx, r.StreamID, "dismiss"); !ok {
			t.Fatal("resolve failed")
		}
		if err := s.Unban(ctx, troll.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Search(ctx, troll.ID, anyAdult()); err != nil {
			t.Fatalf("after unban: %v", err)
		}
	})
}

func TestHasLink(t *testing.T) {
	for text, want := range map[string]bool{
		"hi there":                  false,
		"see https://spam.example":  true,
		"go to www.example.org now": true,
		"t.me/somechannel":          true,
		"write me @cool_guy":        true,
		"mail at a@b":               false,
		"visit casino.xyz":          true,
		"it is 3.14":                false,
	} {
		if matchmaker.HasLink(text) != want {
			t.Errorf("HasLink(%q) = %v; want %v", text, !want, want)
		}
	}
}

// HasLink's quick check (no '.', '/' or '@': no link) never changes its
// answer: random texts over letters, digits and the pattern's own signs
// agree with the pattern alone.
func TestHasLinkQuickCheckAgrees(t *testing.T) {
	const alphabet = "abtwmeogrxyzTWM09_-:/.@ hps"
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"https://", "www.", "t.me/", "telegram.me/", "@", ".com", ".xyz", "me", "casino"}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(24); n > 0; n-- {
			if rng.IntN(4) == 0 {
				b.WriteString(words[rng.IntN(len(words))])
			} else {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		text := b.String()
		if got, want := matchmaker.HasLink(text), matchmaker.LinkPattern.MatchString(text); got != want {
			t.Fatalf("HasLink(%q) = %v; the pattern says %v", text, got, want)
		}
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{RoomTTL: time.Second})
	a, b := mkUser(t, s, "Ann", matchmaker.Female, 30), mkUser(t, s, "Ben", matchmaker.Male, 30)
	c := mkUser(t, s, "Cat", matchmaker.Female, 70)
	s.Search(ctx, a.ID, anyAdult())
	m, _ := s.Search(ctx, b.ID, anyAdult())
	s.Search(ctx, c.ID, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 70, AgeTo: 80})
	if _, err := s.AddMessage(ctx, a.TG, m.Room.ID, text("hi")); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	want := matchmaker.Stats{Users: 3, Waiting: 1, ActiveRooms: 1, MessagesToday: 1}
	if err != nil || st != want {
		t.Fatalf("stats = %+v, %v; want %+v", st, err, want)
	}
	// The room idles past its TTL and expires from Redis without a leave:
	// the background sweep (no operator needed) stops counting it.
	time.Sleep(1100 * time.Millisecond)
	s.Sweep(ctx, nil)
	if st, _ := s.Stats(ctx); st.ActiveRooms != 0 || st.MessagesToday != 1 {
		t.Fatalf("after expiry and a sweep: %+v; want 0 active rooms, 1 message today", st)
	}
}

// TestBansAndBlocksOutliveDeletion: deleting the profile and onboarding
// again does not shed a ban or a block.
func TestBansAndBlocksOutliveDeletion(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{RematchCooldown: -1})
	put := func(tg int64, nick string, g matchmaker.Gender) string {
		u, err := s.PutProfile(ctx, tg, "en", matchmaker.Profile{Nickname: nick, Gender: g, Age: 30})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	victim, pest := put(501, "Victim", matchmaker.Female), put(502, "Pest", matchmaker.Male)
	s.Search(ctx, victim, anyAdult())
	m, _ := s.Search(ctx, pest, anyAdult())
	if err := s.Leave(ctx, 501, m.Room.ID, matchmaker.LeaveOptions{Block: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteUser(ctx, 502); err != nil {
		t.Fatal(err)
	}
	if again := put(502, "NewName", matchmaker.Male); again != pest {
		t.Fatalf("re-registering gave a new id %s; want the old %s", again, pest)
	}
	s.Search(ctx, victim, anyAdult())
	if got, _ := s.Search(ctx, pest, anyAdult()); got.State != matchmaker.Waiting {
		t.Fatalf("the blocked pest met the victim again after re-registering: %s", got.State)
	}

	if err := s.Restrict(ctx, pest, matchmaker.Banned, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.DeleteUser(ctx, 502)
	put(502, "Third", matchmaker.Male)
	var re *matchmaker.RestrictedError
	if _, err := s.Search(ctx, pest, anyAdult()); !errors.As(err, &re) || re.Code != matchmaker.Banned || !re.Until.IsZero() {
		t.Fatalf("search after ban, delete, re-register = %v; want banned for good", err)
	}
}
