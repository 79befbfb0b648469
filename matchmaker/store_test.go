package matchmaker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

func TestSearchMatchChatLeave(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, rec := newStoreOn(t, rdb, matchmaker.Config{})
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)

		got, err := s.Search(ctx, alice.ID, anyAdult())
		if err != nil || got.State != matchmaker.Waiting {
			t.Fatalf("alice search = %+v, %v; want waiting", got, err)
		}
		again, err := s.Search(ctx, alice.ID, anyAdult())
		if err != nil || again.State != matchmaker.Waiting || !again.Since.Equal(got.Since) {
			t.Fatalf("alice searching again = %+v, %v; want the same waiting entry", again, err)
		}

		m, err := s.Search(ctx, bob.ID, anyAdult())
		if err != nil || m.State != matchmaker.Matched || !m.Fresh {
			t.Fatalf("bob search = %+v, %v; want fresh match", m, err)
		}
		me, partner, err := m.Room.Side(bob.ID)
		if err != nil || partner.UserID != alice.ID || partner.Nickname != "Alice" || me.MemberID == partner.MemberID {
			t.Fatalf("room sides = %+v / %+v, %v", me, partner, err)
		}
		rec.waitFor(t, "matched "+alice.ID+" "+m.Room.ID)
		cur, err := s.CurrentSearch(ctx, alice.ID)
		if err != nil || cur.State != matchmaker.Matched || cur.Room.ID != m.Room.ID {
			t.Fatalf("alice current = %+v, %v; want matched in %s", cur, err, m.Room.ID)
		}
		if err := s.CancelSearch(ctx, alice.ID); !errors.Is(err, matchmaker.ErrAlreadyMatched) {
			t.Fatalf("cancel after match = %v; want ErrAlreadyMatched", err)
		}

		first, err := s.AddMessage(ctx, bob.TG, m.Room.ID, matchmaker.NewMessage{Text: "  hi there ", ClientMsgID: "c1"})
		msg := first.Message
		if err != nil || first.Duplicate || msg.Text != "hi there" || msg.From != me.MemberID || len(msg.ID) != 16 || msg.ClientMsgID != "c1" {
			t.Fatalf("add message = %+v, %v", first, err)
		}
		retry, err := s.AddMessage(ctx, bob.TG, m.Room.ID, matchmaker.NewMessage{Text: "hi there", ClientMsgID: "c1"})
		if err != nil || !retry.Duplicate || retry.Message != msg {
			t.Fatalf("retry = %+v, %v; want the same message", retry, err)
		}
		second, err := s.AddMessage(ctx, alice.TG, m.Room.ID, matchmaker.NewMessage{Text: "hello", ClientMsgID: "c1", ReplyTo: msg.ID})
		if err != nil || second.Duplicate || second.Message.ReplyTo != msg.ID || second.Message.ID <= msg.ID {
			t.Fatalf("alice reusing bob's client id, replying = %+v, %v", second, err)
		}
		if _, err := s.AddMessage(ctx, alice.TG, m.Room.ID, matchmaker.NewMessage{Text: "x", ReplyTo: "9999999999999999"}); !errors.Is(err, matchmaker.ErrInvalid) {
			t.Fatalf("reply to an unknown message = %v; want ErrInvalid", err)
		}
		eve := mkUser(t, s, "Eve", matchmaker.Female, 40)
		if _, err := s.AddMessage(ctx, eve.TG, m.Room.ID, text("intrude")); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("non-member message = %v; want ErrNotMember", err)
		}
		if _, err := s.History(ctx, eve.TG, m.Room.ID, "", 50); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("non-member history = %v; want ErrNotMember", err)
		}
		page, err := s.History(ctx, alice.TG, m.Room.ID, "", 50)
		if err != nil || len(page.Messages) != 2 || page.Messages[0] != msg || page.Messages[1] != second.Message || page.HasMore || page.Truncated {
			t.Fatalf("history = %+v, %v", page, err)
		}

		if err := s.Leave(ctx, alice.TG, m.Room.ID, matchmaker.LeaveOptions{}); err != nil {
			t.Fatalf("leave = %v", err)
		}
		if err := s.Leave(ctx, alice.TG, m.Room.ID, matchmaker.LeaveOptions{}); err != nil {
			t.Fatalf("second leave = %v; want idempotent", err)
		}
		if n := rec.count("left " + m.Room.ID + " " + partner.MemberID); n != 1 {
			t.Fatalf("left announced %d times; want once", n)
		}
		if _, err := s.AddMessage(ctx, bob.TG, m.Room.ID, matchmaker.NewMessage{Text: "still there?", ClientMsgID: "c9"}); !errors.Is(err, matchmaker.ErrRoomClosed) {
			t.Fatalf("message after leave = %v; want ErrRoomClosed", err)
		}
		if r, _ := s.AddMessage(ctx, bob.TG, m.Room.ID, matchmaker.NewMessage{Text: "hi there", ClientMsgID: "c1"}); !r.Duplicate {
			t.Fatal("a retry of an accepted message after the close is refused; want the stored message")
		}
		for _, u := range []tuser{alice, bob} {
			if cur, _ := s.CurrentSearch(ctx, u.ID); cur.State != matchmaker.Idle {
				t.Fatalf("state after leave = %s; want idle", cur.State)
			}
			if page, err := s.History(ctx, u.TG, m.Room.ID, "", 50); err != nil || len(page.Messages) != 2 {
				t.Fatalf("the closed conversation, read by a member = %+v, %v; want both messages", page, err)
			}
		}
		// The cooldown keeps the two apart even though both filters accept each other.
		if got, _ := s.Search(ctx, alice.ID, anyAdult()); got.State != matchmaker.Waiting {
			t.Fatalf("alice = %s", got.State)
		}
		if got, _ := s.Search(ctx, bob.ID, anyAdult()); got.State != matchmaker.Waiting {
			t.Fatalf("bob rematched with alice during cooldown: %s", got.State)
		}
	})
}

