package api_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

// TestThreeReportsSuspend: three different users report the same troll;
// his next search is 403 suspended with until, his partners saw only
// "left", and nothing logged at info, no response to the others and no
// frame carries a Telegram id or a message text.
func TestThreeReportsSuspend(t *testing.T) {
	logs := &apitest.LogBuffer{}
	st := apitest.Start(t, apitest.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	troll := st.User(t, 3000, "Troll Face")
	troll.Onboard("Troll", "male", 30)
	ct := connect(t, st, troll)
	var bodies []string
	for i := 1; i <= 3; i++ {
		victim := st.User(t, int64(3000+i), "Victim")
		victim.Onboard(fmt.Sprintf("Victim%d", i), "female", 30)
		cv := connect(t, st, victim)
		var s apitest.SearchState
		victim.MustDo("POST", "/api/search", adultsAny(), 200, &s)
		troll.MustDo("POST", "/api/search", adultsAny(), 200, &s)
		if s.State != "matched" {
			t.Fatalf("troll search %d = %s", i, s.State)
		}
		cv.next("matched", isType("matched"))
		ct.subscribe(s.Room.Channel)
		troll.MustDo("POST", "/api/rooms/"+s.Room.ID+"/messages", map[string]string{"text": "insult number " + strconv.Itoa(i), "client_msg_id": "t" + strconv.Itoa(i)}, 201, nil)
		raw := victim.MustDo("POST", "/api/rooms/"+s.Room.ID+"/report", map[string]string{"reason": "abuse", "comment": "very rude"}, 204, nil)
		bodies = append(bodies, string(raw))
		victim.MustDo("POST", "/api/rooms/"+s.Room.ID+"/report", map[string]string{"reason": "abuse"}, 204, nil) // idempotent
		// The troll's client saw "left" and nothing that says "report".
		left := ct.next("left", func(e event) bool { return isType("left")(e) && e.Channel == s.Room.Channel })
		if strings.Contains(left.Raw, "report") {
			t.Fatalf("left frame mentions the report: %s", left.Raw)
		}
	}
	var e struct {
		Error struct {
			Code  string `json:"code"`
			Until int64  `json:"until"`
		} `json:"error"`
	}
	troll.MustDo("POST", "/api/search", adultsAny(), 403, &e)
	if e.Error.Code != "suspended" || e.Error.Until < time.Now().Add(23*time.Hour).UnixMilli() {
		t.Fatalf("suspended search = %+v", e)
	}
	restricted := ct.next("restricted", isType("restricted"))
	if restricted.Data["code"] != "suspended" {
		t.Fatalf("restricted event = %v", restricted.Data)
	}
	var me struct {
		Restriction struct{ Code string } `json:"restriction"`
	}
	troll.MustDo("GET", "/api/me", nil, 200, &me)
	if me.Restriction.Code != "suspended" {
		t.Fatalf("me = %+v", me)
	}
	for _, f := range ct.drainEvents(200 * time.Millisecond) {
		if strings.Contains(f.Raw, "report") || hasValue(f.Raw, "3000", "3001", "3002", "3003") {
			t.Fatalf("troll received %s", f.Raw)
		}
	}
	out := logs.String()
	for _, secret := range []string{"3000", "3001", "3002", "3003", "insult", "very rude"} {
		if strings.Contains(out, secret) {
			t.Fatalf("info log contains %q:\n%s", secret, out)
		}
	}
	for _, b := range bodies {
		if b != "" {
			t.Fatalf("report answered with a body: %s", b)
		}
	}
}

// hasValue reports whether any value in the JSON document raw (a string, or
// a number in its decimal form) equals one of want: a Telegram id in a
// frame, whatever the field.
func hasValue(raw string, want ...string) bool {
	var v any
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case string:
			return slices.Contains(want, x)
		case json.Number:
			return slices.Contains(want, x.String())
		}
		return false
	}
	return walk(v)
}

func TestLeaveAndBlock(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0 }})
	alice, bob, ra, _, _, cb := meet(t, st)
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/leave", `{"block":true}`, 204, nil)
	cb.next("left", isType("left"))
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/leave", `{"block":"yes"}`, 400, nil)
	// Carol and Dave only leave: with the cooldown off they meet again, so
	// what keeps Alice and Bob apart is the block.
	carol, dave := st.User(t, 1007, "Carol"), st.User(t, 1008, "Dave")
	carol.Onboard("Carol", "female", 50)
	dave.Onboard("Dave", "male", 50)
	fifties := map[string]any{"gender": "any", "age_from": 50, "age_to": 50}
	var s apitest.SearchState
	for round := 0; round < 2; round++ {
		carol.MustDo("POST", "/api/search", fifties, 200, &s)
		dave.MustDo("POST", "/api/search", fifties, 200, &s)
		if s.State != "matched" {
			t.Fatalf("round %d: carol and dave = %s; the cooldown should be off", round, s.State)
		}
		dave.MustDo("POST", "/api/rooms/"+s.Room.ID+"/leave", nil, 204, nil)
	}
	alice.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	bob.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "waiting" {
		t.Fatalf("blocked pair rematched: %s", s.State)
	}
}

