package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

// TestMinorsMode (issue 17, acceptance 5): on top of "minors only with
// minors", two 16/17-year-olds get stricter rules, each refused with 403
// minors_not_allowed naming the rule: no links ever (not even after the
// links rule for adults would allow them), no photos or voice, no contact
// exchange, no meeting again; and a lower message rate (burst 5, then 429
// with Retry-After). GET /api/me says teen_mode; an adult's does not. A
// report by a minor is the first the operators see, ahead of older adult
// reports.
func TestMinorsMode(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0 }})
	ctx := context.Background()

	// An adult report first, so the minor's comes later in time.
	ad1, _, adultRoom, _ := pairUp(t, st, 350_001, 350_002)
	ad1.MustDo("POST", "/api/rooms/"+adultRoom.ID+"/report", map[string]string{"reason": "abuse"}, 204, nil)
	var me map[string]any
	ad1.MustDo("GET", "/api/me", nil, 200, &me)
	if _, ok := me["teen_mode"]; ok {
		t.Fatalf("an adult's /me = %v", me)
	}

	ivy, jack := st.User(t, 350_101, "Ivy"), st.User(t, 350_102, "Jack")
	ivy.Onboard("Ivy", "female", 16)
	jack.Onboard("Jack", "male", 17)
	teens := map[string]any{"gender": "any", "age_from": 16, "age_to": 17}
	var s apitest.SearchState
	ivy.MustDo("POST", "/api/search", teens, 200, &s)
	jack.MustDo("POST", "/api/search", teens, 200, &s)
	if s.State != "matched" {
		t.Fatalf("teens not matched: %+v", s)
	}
	room := s.Room.ID
	ivy.MustDo("GET", "/api/me", nil, 200, &me)
	if me["teen_mode"] != true {
		t.Fatalf("a 16-year-old's /me = %v; want teen_mode", me)
	}

	var status struct {
		Minors bool
		Unlock struct{ Me, Partner int }
	}
	ivy.MustDo("GET", "/api/rooms/"+room, nil, 200, &status)
	if !status.Minors {
		t.Fatal("the teens' room status does not say minors mode")
	}
	refused := func(u *apitest.User, method, path string, body any, rule string) {
		t.Helper()
		var e struct {
			Error struct{ Code, Message, Rule string }
		}
		status, raw := u.Do(method, path, body, &e)
		if status != 403 || e.Error.Code != "minors_not_allowed" || e.Error.Rule != rule || e.Error.Message == "" {
			t.Fatalf("%s %s = %d %s; want 403 minors_not_allowed, rule %s", method, path, status, raw, rule)
		}
	}
	msg := func(u *apitest.User, text, id string) (int, []byte) {
		return u.Do("POST", "/api/rooms/"+room+"/messages", map[string]string{"text": text, "client_msg_id": id}, nil)
	}
	// Enough messages on both sides that an adult room would allow links.
	for i := 0; i < 4; i++ {
		for _, u := range []*apitest.User{ivy, jack} {
			if status, raw := msg(u, fmt.Sprint("hello ", i), fmt.Sprint("h", i)); status != 201 {
				t.Fatalf("message %d = %d %s", i, status, raw)
			}
		}
	}
	for _, link := range []string{"see t.me/somechannel", "my insta is @someone_here", "https://example.com/x"} {
		refused(ivy, "POST", "/api/rooms/"+room+"/messages", map[string]string{"text": link, "client_msg_id": link}, "links")
	}
	code, _ := ivy.Do("POST", "/api/rooms/"+room+"/media", []byte("\xff\xd8\xff not really a jpeg"), nil)
	if code != 403 && code != 415 {
		t.Fatalf("a minor's upload = %d", code)
	}
	refused(ivy, "POST", "/api/rooms/"+room+"/reveal", nil, "reveal")

	// The lower rate: after a pause that refills the bucket, 5 at once go
	// through and then 429s with Retry-After begin (adults: burst 10).
	var limited bool
	sent := 0
	for i := 0; i < 12 && !limited; i++ {
		status, raw := msg(jack, fmt.Sprint("quick ", i), fmt.Sprint("q", i))
		switch status {
		case 201:
			sent++
		case 429:
			limited = strings.Contains(string(raw), "rate_limited")
		default:
			t.Fatalf("quick message = %d %s", status, raw)
		}
	}
	if !limited || sent > 5 {
		t.Fatalf("a minor sent %d quick messages before 429 (limited %v); want at most 5", sent, limited)
	}

	jack.MustDo("POST", "/api/rooms/"+room+"/report", map[string]string{"reason": "other"}, 204, nil)
	refused(ivy, "POST", "/api/rooms/"+room+"/again", nil, "again")
	rep, err := st.Store.OldestOpenReport(ctx)
	if err != nil || rep == nil || rep.RoomID != room {
		t.Fatalf("first report for operators = %+v, %v; want the minor's, in room %s", rep, err, room)
	}
}

// TestRoomSaysWhatIsUnlocked: the room status counts down the messages
// each side still has to send before links, photos and voice are allowed,
// so the app can say it before anyone tries; adults' rooms are not minors.
func TestRoomSaysWhatIsUnlocked(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.LinksAfterMessages = 2 }})
	a, b, ra, _ := pairUp(t, st, 351_001, 351_002)
	type status struct {
		Minors bool
		Unlock struct{ Me, Partner int }
	}
	check := func(u *apitest.User, me, partner int) {
		t.Helper()
		var s status
		u.MustDo("GET", "/api/rooms/"+ra.ID, nil, 200, &s)
		if s.Minors || s.Unlock.Me != me || s.Unlock.Partner != partner {
			t.Fatalf("status = %+v; want unlock %d/%d, not minors", s, me, partner)
		}
	}
	check(a, 2, 2)
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "one", "client_msg_id": "1"}, 201, nil)
	check(a, 1, 2)
	check(b, 2, 1)
	for i, u := range []*apitest.User{a, b, b} {
		u.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "more", "client_msg_id": fmt.Sprint("m", i)}, 201, nil)
	}
	check(a, 0, 0)
}