func TestMatchingRules(t *testing.T) {
	type person struct {
		gender matchmaker.Gender
		age    int
		filter matchmaker.Filter
	}
	f := func(g matchmaker.Gender, from, to int) matchmaker.Filter {
		return matchmaker.Filter{Gender: g, AgeFrom: from, AgeTo: to}
	}
	cases := []struct {
		name          string
		waiter, taker person
		match         bool
	}{
		{"both any", person{"male", 20, f("any", 18, 99)}, person{"female", 30, f("any", 18, 99)}, true},
		{"taker wants female, waiter male", person{"male", 20, f("any", 18, 99)}, person{"female", 30, f("female", 18, 99)}, false},
		{"waiter wants female, taker male", person{"male", 20, f("female", 18, 99)}, person{"male", 30, f("any", 18, 99)}, false},
		{"taker too old for waiter", person{"male", 20, f("any", 18, 25)}, person{"female", 30, f("any", 18, 99)}, false},
		{"waiter too old for taker", person{"male", 40, f("any", 18, 99)}, person{"female", 30, f("any", 18, 35)}, false},
		{"minor and adult never, whatever the filters", person{"male", 17, f("any", 16, 99)}, person{"female", 18, f("any", 16, 99)}, false},
		{"two minors", person{"male", 16, f("any", 16, 99)}, person{"female", 17, f("any", 16, 99)}, true},
		{"same gender, both want it", person{"female", 22, f("female", 18, 99)}, person{"female", 23, f("female", 18, 30)}, true},
	}
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s, _ := newStoreOn(t, rdb, matchmaker.Config{Prefix: fmt.Sprintf("rules%d:", i)})
				w := mkUser(t, s, "Waiter", tc.waiter.gender, tc.waiter.age)
				k := mkUser(t, s, "Taker", tc.taker.gender, tc.taker.age)
				if got, err := s.Search(ctx, w.ID, tc.waiter.filter); err != nil || got.State != matchmaker.Waiting {
					t.Fatalf("waiter: %+v %v", got, err)
				}
				got, err := s.Search(ctx, k.ID, tc.taker.filter)
				if err != nil {
					t.Fatal(err)
				}
				if (got.State == matchmaker.Matched) != tc.match {
					t.Fatalf("state = %s; want match=%v", got.State, tc.match)
				}
			})
		}
	})
}

