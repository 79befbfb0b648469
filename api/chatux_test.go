package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

// Issue 14's contract additions (read markers, replies, the online count),
// through the real API, Redis and Centrifugo, as README "HTTP API" says.

// keysOf is the sorted field names of a JSON object.
func keysOf(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// errorReply is the contract's error body.
type errorReply struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// mustFail sends a request that must be refused with a 4xx error body and
// returns that body.
func mustFail(t *testing.T, u *apitest.User, method, path string, body any, want int) errorReply {
	t.Helper()
	var e errorReply
	status, raw := u.Do(method, path, body, nil)
	if status != want {
		t.Fatalf("%s %s %v = %d %s; want %d", method, path, body, status, raw, want)
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%s %s %v: body %q is not {\"error\":{\"code\",\"message\"}}", method, path, body, raw)
	}
	return e
}

// roomRead is GET /api/rooms/{id}'s read markers as u sees them.
func roomRead(t *testing.T, u *apitest.User, roomID string) (me, partner string) {
	t.Helper()
	var st struct {
		Read *struct {
			Me      *string `json:"me"`
			Partner *string `json:"partner"`
		} `json:"read"`
	}
	raw := u.MustDo("GET", "/api/rooms/"+roomID, nil, 200, &st)
	if st.Read == nil || st.Read.Me == nil || st.Read.Partner == nil {
		t.Fatalf("room status %s has no read {me, partner}", raw)
	}
	return *st.Read.Me, *st.Read.Partner
}

// noLeak fails if a frame carries anything that identifies Alice of meet.
func noLeak(t *testing.T, what string, e event, secrets ...string) {
	t.Helper()
	for _, s := range append([]string{"1001", "Alice Liddell", "Liddell"}, secrets...) {
		if strings.Contains(e.Raw, s) {
			t.Fatalf("%s carries %q: %s", what, s, e.Raw)
		}
	}
}

// TestReadMarkers: POST /api/rooms/{id}/read answers 204, moves the
// caller's marker only forward and never past the newest message, tells
// the partner with {"type":"read","from","up_to"} on the room channel
// (nothing else, not kept in history), and GET /api/rooms/{id} shows both
// markers to both sides. Bad input is a 4xx error body, strangers get
// 403/404.
func TestReadMarkers(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, ca, cb := meet(t, st)
	// Alice's init data now carries a username too: it must not travel.
	withUsername(alice, "Alice Liddell", "alice_in_tg")
	read := func(u *apitest.User, upTo string) {
		t.Helper()
		u.MustDo("POST", "/api/rooms/"+ra.ID+"/read", map[string]string{"up_to": upTo}, 204, nil)
	}
	// nextRead is the next read publication a client gets. Publications on
	// a channel arrive in the order they were made, so when it is the one a
	// later call made, the calls before it published nothing.
	nextRead := func(c *rtClient, from, upTo string) {
		t.Helper()
		e := c.next("read "+upTo, func(e event) bool { return isType("read")(e) && e.Data["from"] == from })
		if e.Channel != ra.Channel {
			t.Fatalf("read came on %q; want the room channel %q", e.Channel, ra.Channel)
		}
		if got := keysOf(e.Data); !slices.Equal(got, []string{"from", "type", "up_to"}) {
			t.Fatalf("read publication %s has fields %v; want exactly type, from, up_to", e.Raw, got)
		}
		if e.Data["from"] != from || e.Data["up_to"] != upTo {
			t.Fatalf("read publication %s; want from %s up_to %s", e.Raw, from, upTo)
		}
		noLeak(t, "read publication", e, "alice_in_tg")
	}

	// No message yet: nothing to mark, nothing moves.
	read(alice, "9999999999999999")
	if me, partner := roomRead(t, alice, ra.ID); me != "" || partner != "" {
		t.Fatalf("read before any message = %q/%q; want empty", me, partner)
	}

	m1, m2, m3 := send(t, bob, rb.ID, "one"), send(t, bob, rb.ID, "two"), send(t, bob, rb.ID, "three")
	read(alice, m2)
	nextRead(cb, ra.Me, m2) // also proves the read before any message published nothing
	if me, partner := roomRead(t, alice, ra.ID); me != m2 || partner != "" {
		t.Fatalf("alice's view of read = %q/%q; want %s/\"\"", me, partner, m2)
	}
	if me, partner := roomRead(t, bob, rb.ID); me != "" || partner != m2 {
		t.Fatalf("bob's view of read = %q/%q; want \"\"/%s", me, partner, m2)
	}

	// Back, or the same again: 204, the marker stays, nothing published.
	read(alice, m1)
	read(alice, m2)
	if me, _ := roomRead(t, alice, ra.ID); me != m2 {
		t.Fatalf("marker after a lower up_to = %s; want %s", me, m2)
	}
	// Past the newest message: clamped to it.
	read(alice, "9999999999999999")
	nextRead(cb, ra.Me, m3)
	if _, partner := roomRead(t, bob, rb.ID); partner != m3 {
		t.Fatalf("bob sees alice's marker at %s; want the newest message %s", partner, m3)
	}
	read(alice, "9999999999999999") // at the newest already: no change
	m4 := send(t, bob, rb.ID, "four")
	read(alice, m4)
	nextRead(cb, ra.Me, m4)

	// Bob's marker is his own, and Alice's app hears of it.
	a1 := send(t, alice, ra.ID, "hi")
	read(bob, a1)
	nextRead(ca, rb.Me, a1)
	if me, partner := roomRead(t, alice, ra.ID); me != m4 || partner != a1 {
		t.Fatalf("alice's view of read = %q/%q; want %s/%s", me, partner, m4, a1)
	}
	if me, partner := roomRead(t, bob, rb.ID); me != a1 || partner != m4 {
		t.Fatalf("bob's view of read = %q/%q; want %s/%s", me, partner, a1, m4)
	}

	// Bad input: a 4xx error body, never a 500, and the marker stays.
	path := "/api/rooms/" + ra.ID + "/read"
	for _, c := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"not an id", map[string]string{"up_to": "abc"}, 422, "up_to"},
		{"empty", map[string]string{"up_to": ""}, 422, "up_to"},
		{"missing", map[string]string{}, 422, "up_to"},
		{"too short", map[string]string{"up_to": "123"}, 422, "up_to"},
		{"17 digits", map[string]string{"up_to": "12345678901234567"}, 422, "up_to"},
		{"a sign", map[string]string{"up_to": "-000000000000001"}, 422, "up_to"},
		{"not digits", map[string]string{"up_to": "00000000000000ab"}, 422, "up_to"},
		{"a number", `{"up_to":1234567890123456}`, 400, "up_to"},
		{"not JSON", "up_to=1", 400, ""},
		{"no body", nil, 400, ""},
		{"unknown field", map[string]string{"up_to": m4, "upto": m4}, 400, ""},
	} {
		e := mustFail(t, alice, "POST", path, c.body, c.status)
		if c.field != "" && e.Error.Field != c.field {
			t.Errorf("%s: field %q; want %q (%+v)", c.name, e.Error.Field, c.field, e.Error)
		}
		if c.status == 422 && e.Error.Code != "invalid_field" {
			t.Errorf("%s: code %q; want invalid_field", c.name, e.Error.Code)
		}
	}
	if me, _ := roomRead(t, alice, ra.ID); me != m4 {
		t.Fatalf("marker after bad requests = %s; want %s", me, m4)
	}

	// Strangers: 403 for a room they are not in, 404 for no such room.
	eve := st.User(t, 1003, "Eve")
	eve.Onboard("Eve", "female", 30)
	if e := mustFail(t, eve, "POST", path, map[string]string{"up_to": m4}, 403); e.Error.Code != "forbidden" {
		t.Fatalf("a stranger's read: %+v; want forbidden", e.Error)
	}
	mustFail(t, eve, "POST", "/api/rooms/"+strings.Repeat("a", 26)+"/read", map[string]string{"up_to": m4}, 404)
	mustFail(t, eve, "POST", "/api/rooms/nope/read", map[string]string{"up_to": m4}, 404)
	if me, partner := roomRead(t, bob, rb.ID); me != a1 || partner != m4 {
		t.Fatalf("markers after a stranger's reads = %q/%q; want %s/%s", me, partner, a1, m4)
	}

	// Read markers are not kept in the channel's history (the room status
	// keeps them).
	hist, err := st.Publisher.History(t.Context(), ra.Channel)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range hist {
		var p struct{ Type string }
		if json.Unmarshal(raw, &p) == nil && p.Type == "read" {
			t.Fatalf("a read marker is kept in the channel's history: %s", raw)
		}
	}
	if len(hist) < 5 {
		t.Fatalf("channel history holds %d publications; want the 5 messages", len(hist))
	}
}

