package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// pairUp onboards two users and matches them with each other: a waits
// alone, b's search finds a.
func pairUp(t *testing.T, st *apitest.Stack, tgA, tgB int64) (a, b *apitest.User, ra, rb apitest.Room) {
	t.Helper()
	a, b = st.User(t, tgA, "A"), st.User(t, tgB, "B")
	a.Onboard(fmt.Sprintf("A%d", tgA), "female", 30)
	b.Onboard(fmt.Sprintf("B%d", tgB), "male", 30)
	var s apitest.SearchState
	a.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	b.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "matched" {
		t.Fatalf("pair %d/%d: %s", tgA, tgB, s.State)
	}
	rb = *s.Room
	a.MustDo("GET", "/api/search", nil, 200, &s)
	if s.Room == nil || s.Room.ID != rb.ID {
		t.Fatalf("pair %d/%d: a is not in b's room: %+v", tgA, tgB, s)
	}
	return a, b, *s.Room, rb
}

func subscriptionToken(t *testing.T, u *apitest.User, channel string) string {
	t.Helper()
	var tok apitest.Token
	u.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": channel}, 200, &tok)
	return tok.Token
}

// TestOpenNeverSkipsAMessage (issue 11, defect 1): in 200 fresh rooms the
// first GET /messages races the partner's first message. Whatever the
// interleaving, the message is in the page or comes after the returned
// stream position: the client that subscribes from there never misses it.
// (Before the fix, the page was read before the channel's position, and a
// message stored and published between the two reads was in neither.)
func TestOpenNeverSkipsAMessage(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	const rooms = 200
	type room struct {
		a, b   *apitest.User
		ra, rb apitest.Room
		raw    *centrifugotest.RawClient
		token  string
	}
	all := make([]room, rooms)
	for i := range all {
		r := &all[i]
		r.a, r.b, r.ra, r.rb = pairUp(t, st, int64(110_000+2*i), int64(110_001+2*i))
		r.raw = rawClientFor(t, st, r.a)
		r.token = subscriptionToken(t, r.a, r.ra.Channel)
	}
	var mu sync.Mutex
	var missing []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 20)
	for i := range all {
		wg.Add(1)
		sem <- struct{}{}
		go func(r *room) {
			defer wg.Done()
			defer func() { <-sem }()
			start := make(chan struct{})
			var sent struct{ ID string }
			var page historyPage
			var inner sync.WaitGroup
			inner.Add(2)
			go func() {
				defer inner.Done()
				<-start
				r.b.MustDo("POST", "/api/rooms/"+r.rb.ID+"/messages", map[string]string{"text": "first", "client_msg_id": "c1"}, 201, &sent)
			}()
			go func() {
				defer inner.Done()
				<-start
				r.a.MustDo("GET", "/api/rooms/"+r.ra.ID+"/messages", nil, 200, &page)
			}()
			close(start)
			inner.Wait()
			seen := false
			for _, m := range page.Messages {
				seen = seen || m.ID == sent.ID
			}
			res, err := r.raw.Subscribe(r.ra.Channel, r.token, page.Stream.Offset, page.Stream.Epoch)
			if err != nil {
				t.Errorf("subscribe: %v", err)
				return
			}
			for _, p := range res.Publications {
				var d struct{ ID string }
				_ = json.Unmarshal(p.Data, &d)
				seen = seen || d.ID == sent.ID
			}
			// Published after the subscription: it comes live.
			for deadline := time.Now().Add(time.Second); !seen && time.Now().Before(deadline); {
				p, ok := r.raw.NextPublication(r.ra.Channel, 100*time.Millisecond)
				if ok {
					var d struct{ ID string }
					_ = json.Unmarshal(p.Data, &d)
					seen = d.ID == sent.ID
				}
			}
			if !seen {
				mu.Lock()
				missing = append(missing, r.ra.ID)
				mu.Unlock()
			}
		}(&all[i])
	}
	wg.Wait()
	if len(missing) > 0 {
		t.Fatalf("%d of %d rooms: the partner's first message is in neither the page nor after the stream position: %v",
			len(missing), rooms, missing[:min(5, len(missing))])
	}
}

