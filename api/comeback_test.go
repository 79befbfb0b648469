package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker"
)

type historyPage struct {
	Messages []struct {
		ID, From, Text string
		TS             int64
	} `json:"messages"`
	HasMore bool `json:"has_more"`
	Stream  struct {
		Offset uint64 `json:"offset"`
		Epoch  string `json:"epoch"`
	} `json:"stream"`
}

func send(t *testing.T, u *apitest.User, roomID, text string) string {
	t.Helper()
	var m struct{ ID string }
	u.MustDo("POST", "/api/rooms/"+roomID+"/messages", map[string]string{"text": text, "client_msg_id": text}, 201, &m)
	return m.ID
}

func texts(p historyPage) string {
	var out []string
	for _, m := range p.Messages {
		out = append(out, m.Text)
	}
	return strings.Join(out, ",")
}

// TestComeBackToTheRoom: Alice closes the app completely, Bob writes 3
// messages, a brand-new client for Alice finds the room, loads the whole
// conversation, subscribes from the returned position and gets exactly the
// 2 messages Bob sends afterwards.
func TestComeBackToTheRoom(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, ca, _ := meet(t, st)
	send(t, alice, ra.ID, "a1")
	send(t, bob, rb.ID, "b1")
	ca.c.Close()
	for _, m := range []string{"b2", "b3", "b4"} {
		send(t, bob, rb.ID, m)
	}

	var s apitest.SearchState
	alice.MustDo("GET", "/api/search", nil, 200, &s)
	if s.State != "matched" || s.Room == nil || s.Room.ID != ra.ID {
		t.Fatalf("alice's search state = %+v; want her room", s)
	}
	var page historyPage
	alice.MustDo("GET", "/api/rooms/"+ra.ID+"/messages", nil, 200, &page)
	if texts(page) != "a1,b1,b2,b3,b4" || page.HasMore || page.Stream.Epoch == "" {
		t.Fatalf("history = %q more=%v stream=%+v", texts(page), page.HasMore, page.Stream)
	}
	var older historyPage
	alice.MustDo("GET", "/api/rooms/"+ra.ID+"/messages?limit=2&before="+page.Messages[3].ID, nil, 200, &older)
	if texts(older) != "b1,b2" || !older.HasMore {
		t.Fatalf("older page = %q more=%v; want b1,b2 and more", texts(older), older.HasMore)
	}

	raw := rawClientFor(t, st, alice)
	var sub apitest.Token
	alice.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": ra.Channel}, 200, &sub)
	res, err := raw.Subscribe(ra.Channel, sub.Token, page.Stream.Offset, page.Stream.Epoch)
	if err != nil || !res.Recovered || len(res.Publications) != 0 {
		t.Fatalf("subscribe from %+v: %+v, %v; want recovered with nothing missed", page.Stream, res, err)
	}
	want := []string{send(t, bob, rb.ID, "b5"), send(t, bob, rb.ID, "b6")}
	var got []string
	for {
		p, ok := raw.NextPublication(ra.Channel, 700*time.Millisecond)
		if !ok {
			break
		}
		var ev centrifugo.RoomEvent
		_ = json.Unmarshal(p.Data, &ev)
		if ev.Type == centrifugo.EventMessage {
			got = append(got, ev.ID)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("live after reopen = %v; want exactly %v", got, want)
	}
}

func rawClientFor(t *testing.T, st *apitest.Stack, u *apitest.User) *centrifugotest.RawClient {
	t.Helper()
	var tok apitest.Token
	u.MustDo("POST", "/api/centrifugo/connection-token", nil, 200, &tok)
	return centrifugotest.DialRaw(t, st.Centrifugo.WSURL, tok.Token)
}

// TestCentrifugoRestart: the conversation lives in Redis, so a Centrifugo
// restart loses nothing and both clients carry on.
func TestCentrifugoRestart(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, ca, cb := meet(t, st)
	send(t, alice, ra.ID, "before restart")
	cb.next("alice's message", func(e event) bool { return isType("message")(e) && e.Data["from"] == ra.Me })

	st.Centrifugo.Restart()
	for _, c := range []*rtClient{ca, cb} {
		select {
		case <-c.subEvt:
		case <-time.After(15 * time.Second):
			t.Fatal("a client did not resubscribe after the restart")
		}
	}
	var page historyPage
	bob.MustDo("GET", "/api/rooms/"+rb.ID+"/messages", nil, 200, &page)
	if texts(page) != "before restart" {
		t.Fatalf("history after restart = %q", texts(page))
	}
	send(t, bob, rb.ID, "after restart")
	got := ca.next("bob's message", func(e event) bool { return isType("message")(e) && e.Data["from"] == rb.Me })
	if got.Data["text"] != "after restart" {
		t.Fatalf("alice got %v", got.Data)
	}
	bob.MustDo("GET", "/api/rooms/"+rb.ID+"/messages", nil, 200, &page)
	if texts(page) != "before restart,after restart" || page.Stream.Offset == 0 {
		t.Fatalf("history = %q stream %+v", texts(page), page.Stream)
	}
}

type roomStatus struct {
	State         string `json:"state"`
	Me            string `json:"me"`
	PartnerOnline bool   `json:"partner_online"`
	ClosedBy      string `json:"closed_by"`
	CreatedAt     int64  `json:"created_at"`
}

func TestRoomStatusAndPresence(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, _, cb := meet(t, st)
	var rs roomStatus
	alice.MustDo("GET", "/api/rooms/"+ra.ID, nil, 200, &rs)
	if rs.State != "active" || rs.Me != ra.Me || !rs.PartnerOnline || rs.CreatedAt == 0 {
		t.Fatalf("status = %+v; want active with bob online", rs)
	}
	cb.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		alice.MustDo("GET", "/api/rooms/"+ra.ID, nil, 200, &rs)
		if !rs.PartnerOnline {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("partner_online still true 5 s after bob disconnected")
		}
		time.Sleep(100 * time.Millisecond)
	}
	eve := st.User(t, 1003, "Eve")
	eve.Onboard("Eve", "female", 30)
	eve.MustDo("GET", "/api/rooms/"+ra.ID, nil, 403, nil)
	eve.MustDo("GET", "/api/rooms/"+ra.ID+"/messages", nil, 403, nil)
	alice.MustDo("GET", "/api/rooms/"+ra.ID+"/messages?limit=0", nil, 422, nil)
	alice.MustDo("GET", "/api/rooms/"+ra.ID+"/messages?before=x", nil, 422, nil)

	bob.MustDo("POST", "/api/rooms/"+rb.ID+"/leave", nil, 204, nil)
	alice.MustDo("GET", "/api/rooms/"+ra.ID, nil, 200, &rs)
	if rs.State != "closed" || rs.ClosedBy != "partner" {
		t.Fatalf("after bob left: %+v", rs)
	}
	bob.MustDo("GET", "/api/rooms/"+rb.ID, nil, 200, &rs)
	if rs.ClosedBy != "me" {
		t.Fatalf("bob sees closed_by %q", rs.ClosedBy)
	}
}