// TestReplies: a message may answer an earlier message of its room that is
// still kept; the publication and the history carry reply_to. Any other
// reply_to (garbage, an id not in the room, another room's message, a
// message dropped by ROOM_MAX_MESSAGES) is 422 invalid_field reply_to, and
// nothing is stored or published.
func TestReplies(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RoomMaxMessages = 10 }})
	alice, bob, ra, rb, ca, cb := meet(t, st)
	msgs := "/api/rooms/" + ra.ID + "/messages"

	b1 := send(t, bob, rb.ID, "what films do you like?")
	ca.next("bob's question", func(e event) bool { return isType("message")(e) && e.Data["id"] == b1 })
	var re struct{ ID, ClientMsgID string }
	alice.MustDo("POST", msgs, map[string]string{"text": "old ones", "client_msg_id": "a-re", "reply_to": b1}, 201, &re)
	fromAlice := func(e event) bool { return isType("message")(e) && e.Data["from"] == ra.Me }
	pub := cb.next("alice's reply", fromAlice)
	if got := keysOf(pub.Data); !slices.Equal(got, []string{"client_msg_id", "from", "id", "reply_to", "text", "ts", "type"}) {
		t.Fatalf("reply publication %s has fields %v", pub.Raw, got)
	}
	if pub.Data["id"] != re.ID || pub.Data["reply_to"] != b1 || pub.Data["from"] != ra.Me || pub.Data["text"] != "old ones" ||
		pub.Data["client_msg_id"] != "a-re" {
		t.Fatalf("reply publication %s; want id %s reply_to %s from %s", pub.Raw, re.ID, b1, ra.Me)
	}
	noLeak(t, "reply publication", pub)

	// Both histories carry it; the question answers nothing.
	for _, u := range []*apitest.User{alice, bob} {
		var page struct{ Messages []map[string]any }
		u.MustDo("GET", msgs, nil, 200, &page)
		if len(page.Messages) != 2 || page.Messages[0]["id"] != b1 || page.Messages[1]["id"] != re.ID {
			t.Fatalf("history = %v; want %s then %s", page.Messages, b1, re.ID)
		}
		if _, ok := page.Messages[0]["reply_to"]; ok {
			t.Fatalf("the question carries reply_to: %v", page.Messages[0])
		}
		if page.Messages[1]["reply_to"] != b1 {
			t.Fatalf("the reply in history = %v; want reply_to %s", page.Messages[1], b1)
		}
	}

	// Another room, with a message of its own.
	carol, _, rc, _ := pairUp(t, st, 3001, 3002)
	c1 := send(t, carol, rc.ID, "elsewhere")

	refuse := func(name string, replyTo any, status int) {
		t.Helper()
		e := mustFail(t, alice, "POST", msgs, map[string]any{"text": "refused", "client_msg_id": "x-" + name, "reply_to": replyTo}, status)
		if status == 422 && (e.Error.Code != "invalid_field" || e.Error.Field != "reply_to") {
			t.Fatalf("reply_to %s: %+v; want invalid_field reply_to", name, e.Error)
		}
	}
	refuse("garbage", "garbage", 422)
	refuse("short", "123", 422)
	refuse("not-in-room", "0000000000000001", 422)
	refuse("other-room", c1, 422)
	refuse("number", 1, 400)
	if e := mustFail(t, carol, "POST", "/api/rooms/"+rc.ID+"/messages",
		map[string]string{"text": "refused", "client_msg_id": "c-x", "reply_to": b1}, 422); e.Error.Field != "reply_to" {
		t.Fatalf("carol answering alice's room: %+v; want invalid_field reply_to", e.Error)
	}

	// Nine more: the cap (10) drops the question, so it can no longer be
	// answered; the reply stays, still naming it.
	var last string
	for i := range 9 {
		last = send(t, bob, rb.ID, fmt.Sprint("more ", i))
	}
	refuse("dropped", b1, 422)
	var page struct {
		Messages  []map[string]any
		Truncated bool
	}
	bob.MustDo("GET", msgs+"?limit=100", nil, 200, &page)
	if len(page.Messages) != 10 || !page.Truncated || page.Messages[0]["id"] != re.ID || page.Messages[0]["reply_to"] != b1 {
		t.Fatalf("history after the cap = %v truncated %v; want the reply (still naming %s) and 9 more", page.Messages, page.Truncated, b1)
	}
	// The refused messages were neither stored nor published (the client
	// id of one is free): the next message of Alice's that Bob's app gets
	// is one that answers a kept message.
	var ok struct{ ID string }
	alice.MustDo("POST", msgs, map[string]string{"text": "yes", "client_msg_id": "x-garbage", "reply_to": last}, 201, &ok)
	if e := cb.next("alice's second reply", fromAlice); e.Data["id"] != ok.ID || e.Data["reply_to"] != last {
		t.Fatalf("after the refusals bob got %s; want id %s reply_to %s", e.Raw, ok.ID, last)
	}
}

