package api_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/matchmaker"
)

// spamRun is one account of a scripted spammer, shaped like the public
// scripts for the big anonymous-chat bots: search, send the prepared first
// message, wait a moment, leave, next.
type spamRun struct {
	u     *apitest.User
	texts []string // the prepared message, with the small variations scripts add
}

// TestScriptedSpammerIsHeld (issue 17, acceptance 4): three accounts send
// one prepared message (case, spacing, punctuation, emoji and a look-alike
// Cyrillic letter varied) to partner after partner; a fourth uses different
// texts but the same "send, then leave" rhythm. Each is put on hold within
// the thresholds (5 partners; 8 quick leaves): its next search waits and
// matches nobody, nothing in the app says why, and the operators' review
// queue has the evidence. Later partners never meet them.
func TestScriptedSpammerIsHeld(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0; c.LinksAfterMessages = 0 }})
	ctx := context.Background()
	variants := []string{"Hi! Bored? Join my channel t.me/hot_deals 🔥🔥", "hi bored?? join my channel  t.me/Hot_Deals",
		"HI!!! BORED? JOIN MY CHANNEL t.me/hot_deals", "hi, b0red? j0in my channel t.me/hot_deals 😉", "Нi bored? join my сhannel t.me/hot_deals"}
	var runs []spamRun
	for i := 0; i < 3; i++ {
		u := st.User(t, int64(300_001+i), "S")
		u.Onboard(fmt.Sprint("Spam", i), "female", 22)
		runs = append(runs, spamRun{u: u, texts: variants})
	}
	rhythm := st.User(t, 300_010, "R")
	rhythm.Onboard("Rhythm", "female", 22)
	var rhythmTexts []string
	for i := 0; i < 9; i++ {
		rhythmTexts = append(rhythmTexts, fmt.Sprintf("offer number %d: prizes for everyone who writes %c", i, 'a'+i))
	}
	runs = append(runs, spamRun{u: rhythm, texts: rhythmTexts})

	partner := int64(310_000)
	meet := func(s *apitest.User) (string, bool) {
		partner++
		p := st.User(t, partner, "P")
		p.Onboard(fmt.Sprint("P", partner), "male", 25)
		p.MustDo("POST", "/api/search", adultsAny(), 200, nil)
		var got apitest.SearchState
		s.MustDo("POST", "/api/search", adultsAny(), 200, &got)
		if got.State != "matched" {
			p.MustDo("DELETE", "/api/search", nil, 204, nil)
			return "", false
		}
		return got.Room.ID, true
	}
	for _, r := range runs {
		held := false
		for i := 0; i < len(r.texts) && !held; i++ {
			room, ok := meet(r.u)
			if !ok {
				held = true // its search waited although a compatible partner did too
				break
			}
			r.u.MustDo("POST", "/api/rooms/"+room+"/messages", map[string]string{"text": r.texts[i], "client_msg_id": fmt.Sprint(i)}, 201, nil)
			time.Sleep(150 * time.Millisecond) // "wait a few seconds"
			r.u.MustDo("POST", "/api/rooms/"+room+"/leave", nil, 204, nil)
		}
		if !held {
			// The last step put it on hold: its next search waits.
			_, ok := meet(r.u)
			held = !ok
		}
		if !held {
			t.Fatalf("%s was never held", r.u.InitData[:20])
		}
		// Nothing unusual for the held user: waiting, no restriction.
		var s apitest.SearchState
		r.u.MustDo("GET", "/api/search", nil, 200, &s)
		var me map[string]any
		r.u.MustDo("GET", "/api/me", nil, 200, &me)
		if s.State != "waiting" || me["restriction"] != nil {
			t.Fatalf("a held user sees %v / %v", s, me)
		}
		r.u.MustDo("DELETE", "/api/search", nil, 204, nil)
	}
	keptAsPromised(t, st, 4)
	var kinds []string
	for i := 0; i < 4; i++ {
		rev, err := st.Store.OldestReview(ctx)
		if err != nil || rev == nil || !rev.Held {
			t.Fatalf("review %d = %+v, %v", i, rev, err)
		}
		kinds = append(kinds, rev.Kind)
		if rev.Kind == "same_first" && (rev.Count < 5 || rev.Text == "") {
			t.Fatalf("same-first evidence = %+v", rev)
		}
		if err := st.Store.CloseReview(ctx, rev.UserID); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(kinds) != "[same_first same_first same_first quick_leaves]" {
		t.Fatalf("reviews = %v", kinds)
	}
}