func TestSearchValidation(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	adult := mkUser(t, s, "Adult", matchmaker.Male, 30).ID
	minor := mkUser(t, s, "Minor", matchmaker.Male, 16).ID
	cases := []struct {
		name  string
		user  string
		f     matchmaker.Filter
		field string
	}{
		{"unknown gender", adult, matchmaker.Filter{Gender: "robot", AgeFrom: 18, AgeTo: 30}, "gender"},
		{"age_from low", adult, matchmaker.Filter{Gender: "any", AgeFrom: 15, AgeTo: 30}, "age_from"},
		{"age_to high", adult, matchmaker.Filter{Gender: "any", AgeFrom: 18, AgeTo: 100}, "age_to"},
		{"reversed", adult, matchmaker.Filter{Gender: "any", AgeFrom: 40, AgeTo: 30}, "age_to"},
		{"adult asks for minors", adult, matchmaker.Filter{Gender: "any", AgeFrom: 16, AgeTo: 17}, "age_from"},
		{"minor asks for adults", minor, matchmaker.Filter{Gender: "any", AgeFrom: 18, AgeTo: 40}, "age_from"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Search(ctx, tc.user, tc.f)
			var fe *matchmaker.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v; want field error on %s", err, tc.field)
			}
		})
	}
	if _, err := s.Search(ctx, "nobody", anyAdult()); !errors.Is(err, matchmaker.ErrNoProfile) {
		t.Fatalf("search without profile = %v", err)
	}
}

func TestLongestWaitingFirst(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) { longestWaitingFirst(t, rdb) })
}

func longestWaitingFirst(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	s, _ := newStoreOn(t, rdb, matchmaker.Config{})
	var waiters []string
	for i := 0; i < 5; i++ {
		id := mkUser(t, s, fmt.Sprintf("W%d", i), matchmaker.Female, 20+i).ID
		wantMen := matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}
		if got, _ := s.Search(ctx, id, wantMen); got.State != matchmaker.Waiting {
			t.Fatal("waiter matched early")
		}
		waiters = append(waiters, id)
		time.Sleep(2 * time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		id := mkUser(t, s, fmt.Sprintf("T%d", i), matchmaker.Male, 30).ID
		got, err := s.Search(ctx, id, anyAdult())
		if err != nil || got.State != matchmaker.Matched {
			t.Fatalf("taker %d: %+v %v", i, got, err)
		}
		if _, p, _ := got.Room.Side(id); p.UserID != waiters[i] {
			t.Fatalf("taker %d matched %s; want the longest waiting %s", i, p.UserID, waiters[i])
		}
	}
}

// searchUser is a user of the property tests below: their profile and
// filter.
type searchUser struct {
	id string
	p  matchmaker.Profile
	f  matchmaker.Filter
}

// accepts says whether a's filter takes b (gender and age; the pools are
// the tests' to check).
func (a searchUser) accepts(b searchUser) bool {
	return (a.f.Gender == matchmaker.GenderAny || a.f.Gender == b.p.Gender) &&
		b.p.Age >= a.f.AgeFrom && b.p.Age <= a.f.AgeTo
}

var (
	bothGenders = []matchmaker.Gender{matchmaker.Male, matchmaker.Female}
	anyGender   = []matchmaker.Gender{matchmaker.GenderAny, matchmaker.Male, matchmaker.Female}
)

// TestOldestFirstAgainstModel runs searches and cancels one at a time,
// with random ages, genders and ranges, against a model: each search must
// match the longest-waiting user it and who accept each other (in its
// pool), or wait when there is none. Heads sets then hold many ages, most
// of their lower bounds stale (matched and cancelled users leave them), so
// a search reads them a chunk at a time and corrects them as it goes. It
// stays under 1,000 searches per server: scores order searches made within
// the same millisecond by a counter modulo 1,000.
func TestOldestFirstAgainstModel(t *testing.T) {
	eachRedis(t, oldestFirstAgainstModel)
}