// TestRoomStateIsBoundedByTheCap (issue 11, defect 2): with a cap of 10
// messages, 60 messages with client ids leave 10 messages and 10 client ids
// in the room, and no other key of the room grows; the history answer says
// older messages are gone. (Before the fix, the client-id and position
// hashes kept every message for as long as the room lived.)
func TestRoomStateIsBoundedByTheCap(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RoomMaxMessages = 10 }})
	a, b, ra, rb := pairUp(t, st, 120_001, 120_002)
	ctx := context.Background()
	usage := func() int64 {
		var n int64
		keys, err := st.RDB.Keys(ctx, "tt:{r:"+ra.ID+"}*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			n += st.RDB.MemoryUsage(ctx, k).Val()
		}
		return n
	}
	var afterCap int64
	for i := 0; i < 60; i++ {
		u, id := a, ra.ID
		if i%2 == 1 {
			u, id = b, rb.ID
		}
		u.MustDo("POST", "/api/rooms/"+id+"/messages", map[string]string{
			"text": fmt.Sprintf("message %02d %s", i, strings.Repeat("x", 200)), "client_msg_id": fmt.Sprint("cmid-", i)}, 201, nil)
		time.Sleep(100 * time.Millisecond) // under the per-member rate (5/s)
		if i == 19 {
			afterCap = usage()
		}
	}
	rk := "tt:{r:" + ra.ID + "}"
	if n := st.RDB.LLen(ctx, rk+":m").Val(); n != 10 {
		t.Fatalf("messages kept = %d; want the cap of 10", n)
	}
	cids := 0
	for _, f := range st.RDB.HKeys(ctx, rk).Val() {
		if strings.HasPrefix(f, "c:") {
			cids++
		}
	}
	if cids != 10 {
		t.Fatalf("client ids kept = %d; want one per kept message (10)", cids)
	}
	keys, _ := st.RDB.Keys(ctx, rk+"*").Result()
	slices.Sort(keys)
	if want := []string{rk, rk + ":m"}; !slices.Equal(keys, want) {
		t.Fatalf("room keys = %v; want %v", keys, want)
	}
	if final := usage(); final > afterCap+afterCap/10 {
		t.Fatalf("room memory grew from %d B (at the cap) to %d B", afterCap, final)
	}
	var page struct {
		Messages  []struct{ Text string } `json:"messages"`
		HasMore   bool                    `json:"has_more"`
		Truncated bool                    `json:"truncated"`
	}
	a.MustDo("GET", "/api/rooms/"+ra.ID+"/messages?limit=100", nil, 200, &page)
	if len(page.Messages) != 10 || page.HasMore || !page.Truncated || !strings.HasPrefix(page.Messages[0].Text, "message 50") {
		t.Fatalf("history = %d messages, has_more %v, truncated %v; want the last 10 and truncated", len(page.Messages), page.HasMore, page.Truncated)
	}
}

// TestRedisLosesItsLastWrites (issue 11, defect 3): Redis crashes and comes
// back from an older snapshot, as a host crash with appendfsync everysec
// does: the last messages are gone from the store. Every message accepted
// after the restart reaches the partner once, no id is ever used twice, and
// a retry of a lost message is not delivered a second time. (Before the
// fix, ids came from a counter in Redis that rolled back, so new messages
// reused ids the partner already had and were dropped as duplicates.)
func TestRedisLosesItsLastWrites(t *testing.T) {
	rs := redistest.Start(t)
	st := apitest.Start(t, apitest.Options{Redis: rs})
	a, b, ra, rb := pairUp(t, st, 130_001, 130_002)
	ca := connect(t, st, a)
	ca.subscribe(ra.Channel)
	got := map[string][]string{} // text -> ids A received
	var ids []string
	receive := func(text string) {
		t.Helper()
		e := ca.next(text, func(e event) bool { return isType("message")(e) && e.Data["text"] == text })
		id := e.Data["id"].(string)
		got[text] = append(got[text], id)
		ids = append(ids, id)
	}
	sendAs := func(text, cmid string) {
		t.Helper()
		b.MustDo("POST", "/api/rooms/"+rb.ID+"/messages", map[string]string{"text": text, "client_msg_id": cmid}, 201, nil)
		time.Sleep(110 * time.Millisecond) // under the per-member rate
	}
	for i := 1; i <= 5; i++ {
		sendAs(fmt.Sprint("m", i), fmt.Sprint("m", i))
		receive(fmt.Sprint("m", i))
	}
	ctx := context.Background()
	if err := st.RDB.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	snapshot, err := os.ReadFile(filepath.Join(rs.Dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 6; i <= 8; i++ { // delivered, then lost with the crash
		sendAs(fmt.Sprint("m", i), fmt.Sprint("m", i))
		receive(fmt.Sprint("m", i))
	}
	rs.Stop()
	if err := os.WriteFile(filepath.Join(rs.Dir, "dump.rdb"), snapshot, 0o644); err != nil {
		t.Fatal(err)
	}
	rs.Restart(t)
	if n := st.RDB.LLen(ctx, "tt:{r:"+ra.ID+"}:m").Val(); n != 5 {
		t.Fatalf("after the restore the room holds %d messages; want the 5 of the snapshot", n)
	}
	// B's app retries m8, whose answer it never saw, then writes on.
	sendAs("m8", "m8")
	for i := 1; i <= 10; i++ {
		sendAs(fmt.Sprint("n", i), fmt.Sprint("n", i))
		receive(fmt.Sprint("n", i))
	}
	for _, e := range ca.drainEvents(300 * time.Millisecond) {
		if isType("message")(e) {
			got[e.Data["text"].(string)] = append(got[e.Data["text"].(string)], e.Data["id"].(string))
			ids = append(ids, e.Data["id"].(string))
		}
	}
	for text, seen := range got {
		if len(seen) != 1 {
			t.Errorf("%s reached the partner %d times (%v)", text, len(seen), seen)
		}
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("id %s was used twice: %v", id, ids)
		}
		seen[id] = true
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("ids went back: %v", ids)
		}
	}
}

