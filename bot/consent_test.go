package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/bot/bottest"
)

// apiUser is the Mini App side of a bot user: init data in their language,
// with a public username when one is given.
func apiUser(st *apitest.Stack, t *testing.T, u *bottest.User, name, username string) *apitest.User {
	au := st.User(t, u.ID, name)
	au.InitData = api.SignInitDataUsername(apitest.BotToken, u.ID, name, username, u.Lang, time.Now())
	return au
}

// TestContactExchangeByBot (issue 16, acceptance 1): Alice (English) offers
// to exchange contacts and the bot says nothing; once Bob (Russian) agrees,
// the fake Bot API receives exactly one message for each, in their
// language, with the other's t.me link, and nothing more, however often
// either taps. Bob's later report does not undo it, and the operator's
// report says the two had exchanged contacts (without the usernames).
func TestContactExchangeByBot(t *testing.T) {
	h, st := newStackHarness(t)
	admin := h.user("en")
	h.cfg.AdminIDs = []int64{admin.ID}
	h.start(t)
	alice, bob := h.user("en"), h.user("ru")
	A := apiUser(st, t, alice, "Alice Liddell", h.secret("alice_in_tg"))
	B := apiUser(st, t, bob, "Bob Builder", h.secret("bob_in_tg"))
	A.Onboard("Alice", "female", 25)
	B.Onboard("Bobnick", "male", 27)
	mark := h.fake.Mark()
	room := match(t, A, B)
	h.fake.WaitCalls(t, "partner found", mark, 1, sent(alice)) // her app is closed
	either := func(c bottest.Call) bool { return attempts(alice)(c) || attempts(bob)(c) }
	path := "/api/rooms/" + room.ID + "/reveal"

	mark = h.fake.Mark()
	A.MustDo("POST", path, nil, 204, nil)
	if more := h.fake.Quiet(time.Second, either); len(more) != 0 {
		t.Fatalf("a one-sided offer made the bot say %q", more[0].Text())
	}
	B.MustDo("POST", path, nil, 204, nil)
	B.MustDo("POST", path, nil, 204, nil)
	A.MustDo("POST", path, nil, 204, nil)
	toAlice := h.fake.WaitCalls(t, "alice's contact", mark, 1, sent(alice))[0]
	toBob := h.fake.WaitCalls(t, "bob's contact", mark, 1, sent(bob))[0]
	if want := "You both agreed to exchange contacts. Here is your partner from Tet-a-Tet: https://t.me/bob_in_tg"; toAlice.Text() != want {
		t.Fatalf("alice got %q; want %q", toAlice.Text(), want)
	}
	if want := "Вы оба согласились обменяться контактами. Ваш собеседник из Tet-a-Tet: https://t.me/alice_in_tg"; toBob.Text() != want {
		t.Fatalf("bob got %q; want %q", toBob.Text(), want)
	}
	if more := h.fake.Quiet(1500*time.Millisecond, either); len(more) != 0 {
		t.Fatalf("more messages after the exchange: %q", more[0].Text())
	}
	if n := pendingNotices(t, h); n != 0 {
		t.Fatalf("%d notices left unacknowledged", n)
	}
	msgs, _ := h.rdb.XRange(context.Background(), "tt:{n}:notices", "-", "+").Result()
	for _, m := range msgs {
		if m.Values["contact"] != nil {
			t.Fatalf("a sent contact notice stays in the stream: %v", m.Values)
		}
	}

	B.MustDo("POST", "/api/rooms/"+room.ID+"/report", map[string]string{"reason": "other"}, 204, nil)
	admin.Say("/reports")
	rep := admin.Expect(t)
	mustContain(t, rep, "The two exchanged contacts (both agreed) on ")
	for _, name := range []string{"alice_in_tg", "bob_in_tg"} {
		if strings.Contains(rep.Text(), name) {
			t.Fatalf("the report shows a username: %q", rep.Text())
		}
	}
}

// TestAgainNoticeByBot (issue 16, acceptance 2): with both apps closed,
// Alice's one-sided wish makes the bot say nothing; when Bob wishes it
// too, each gets one notice, in their language, with the button that opens
// the app, and nothing about the other.
func TestAgainNoticeByBot(t *testing.T) {
	h, st := newStackHarness(t)
	h.start(t)
	alice, bob := h.user("ru"), h.user("en")
	A, B := apiUser(st, t, alice, "Alice Liddell", ""), apiUser(st, t, bob, "Bob Builder", "")
	A.Onboard("Alice", "female", 25)
	B.Onboard("Bobnick", "male", 27)
	mark := h.fake.Mark()
	room := match(t, A, B)
	h.fake.WaitCalls(t, "partner found", mark, 1, sent(alice))
	B.MustDo("POST", "/api/rooms/"+room.ID+"/leave", nil, 204, nil)
	either := func(c bottest.Call) bool { return attempts(alice)(c) || attempts(bob)(c) }

	mark = h.fake.Mark()
	A.MustDo("POST", "/api/rooms/"+room.ID+"/again", nil, 204, nil)
	if more := h.fake.Quiet(time.Second, either); len(more) != 0 {
		t.Fatalf("a one-sided wish made the bot say %q", more[0].Text())
	}
	B.MustDo("POST", "/api/rooms/"+room.ID+"/again", nil, 204, nil)
	toAlice := h.fake.WaitCalls(t, "alice's notice", mark, 1, sent(alice))[0]
	toBob := h.fake.WaitCalls(t, "bob's notice", mark, 1, sent(bob))[0]
	if want := "Ваш прежний собеседник тоже хочет поговорить снова! Откройте чат."; toAlice.Text() != want {
		t.Fatalf("alice got %q; want %q", toAlice.Text(), want)
	}
	if want := "Your partner from earlier wants to talk again too! Open the chat."; toBob.Text() != want {
		t.Fatalf("bob got %q; want %q", toBob.Text(), want)
	}
	checkOpenButton(t, toAlice)
	checkOpenButton(t, toBob)
	if more := h.fake.Quiet(1500*time.Millisecond, either); len(more) != 0 {
		t.Fatalf("more messages: %q", more[0].Text())
	}
}
