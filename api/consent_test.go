package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

// withUsername gives a user init data that carries a public username.
func withUsername(u *apitest.User, name, username string) {
	u.InitData = api.SignInitDataUsername(apitest.BotToken, u.TG, name, username, "en", time.Now())
}

// matchAt onboards two users of the given ages and matches them: a waits,
// b's search finds a.
func matchAt(t *testing.T, st *apitest.Stack, a, b *apitest.User, ageA, ageB int) (ra, rb apitest.Room) {
	t.Helper()
	a.Onboard(fmt.Sprintf("A%d", a.TG%1000), "female", ageA)
	b.Onboard(fmt.Sprintf("B%d", b.TG%1000), "male", ageB)
	f := adultsAny()
	if ageA < 18 {
		f = map[string]any{"gender": "any", "age_from": 16, "age_to": 17}
	}
	var s apitest.SearchState
	a.MustDo("POST", "/api/search", f, 200, &s)
	b.MustDo("POST", "/api/search", f, 200, &s)
	if s.State != "matched" {
		t.Fatalf("search = %+v; want matched", s)
	}
	rb = *s.Room
	a.MustDo("GET", "/api/search", nil, 200, &s)
	return *s.Room, rb
}

// contactNotices are the contact notices queued for the bot.
func contactNotices(t *testing.T, st *apitest.Stack) []redis.XMessage {
	t.Helper()
	msgs, err := st.RDB.XRange(context.Background(), "tt:{n}:notices", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []redis.XMessage
	for _, m := range msgs {
		if m.Values["kind"] == "contact" {
			out = append(out, m)
		}
	}
	return out
}

// checkCensus: every key left has a TTL or is kept for good (census), the
// index of rooms still active aside.
func checkCensus(t *testing.T, st *apitest.Stack) {
	t.Helper()
	for _, k := range census(t, st) {
		if !strings.HasPrefix(k, "tt:{mm}:active ") {
			t.Errorf("kept without a TTL: %s", k)
		}
	}
}

type roomReveal struct {
	State  string `json:"state"`
	Reveal struct {
		Me           bool `json:"me"`
		Partner      bool `json:"partner"`
		Done         bool `json:"done"`
		NeedUsername bool `json:"need_username"`
	} `json:"reveal"`
}

// seen collects everything one user could see: API answers and the frames
// of their real Centrifugo client.
type seen struct {
	mu  sync.Mutex
	all []string
}

func (s *seen) add(x string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, x)
}

// do is MustDo that keeps the answer.
func (s *seen) do(u *apitest.User, method, path string, body any, want int, out any) {
	s.add(method + " " + path + " -> " + string(u.MustDo(method, path, body, want, out)))
}

func (s *seen) find(secrets ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.all {
		for _, secret := range secrets {
			if strings.Contains(x, secret) {
				return fmt.Sprintf("%q in %s", secret, x)
			}
		}
	}
	return ""
}

