package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
)

// event is any publication or join/leave a realtime client saw.
type event struct {
	Kind    string // "personal", "pub", "join", "leave"
	Channel string
	Data    map[string]any
	Raw     string
	Member  string // chan_info.member of join/leave
	User    string // the Centrifugo user of join/leave
	Offset  uint64
}

// rtClient is a real centrifuge-go client acting for one user.
type rtClient struct {
	t      *testing.T
	u      *apitest.User
	c      *centrifuge.Client
	events chan event
	mu     sync.Mutex
	subs   map[string]*centrifuge.Subscription
	subEvt chan centrifuge.SubscribedEvent
}

func connect(t *testing.T, st *apitest.Stack, u *apitest.User) *rtClient {
	t.Helper()
	rc := &rtClient{t: t, u: u, events: make(chan event, 1000), subs: map[string]*centrifuge.Subscription{},
		subEvt: make(chan centrifuge.SubscribedEvent, 10)}
	rc.c = centrifuge.NewJsonClient(st.Centrifugo.WSURL, centrifuge.Config{
		GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
			var tok apitest.Token
			if status, raw := u.Do("POST", "/api/centrifugo/connection-token", nil, &tok); status != 200 {
				return "", fmt.Errorf("connection token: %d %s", status, raw)
			}
			return tok.Token, nil
		},
	})
	rc.c.OnPublication(func(e centrifuge.ServerPublicationEvent) {
		rc.events <- decodeEvent("personal", e.Channel, e.Data, e.Offset)
	})
	connected := make(chan struct{}, 1)
	rc.c.OnConnected(func(centrifuge.ConnectedEvent) {
		select {
		case connected <- struct{}{}:
		default:
		}
	})
	if err := rc.c.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(5 * time.Second):
		t.Fatal("client did not connect")
	}
	t.Cleanup(rc.c.Close)
	return rc
}

func decodeEvent(kind, ch string, data []byte, offset uint64) event {
	ev := event{Kind: kind, Channel: ch, Raw: string(data), Offset: offset}
	_ = json.Unmarshal(data, &ev.Data)
	return ev
}

func (rc *rtClient) subscribe(channel string) {
	rc.t.Helper()
	sub, err := rc.c.NewSubscription(channel, centrifuge.SubscriptionConfig{
		GetToken: func(e centrifuge.SubscriptionTokenEvent) (string, error) {
			var tok apitest.Token
			if status, raw := rc.u.Do("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": e.Channel}, &tok); status != 200 {
				return "", fmt.Errorf("subscription token: %d %s", status, raw)
			}
			return tok.Token, nil
		},
	})
	if err != nil {
		rc.t.Fatal(err)
	}
	sub.OnPublication(func(e centrifuge.PublicationEvent) {
		rc.events <- decodeEvent("pub", channel, e.Data, e.Offset)
	})
	info := func(kind string, ci centrifuge.ClientInfo) event {
		var ch struct{ Member string }
		_ = json.Unmarshal(ci.ChanInfo, &ch)
		return event{Kind: kind, Channel: channel, Member: ch.Member, User: ci.User,
			Raw: string(ci.ConnInfo) + string(ci.ChanInfo) + ci.User + ci.Client}
	}
	sub.OnJoin(func(e centrifuge.JoinEvent) { rc.events <- info("join", e.ClientInfo) })
	sub.OnLeave(func(e centrifuge.LeaveEvent) { rc.events <- info("leave", e.ClientInfo) })
	sub.OnSubscribed(func(e centrifuge.SubscribedEvent) { rc.subEvt <- e })
	rc.mu.Lock()
	rc.subs[channel] = sub
	rc.mu.Unlock()
	if err := sub.Subscribe(); err != nil {
		rc.t.Fatal(err)
	}
	select {
	case e := <-rc.subEvt:
		if !e.Recoverable {
			rc.t.Errorf("room subscription is not recoverable")
		}
	case <-time.After(5 * time.Second):
		rc.t.Fatalf("not subscribed to %s", channel)
	}
}

