package api_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/matchmaker"
)

// The privacy policy's promises (matchmaker/privacy), one test each. The
// promise that a partner sees only the nickname, gender, age and what one
// writes is TestRoomIsPrivate and TestThreeReportsSuspend (every frame and
// answer scanned for Telegram ids).

// keptForGood are the only keys the store keeps without a TTL: profiles
// (until /delete), links from Telegram ids to internal ids, permanent bans,
// blocks and counters, and the search index's heads (per age: a time no
// later than the oldest wait there; ages and times, no user: a bounded few
// hundred small sets). (The search index itself, the active-rooms index and
// the outbox hold only live entries and vanish when empty.)
var keptForGood = regexp.MustCompile(`^tt:(\{u:\w+\}|\{t:\d+\}|\{mm\}:(ban:\w+|bl:\w+:\w+|stats:(users|matches|banned|suspended|again)|seq|ob:seq|ix|ph:[am][mf][mfa]:\d+\.\d+|pb:[am][mf][mfa]))$`)

// census lists every key without a TTL that is not kept for good.
func census(t *testing.T, st *apitest.Stack) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := st.RDB.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, k := range keys {
		ttl := st.RDB.PTTL(ctx, k).Val()
		if ttl < 0 && !keptForGood.MatchString(k) {
			bad = append(bad, fmt.Sprintf("%s (%s)", k, st.RDB.Type(ctx, k).Val()))
		}
	}
	slices.Sort(bad)
	return bad
}

// TestKeyCensus (issue 11, acceptance 4): after a whole story (onboard,
// search, chat past a small cap, read markers, typing, a report, a clear,
// /delete), every Redis key either has a TTL or is on the short list of
// things kept for good.
func TestKeyCensus(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) {
		c.RoomMaxMessages = 10
		c.AwayCheckEvery = time.Millisecond
		c.CentrifugoAPITimeout = 500 * time.Millisecond // the second history removal of a clear is due 2 s after it
	}})
	ctx := context.Background()
	a, b, ra, rb := pairUp(t, st, 190_001, 190_002)
	for i := 0; i < 14; i++ {
		var m struct{ ID string }
		a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": fmt.Sprint("a", i), "client_msg_id": fmt.Sprint("a", i)}, 201, &m)
		b.MustDo("POST", "/api/rooms/"+rb.ID+"/read", map[string]string{"up_to": m.ID}, 204, nil)
		time.Sleep(110 * time.Millisecond)
	}
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/typing", nil, 204, nil)
	b.MustDo("GET", "/api/queue?gender=any&age_from=18&age_to=99", nil, 200, nil)
	b.MustDo("POST", "/api/rooms/"+rb.ID+"/report", map[string]string{"reason": "spam"}, 204, nil)
	a.MustDo("DELETE", "/api/rooms/"+ra.ID, nil, 204, nil)
	c, d, _, rd := pairUp(t, st, 190_003, 190_004)
	d.MustDo("POST", "/api/rooms/"+rd.ID+"/messages", map[string]string{"text": "bye", "client_msg_id": "bye"}, 201, nil)
	e := st.User(t, 190_005, "E")
	e.Onboard("Eve", "female", 70)
	e.MustDo("POST", "/api/search", map[string]any{"gender": "male", "age_from": 90, "age_to": 99}, 200, nil)
	e.MustDo("DELETE", "/api/search", nil, 204, nil)
	if _, err := st.Store.DeleteUser(ctx, d.TG); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store.DeleteUser(ctx, a.TG); err != nil {
		t.Fatal(err)
	}
	_ = c
	// The sweep runs the delayed steps (the second history removal of each
	// clear); then the outbox is empty.
	for deadline := time.Now().Add(15 * time.Second); st.RDB.Exists(ctx, "tt:{mm}:ob").Val() == 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not drain: %v", st.RDB.HGetAll(ctx, "tt:{mm}:obd").Val())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if bad := census(t, st); len(bad) > 0 {
		t.Fatalf("keys kept for ever that the privacy policy does not allow:\n%s", strings.Join(bad, "\n"))
	}
}

// Promise: "a conversation and its messages are deleted ROOM_TTL after its
// last message."
func TestPromiseRoomExpires(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RoomTTL = 2 * time.Second }})
	a, _, ra, _ := pairUp(t, st, 191_001, 191_002)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "soon gone", "client_msg_id": "x"}, 201, nil)
	time.Sleep(1500 * time.Millisecond)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "last one", "client_msg_id": "y"}, 201, nil)
	time.Sleep(1500 * time.Millisecond)
	var page historyPage
	a.MustDo("GET", "/api/rooms/"+ra.ID+"/messages", nil, 200, &page) // 2 s after the first, 1.5 s after the last: kept
	if len(page.Messages) != 2 {
		t.Fatalf("messages 1.5 s after the last one = %d; want 2", len(page.Messages))
	}
	time.Sleep(800 * time.Millisecond)
	a.MustDo("GET", "/api/rooms/"+ra.ID, nil, 404, nil)
	if keys := st.RDB.Keys(context.Background(), "tt:{r:"+ra.ID+"}*").Val(); len(keys) != 0 {
		t.Fatalf("room keys after its TTL: %v", keys)
	}
}