// TestRevealRevealsNothingOneSided (issue 16, acceptance 1): Alice offers,
// withdraws, offers again; Bob, without a username, is told to set one;
// with one, he accepts and the exchange is done. Every frame each one's
// real Centrifugo client received, every API answer each got, and every
// log line above debug is scanned for the other's username and Telegram
// id: none is anywhere. A withdrawn offer leaves nothing in Redis; the
// done exchange leaves exactly one notice for each, for the bot.
func TestRevealRevealsNothingOneSided(t *testing.T) {
	logs := &apitest.LogBuffer{}
	st := apitest.Start(t, apitest.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const aliceTG, bobTG = 5550001234, 5550004321
	alice, bob := st.User(t, aliceTG, "Alice"), st.User(t, bobTG, "Bob")
	ra, rb := matchAt(t, st, alice, bob, 25, 27)
	withUsername(alice, "Alice", "alice_secret_name")
	ca, cb := connect(t, st, alice), connect(t, st, bob)
	ca.subscribe(ra.Channel)
	cb.subscribe(rb.Channel)
	var sawA, sawB seen
	path := "/api/rooms/" + ra.ID

	reveal := func(c *rtClient, state, from string) {
		t.Helper()
		e := c.next("reveal "+state, func(e event) bool { return isType("reveal")(e) && e.Data["state"] == state })
		if want := map[string]any{"type": "reveal", "from": from, "state": state}; !reflect.DeepEqual(e.Data, want) {
			t.Fatalf("publication %v; want %v", e.Data, want)
		}
	}
	status := func(s *seen, u *apitest.User, me, partner, done bool) {
		t.Helper()
		var got roomReveal
		s.do(u, "GET", path, nil, 200, &got)
		if got.Reveal.Me != me || got.Reveal.Partner != partner || got.Reveal.Done != done {
			t.Fatalf("reveal = %+v; want me %v partner %v done %v", got.Reveal, me, partner, done)
		}
	}
	bobLooks := func() {
		t.Helper()
		sawB.do(bob, "GET", path+"/messages", nil, 200, nil)
		sawB.do(bob, "GET", "/api/search", nil, 200, nil)
		sawB.do(bob, "GET", "/api/me", nil, 200, nil)
	}

	sawA.do(alice, "POST", path+"/reveal", nil, 204, nil)
	sawA.do(alice, "POST", path+"/reveal", nil, 204, nil) // idempotent
	reveal(cb, "offered", ra.Me)
	status(&sawB, bob, false, true, false)
	status(&sawA, alice, true, false, false)
	bobLooks()

	sawA.do(alice, "DELETE", path+"/reveal", nil, 204, nil)
	reveal(cb, "withdrawn", ra.Me)
	status(&sawB, bob, false, false, false)
	raw, _ := st.RDB.HGetAll(context.Background(), "tt:{r:"+ra.ID+"}").Result()
	if strings.Contains(fmt.Sprint(raw), "alice_secret_name") {
		t.Fatalf("the withdrawn offer left the username in Redis: %v", raw)
	}
	if n := contactNotices(t, st); len(n) != 0 {
		t.Fatalf("notices after a withdrawn offer: %v", n)
	}

	sawA.do(alice, "POST", path+"/reveal", nil, 204, nil)
	reveal(cb, "offered", ra.Me)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	sawB.do(bob, "POST", path+"/reveal", nil, 409, &e)
	if e.Error.Code != "username_required" || !strings.Contains(e.Error.Message, "username") {
		t.Fatalf("accepting without a username = %+v", e)
	}
	status(&sawB, bob, false, true, false)
	bobLooks()

	withUsername(bob, "Bob", "bob_secret_name")
	sawB.do(bob, "POST", path+"/reveal", nil, 204, nil)
	reveal(ca, "done", rb.Me)
	reveal(cb, "done", rb.Me)
	status(&sawA, alice, true, true, true)
	status(&sawB, bob, true, true, true)
	sawA.do(alice, "DELETE", path+"/reveal", nil, 409, &e)
	if e.Error.Code != "already_revealed" {
		t.Fatalf("withdraw once done = %+v", e)
	}
	sawB.do(bob, "POST", path+"/reveal", nil, 204, nil) // idempotent once done
	bobLooks()

	contacts := map[string]string{}
	for _, m := range contactNotices(t, st) {
		tg := m.Values["tg"].(string)
		if _, dup := contacts[tg]; dup {
			t.Fatalf("two notices to %s", tg)
		}
		contacts[tg] = m.Values["contact"].(string)
	}
	if want := map[string]string{strconv.Itoa(aliceTG): "bob_secret_name", strconv.Itoa(bobTG): "alice_secret_name"}; !reflect.DeepEqual(contacts, want) {
		t.Fatalf("notices = %v; want %v", contacts, want)
	}

	for _, c := range []struct {
		who     string
		saw     *seen
		rc      *rtClient
		secrets []string
	}{
		{"bob", &sawB, cb, []string{"alice_secret_name", strconv.Itoa(aliceTG)}},
		{"alice", &sawA, ca, []string{"bob_secret_name", strconv.Itoa(bobTG)}},
	} {
		frames := c.rc.drainEvents(200 * time.Millisecond)
		if len(frames) == 0 {
			t.Fatalf("%s's client saw no frames at all", c.who)
		}
		for _, f := range frames {
			c.saw.add(f.Kind + " " + f.Channel + " " + f.Raw)
		}
		if leak := c.saw.find(c.secrets...); leak != "" {
			t.Errorf("%s saw %s", c.who, leak)
		}
	}
	checkCensus(t, st)
	for _, line := range strings.Split(logs.String(), "\n") {
		if line == "" || strings.Contains(line, "level=DEBUG") {
			continue
		}
		for _, secret := range []string{"alice_secret_name", "bob_secret_name", strconv.Itoa(aliceTG), strconv.Itoa(bobTG)} {
			if strings.Contains(line, secret) {
				t.Errorf("%q logged above debug: %s", secret, line)
			}
		}
	}
}

// TestRevealRefusals: who cannot exchange contacts, with the answer each
// gets.
func TestRevealRefusals(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0 }})
	cases := []struct {
		name       string
		ages       [2]int
		setup      func(t *testing.T, a, b *apitest.User, ra apitest.Room) string // the room b then offers in
		wantStatus int
		wantCode   string
	}{
		{name: "minors", ages: [2]int{16, 17}, wantStatus: 403, wantCode: "minors_not_allowed"},
		{name: "minor and a partner who since says 18", ages: [2]int{17, 17}, wantStatus: 403, wantCode: "minors_not_allowed",
			setup: func(t *testing.T, a, b *apitest.User, ra apitest.Room) string {
				b.MustDo("PUT", "/api/me", map[string]any{"nickname": "Grown", "gender": "male", "age": 18}, 200, nil)
				return ra.ID
			}},
		{name: "closed", ages: [2]int{30, 30}, wantStatus: 409, wantCode: "room_closed",
			setup: func(t *testing.T, a, b *apitest.User, ra apitest.Room) string {
				a.MustDo("POST", "/api/rooms/"+ra.ID+"/leave", nil, 204, nil)
				return ra.ID
			}},
		{name: "reported in an earlier room", ages: [2]int{30, 30}, wantStatus: 409, wantCode: "not_allowed",
			setup: func(t *testing.T, a, b *apitest.User, ra apitest.Room) string {
				// They met before and meet again; then a reports the first room.
				a.MustDo("POST", "/api/rooms/"+ra.ID+"/leave", nil, 204, nil)
				var s apitest.SearchState
				a.MustDo("POST", "/api/search", adultsAny(), 200, &s)
				b.MustDo("POST", "/api/search", adultsAny(), 200, &s)
				if s.State != "matched" {
					t.Fatalf("rematch = %+v", s)
				}
				a.MustDo("POST", "/api/rooms/"+ra.ID+"/report", map[string]string{"reason": "abuse"}, 204, nil)
				return s.Room.ID
			}},
		{name: "not a member", ages: [2]int{30, 30}, wantStatus: 403, wantCode: "forbidden",
			setup: func(t *testing.T, a, b *apitest.User, ra apitest.Room) string {
				c, d := st.User(t, a.TG+500, "C"), st.User(t, a.TG+501, "D")
				other, _ := matchAt(t, st, c, d, 30, 30)
				return other.ID
			}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := st.User(t, int64(5551000000+10*i), "A"), st.User(t, int64(5551000001+10*i), "B")
			ra, _ := matchAt(t, st, a, b, c.ages[0], c.ages[1])
			withUsername(a, "A", "a_user_name")
			withUsername(b, "B", "b_user_name")
			rid := ra.ID
			if c.setup != nil {
				rid = c.setup(t, a, b, ra)
			}
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			if status, raw := b.Do("POST", "/api/rooms/"+rid+"/reveal", nil, &e); status != c.wantStatus || e.Error.Code != c.wantCode {
				t.Fatalf("offer = %d %s; want %d %s", status, raw, c.wantStatus, c.wantCode)
			}
			if n := contactNotices(t, st); len(n) != 0 {
				t.Fatalf("contact notices: %v", n)
			}
		})
	}
}