func oldestFirstAgainstModel(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	s, _ := newStoreOn(t, rdb, matchmaker.Config{})
	rng := rand.New(rand.NewPCG(3, 4))
	var waiting []searchUser // oldest first
	matched, cancelled := 0, 0
	for i := 0; i < 700; i++ {
		if len(waiting) > 0 && rng.IntN(10) == 0 {
			k := rng.IntN(len(waiting))
			if err := s.CancelSearch(ctx, waiting[k].id); err != nil {
				t.Fatal(err)
			}
			waiting = append(waiting[:k], waiting[k+1:]...)
			cancelled++
			continue
		}
		lo, hi, age := 18, 99, 18+rng.IntN(82)
		if rng.IntN(10) == 0 {
			lo, hi, age = 16, 17, 16+rng.IntN(2)
		}
		// Mostly narrow ranges, so many wait and the heads fill; some
		// take the whole pool.
		from, to := lo, hi
		if rng.IntN(10) < 7 {
			from = lo + rng.IntN(hi-lo+1)
			to = min(hi, from+rng.IntN(9))
		}
		g, fg := bothGenders[rng.IntN(2)], anyGender[rng.IntN(3)]
		if i < 250 {
			// First, women of every age who want men, most of them of any
			// age: nobody takes them yet, so they fill the heads sets
			// men read with dozens of ages.
			g, fg, age, lo, hi = matchmaker.Female, matchmaker.Male, 18+rng.IntN(82), 18, 99
			from, to = lo+rng.IntN(10), hi-rng.IntN(10)
		}
		u := searchUser{id: mkUser(t, s, fmt.Sprintf("u%d", i), g, age).ID, p: matchmaker.Profile{Gender: g, Age: age},
			f: matchmaker.Filter{Gender: fg, AgeFrom: from, AgeTo: to}}
		want := -1
		for k, w := range waiting {
			if u.accepts(w) && w.accepts(u) {
				want = k
				break
			}
		}
		got, err := s.Search(ctx, u.id, u.f)
		if err != nil {
			t.Fatalf("search %d: %v", i, err)
		}
		if want < 0 {
			if got.State != matchmaker.Waiting {
				t.Fatalf("search %d (%+v %+v): %s; nobody compatible waits", i, u.p, u.f, got.State)
			}
			waiting = append(waiting, u)
			continue
		}
		if got.State != matchmaker.Matched {
			t.Fatalf("search %d (%+v %+v): %s; %+v waits", i, u.p, u.f, got.State, waiting[want])
		}
		if _, p, _ := got.Room.Side(u.id); p.UserID != waiting[want].id {
			t.Fatalf("search %d (%+v %+v) matched %s; the longest waiting compatible user is %+v", i, u.p, u.f, p.UserID, waiting[want])
		}
		waiting = append(waiting[:want], waiting[want+1:]...)
		matched++
	}
	t.Logf("%d matches, %d cancels, %d still waiting", matched, cancelled, len(waiting))
}

// TestHeadsChunkBoundary: a heads set of exactly one chunk of ages (16),
// read to its end by a searcher who accepts none of them, still leads the
// next searcher to them: reaching the end of a full set is not finding it
// empty.
func TestHeadsChunkBoundary(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	wantMen := matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}
	var first string
	for age := 18; age < 18+16; age++ {
		id := mkUser(t, s, fmt.Sprintf("W%d", age), matchmaker.Female, age).ID
		if got, err := s.Search(ctx, id, wantMen); err != nil || got.State != matchmaker.Waiting {
			t.Fatalf("waiter %d: %+v %v", age, got, err)
		}
		if first == "" {
			first = id
		}
	}
	picky := mkUser(t, s, "Picky", matchmaker.Male, 30).ID
	if got, err := s.Search(ctx, picky, matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 90, AgeTo: 99}); err != nil || got.State != matchmaker.Waiting {
		t.Fatalf("picky: %+v %v", got, err)
	}
	if err := s.CancelSearch(ctx, picky); err != nil {
		t.Fatal(err)
	}
	taker := mkUser(t, s, "Taker", matchmaker.Male, 30).ID
	got, err := s.Search(ctx, taker, anyAdult())
	if err != nil || got.State != matchmaker.Matched {
		t.Fatalf("taker: %+v %v; sixteen women wait", got, err)
	}
	if _, p, _ := got.Room.Side(taker); p.UserID != first {
		t.Fatalf("taker matched %s, want the longest waiting %s", p.UserID, first)
	}
}