func TestClearConversation(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, _, cb := meet(t, st)
	send(t, alice, ra.ID, "forget me")
	eve := st.User(t, 1003, "Eve")
	eve.Onboard("Eve", "female", 30)
	eve.MustDo("DELETE", "/api/rooms/"+ra.ID, nil, 403, nil)

	alice.MustDo("DELETE", "/api/rooms/"+ra.ID, nil, 204, nil)
	alice.MustDo("DELETE", "/api/rooms/"+ra.ID, nil, 204, nil) // idempotent
	if got := cb.next("left", isType("left")); got.Data["from"] != ra.Me {
		t.Fatalf("left from %v", got.Data["from"])
	}
	// The conversation is gone for both; the room itself stays (closed,
	// cleared) until it expires, so either can still report.
	for _, u := range []*apitest.User{alice, bob} {
		var rs struct {
			State   string `json:"state"`
			Cleared bool   `json:"cleared"`
		}
		u.MustDo("GET", "/api/rooms/"+rb.ID, nil, 200, &rs)
		if rs.State != "closed" || !rs.Cleared {
			t.Fatalf("room after clear = %+v; want closed and cleared", rs)
		}
		var page struct {
			Messages []json.RawMessage `json:"messages"`
		}
		u.MustDo("GET", "/api/rooms/"+rb.ID+"/messages", nil, 200, &page)
		if len(page.Messages) != 0 {
			t.Fatalf("messages after clear = %s", page.Messages)
		}
	}
	pub, err := centrifugo.NewPublisher(st.Centrifugo.APIURL, st.Centrifugo.APIKey, 3*time.Second, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	hist, err := pub.History(context.Background(), ra.Channel)
	if err != nil || len(hist) != 0 {
		t.Fatalf("centrifugo history after clear = %d entries, %v", len(hist), err)
	}
	keys, _ := st.RDB.Keys(context.Background(), "tt:{r:"+ra.ID+"}:m*").Result()
	if len(keys) != 0 {
		t.Fatalf("redis still holds the messages: %v", keys)
	}
}

// TestNoticeWhenAway: with Alice's app closed, 5 messages from Bob queue one
// "partner wrote" notice for her; a match while she is away queues "found".
func TestNoticeWhenAway(t *testing.T) {
	// Messages ask whether Alice is away at most every 50 ms per room.
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.AwayCheckEvery = 50 * time.Millisecond }})
	q, err := st.Store.NoticeQueue(context.Background(), "test", "t1")
	if err != nil {
		t.Fatal(err)
	}
	alice, bob, ra, rb, ca, _ := meet(t, st)
	send(t, bob, rb.ID, "while here")
	ca.c.Close()
	for i := 0; i < 5; i++ {
		send(t, bob, rb.ID, fmt.Sprint("away ", i))
		time.Sleep(60 * time.Millisecond)
	}
	var notices []matchmaker.Notice
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		ns, err := q.Read(context.Background(), 10, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		notices = append(notices, ns...)
	}
	if len(notices) != 1 || notices[0].Kind != matchmaker.NoticePartnerWrote || notices[0].TelegramID != alice.TG {
		t.Fatalf("notices = %+v; want one partner_wrote for alice", notices)
	}
	_ = ra

	// Carol waits with the app closed; Dave's search matches her.
	carol := st.User(t, 1005, "Carol")
	carol.Onboard("Carol", "female", 40)
	carol.MustDo("POST", "/api/search", map[string]any{"gender": "male", "age_from": 40, "age_to": 50}, 200, nil)
	dave := st.User(t, 1006, "Dave")
	dave.Onboard("Dave", "male", 45)
	var s apitest.SearchState
	dave.MustDo("POST", "/api/search", map[string]any{"gender": "female", "age_from": 40, "age_to": 50}, 200, &s)
	if s.State != "matched" {
		t.Fatalf("dave = %s", s.State)
	}
	notices = nil
	deadline = time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && len(notices) == 0 {
		notices, _ = q.Read(context.Background(), 10, 200*time.Millisecond)
	}
	if len(notices) != 1 || notices[0].Kind != matchmaker.NoticePartnerFound || notices[0].TelegramID != carol.TG {
		t.Fatalf("notices = %+v; want one partner_found for carol", notices)
	}
}