// next waits for the next event that matches, failing after 5 s. Events that
// do not match are kept in the order seen, for later calls.
func (rc *rtClient) next(what string, match func(event) bool) event {
	rc.t.Helper()
	deadline := time.After(5 * time.Second)
	var skipped []event
	defer func() {
		for _, e := range skipped {
			rc.events <- e
		}
	}()
	for {
		select {
		case e := <-rc.events:
			if match(e) {
				return e
			}
			skipped = append(skipped, e)
		case <-deadline:
			rc.t.Fatalf("timed out waiting for %s; saw %v", what, skipped)
			return event{}
		}
	}
}

func isType(typ string) func(event) bool {
	return func(e event) bool { return e.Data != nil && e.Data["type"] == typ }
}

// drainEvents returns everything received so far.
func (rc *rtClient) drainEvents(wait time.Duration) []event {
	var out []event
	deadline := time.After(wait)
	for {
		select {
		case e := <-rc.events:
			out = append(out, e)
		case <-deadline:
			return out
		}
	}
}

func adultsAny() map[string]any { return map[string]any{"gender": "any", "age_from": 18, "age_to": 99} }

// meet onboards Alice and Bob, matches them, and returns both rooms' views.
func meet(t *testing.T, st *apitest.Stack) (alice, bob *apitest.User, ra, rb apitest.Room, ca, cb *rtClient) {
	t.Helper()
	alice = st.User(t, 1001, "Alice Liddell")
	bob = st.User(t, 1002, "Bob Builder")
	alice.Onboard("Alice", "female", 25)
	bob.Onboard("Bob", "male", 27)
	ca = connect(t, st, alice)
	cb = connect(t, st, bob)

	var s apitest.SearchState
	alice.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "waiting" {
		t.Fatalf("alice search = %+v; want waiting", s)
	}
	bob.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "matched" || s.Room == nil {
		t.Fatalf("bob search = %+v; want matched", s)
	}
	rb = *s.Room
	// Alice learns of the match by push on her personal channel.
	ev := ca.next("matched push", isType("matched"))
	if !strings.HasPrefix(ev.Channel, "personal:") {
		t.Fatalf("matched came on %q", ev.Channel)
	}
	raw, _ := json.Marshal(ev.Data["room"])
	if err := json.Unmarshal(raw, &ra); err != nil {
		t.Fatal(err)
	}
	if ra.ID != rb.ID || ra.Channel != rb.Channel || ra.Me == rb.Me || ra.Partner.Nickname != "Bob" || rb.Partner.Nickname != "Alice" {
		t.Fatalf("room views disagree: alice %+v bob %+v", ra, rb)
	}
	ca.subscribe(ra.Channel)
	cb.subscribe(rb.Channel)
	return
}

// TestTwoStrangersChat follows two users from search to leave through the
// real API, Redis and Centrifugo.
func TestTwoStrangersChat(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, ca, cb := meet(t, st)

	ca.next("bob's join", func(e event) bool { return e.Kind == "join" && e.Member == rb.Me })

	var sent struct {
		ID string `json:"id"`
		TS int64  `json:"ts"`
	}
	bob.MustDo("POST", "/api/rooms/"+rb.ID+"/messages", map[string]string{"text": "hi Alice", "client_msg_id": "b1"}, 201, &sent)
	got := ca.next("bob's message", func(e event) bool { return isType("message")(e) && e.Data["from"] == rb.Me })
	if got.Data["text"] != "hi Alice" || got.Data["from"] != rb.Me || got.Data["id"] != sent.ID {
		t.Fatalf("alice got %v; want bob's message %s", got.Data, sent.ID)
	}
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "hello Bob", "client_msg_id": "a1"}, 201, nil)
	got = cb.next("alice's message", func(e event) bool { return isType("message")(e) && e.Data["from"] == ra.Me })
	if got.Data["text"] != "hello Bob" || got.Data["from"] != ra.Me {
		t.Fatalf("bob got %v", got.Data)
	}

	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/typing", nil, 204, nil)
	if got := cb.next("typing", isType("typing")); got.Data["from"] != ra.Me {
		t.Fatalf("typing from %v; want alice's member id", got.Data["from"])
	}

	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/leave", nil, 204, nil)
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/leave", nil, 204, nil) // idempotent
	if got := cb.next("left", isType("left")); got.Data["from"] != ra.Me {
		t.Fatalf("left from %v", got.Data["from"])
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	bob.MustDo("POST", "/api/rooms/"+rb.ID+"/messages", map[string]string{"text": "wait", "client_msg_id": "b2"}, 409, &e)
	if e.Error.Code != "room_closed" {
		t.Fatalf("code = %q; want room_closed", e.Error.Code)
	}
	// Exactly one "left" reached Bob although Alice left twice.
	for _, ev := range cb.drainEvents(300 * time.Millisecond) {
		if isType("left")(ev) {
			t.Fatal("a second left was published")
		}
	}
	var s apitest.SearchState
	bob.MustDo("GET", "/api/search", nil, 200, &s)
	if s.State != "idle" {
		t.Fatalf("bob state after leave = %s", s.State)
	}
}