// Promise: "when either of you clears it, its messages are deleted for both
// of you at once; only its last 50 messages stay hidden, readable by nobody,
// until that time, so that either of you can still report the other."
func TestPromiseClearDeletesForBoth(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RoomTTL = time.Hour }})
	ctx := context.Background()
	a, b, ra, rb := pairUp(t, st, 192_001, 192_002)
	for i := 0; i < 3; i++ {
		a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": fmt.Sprint("m", i), "client_msg_id": fmt.Sprint(i)}, 201, nil)
	}
	b.MustDo("DELETE", "/api/rooms/"+rb.ID, nil, 204, nil)
	for _, u := range []struct {
		u  *apitest.User
		id string
	}{{a, ra.ID}, {b, rb.ID}} {
		var page historyPage
		u.u.MustDo("GET", "/api/rooms/"+u.id+"/messages", nil, 200, &page)
		if len(page.Messages) != 0 {
			t.Fatalf("a member still reads %d messages after the clear", len(page.Messages))
		}
	}
	rk := "tt:{r:" + ra.ID + "}"
	if n := st.RDB.Exists(ctx, rk+":m").Val(); n != 0 {
		t.Fatal("the messages are still stored")
	}
	for _, f := range st.RDB.HKeys(ctx, rk).Val() {
		if strings.HasPrefix(f, "c:") {
			t.Fatalf("a client id is still stored: %s", f)
		}
	}
	if ttl := st.RDB.TTL(ctx, rk+":ev").Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("hidden evidence TTL = %v; want at most the room TTL", ttl)
	}
	hist, err := st.Publisher.History(ctx, ra.Channel)
	if err != nil || len(hist) != 0 {
		t.Fatalf("the real-time relay still holds %d messages, %v", len(hist), err)
	}
}

// Promise: "a search is forgotten when it ends (one that ran out, within an
// hour)."
func TestPromiseSearchForgotten(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.SearchTTL = 500 * time.Millisecond }})
	ctx := context.Background()
	u := st.User(t, 193_001, "S")
	u.Onboard("Searcher", "male", 40)
	uid, _ := st.Store.UserID(ctx, u.TG)
	stateKey := "tt:{mm}:st:" + uid
	wide := map[string]any{"gender": "female", "age_from": 90, "age_to": 99}
	u.MustDo("POST", "/api/search", wide, 200, nil)
	u.MustDo("DELETE", "/api/search", nil, 204, nil)
	if st.RDB.Exists(ctx, stateKey).Val() != 0 {
		t.Fatal("a cancelled search is still stored")
	}
	u.MustDo("POST", "/api/search", wide, 200, nil)
	time.Sleep(1500 * time.Millisecond) // expires; the sweep tells the app
	if ttl := st.RDB.TTL(ctx, stateKey).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("an expired search is kept with TTL %v; want within an hour", ttl)
	}
	if n := st.RDB.Keys(ctx, "tt:{mm}:p:*").Val(); len(n) != 0 {
		t.Fatalf("the search index still holds %v", n)
	}
}

// Promise: "reports and the moderators' decisions are kept 30 days" (the
// store's ReportRetention; here one second).
func TestPromiseReportsKeptForTheirRetention(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	ctx := context.Background()
	cfg := st.Config.StoreConfig()
	cfg.ReportRetention = time.Second
	store := matchmaker.New(st.RDB, cfg, nil)
	_, _, rv, _ := pairUp(t, st, 194_001, 194_002)
	v := st.User(t, 194_001, "A")
	if _, err := store.Report(ctx, v.TG, rv.ID, "spam", "first"); err != nil {
		t.Fatal(err)
	}
	r, err := store.OldestOpenReport(ctx)
	if err != nil || r == nil {
		t.Fatalf("report = %v, %v", r, err)
	}
	if _, err := store.ResolveReport(ctx, r.StreamID, "dismissed"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tt:{mm}:reports", "tt:{mm}:reports:decision:" + r.StreamID} {
		if ttl := st.RDB.PTTL(ctx, k).Val(); ttl <= 0 || ttl > time.Second {
			t.Fatalf("%s kept with TTL %v; want at most the retention", k, ttl)
		}
	}
	time.Sleep(1200 * time.Millisecond)
	_, _, rv2, _ := pairUp(t, st, 194_003, 194_004)
	if _, err := store.Report(ctx, 194_003, rv2.ID, "spam", "second"); err != nil {
		t.Fatal(err)
	}
	msgs := st.RDB.XRange(ctx, "tt:{mm}:reports", "-", "+").Val()
	if len(msgs) != 1 || msgs[0].Values["comment"] != "second" {
		t.Fatalf("reports kept = %v; want only the one within the retention", msgs)
	}
}