func TestSearchExpires(t *testing.T) {
	ctx := context.Background()
	s, rec := newStoreOn(t, redistest.Start(t).Client(t), matchmaker.Config{SearchTTL: 200 * time.Millisecond})
	a := mkUser(t, s, "Ann", matchmaker.Female, 30).ID
	c := mkUser(t, s, "Cat", matchmaker.Male, 60).ID
	if got, _ := s.Search(ctx, a, anyAdult()); got.State != matchmaker.Waiting {
		t.Fatal("not waiting")
	}
	if got, _ := s.Search(ctx, c, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 60, AgeTo: 60}); got.State != matchmaker.Waiting {
		t.Fatal("not waiting")
	}
	time.Sleep(300 * time.Millisecond)
	// An expired waiter is never matched, even before the sweep: the search
	// that finds it expires it and tells its user.
	b := mkUser(t, s, "Ben", matchmaker.Male, 30).ID
	if got, _ := s.Search(ctx, b, anyAdult()); got.State != matchmaker.Waiting {
		t.Fatalf("matched an expired search: %s", got.State)
	}
	rec.waitFor(t, "expired "+a)
	// The sweep expires the others, each once.
	ids, err := s.ExpireSearches(ctx, 100)
	if err != nil || len(ids) != 1 || ids[0] != c {
		t.Fatalf("expired = %v, %v; want only %s (Ann was expired by the search, Ben just started)", ids, err, c)
	}
	if again, _ := s.ExpireSearches(ctx, 100); len(again) != 0 {
		t.Fatalf("second sweep = %v; want nothing", again)
	}
	for _, id := range []string{a, c} {
		if cur, _ := s.CurrentSearch(ctx, id); cur.State != matchmaker.Expired {
			t.Fatalf("state = %s; want expired", cur.State)
		}
	}
}

func TestProfileAndDelete(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	for _, bad := range []matchmaker.Profile{
		{Nickname: "A", Gender: "male", Age: 20},
		{Nickname: "Bad\x00nick", Gender: "male", Age: 20},
		{Nickname: "Fine", Gender: "other", Age: 20},
		{Nickname: "Fine", Gender: "male", Age: 15},
		{Nickname: "Fine", Gender: "male", Age: 100},
		{Nickname: "123456789012345678901234567890123", Gender: "male", Age: 20},
	} {
		if _, err := s.PutProfile(ctx, 1, "en", bad); !errors.Is(err, matchmaker.ErrInvalid) {
			t.Errorf("PutProfile(%+v) = %v; want ErrInvalid", bad, err)
		}
	}
	u, err := s.PutProfile(ctx, 7, "ru", matchmaker.Profile{Nickname: "  Кот  ", Gender: "male", Age: 20})
	if err != nil || u.Nickname != "Кот" {
		t.Fatalf("put = %+v, %v", u, err)
	}
	u2, err := s.PutProfile(ctx, 7, "", matchmaker.Profile{Nickname: "Кот2", Gender: "male", Age: 21})
	if err != nil || u2.ID != u.ID {
		t.Fatalf("update changed the id: %+v, %v", u2, err)
	}
	got, err := s.GetUser(ctx, 7)
	if err != nil || got.Nickname != "Кот2" || got.Age != 21 || got.Lang != "ru" || got.TelegramID != 7 {
		t.Fatalf("get = %+v, %v", got, err)
	}

	p := mkUser(t, s, "Partner", matchmaker.Female, 22)
	s.Search(ctx, p.ID, anyAdult())
	m, _ := s.Search(ctx, u.ID, anyAdult())
	if m.State != matchmaker.Matched {
		t.Fatalf("not matched: %s", m.State)
	}
	if _, err := s.AddMessage(ctx, 7, m.Room.ID, text("something I regret")); err != nil {
		t.Fatal(err)
	}
	d, err := s.DeleteUser(ctx, 7)
	if err != nil || d.UserID != u.ID {
		t.Fatalf("delete = %+v, %v", d, err)
	}
	if _, err := s.GetUser(ctx, 7); !errors.Is(err, matchmaker.ErrNoProfile) {
		t.Fatalf("after delete: %v", err)
	}
	// The conversation is gone for the partner at once, and the deleted
	// user can no longer act in it.
	if page, err := s.History(ctx, p.TG, m.Room.ID, "", 50); err != nil || len(page.Messages) != 0 {
		t.Fatalf("partner's view after delete = %+v, %v; want no messages", page, err)
	}
	if _, err := s.History(ctx, 7, m.Room.ID, "", 50); !errors.Is(err, matchmaker.ErrNotMember) {
		t.Fatalf("deleted user reads the room: %v; want ErrNotMember", err)
	}
	if cur, _ := s.CurrentSearch(ctx, p.ID); cur.State != matchmaker.Idle {
		t.Fatalf("partner state = %s; want idle", cur.State)
	}
	if _, err := s.DeleteUser(ctx, 7); !errors.Is(err, matchmaker.ErrNoProfile) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestProfileChangeCancelsWaitingSearch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	u, _ := s.PutProfile(ctx, 42, "en", matchmaker.Profile{Nickname: "Kid", Gender: "male", Age: 17})
	s.Search(ctx, u.ID, matchmaker.Filter{Gender: "any", AgeFrom: 16, AgeTo: 17})
	if _, err := s.PutProfile(ctx, 42, "en", matchmaker.Profile{Nickname: "Kid", Gender: "male", Age: 30}); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.CurrentSearch(ctx, u.ID); cur.State != matchmaker.Idle {
		t.Fatalf("state after age change = %s; want idle", cur.State)
	}
	adult := mkUser(t, s, "Adult", matchmaker.Female, 30).ID
	if got, _ := s.Search(ctx, adult, anyAdult()); got.State != matchmaker.Waiting {
		t.Fatalf("adult matched the old minor queue entry: %s", got.State)
	}
}