type recentList struct {
	Rooms []struct {
		ID      string `json:"id"`
		Partner struct {
			Nickname string `json:"nickname"`
			Gender   string `json:"gender"`
			Age      int    `json:"age"`
		} `json:"partner"`
		ClosedAt int64 `json:"closed_at"`
		Last     *struct {
			Text string `json:"text"`
			From string `json:"from"`
		} `json:"last"`
		Again struct {
			Me bool `json:"me"`
		} `json:"again"`
	} `json:"rooms"`
}

// TestMeetAgain (issue 16, acceptance 2): after their chat ended, Alice
// wishes to talk again. Nothing Bob can see changes: his answers are the
// same as before, byte for byte, and his client receives nothing. When he
// wishes it too, both are pushed the one new room, as new members who show
// the same nicknames.
func TestMeetAgain(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, ca, cb := meet(t, st)
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "bye for now", "client_msg_id": "a1"}, 201, nil)
	bob.MustDo("POST", "/api/rooms/"+rb.ID+"/leave", nil, 204, nil)
	ca.next("left", isType("left"))

	var la, lb recentList
	alice.MustDo("GET", "/api/rooms/recent", nil, 200, &la)
	if len(la.Rooms) != 1 || la.Rooms[0].ID != ra.ID || la.Rooms[0].Partner.Nickname != "Bob" || la.Rooms[0].Partner.Age != 27 ||
		la.Rooms[0].Last == nil || la.Rooms[0].Last.Text != "bye for now" || la.Rooms[0].Last.From != "me" || la.Rooms[0].Again.Me || la.Rooms[0].ClosedAt == 0 {
		t.Fatalf("alice's recent chats = %+v", la)
	}
	bobSees := func() string {
		var b strings.Builder
		for _, p := range []string{"/api/rooms/recent", "/api/rooms/" + rb.ID, "/api/search", "/api/me", "/api/rooms/" + rb.ID + "/messages"} {
			raw := bob.MustDo("GET", p, nil, 200, nil)
			b.WriteString(p + " " + strings.ReplaceAll(string(raw), `"partner_online":true`, `"partner_online":false`) + "\n")
		}
		return b.String()
	}
	before := bobSees()
	bob.MustDo("GET", "/api/rooms/recent", nil, 200, &lb)
	if len(lb.Rooms) != 1 || lb.Rooms[0].Last.From != "partner" || lb.Rooms[0].Again.Me {
		t.Fatalf("bob's recent chats = %+v", lb)
	}

	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/again", nil, 204, nil)
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/again", nil, 204, nil)
	alice.MustDo("GET", "/api/rooms/recent", nil, 200, &la)
	if !la.Rooms[0].Again.Me {
		t.Fatalf("alice's own wish is not shown to her: %+v", la)
	}
	if after := bobSees(); after != before {
		t.Fatalf("bob's answers changed after alice's one-sided wish:\nbefore %s\nafter  %s", before, after)
	}

	bob.MustDo("POST", "/api/rooms/"+rb.ID+"/again", nil, 204, nil)
	// Bob's personal channel had carried nothing before: had alice's wish
	// been published to him, it would arrive ahead of this push.
	pb := cb.next("bob's first personal publication", func(e event) bool { return e.Kind == "personal" })
	pa := ca.next("alice's again push", func(e event) bool { return isType("matched")(e) })
	var nb, na apitest.Room
	for _, x := range []struct {
		e   event
		out *apitest.Room
	}{{pb, &nb}, {pa, &na}} {
		if x.e.Data["type"] != "matched" {
			t.Fatalf("publication %v; want the matched push", x.e.Data)
		}
		raw, _ := json.Marshal(x.e.Data["room"])
		if err := json.Unmarshal(raw, x.out); err != nil {
			t.Fatal(err)
		}
	}
	if na.ID != nb.ID || na.ID == ra.ID || na.Me == ra.Me || nb.Me == rb.Me || na.Partner.Nickname != "Bob" || nb.Partner.Nickname != "Alice" {
		t.Fatalf("again-room: alice sees %+v, bob %+v (old: %+v / %+v)", na, nb, ra, rb)
	}
	var s apitest.SearchState
	for _, u := range []*apitest.User{alice, bob} {
		u.MustDo("GET", "/api/search", nil, 200, &s)
		if s.State != "matched" || s.Room.ID != na.ID {
			t.Fatalf("search state = %+v; want matched in %s", s, na.ID)
		}
		var l recentList
		u.MustDo("GET", "/api/rooms/recent", nil, 200, &l)
		if len(l.Rooms) != 0 {
			t.Fatalf("recent chats once met again = %+v", l)
		}
	}
	// They talk in it as in any room.
	ca.subscribe(na.Channel)
	cb.subscribe(nb.Channel)
	bob.MustDo("POST", "/api/rooms/"+nb.ID+"/messages", map[string]string{"text": "hello again", "client_msg_id": "b1"}, 201, nil)
	ca.next("bob's message in the again-room", func(e event) bool { return isType("message")(e) && e.Data["text"] == "hello again" })
	checkCensus(t, st)
}