// TestReportAndBlockAfterClear (issue 11, defect 4): after one member
// clears the conversation, the other can still report (with the evidence as
// it was at the clear) and block, until the room expires. (Before the fix
// both answered 404: an abuser could write, clear, and leave no trace.)
func TestReportAndBlockAfterClear(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0 }})
	victim, abuser, rv, ra := pairUp(t, st, 140_001, 140_002)
	abuser.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "something vile", "client_msg_id": "x1"}, 201, nil)
	abuser.MustDo("DELETE", "/api/rooms/"+ra.ID, nil, 204, nil)
	victim.MustDo("POST", "/api/rooms/"+rv.ID+"/report", map[string]string{"reason": "abuse", "comment": "cleared it"}, 204, nil)
	victim.MustDo("POST", "/api/rooms/"+rv.ID+"/leave", map[string]bool{"block": true}, 204, nil)
	r, err := st.Store.OldestOpenReport(context.Background())
	if err != nil || r == nil || r.RoomID != rv.ID || len(r.Evidence) != 1 || r.Evidence[0].Text != "something vile" {
		t.Fatalf("report after the clear = %+v, %v; want one with the cleared message as evidence", r, err)
	}
	if blocked, _ := st.Store.Blocked(context.Background(), r.ReporterID, r.ReportedID); !blocked {
		t.Fatal("the pair is not blocked")
	}
	// The conversation stays gone for both.
	var page historyPage
	victim.MustDo("GET", "/api/rooms/"+rv.ID+"/messages", nil, 200, &page)
	if len(page.Messages) != 0 {
		t.Fatalf("messages after the clear = %v", page.Messages)
	}
	// They never meet again, although both accept each other and the
	// cooldown is off.
	var s apitest.SearchState
	victim.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	abuser.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.State != "waiting" {
		t.Fatalf("the blocked pair met again: %s", s.State)
	}
}

// hangUp sends a request and closes the connection at once, without
// reading the answer: a client that goes away at the worst moment.
func hangUp(t *testing.T, st *apitest.Stack, u *apitest.User, method, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(st.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: tma %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, host, u.InitData, len(b), b)
	conn.Close()
}

// TestReportCarriedOutWhenTheClientHangsUp (issue 11, defects 5 and 6): a
// report whose client closes the socket right after sending it still closes
// the room, blocks the pair, files the report and suspends the reported
// user, and everyone concerned is told. (Before the fix the request's
// context was cancelled half-way: "leave room …: context canceled", the room
// stayed active, no report, no suspension.)
func TestReportCarriedOutWhenTheClientHangsUp(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.ReportsToSuspend = 1 }})
	victim, troll, rv, rt := pairUp(t, st, 150_001, 150_002)
	ct := connect(t, st, troll)
	ct.subscribe(rt.Channel)
	troll.MustDo("POST", "/api/rooms/"+rt.ID+"/messages", map[string]string{"text": "go away", "client_msg_id": "t1"}, 201, nil)
	hangUp(t, st, victim, "POST", "/api/rooms/"+rv.ID+"/report", map[string]string{"reason": "abuse"})
	ct.next("left", isType("left"))
	ct.next("restricted", isType("restricted"))
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	troll.MustDo("POST", "/api/search", adultsAny(), 403, &e)
	if e.Error.Code != "suspended" {
		t.Fatalf("troll's search = %+v; want suspended", e)
	}
	if r, _ := st.Store.OldestOpenReport(context.Background()); r == nil || r.RoomID != rv.ID {
		t.Fatalf("report = %+v; want the one filed", r)
	}
}