// TestOrdinaryUsersAreNeverHeld (issue 17, acceptance 4): people who open
// with their own words, often just "hi" to everyone, and talk for a while,
// across more rooms than either rule counts, hold nobody. Here a chat counts
// as "left quickly" within 300 ms of one's first message (the setting,
// 20 s by default), and every chat lasts longer than that; each of the
// leavers leaves 10 rooms, more than SPAM_QUICK_LEAVES (8), and says "hi"
// to more partners than SPAM_SAME_FIRST (5).
func TestOrdinaryUsersAreNeverHeld(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) {
		c.RematchCooldown = 0
		c.SpamQuickLeaveAfter = 300 * time.Millisecond
	}})
	ctx := context.Background()
	openers := []string{"hi", "привет", "hey, how is your evening going?", "hello from a rainy city", "hi :)", "good morning! coffee or tea?"}
	var users []*apitest.User
	for i := 0; i < 8; i++ {
		u := st.User(t, int64(320_001+i), "U")
		g := []string{"male", "female"}[i%2]
		u.Onboard(fmt.Sprint("User", i), g, 25+i)
		users = append(users, u)
	}
	for round := 0; round < 10; round++ {
		type chat struct {
			a    *apitest.User
			room string
		}
		var chats []chat
		for i := 0; i < len(users); i += 2 {
			a, b := users[i], users[(i+1+2*round)%len(users)]
			var s apitest.SearchState
			a.MustDo("POST", "/api/search", adultsAny(), 200, &s)
			b.MustDo("POST", "/api/search", adultsAny(), 200, &s)
			if s.State != "matched" {
				t.Fatalf("round %d: no match for a pair: %+v", round, s)
			}
			room := s.Room.ID
			opener := openers[round%len(openers)]
			if i == 0 {
				opener = "hi" // one of them says hi to everyone
			}
			for k := 0; k < 4; k++ {
				text := opener
				if k > 0 {
					text = fmt.Sprintf("%s, and more %d", opener, k)
				}
				a.MustDo("POST", "/api/rooms/"+room+"/messages", map[string]string{"text": text, "client_msg_id": fmt.Sprint("a", k)}, 201, nil)
				b.MustDo("POST", "/api/rooms/"+room+"/messages", map[string]string{"text": fmt.Sprintf("reply %d in round %d", k, round), "client_msg_id": fmt.Sprint("b", k)}, 201, nil)
			}
			chats = append(chats, chat{a, room})
		}
		time.Sleep(400 * time.Millisecond) // the chats of this round go on for a while
		for _, c := range chats {
			c.a.MustDo("POST", "/api/rooms/"+c.room+"/leave", nil, 204, nil)
		}
	}
	if rev, err := st.Store.OldestReview(ctx); err != nil || rev != nil {
		t.Fatalf("an ordinary user is in review: %+v, %v", rev, err)
	}
}