// TestMeetAgainAtTheSameMoment: both tap "again" together, several times;
// one room opens, and each is pushed it once.
func TestMeetAgainAtTheSameMoment(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	for round := range 5 {
		a, b := st.User(t, int64(5552000000+10*round), "A"), st.User(t, int64(5552000001+10*round), "B")
		ra, rb := matchAt(t, st, a, b, 30, 30)
		b.MustDo("POST", "/api/rooms/"+rb.ID+"/leave", nil, 204, nil)
		ca, cb := connect(t, st, a), connect(t, st, b)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, x := range []struct {
			u   *apitest.User
			rid string
		}{{a, ra.ID}, {b, rb.ID}} {
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if status, raw := x.u.Do("POST", "/api/rooms/"+x.rid+"/again", nil, nil); status != 204 {
						t.Errorf("again = %d %s", status, raw)
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		var sa, sb apitest.SearchState
		a.MustDo("GET", "/api/search", nil, 200, &sa)
		b.MustDo("GET", "/api/search", nil, 200, &sb)
		if sa.State != "matched" || sb.State != "matched" || sa.Room.ID != sb.Room.ID {
			t.Fatalf("round %d: %+v / %+v", round, sa, sb)
		}
		pushed := func(id string) func(event) bool {
			return func(e event) bool {
				room, _ := e.Data["room"].(map[string]any)
				return isType("matched")(e) && room["id"] == id
			}
		}
		for _, c := range []*rtClient{ca, cb} {
			c.next("the again push", pushed(sa.Room.ID))
			for _, more := range c.drainEvents(300 * time.Millisecond) {
				if more.Kind == "personal" && !pushed(ra.ID)(more) {
					t.Fatalf("round %d: another personal publication %v", round, more.Data)
				}
			}
		}
	}
	if n, _ := st.Store.Counter(context.Background(), "again"); n != 5 {
		t.Fatalf("%d again-rooms for 5 pairs", n)
	}
}

// TestMeetAgainRefused: a reported pair never meets again, a wish lapses
// after AGAIN_TTL, and a room still going has no "again".
func TestMeetAgainRefused(t *testing.T) {
	const window = 1500 * time.Millisecond
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.AgainTTL = window }})
	code := func(u *apitest.User, method, path string, wantStatus int, wantCode string) {
		t.Helper()
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if status, raw := u.Do(method, path, nil, &e); status != wantStatus || e.Error.Code != wantCode {
			t.Fatalf("%s %s = %d %s; want %d %s", method, path, status, raw, wantStatus, wantCode)
		}
	}
	idle := func(users ...*apitest.User) {
		t.Helper()
		for _, u := range users {
			var s apitest.SearchState
			u.MustDo("GET", "/api/search", nil, 200, &s)
			if s.State != "idle" {
				t.Fatalf("search state = %+v; want idle", s)
			}
		}
	}

	a, b := st.User(t, 5553000001, "A"), st.User(t, 5553000002, "B")
	ra, rb := matchAt(t, st, a, b, 30, 30)
	code(a, "POST", "/api/rooms/"+ra.ID+"/again", 409, "room_active")
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/report", map[string]string{"reason": "spam"}, 204, nil)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/again", nil, 204, nil) // unanswered, as ever
	code(b, "POST", "/api/rooms/"+rb.ID+"/again", 404, "not_found")
	var l recentList
	b.MustDo("GET", "/api/rooms/recent", nil, 200, &l)
	if len(l.Rooms) != 0 {
		t.Fatalf("the reporter is offered the reported one again: %+v", l)
	}
	idle(a, b)

	c, d := st.User(t, 5553000003, "C"), st.User(t, 5553000004, "D")
	rc, rd := matchAt(t, st, c, d, 30, 30)
	c.MustDo("POST", "/api/rooms/"+rc.ID+"/leave", nil, 204, nil)
	c.MustDo("POST", "/api/rooms/"+rc.ID+"/again", nil, 204, nil)
	time.Sleep(window + 300*time.Millisecond)
	code(d, "POST", "/api/rooms/"+rd.ID+"/again", 404, "not_found")
	for _, u := range []*apitest.User{c, d} {
		u.MustDo("GET", "/api/rooms/recent", nil, 200, &l)
		if len(l.Rooms) != 0 {
			t.Fatalf("recent chats after AGAIN_TTL = %+v", l)
		}
	}
	idle(c, d)
	c.MustDo("DELETE", "/api/rooms/"+rc.ID+"/again", nil, 204, nil) // idempotent, also once lapsed
	stranger := st.User(t, 5553000005, "E")
	stranger.Onboard("Eve", "female", 30)
	code(stranger, "POST", "/api/rooms/"+rc.ID+"/again", 403, "forbidden")
}