// TestMatchPushWhenTheSearcherHangsUp (issue 11, defect 6): the search that
// makes a match is carried out, and the waiting partner told, even if its
// client goes away right after sending it.
func TestMatchPushWhenTheSearcherHangsUp(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	waiter, searcher := st.User(t, 160_001, "W"), st.User(t, 160_002, "S")
	waiter.Onboard("Waiter", "female", 30)
	searcher.Onboard("Searcher", "male", 30)
	cw := connect(t, st, waiter)
	waiter.MustDo("POST", "/api/search", adultsAny(), 200, nil)
	hangUp(t, st, searcher, "POST", "/api/search", adultsAny())
	ev := cw.next("matched", isType("matched"))
	var s apitest.SearchState
	searcher.MustDo("GET", "/api/search", nil, 200, &s)
	if s.State != "matched" || s.Room == nil || ev.Data["room"].(map[string]any)["id"] != s.Room.ID {
		t.Fatalf("searcher = %+v, push %v; want both in one room", s, ev.Data)
	}
}

// freeze stops st's Centrifugo (SIGSTOP, as a hung host) for d; the channel
// is closed once it runs again.
func freeze(t *testing.T, st *apitest.Stack, d time.Duration) <-chan struct{} {
	t.Helper()
	p := st.Centrifugo.Process()
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	thawed := make(chan struct{})
	go func() {
		time.Sleep(d)
		_ = p.Signal(syscall.SIGCONT)
		close(thawed)
	}()
	t.Cleanup(func() { _ = p.Signal(syscall.SIGCONT) })
	return thawed
}

// onChannelOnce checks that each accepted message (id -> text) is on the
// channel exactly once and nothing else is.
func onChannelOnce(t *testing.T, st *apitest.Stack, channel string, accepted map[string]string) {
	t.Helper()
	hist, err := st.Publisher.History(context.Background(), channel)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, raw := range hist {
		var d struct{ ID string }
		_ = json.Unmarshal(raw, &d)
		count[d.ID]++
	}
	for id, text := range accepted {
		if count[id] != 1 {
			t.Errorf("%q (%s) is on %s %d times; want once", text, id, channel, count[id])
		}
	}
	if len(hist) != len(accepted) {
		t.Errorf("%s has %d publications for %d accepted messages", channel, len(hist), len(accepted))
	}
}

// TestFrozenCentrifugoDeliversOnce (issue 11, defect 7; acceptance 5):
// Centrifugo hangs for 4 s (SIGSTOP) while messages are sent; publishes time
// out, the sender retries with the same client_msg_id after Retry-After,
// and when Centrifugo wakes up each accepted message is on the channel
// exactly once. (Before the fix a timed-out publish could still land and the
// retry published it again: the same id twice.)
func TestFrozenCentrifugoDeliversOnce(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.CentrifugoAPITimeout = 500 * time.Millisecond }})
	_, b, _, rb := pairUp(t, st, 170_001, 170_002)
	thawed := freeze(t, st, 4*time.Second)
	accepted := map[string]string{}
	retries := 0
	for i := 0; i < 5; i++ {
		text := fmt.Sprint("frozen ", i)
		for {
			var m struct{ ID string }
			status, raw := b.Do("POST", "/api/rooms/"+rb.ID+"/messages", map[string]string{"text": text, "client_msg_id": text}, &m)
			if status == 201 {
				accepted[m.ID] = text
				break
			}
			if status != 503 {
				t.Fatalf("POST = %d %s; want 201 or 503", status, raw)
			}
			retries++
			time.Sleep(300 * time.Millisecond)
		}
	}
	<-thawed
	if retries == 0 {
		t.Fatal("no publish timed out: Centrifugo was not frozen")
	}
	onChannelOnce(t, st, rb.Channel, accepted)
	t.Logf("%d messages accepted after %d refused tries", len(accepted), retries)
}