// TestRatingAfterAChat (issue 17, acceptance 5): "How was it?" is asked
// after a chat ends, answered once per member and room, private (nothing of
// it reaches the partner), counted for operators, and many distinct
// partners rating someone down puts them in the review queue without
// holding them.
func TestRatingAfterAChat(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) { c.RematchCooldown = 0 }})
	ctx := context.Background()
	rude := st.User(t, 330_001, "R")
	rude.Onboard("Rude", "male", 30)
	meet := func(p *apitest.User) string {
		p.MustDo("POST", "/api/search", adultsAny(), 200, nil)
		var s apitest.SearchState
		rude.MustDo("POST", "/api/search", adultsAny(), 200, &s)
		if s.State != "matched" {
			t.Fatalf("no match: %+v", s)
		}
		return s.Room.ID
	}
	first := st.User(t, 330_100, "P")
	first.Onboard("P0", "female", 25)
	room := meet(first)
	first.MustDo("POST", "/api/rooms/"+room+"/rating", map[string]string{"value": "down"}, 409, nil) // still going
	rude.MustDo("POST", "/api/rooms/"+room+"/leave", nil, 204, nil)
	for _, bad := range []any{map[string]string{"value": "meh"}, map[string]int{"value": 1}, nil} {
		if code, body := first.Do("POST", "/api/rooms/"+room+"/rating", bad, nil); code != 400 && code != 422 {
			t.Fatalf("rating %v = %d %s", bad, code, body)
		}
	}
	if code, _ := st.User(t, 330_999, "X").Do("POST", "/api/rooms/"+room+"/rating", map[string]string{"value": "up"}, nil); code != 404 && code != 403 {
		t.Fatalf("a stranger rated a room: %d", code)
	}
	first.MustDo("POST", "/api/rooms/"+room+"/rating", map[string]string{"value": "down"}, 204, nil)
	first.MustDo("POST", "/api/rooms/"+room+"/rating", map[string]string{"value": "down"}, 204, nil) // a second is ignored
	rude.MustDo("POST", "/api/rooms/"+room+"/rating", map[string]string{"value": "up"}, 204, nil)
	stats, err := st.Store.Stats(ctx)
	if err != nil || stats.RatedUp != 1 || stats.RatedDown != 1 {
		t.Fatalf("stats = %+v, %v; want 1 up, 1 down", stats, err)
	}
	// The partner's view of the room says nothing about ratings.
	_, body := rude.Do("GET", "/api/rooms/"+room, nil, nil)
	if bytes.Contains(body, []byte("down")) || bytes.Contains(body, []byte("rating")) {
		t.Fatalf("room view leaks a rating: %s", body)
	}
	if rev, _ := st.Store.OldestReview(ctx); rev != nil {
		t.Fatalf("one down-rating opened a review: %+v", rev)
	}
	for i := 1; i < matchmaker.RatingsToReview; i++ {
		p := st.User(t, int64(330_100+i), "P")
		p.Onboard(fmt.Sprint("P", i), "female", 25)
		room := meet(p)
		p.MustDo("POST", "/api/rooms/"+room+"/leave", nil, 204, nil)
		p.MustDo("POST", "/api/rooms/"+room+"/rating", map[string]string{"value": "down"}, 204, nil)
	}
	rev, err := st.Store.OldestReview(ctx)
	if err != nil || rev == nil || rev.Kind != "ratings" || rev.Count != matchmaker.RatingsToReview || rev.Held || rev.TelegramID != 330_001 {
		t.Fatalf("review = %+v, %v", rev, err)
	}
	keptAsPromised(t, st, 1)
	// Ratings alone never stop anyone: the rated user still meets people.
	p := st.User(t, 330_200, "P")
	p.Onboard("Next", "female", 25)
	meet(p)
}

// keptAsPromised checks the privacy policy's "Spam and ratings" promise on
// the keys the spam checks and ratings leave: the counting windows last as
// long as their window, holds and reviews at most the report retention,
// per-chat ratings two days; none is kept for ever. reviews is how many
// users are in review now.
func keptAsPromised(t *testing.T, st *apitest.Stack, reviews int) {
	t.Helper()
	ctx := context.Background()
	retention := 30 * 24 * time.Hour // "kept 30 days" (the store's default)
	bounds := []struct {
		pattern string
		max     time.Duration
	}{
		{"tt:{mm}:sp:*", cmp.Or(st.Config.SpamSameFirstWindow, time.Hour)},        // SPAM_SAME_FIRST_WINDOW
		{"tt:{mm}:ql:*", cmp.Or(st.Config.SpamQuickLeavesWindow, 10*time.Minute)}, // SPAM_QUICK_LEAVES_WINDOW
		{"tt:{mm}:dn:*", 24 * time.Hour},
		{"tt:{mm}:rated:*", 48 * time.Hour},
		{"tt:{mm}:hold:*", retention},
		{"tt:{mm}:review:*", retention}, // each review, and review:open
	}
	seen := 0
	for _, b := range bounds {
		for _, k := range st.RDB.Keys(ctx, b.pattern).Val() {
			if ttl := st.RDB.PTTL(ctx, k).Val(); ttl <= 0 || ttl > b.max {
				t.Fatalf("%s is kept with TTL %v; the policy allows at most %v", k, ttl, b.max)
			}
			if strings.HasPrefix(k, "tt:{mm}:review:") && k != "tt:{mm}:review:open" {
				seen++
			}
		}
	}
	if seen != reviews {
		t.Fatalf("%d reviews kept; want %d", seen, reviews)
	}
}