// TestConcurrentSearchInvariants: 1,000 users with random profiles and
// filters search at once. Afterwards every user is in at most one room, every
// room's members accept each other, no minor is with an adult, and no two
// users still waiting would accept each other.
func TestConcurrentSearchInvariants(t *testing.T) {
	eachRedis(t, concurrentSearchInvariants)
}

func concurrentSearchInvariants(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	s, _ := newStoreOn(t, rdb, matchmaker.Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	users := make([]searchUser, 1000)
	for i := range users {
		age := 16 + rng.IntN(50)
		p := matchmaker.Profile{Nickname: fmt.Sprintf("u%d", i), Gender: bothGenders[rng.IntN(2)], Age: age}
		lo, hi := 18, 99
		if age < 18 {
			lo, hi = 16, 17
		}
		from := lo + rng.IntN(hi-lo+1)
		to := from + rng.IntN(hi-from+1)
		tu := mkUser(t, s, p.Nickname, p.Gender, p.Age)
		// Random interests: the preference for a shared one must never
		// break the rules below.
		for k := rng.IntN(4); k > 0; k-- {
			p.Interests = append(p.Interests, matchmaker.Interests[rng.IntN(len(matchmaker.Interests))])
		}
		if _, err := s.PutProfile(ctx, tu.TG, "en", p); err != nil {
			t.Fatal(err)
		}
		id := tu.ID
		users[i] = searchUser{id: id, p: p, f: matchmaker.Filter{Gender: anyGender[rng.IntN(3)], AgeFrom: from, AgeTo: to}}
	}
	byID := map[string]searchUser{}
	for _, u := range users {
		byID[u.id] = u
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Search(ctx, u.id, u.f); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	roomOf := map[string]string{}
	var waiting []searchUser
	rooms := 0
	for _, u := range users {
		cur, err := s.CurrentSearch(ctx, u.id)
		if err != nil {
			t.Fatal(err)
		}
		switch cur.State {
		case matchmaker.Waiting:
			waiting = append(waiting, u)
		case matchmaker.Matched:
			_, p, err := cur.Room.Side(u.id)
			if err != nil {
				t.Fatal(err)
			}
			other := byID[p.UserID]
			if !u.accepts(other) || !other.accepts(u) {
				t.Fatalf("room %s: %+v and %+v do not accept each other", cur.Room.ID, u, other)
			}
			if (u.p.Age < 18) != (other.p.Age < 18) {
				t.Fatalf("room %s puts a minor with an adult", cur.Room.ID)
			}
			if prev, ok := roomOf[p.UserID]; ok && prev != cur.Room.ID {
				t.Fatalf("user %s is in two rooms", p.UserID)
			}
			roomOf[u.id] = cur.Room.ID
			rooms++
		default:
			t.Fatalf("user %s ended %s", u.id, cur.State)
		}
	}
	for i, a := range waiting {
		for _, b := range waiting[i+1:] {
			if a.accepts(b) && b.accepts(a) && (a.p.Age < 18) == (b.p.Age < 18) {
				t.Fatalf("two compatible users are both still waiting: %+v and %+v", a, b)
			}
		}
	}
	t.Logf("1000 users: %d in rooms, %d waiting", rooms, len(waiting))
	if rooms == 0 {
		t.Fatal("no room formed")
	}
}

// TestInterestPreferenceWithinTheWindow: among users who started waiting
// within the window of the oldest compatible one, a searcher gets the
// oldest who shares an interest; nobody who waited longer by more than the
// window is passed over; no interest is ever required.
func TestInterestPreferenceWithinTheWindow(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		s, _ := newStoreOn(t, rdb, matchmaker.Config{InterestWindow: 300 * time.Millisecond, RematchCooldown: -1})
		put := func(nick string, g matchmaker.Gender, interests ...string) tuser {
			u := mkUser(t, s, nick, g, 30)
			if _, err := s.PutProfile(ctx, u.TG, "en", matchmaker.Profile{Nickname: nick, Gender: g, Age: 30, Interests: interests}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		wantMen := matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}
		wait := func(u tuser) {
			t.Helper()
			if got, err := s.Search(ctx, u.ID, wantMen); err != nil || got.State != matchmaker.Waiting {
				t.Fatalf("%v %v", got.State, err)
			}
		}
		oldest := put("Oldest", matchmaker.Female, "books")
		wait(oldest)
		time.Sleep(100 * time.Millisecond)
		near := put("Near", matchmaker.Female, "music", "art")
		wait(near)
		time.Sleep(400 * time.Millisecond)
		late := put("Late", matchmaker.Female, "music")
		wait(late)

		// Shares music with Near (within the window of Oldest) and Late
		// (beyond it): Near.
		m1, err := s.Search(ctx, put("Musician", matchmaker.Male, "music").ID, anyAdult())
		if err != nil || m1.State != matchmaker.Matched || m1.Room.Members[0].UserID != near.ID {
			t.Fatalf("musician matched %+v, %v; want Near", m1.Room, err)
		}
		if got := m1.Room.SharedInterests; len(got) != 1 || got[0] != "music" {
			t.Fatalf("shared interests = %v; want [music]", got)
		}
		// Shares music only with Late, who waited beyond the window of
		// Oldest: Oldest, the preference never passes over her.
		m2, err := s.Search(ctx, put("Musician2", matchmaker.Male, "music").ID, anyAdult())
		if err != nil || m2.State != matchmaker.Matched || m2.Room.Members[0].UserID != oldest.ID {
			t.Fatalf("second musician matched %+v, %v; want Oldest", m2.Room, err)
		}
		// No interests at all: the oldest, as always.
		m3, err := s.Search(ctx, put("Plain", matchmaker.Male).ID, anyAdult())
		if err != nil || m3.State != matchmaker.Matched || m3.Room.Members[0].UserID != late.ID || len(m3.Room.SharedInterests) != 0 {
			t.Fatalf("plain matched %+v, %v; want Late, nothing shared", m3.Room, err)
		}
		if _, err := s.PutProfile(ctx, 1, "en", matchmaker.Profile{Nickname: "Bad", Gender: matchmaker.Male, Age: 30, Interests: []string{"crypto"}}); !errors.Is(err, matchmaker.ErrInvalid) {
			t.Fatalf("an unknown interest = %v; want ErrInvalid", err)
		}
		if _, err := s.PutProfile(ctx, 1, "en", matchmaker.Profile{Nickname: "Bad", Gender: matchmaker.Male, Age: 30,
			Interests: []string{"music", "films", "games", "sport", "travel", "books"}}); !errors.Is(err, matchmaker.ErrInvalid) {
			t.Fatalf("six interests = %v; want ErrInvalid", err)
		}
	})
}

// TestQueueCountsMatchTheTruth (issue 17, acceptance 1): on a queue seeded
// with 1,000 users of mixed profiles and filters, the count for any filter
// of any user equals a brute-force count of the waiting users who accept
// them and whom they accept.
func TestQueueCountsMatchTheTruth(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(i int) searchUser {
		age := 16 + rng.IntN(60)
		lo, hi := 18, 99
		if age < 18 {
			lo, hi = 16, 17
		}
		from := lo + rng.IntN(hi-lo+1)
		to := from + rng.IntN(hi-from+1)
		p := matchmaker.Profile{Nickname: fmt.Sprintf("q%d", i), Gender: bothGenders[rng.IntN(2)], Age: age}
		return searchUser{id: mkUser(t, s, p.Nickname, p.Gender, p.Age).ID, p: p, f: matchmaker.Filter{Gender: anyGender[rng.IntN(3)], AgeFrom: from, AgeTo: to}}
	}
	var waiting []searchUser
	for i := 0; i < 1000; i++ {
		u := random(i)
		if got, err := s.Search(ctx, u.id, u.f); err != nil {
			t.Fatal(err)
		} else if got.State == matchmaker.Waiting {
			waiting = append(waiting, u)
		} else {
			for j, w := range waiting { // matched with someone who waited
				if cur, _ := s.CurrentSearch(ctx, w.id); cur.State != matchmaker.Waiting {
					waiting = append(waiting[:j], waiting[j+1:]...)
					break
				}
			}
		}
	}
	clampTo := func(u searchUser, f matchmaker.Filter) matchmaker.Filter {
		if u.p.Age >= 18 {
			f.AgeFrom, f.AgeTo = max(f.AgeFrom, 18), min(f.AgeTo, 99)
		} else {
			f.AgeFrom, f.AgeTo = max(f.AgeFrom, 16), min(f.AgeTo, 17)
		}
		return f
	}
	accepts := func(f matchmaker.Filter, other matchmaker.Profile) bool {
		return (f.Gender == matchmaker.GenderAny || f.Gender == other.Gender) && other.Age >= f.AgeFrom && other.Age <= f.AgeTo
	}
	for k := 0; k < 60; k++ {
		me := random(10_000 + k)
		if k%3 == 0 && len(waiting) > 0 { // also a user who waits: not counted themselves
			me = waiting[rng.IntN(len(waiting))]
		}
		f := clampTo(me, me.f)
		want := 0
		for _, w := range waiting {
			if w.id != me.id && (w.p.Age < 18) == (me.p.Age < 18) && accepts(f, w.p) && accepts(clampTo(w, w.f), me.p) {
				want++
			}
		}
		got, err := s.QueueFit(ctx, me.id, me.f)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("queue fit for %+v with %+v = %d; brute force says %d", me.p, me.f, got, want)
		}
	}
	t.Logf("%d of 1000 waiting", len(waiting))
}