// TestRoomIsPrivate: a third user, and a client with a forged token, cannot
// read the room; nothing the partner receives carries a Telegram id.
func TestRoomIsPrivate(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, ca, cb := meet(t, st)

	eve := st.User(t, 1003, "Eve")
	eve.Onboard("Eve", "female", 30)
	eve.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": ra.Channel}, 403, nil)
	for _, path := range []string{"/messages", "/typing", "/leave"} {
		var body any
		if path == "/messages" {
			body = map[string]string{"text": "let me in", "client_msg_id": "e1"}
		}
		eve.MustDo("POST", "/api/rooms/"+ra.ID+path, body, 403, nil)
	}
	bob.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": "personal:" + "x"}, 403, nil)
	eve.MustDo("POST", "/api/rooms/"+strings.Repeat("a", 26)+"/messages", map[string]string{"text": "x", "client_msg_id": "e2"}, 404, nil)

	// Eve's own connection, subscribing with no token, with a token signed
	// by another secret, and with a token the API minted for... nobody.
	ce := connect(t, st, eve)
	for name, tok := range map[string]string{
		"no token":     "",
		"forged token": forgedSubscriptionToken(t, ra.Channel),
	} {
		err := trySubscribe(ce, ra.Channel, tok)
		if err == nil {
			t.Fatalf("%s: eve subscribed to the room", name)
		}
		t.Logf("%s: refused: %v", name, err)
	}

	// Traffic in the room, then leave: collect everything Bob's client got.
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "secret", "client_msg_id": "a1"}, 201, nil)
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/typing", nil, 204, nil)
	ca.c.Close()
	bob.MustDo("POST", "/api/rooms/"+rb.ID+"/leave", nil, 204, nil)
	frames := cb.drainEvents(500 * time.Millisecond)
	if len(frames) < 3 {
		t.Fatalf("bob saw only %d frames", len(frames))
	}
	for _, f := range frames {
		for _, leak := range []string{"1001", "Alice Liddell", "Liddell"} {
			if strings.Contains(f.Raw, leak) || strings.Contains(fmt.Sprint(f.Data), leak) {
				t.Fatalf("bob received %q in %s frame %q", leak, f.Kind, f.Raw)
			}
		}
		if f.Kind == "join" || f.Kind == "leave" {
			if f.User == "1001" || f.Member == "" {
				t.Fatalf("join/leave frame exposes %+v", f)
			}
		}
	}
	// Presence is not open to subscribers at all.
	if _, err := cb.subs[rb.Channel].Presence(t.Context()); err == nil {
		t.Fatal("a subscriber could read presence")
	}
}

func trySubscribe(rc *rtClient, channel, token string) error {
	sub, err := rc.c.NewSubscription(channel, centrifuge.SubscriptionConfig{Token: token})
	if err != nil {
		return err
	}
	defer rc.c.RemoveSubscription(sub)
	errs := make(chan error, 1)
	sub.OnError(func(e centrifuge.SubscriptionErrorEvent) {
		select {
		case errs <- e.Error:
		default:
		}
	})
	sub.OnUnsubscribed(func(e centrifuge.UnsubscribedEvent) {
		select {
		case errs <- fmt.Errorf("unsubscribed: %d %s", e.Code, e.Reason):
		default:
		}
	})
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) {
		select {
		case errs <- nil:
		default:
		}
	})
	rc.c.OnDisconnected(func(e centrifuge.DisconnectedEvent) {
		select {
		case errs <- fmt.Errorf("disconnected: %d %s", e.Code, e.Reason):
		default:
		}
	})
	if err := sub.Subscribe(); err != nil {
		return err
	}
	select {
	case err := <-errs:
		_ = sub.Unsubscribe()
		return err
	case <-time.After(5 * time.Second):
		return errors.New("no answer")
	}
}