// Promise: "reports ... are kept 30 days", also when another report follows:
// each report refreshes the stream's TTL, so without the sweep's trim the
// first one lived on until a third report came (here the retention is 3 s;
// the second report comes 1.5 s after the first, and the first must be gone
// once its 3 s have passed, while the second is still kept).
func TestPromiseReportsKeptNoLongerWhenOthersFollow(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	ctx := context.Background()
	cfg := st.Config.StoreConfig()
	cfg.ReportRetention = 3 * time.Second
	store := matchmaker.New(st.RDB, cfg, nil)
	_, _, r1, _ := pairUp(t, st, 194_011, 194_012)
	_, _, r2, _ := pairUp(t, st, 194_013, 194_014)
	first := time.Now()
	if _, err := store.Report(ctx, 194_011, r1.ID, "spam", "first"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := store.Report(ctx, 194_013, r2.ID, "spam", "second"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(first.Add(3200 * time.Millisecond)))
	store.Sweep(ctx, nil)
	msgs := st.RDB.XRange(ctx, "tt:{mm}:reports", "-", "+").Val()
	if len(msgs) != 1 || msgs[0].Values["comment"] != "second" {
		t.Fatalf("reports kept past the first one's retention = %v; want only the second", msgs)
	}
	if open := st.RDB.ZRange(ctx, "tt:{mm}:reports:open", 0, -1).Val(); len(open) != 1 || open[0] != msgs[0].ID {
		t.Fatalf("open reports = %v; want only %s", open, msgs[0].ID)
	}
}

// Promise: "such a queued notice is kept at most 7 days."
func TestPromiseNoticesKeptAWeek(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	ctx := context.Background()
	if _, err := st.Store.NotifyTG(ctx, 195_001, "en", matchmaker.NoticePartnerWrote, "", 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ttl := st.RDB.PTTL(ctx, "tt:{n}:notices").Val(); ttl <= 0 || ttl > matchmaker.NoticeRetention {
		t.Fatalf("notices stream TTL = %v; want at most %v", ttl, matchmaker.NoticeRetention)
	}
}

// Promise: "your profile, search and every conversation of yours that is
// still kept are deleted at once, for your partners too. We keep only the
// link between your Telegram id and an internal number, and any block or
// ban on that number." A deleted user also gets no more tokens and cannot
// read, clear or report old rooms.
func TestPromiseDeleteRemovesEverything(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0 }})
	ctx := context.Background()
	me, p1, r1, rp1 := pairUp(t, st, 196_001, 196_002)
	me.MustDo("POST", "/api/rooms/"+r1.ID+"/messages", map[string]string{"text": "old words", "client_msg_id": "o"}, 201, nil)
	me.MustDo("POST", "/api/rooms/"+r1.ID+"/leave", nil, 204, nil)
	p2 := st.User(t, 196_003, "P2")
	p2.Onboard("Second", "male", 30)
	var s apitest.SearchState
	me.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	p2.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	rp2 := *s.Room
	me.MustDo("GET", "/api/search", nil, 200, &s)
	r2 := *s.Room
	me.MustDo("POST", "/api/rooms/"+r2.ID+"/messages", map[string]string{"text": "new words", "client_msg_id": "n"}, 201, nil)
	uid, _ := st.Store.UserID(ctx, me.TG)

	if _, err := st.Store.DeleteUser(ctx, me.TG); err != nil {
		t.Fatal(err)
	}
	for _, pr := range []struct {
		u  *apitest.User
		id string
	}{{p1, rp1.ID}, {p2, rp2.ID}} {
		var page historyPage
		pr.u.MustDo("GET", "/api/rooms/"+pr.id+"/messages", nil, 200, &page)
		if len(page.Messages) != 0 {
			t.Fatalf("a partner still reads the deleted user's messages: %v", page.Messages)
		}
	}
	var rs struct{ State string }
	p2.MustDo("GET", "/api/rooms/"+rp2.ID, nil, 200, &rs)
	if rs.State != "closed" {
		t.Fatalf("the open room = %s; want closed", rs.State)
	}
	me.MustDo("POST", "/api/centrifugo/connection-token", nil, 409, nil)
	me.MustDo("GET", "/api/rooms/"+r1.ID+"/messages", nil, 403, nil)
	me.MustDo("DELETE", "/api/rooms/"+r1.ID, nil, 403, nil)
	me.MustDo("POST", "/api/rooms/"+r1.ID+"/report", map[string]string{"reason": "spam"}, 403, nil)
	var left []string
	for _, k := range st.RDB.Keys(ctx, "*").Val() {
		if strings.Contains(k, uid) {
			left = append(left, k)
		}
	}
	if len(left) > 0 {
		t.Fatalf("keys naming the deleted user remain: %v", left)
	}
	link := st.RDB.HGetAll(ctx, fmt.Sprintf("tt:{t:%d}", me.TG)).Val()
	if link["id"] != uid || link["deleted"] != "1" || len(link) != 2 {
		t.Fatalf("the Telegram link = %v; want only the id, marked deleted", link)
	}
}
