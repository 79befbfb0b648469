package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
)

// NewUser is a client for a user of any running API (one started by a
// test as a process, say), not only a Stack's.
func NewUser(t testing.TB, baseURL, initData string) *User {
	return &User{t: t, base: baseURL, InitData: initData}
}

// Event is a publication a Realtime client received.
type Event struct {
	Channel string
	Data    map[string]any
}

// IsType matches events whose data has this "type".
func IsType(typ string) func(Event) bool {
	return func(e Event) bool { return e.Data["type"] == typ }
}

// Realtime is a real centrifuge-go connection acting for a user, set up the
// way the Mini App does it: tokens come from the API.
type Realtime struct {
	u      *User
	c      *centrifuge.Client
	events chan Event
}

func (u *User) token(path string, body any) (string, error) {
	var tok Token
	if status, raw := u.Do("POST", path, body, &tok); status != http.StatusOK {
		return "", fmt.Errorf("%s: %d %s", path, status, raw)
	}
	return tok.Token, nil
}

// Connect opens the user's connection to Centrifugo at wsURL (their personal
// channel included); it closes when the test ends.
func (u *User) Connect(wsURL string) *Realtime {
	u.t.Helper()
	rt := &Realtime{u: u, events: make(chan Event, 1000)}
	rt.c = centrifuge.NewJsonClient(wsURL, centrifuge.Config{
		GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
			return u.token("/api/centrifugo/connection-token", nil)
		},
	})
	rt.c.OnPublication(func(e centrifuge.ServerPublicationEvent) { rt.events <- decode(e.Channel, e.Data) })
	connected := make(chan struct{}, 1)
	rt.c.OnConnected(func(centrifuge.ConnectedEvent) {
		select {
		case connected <- struct{}{}:
		default:
		}
	})
	if err := rt.c.Connect(); err != nil {
		u.t.Fatal(err)
	}
	u.t.Cleanup(rt.c.Close)
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		u.t.Fatalf("no Centrifugo connection at %s", wsURL)
	}
	return rt
}

// Subscribe joins a room channel with a subscription token from the API.
func (rt *Realtime) Subscribe(channel string) {
	rt.u.t.Helper()
	sub, err := rt.c.NewSubscription(channel, centrifuge.SubscriptionConfig{
		GetToken: func(e centrifuge.SubscriptionTokenEvent) (string, error) {
			return rt.u.token("/api/centrifugo/subscription-token", map[string]string{"channel": e.Channel})
		},
	})
	if err != nil {
		rt.u.t.Fatal(err)
	}
	subscribed := make(chan struct{}, 1)
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) {
		select {
		case subscribed <- struct{}{}:
		default:
		}
	})
	sub.OnPublication(func(e centrifuge.PublicationEvent) { rt.events <- decode(channel, e.Data) })
	if err := sub.Subscribe(); err != nil {
		rt.u.t.Fatal(err)
	}
	select {
	case <-subscribed:
	case <-time.After(10 * time.Second):
		rt.u.t.Fatalf("not subscribed to %s", channel)
	}
}

func decode(channel string, data []byte) Event {
	e := Event{Channel: channel}
	_ = json.Unmarshal(data, &e.Data)
	return e
}

// Await returns the next publication that matches, dropping the others, and
// fails the test after 10 s.
func (rt *Realtime) Await(what string, match func(Event) bool) Event {
	rt.u.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-rt.events:
			if match(e) {
				return e
			}
		case <-deadline:
			rt.u.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// ChatStory is the story every deployment shape must tell: A and B onboard
// and connect (A to wsA, B to wsB), A waits, B's search matches them, A
// learns of it by push, both join the room and messages go both ways.
func ChatStory(t testing.TB, a, b *User, wsA, wsB string) {
	t.Helper()
	a.Onboard("Alice", "female", 25)
	b.Onboard("Bob", "male", 27)
	ra, rb := a.Connect(wsA), b.Connect(wsB)

	adults := map[string]any{"gender": "any", "age_from": 18, "age_to": 99}
	var s SearchState
	a.MustDo("POST", "/api/search", adults, http.StatusOK, &s)
	if s.State != "waiting" {
		t.Fatalf("A's search = %+v; want waiting", s)
	}
	b.MustDo("POST", "/api/search", adults, http.StatusOK, &s)
	if s.State != "matched" || s.Room == nil {
		t.Fatalf("B's search = %+v; want matched", s)
	}
	room := *s.Room
	push := ra.Await("the matched push", IsType("matched"))
	if !strings.HasPrefix(push.Channel, "personal:") {
		t.Fatalf("matched came on %q", push.Channel)
	}
	if got, _ := push.Data["room"].(map[string]any); got["id"] != room.ID {
		t.Fatalf("A was pushed room %v; B is in %s", push.Data["room"], room.ID)
	}
	ra.Subscribe(room.Channel)
	rb.Subscribe(room.Channel)

	said := func(text string) func(Event) bool {
		return func(e Event) bool { return e.Channel == room.Channel && IsType("message")(e) && e.Data["text"] == text }
	}
	b.MustDo("POST", "/api/rooms/"+room.ID+"/messages", map[string]string{"text": "hi A", "client_msg_id": "b1"}, http.StatusCreated, nil)
	ra.Await("B's message", said("hi A"))
	a.MustDo("POST", "/api/rooms/"+room.ID+"/messages", map[string]string{"text": "hi B", "client_msg_id": "a1"}, http.StatusCreated, nil)
	rb.Await("A's message", said("hi B"))
}