func TestLinksOnlyAfterAFewMessages(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, _, _ := meet(t, st)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "join t.me/spam", "client_msg_id": "l1"}, 422, &e)
	if e.Error.Code != "link_not_allowed_yet" {
		t.Fatalf("code = %q", e.Error.Code)
	}
	for i := 0; i < 3; i++ {
		send(t, alice, ra.ID, fmt.Sprint("a", i))
		if i < 2 {
			send(t, bob, rb.ID, fmt.Sprint("b", i))
		}
	}
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "@my_handle", "client_msg_id": "l2"}, 422, nil)
	send(t, bob, rb.ID, "b2")
	alice.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "@my_handle", "client_msg_id": "l3"}, 201, nil)
}

// TestMessageRateLimitAcrossReplicas: 30 messages in one second, alternating
// between this test's API server and a cmd/api process sharing its Redis: at least 10 accepted and delivered
// once each in order, the rest 429 with Retry-After, no 5xx, and another
// user is unaffected.
func TestMessageRateLimitAcrossReplicas(t *testing.T) {
	st1 := apitest.Start(t, apitest.Options{})
	alice, bob, ra, rb, _, cb := meet(t, st1)
	// A second API, as its own process, on the same Redis and Centrifugo.
	api2 := apitest.StartProcess(t, st1.Redis, st1.Centrifugo)
	alice2 := apitest.NewUser(t, api2, alice.InitData)

	var accepted []string
	limited := 0
	start := time.Now()
	for i := 0; i < 30; i++ {
		u := alice
		if i%2 == 1 {
			u = alice2
		}
		req, _ := json.Marshal(map[string]string{"text": fmt.Sprint("burst ", i), "client_msg_id": fmt.Sprint("r", i)})
		status, raw := u.Do("POST", "/api/rooms/"+ra.ID+"/messages", req, nil)
		switch status {
		case http.StatusCreated:
			var m struct{ ID string }
			_ = json.Unmarshal(raw, &m)
			accepted = append(accepted, m.ID)
		case http.StatusTooManyRequests:
			limited++
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			if json.Unmarshal(raw, &e) != nil || e.Error.Code != "rate_limited" {
				t.Fatalf("429 body %s", raw)
			}
		default:
			t.Fatalf("message %d: status %d %s", i, status, raw)
		}
	}
	t.Logf("30 messages in %v: %d accepted, %d limited", time.Since(start).Round(time.Millisecond), len(accepted), limited)
	if len(accepted) < 10 || limited == 0 || len(accepted) > 16 {
		t.Fatalf("accepted %d, limited %d; want the burst of 10 (+ refill), the rest limited across both servers", len(accepted), limited)
	}
	status, _ := alice.Do("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "x", "client_msg_id": "rx"}, nil)
	if status != 429 {
		t.Fatalf("status %d", status)
	}
	req, _ := http.NewRequest("POST", st1.URL+"/api/rooms/"+ra.ID+"/messages", strings.NewReader(`{"text":"y","client_msg_id":"ry"}`))
	req.Header.Set("Authorization", "tma "+alice.InitData)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Bob is not limited by Alice's burst.
	send(t, bob, rb.ID, "bob is fine")

	var got []string
	for _, e := range cb.drainEvents(time.Second) {
		if isType("message")(e) && e.Data["from"] == ra.Me {
			got = append(got, e.Data["id"].(string))
		}
	}
	if strings.Join(got, ",") != strings.Join(accepted, ",") {
		t.Fatalf("bob received %v; want each accepted message once, in order: %v", got, accepted)
	}
}

// TestPrivacyPage: the policy served at /privacy quotes this deployment's
// settings (here a 12-hour ROOM_TTL and a cap of 500 messages), not fixed
// numbers, in both languages.
func TestPrivacyPage(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RoomTTL = 12 * time.Hour; c.RoomMaxMessages = 500 }})
	anon := st.User(t, 0, "")
	anon.InitData = ""
	raw := anon.MustDo("GET", "/privacy", nil, 200, nil)
	for _, want := range []string{"/delete", "Политика", "deleted 12 hours after its last message", "at most the last 500",
		"через 12 ч после последнего сообщения", "kept 30 days", "We show no ads",
		// What each feature stores (issues 14-17): interests, filters kept in
		// Telegram's storage, read markers, media kept for a report, the
		// record of an exchange, spam checks and ratings.
		"the interests you pick", "storage for this app", "how far each of you has read", "with the photos and voice messages among them",
		"only the fact that your two accounts did", "per-chat ratings two days", "выбранные интересы", "дочитал", "обменялись контактами"} {
		if !strings.Contains(string(raw), want) {
			t.Fatalf("privacy page lacks %q: %.300s", want, raw)
		}
	}
	var cfg map[string]any
	anon.MustDo("GET", "/api/config", nil, 200, &cfg)
	if cfg["privacy_url"] != "/privacy" {
		t.Fatalf("config = %v", cfg)
	}
}