// TestRevealWaitsForAUsername: Alice agreed, then removed her username in
// Telegram. Opening the room tells her (need_username) and forgets the old
// one; Bob's acceptance waits; when she opens the room with a new username,
// the exchange completes with that one, and both clients hear "done".
func TestRevealWaitsForAUsername(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob := st.User(t, 5554000001, "Alice"), st.User(t, 5554000002, "Bob")
	ra, rb := matchAt(t, st, alice, bob, 25, 27)
	ca, cb := connect(t, st, alice), connect(t, st, bob)
	ca.subscribe(ra.Channel)
	cb.subscribe(rb.Channel)
	path := "/api/rooms/" + ra.ID
	withUsername(alice, "Alice", "alice_old_name")
	withUsername(bob, "Bob", "bob_name")
	alice.MustDo("POST", path+"/reveal", nil, 204, nil)

	alice.InitData = apitest.InitData(alice.TG, "Alice", "en") // the username is gone
	var got roomReveal
	alice.MustDo("GET", path, nil, 200, &got)
	if !got.Reveal.Me || !got.Reveal.NeedUsername || got.Reveal.Done {
		t.Fatalf("alice's reveal = %+v; want agreed, needing a username", got.Reveal)
	}
	bob.MustDo("POST", path+"/reveal", nil, 204, nil)
	got = roomReveal{}
	bob.MustDo("GET", path, nil, 200, &got)
	if !got.Reveal.Me || !got.Reveal.Partner || got.Reveal.Done || got.Reveal.NeedUsername {
		t.Fatalf("bob's reveal = %+v; want both agreed, waiting", got.Reveal)
	}
	if n := contactNotices(t, st); len(n) != 0 {
		t.Fatalf("notices before alice has a username: %v", n)
	}

	withUsername(alice, "Alice", "alice_new_name")
	got = roomReveal{}
	alice.MustDo("GET", path, nil, 200, &got)
	if !got.Reveal.Done || got.Reveal.NeedUsername {
		t.Fatalf("alice's reveal with a new username = %+v; want done", got.Reveal)
	}
	for _, c := range []*rtClient{ca, cb} {
		c.next("done", func(e event) bool { return isType("reveal")(e) && e.Data["state"] == "done" && e.Data["from"] == ra.Me })
	}
	contacts := map[string]string{}
	for _, m := range contactNotices(t, st) {
		contacts[m.Values["tg"].(string)] = m.Values["contact"].(string)
	}
	if want := map[string]string{"5554000001": "bob_name", "5554000002": "alice_new_name"}; !reflect.DeepEqual(contacts, want) {
		t.Fatalf("notices = %v; want %v", contacts, want)
	}
}