// TestRecoveryAfterReconnect: Bob drops, Alice sends 3 messages, Bob comes
// back on the same client and gets exactly those 3, in order.
func TestRecoveryAfterReconnect(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, _, ra, _, _, cb := meet(t, st)
	cb.drainEvents(200 * time.Millisecond)

	if err := cb.c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 1; i <= 3; i++ {
		var m struct{ ID string }
		alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": fmt.Sprintf("missed %d", i), "client_msg_id": fmt.Sprint("m", i)}, 201, &m)
		ids = append(ids, m.ID)
	}
	if err := cb.c.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-cb.subEvt:
		if !e.WasRecovering || !e.Recovered {
			t.Fatalf("resubscribed without recovery: %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not resubscribed")
	}
	var got []string
	for _, e := range cb.drainEvents(time.Second) {
		if isType("message")(e) {
			got = append(got, e.Data["id"].(string))
		}
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("recovered %v; want exactly %v in order", got, ids)
	}
}

// TestSearchExpiresWithPush: a search that waits longer than SEARCH_TTL
// ends, the user is told on the personal channel, and GET /api/search says
// expired until the next search.
func TestSearchExpiresWithPush(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.SearchTTL = 500 * time.Millisecond }})
	lonely := st.User(t, 4001, "Lonely")
	lonely.Onboard("Lonely", "male", 60)
	c := connect(t, st, lonely)
	var s apitest.SearchState
	lonely.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "waiting" {
		t.Fatalf("state = %s", s.State)
	}
	c.next("search_expired", isType("search_expired"))
	lonely.MustDo("GET", "/api/search", nil, 200, &s)
	if s.State != "expired" {
		t.Fatalf("state after expiry = %s", s.State)
	}
	lonely.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "waiting" {
		t.Fatalf("new search = %s", s.State)
	}
	lonely.MustDo("DELETE", "/api/search", nil, 204, nil)
	lonely.MustDo("GET", "/api/search", nil, 200, &s)
	if s.State != "idle" {
		t.Fatalf("after cancel = %s", s.State)
	}
}

// TestSubjectChangesWithSession: what a partner sees of a user in join
// frames changes with every app launch (session), so a partner cannot
// recognise the same person in a later room; a subscription token of
// another session does not fit the connection.
func TestSubjectChangesWithSession(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, _, ra, _, _, cb := meet(t, st)
	cb.drainEvents(300 * time.Millisecond)
	var subjects []string
	for _, session := range []string{"launch-one", "launch-two"} {
		var tok, sub apitest.Token
		alice.MustDo("POST", "/api/centrifugo/connection-token", map[string]string{"session": session}, 200, &tok)
		raw := centrifugotest.DialRaw(t, st.Centrifugo.WSURL, tok.Token)
		alice.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": ra.Channel, "session": session}, 200, &sub)
		if _, err := raw.Subscribe(ra.Channel, sub.Token, 0, ""); err != nil {
			t.Fatalf("session %s: %v", session, err)
		}
		join := cb.next("alice's join", func(e event) bool { return e.Kind == "join" && e.Member == ra.Me })
		subjects = append(subjects, join.User)
		raw.Close()
	}
	if subjects[0] == subjects[1] || subjects[0] == "" {
		t.Fatalf("subjects of two launches = %q; want two different ones", subjects)
	}

	var tok, other apitest.Token
	alice.MustDo("POST", "/api/centrifugo/connection-token", map[string]string{"session": "mine"}, 200, &tok)
	raw := centrifugotest.DialRaw(t, st.Centrifugo.WSURL, tok.Token)
	alice.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": ra.Channel, "session": "not-mine"}, 200, &other)
	if _, err := raw.Subscribe(ra.Channel, other.Token, 0, ""); err == nil {
		t.Fatal("a subscription token of another session was accepted")
	}
	alice.MustDo("POST", "/api/centrifugo/connection-token", map[string]string{"session": "no spaces"}, 422, nil)
}