// TestFrozenCentrifugoConcurrentSendersDeliverOnce is the frozen-Centrifugo
// test with eight senders in four rooms at once, so publications go in
// batches (centrifugo/batch.go) and room scripts in pipelines while calls
// time out: every accepted message is on its room's channel exactly once
// after the thaw.
func TestFrozenCentrifugoConcurrentSendersDeliverOnce(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.CentrifugoAPITimeout = 500 * time.Millisecond }})
	type sender struct {
		u    *apitest.User
		room apitest.Room
	}
	var senders []sender
	for i := range int64(4) {
		a, b, ra, rb := pairUp(t, st, 175_001+2*i, 175_002+2*i)
		senders = append(senders, sender{a, ra}, sender{b, rb})
	}
	thawed := freeze(t, st, 3*time.Second)
	var mu sync.Mutex
	accepted := map[string]map[string]string{} // channel -> id -> text
	retries := 0
	var wg sync.WaitGroup
	for si, sd := range senders {
		wg.Go(func() {
			for i := range 5 {
				text := fmt.Sprint("frozen ", si, " ", i)
				for {
					var m struct{ ID string }
					status, raw := sd.u.Do("POST", "/api/rooms/"+sd.room.ID+"/messages", map[string]string{"text": text, "client_msg_id": text}, &m)
					if status == 201 {
						mu.Lock()
						if accepted[sd.room.Channel] == nil {
							accepted[sd.room.Channel] = map[string]string{}
						}
						accepted[sd.room.Channel][m.ID] = text
						mu.Unlock()
						break
					}
					if status != 503 {
						t.Errorf("POST = %d %s; want 201 or 503", status, raw)
						return
					}
					mu.Lock()
					retries++
					mu.Unlock()
					time.Sleep(200 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	<-thawed
	if retries == 0 {
		t.Fatal("no publish timed out: Centrifugo was not frozen")
	}
	total := 0
	for ch, ids := range accepted {
		onChannelOnce(t, st, ch, ids)
		total += len(ids)
	}
	if total != 5*len(senders) {
		t.Fatalf("%d messages accepted; want %d", total, 5*len(senders))
	}
	t.Logf("%d messages accepted after %d refused tries", total, retries)
}

// TestOwnMessagesCarryTheClientID (issue 11, defect 8): the sender's app
// knows its own stored message by client_msg_id, in the publication and in
// history; the partner's history shows no client ids.
func TestOwnMessagesCarryTheClientID(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	a, b, ra, rb := pairUp(t, st, 180_001, 180_002)
	cb := connect(t, st, b)
	cb.subscribe(rb.Channel)
	var m struct {
		ID          string `json:"id"`
		ClientMsgID string `json:"client_msg_id"`
	}
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "hello", "client_msg_id": "cm-42"}, 201, &m)
	if m.ClientMsgID != "cm-42" {
		t.Fatalf("answer = %+v", m)
	}
	if ev := cb.next("message", isType("message")); ev.Data["client_msg_id"] != "cm-42" || ev.Data["id"] != m.ID {
		t.Fatalf("publication = %v", ev.Data)
	}
	type page struct {
		Messages []map[string]any `json:"messages"`
	}
	var mine, theirs page
	a.MustDo("GET", "/api/rooms/"+ra.ID+"/messages", nil, 200, &mine)
	b.MustDo("GET", "/api/rooms/"+rb.ID+"/messages", nil, 200, &theirs)
	if len(mine.Messages) != 1 || mine.Messages[0]["client_msg_id"] != "cm-42" {
		t.Fatalf("sender's history = %v", mine.Messages)
	}
	if len(theirs.Messages) != 1 || theirs.Messages[0]["client_msg_id"] != nil {
		t.Fatalf("partner's history = %v; want no client id", theirs.Messages)
	}
}

// TestQueueCountsAndWiderFilter (issue 17): GET /api/queue counts the
// searching users a filter fits, never below 3 exactly, and suggests the
// smallest widening that more of them fit.
func TestQueueCountsAndWiderFilter(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	for i, age := range []int{20, 21, 22, 23} {
		w := st.User(t, int64(260_001+i), "W")
		w.Onboard(fmt.Sprint("Woman", i), "female", age)
		w.MustDo("POST", "/api/search", map[string]any{"gender": "male", "age_from": 18, "age_to": 99}, 200, nil)
	}
	me := st.User(t, 260_100, "Me")
	me.Onboard("Me", "male", 30)
	var q map[string]any
	me.MustDo("GET", "/api/queue?gender=female&age_from=18&age_to=21&suggest=1", nil, 200, &q)
	wider, _ := q["wider"].(map[string]any)
	if q["searching_fit"] != "<3" || q["expected_wait_s"] != nil || wider == nil ||
		wider["gender"] != "female" || wider["age_from"] != 18.0 || wider["age_to"] != 26.0 || wider["searching_fit"] != 4.0 {
		t.Fatalf("queue = %v; want <3 fitting, widen to female 18-26 with 4", q)
	}
	q = nil
	me.MustDo("GET", "/api/queue?gender=any&age_from=18&age_to=99", nil, 200, &q)
	if q["searching_fit"] != 4.0 || q["wider"] != nil {
		t.Fatalf("queue = %v; want 4 and no suggestion asked", q)
	}
	me.MustDo("GET", "/api/queue?gender=robot&age_from=18&age_to=99", nil, 422, nil)
	me.MustDo("GET", "/api/queue?gender=any&age_from=x&age_to=99", nil, 422, nil)
}