// TestQueueOnlineCount: GET /api/queue's online is the number of people
// with the app open (distinct Centrifugo users: a second connection of
// the same launch is the same person), shown exactly from 3 up and as the
// string "<3" below. The API caches Centrifugo's count a few seconds and
// Centrifugo refreshes it every few seconds, so each step polls until the
// answer changes (with a deadline) and then checks the value.
func TestQueueOnlineCount(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	var users []*apitest.User
	for i := range 4 {
		u := st.User(t, int64(140_001+i), "Online Person")
		u.Onboard("Person", "female", 30)
		users = append(users, u)
	}
	viewer := users[0]
	// online polls until it differs from prev, and checks every answer on
	// the way is a count as the contract has them.
	online := func(prev any) any {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var q map[string]any
			viewer.MustDo("GET", "/api/queue?gender=any&age_from=18&age_to=99", nil, 200, &q)
			switch n := q["online"].(type) {
			case string:
				if n != "<3" {
					t.Fatalf("online = %q; want a number >= 3 or \"<3\"", n)
				}
			case float64:
				if n < 3 || n != float64(int(n)) {
					t.Fatalf("online = %v; want a whole number >= 3 or \"<3\"", n)
				}
			default:
				t.Fatalf("queue answer %v has no count online", q)
			}
			if q["online"] != prev {
				return q["online"]
			}
			if time.Now().After(deadline) {
				t.Fatalf("online still %v after 60 s", prev)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	var v map[string]any
	viewer.MustDo("GET", "/api/queue?gender=any&age_from=18&age_to=99", nil, 200, &v)
	if v["online"] != "<3" {
		t.Fatalf("online with nobody connected = %v; want \"<3\"", v["online"])
	}
	var conns []*rtClient
	for _, u := range users[:3] {
		conns = append(conns, connect(t, st, u))
	}
	if got := online("<3"); got != 3.0 {
		t.Fatalf("online with 3 connected = %v; want 3", got)
	}
	conns = append(conns, connect(t, st, users[3]))
	if got := online(3.0); got != 4.0 {
		t.Fatalf("online with 4 connected = %v; want 4", got)
	}
	// A second connection of the first user's launch, and the second user
	// goes: 3 people (were the same launch counted twice, it would read 4
	// or 5).
	connect(t, st, users[0])
	conns[1].c.Close()
	if got := online(4.0); got != 3.0 {
		t.Fatalf("online after one more connection of a launch and one less person = %v; want 3", got)
	}
	// Two people left (the first user's two connections and the fourth's):
	// a count below 3 is never exact.
	conns[2].c.Close()
	if got := online(3.0); got != "<3" {
		t.Fatalf("online with 2 connected = %v; want \"<3\"", got)
	}
}