// TestExpectedWaitFollowsTheWaits (issue 17, acceptance 2): users who want
// men arrive at a fixed rate, and men who want them arrive at the same rate
// half a period later, so each woman waits about half a period. The
// expected wait the queue reports for a woman choosing the same filter is
// within a factor of 2 of the waits measured afterwards.
func TestExpectedWaitFollowsTheWaits(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{RematchCooldown: -1})
	const period = 240 * time.Millisecond
	women := matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 18, AgeTo: 99}
	men := matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}
	var measured []time.Duration
	var predicted time.Duration
	for i := 0; i < 16; i++ {
		w := mkUser(t, s, fmt.Sprint("W", i), matchmaker.Female, 25)
		if i == 8 {
			q, err := s.QueueFor(ctx, w.ID, men)
			if err != nil || !q.WaitKnown {
				t.Fatalf("after 8 matches the expected wait is unknown: %+v, %v", q, err)
			}
			predicted = q.ExpectedWait
		}
		start := time.Now()
		if got, _ := s.Search(ctx, w.ID, men); got.State != matchmaker.Waiting {
			t.Fatalf("woman %d matched at once", i)
		}
		time.Sleep(period / 2)
		m := mkUser(t, s, fmt.Sprint("M", i), matchmaker.Male, 26)
		if got, _ := s.Search(ctx, m.ID, women); got.State != matchmaker.Matched {
			t.Fatalf("man %d not matched", i)
		}
		if i >= 8 {
			measured = append(measured, time.Since(start))
		}
		time.Sleep(period / 2)
	}
	slices.Sort(measured)
	median := measured[len(measured)/2]
	if predicted < median/2 || predicted > median*2 {
		t.Fatalf("expected wait %v; the waits measured afterwards had a median of %v", predicted, median)
	}
	t.Logf("predicted %v, measured median %v", predicted, median)
}
