package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/bot/bottest"
	"github.com/tetatet/tetatet/matchmaker"
)

// sent matches the messages Telegram took for a user's chat.
func sent(u *bottest.User) func(bottest.Call) bool {
	return func(c bottest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == u.ID && c.Code == 0 }
}

// attempts matches every sendMessage to a user's chat, refused ones too.
func attempts(u *bottest.User) func(bottest.Call) bool {
	return func(c bottest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == u.ID }
}

// checkOpenButton asserts a notice's only button opens the Mini App at
// FRONT_URL.
func checkOpenButton(t *testing.T, c bottest.Call) {
	t.Helper()
	kb := c.Keyboard()
	if len(kb) != 1 || len(kb[0]) != 1 || kb[0][0].WebApp == nil || kb[0][0].WebApp.URL != frontURL {
		t.Fatalf("notice %q keyboard = %+v; want one web_app button to %s", c.Text(), kb, frontURL)
	}
}

func pendingNotices(t *testing.T, h *harness) int64 {
	t.Helper()
	p, err := h.rdb.XPending(context.Background(), "tt:{n}:notices", "bot").Result()
	if err != nil {
		t.Fatalf("xpending: %v", err)
	}
	return p.Count
}

// profile gives a bot user a profile straight in the store and returns the
// internal id.
func (h *harness) profile(t *testing.T, u *bottest.User, nick string) string {
	t.Helper()
	p, err := h.store.PutProfile(context.Background(), u.ID, u.Lang, matchmaker.Profile{Nickname: nick, Gender: matchmaker.Male, Age: 30})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func (h *harness) notify(t *testing.T, userID string, kind matchmaker.NoticeKind) {
	t.Helper()
	if ok, err := h.store.Notify(context.Background(), userID, kind, "", 0, time.Time{}); err != nil || !ok {
		t.Fatalf("notify = %v, %v", ok, err)
	}
}

// TestNoticeWhenAway: Alice's Mini App is closed. A match tells her
// "Partner found"; five messages from Bob within a minute tell her once that
// her partner wrote, a second after the first notice. Neither notice quotes
// Bob or says anything about him; Bob, who is the one searching, gets none.
func TestNoticeWhenAway(t *testing.T) {
	h, st := newStackHarness(t)
	h.start(t)
	alice, bob := h.user("en"), h.user("ru")
	a, b := st.User(t, alice.ID, "Alice Liddell"), st.User(t, bob.ID, "Bob Builder")
	a.Onboard("Alice", "female", 25)
	b.Onboard("Bobnick", "male", 27)
	mark := h.fake.Mark()

	var s apitest.SearchState
	a.MustDo("POST", "/api/search", adults(), 200, &s)
	b.MustDo("POST", "/api/search", adults(), 200, &s)
	if s.State != "matched" || s.Room == nil {
		t.Fatalf("bob's search = %+v; want matched", s)
	}
	found := h.fake.WaitCalls(t, "partner found", mark, 1, sent(alice))[0]
	if found.Text() != "Partner found! Open the chat to say hi." {
		t.Fatalf("found notice = %q", found.Text())
	}
	checkOpenButton(t, found)

	for i := range 5 {
		text := h.secret(fmt.Sprintf("secret line %d from bob", i))
		b.MustDo("POST", "/api/rooms/"+s.Room.ID+"/messages", map[string]string{"text": text, "client_msg_id": fmt.Sprint(i)}, 201, nil)
	}
	calls := h.fake.WaitCalls(t, "partner wrote", mark, 2, sent(alice))
	wrote := calls[1]
	if wrote.Text() != "Your partner wrote to you." {
		t.Fatalf("wrote notice = %q", wrote.Text())
	}
	checkOpenButton(t, wrote)
	if gap := wrote.At.Sub(found.At); gap < time.Second-50*time.Millisecond {
		t.Fatalf("two notices to one chat %v apart; want at least 1 s", gap)
	}
	if more := h.fake.Quiet(1500*time.Millisecond, func(c bottest.Call) bool { return attempts(alice)(c) || attempts(bob)(c) }); len(more) != 0 {
		t.Fatalf("more notices: %q", more[0].Text())
	}
	for _, c := range h.fake.Calls()[mark:] {
		for _, leak := range append([]string{"Bob", "27", "secret line"}, h.secrets...) {
			if strings.Contains(c.Text(), leak) || strings.Contains(c.Params["reply_markup"], leak) {
				t.Fatalf("notice %q carries %q", c.Text(), leak)
			}
		}
	}
	if n := pendingNotices(t, h); n != 0 {
		t.Fatalf("%d notices left unacknowledged", n)
	}
}

// TestNoticeFailuresStayInTheirChat: one user blocked the bot (403: one
// attempt, never retried), one chat is rate-limited (429: waits retry_after),
// one send fails on Telegram's side (500: tried again later). None of it
// delays a fourth user, whose three notices go out a second apart.
func TestNoticeFailuresStayInTheirChat(t *testing.T) {
	h := newHarness(t)
	h.cfg.NoticeRetry = 700 * time.Millisecond
	h.start(t)
	blocked, slowed, flaky, busy := h.user("en"), h.user("en"), h.user("ru"), h.user("en")
	ids := map[*bottest.User]string{}
	for _, u := range []*bottest.User{blocked, slowed, flaky, busy} {
		ids[u] = h.profile(t, u, "Someone")
	}
	h.fake.FailNextFor("sendMessage", blocked.ID, bottest.Forbidden())
	h.fake.FailNextFor("sendMessage", slowed.ID, bottest.TooManyRequests(2))
	h.fake.FailNextFor("sendMessage", flaky.ID, bottest.ServerError())

	mark, start := h.fake.Mark(), time.Now()
	h.notify(t, ids[blocked], matchmaker.NoticePartnerFound)
	h.notify(t, ids[slowed], matchmaker.NoticePartnerFound)
	h.notify(t, ids[flaky], matchmaker.NoticePartnerWrote)
	for range 3 {
		h.notify(t, ids[busy], matchmaker.NoticePartnerWrote)
	}

	got := h.fake.WaitCalls(t, "busy user's notices", mark, 3, sent(busy))
	if d := got[0].At.Sub(start); d > 700*time.Millisecond {
		t.Fatalf("first notice to an unaffected chat after %v", d)
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i].At.Sub(got[i-1].At); gap < time.Second-50*time.Millisecond {
			t.Fatalf("notices %d and %d to one chat %v apart; want at least 1 s", i-1, i, gap)
		}
	}

	slow := h.fake.WaitCalls(t, "rate-limited attempts", mark, 2, attempts(slowed))
	if slow[0].Code != 429 || slow[1].Code != 0 || slow[1].At.Sub(slow[0].At) < 2*time.Second-50*time.Millisecond {
		t.Fatalf("rate-limited chat: codes %d, %d, %v apart; want 429 then sent after retry_after 2 s",
			slow[0].Code, slow[1].Code, slow[1].At.Sub(slow[0].At))
	}
	if !got[0].At.Before(slow[1].At) {
		t.Fatal("the unaffected chat waited for the rate-limited one")
	}

	flakyCalls := h.fake.WaitCalls(t, "retried attempts", mark, 2, attempts(flaky))
	if flakyCalls[0].Code != 500 || flakyCalls[1].Code != 0 || flakyCalls[1].Text() != "Собеседник написал вам." {
		t.Fatalf("failed chat: %d then %d %q; want 500, then the Russian notice", flakyCalls[0].Code, flakyCalls[1].Code, flakyCalls[1].Text())
	}

	if more := h.fake.Quiet(1500*time.Millisecond, func(c bottest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() != 0
	}); len(more) != 0 {
		t.Fatalf("sent again after everything was handled: %d %q", more[0].ChatID(), more[0].Text())
	}
	if all := h.fake.WaitCalls(t, "blocked user's attempt", mark, 1, attempts(blocked)); all[0].Code != 403 {
		t.Fatalf("blocked user's attempt code %d", all[0].Code)
	}
	if n := len(filter(h.fake.Calls()[mark:], attempts(blocked))); n != 1 {
		t.Fatalf("%d attempts for a user who blocked the bot; want 1", n)
	}
	if n := pendingNotices(t, h); n != 0 {
		t.Fatalf("%d notices left unacknowledged", n)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "level=INFO msg=\"notice not delivered: the user blocked the bot") {
		t.Fatal("the refused notice was not logged at info")
	}
}

func filter(calls []bottest.Call, match func(bottest.Call) bool) []bottest.Call {
	var out []bottest.Call
	for _, c := range calls {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// TestNoticeSurvivesRestart: the bot process dies while it sends a notice.
// A new process under the same consumer name sends it, exactly once, and
// also sends the notice queued while no bot ran.
func TestNoticeSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	h.cfg.ConsumerName = "bot-1"
	stop := h.start(t)
	gus, hal := h.user("en"), h.user("en")
	gusID, halID := h.profile(t, gus, "Gus"), h.profile(t, hal, "Hal")

	held := h.fake.HoldNext("sendMessage", gus.ID)
	h.notify(t, gusID, matchmaker.NoticePartnerWrote)
	held.Wait(t)
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	held.Drop() // the process is gone: its call never gets an answer
	<-stopped

	h.notify(t, halID, matchmaker.NoticePartnerFound)
	mark := h.fake.Mark()
	h.start(t)
	h.fake.WaitCalls(t, "gus's notice", mark, 1, sent(gus))
	h.fake.WaitCalls(t, "hal's notice", mark, 1, sent(hal))
	if more := h.fake.Quiet(time.Second, func(c bottest.Call) bool { return attempts(gus)(c) || attempts(hal)(c) }); len(more) != 0 {
		t.Fatalf("sent twice: %q", more[0].Text())
	}
	all := filter(h.fake.Calls(), attempts(gus))
	if len(all) != 2 || all[0].Code != bottest.Dropped || all[1].Code != 0 || all[1].Text() != "Your partner wrote to you." {
		t.Fatalf("gus's attempts = %+v; want the dropped one, then the notice once", all)
	}
	if n := pendingNotices(t, h); n != 0 {
		t.Fatalf("%d notices left unacknowledged", n)
	}
}

// TestNoticeTakenOver: a process dies with a notice in hand and never comes
// back; another process takes it over once it has been idle for
// the takeover time (Config.NoticeTakeover), not before.
func TestNoticeTakenOver(t *testing.T) {
	h := newHarness(t)
	h.cfg.ConsumerName = "dies"
	h.cfg.NoticeTakeover = time.Second
	stop := h.start(t)
	ivy := h.user("en")
	ivyID := h.profile(t, ivy, "Ivy")

	held := h.fake.HoldNext("sendMessage", ivy.ID)
	h.notify(t, ivyID, matchmaker.NoticePartnerFound)
	held.Wait(t)
	since := time.Now()
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	held.Drop()
	<-stopped

	other := h.cfg
	other.ConsumerName = "survives"
	mark := h.fake.Mark()
	h.startWith(t, other)
	got := h.fake.WaitCalls(t, "taken-over notice", mark, 1, sent(ivy))[0]
	if d := got.At.Sub(since); d < time.Second-50*time.Millisecond {
		t.Fatalf("taken over after %v; want at least the takeover time (1 s)", d)
	}
	if more := h.fake.Quiet(1500*time.Millisecond, attempts(ivy)); len(more) != 0 {
		t.Fatalf("sent twice: %q", more[0].Text())
	}
	if n := pendingNotices(t, h); n != 0 {
		t.Fatalf("%d notices left unacknowledged", n)
	}
}

// TestBanNoticeText: the words of a ban or suspension, in the user's
// language, with the date in UTC and nothing else.
func TestBanNoticeText(t *testing.T) {
	h := newHarness(t)
	h.start(t)
	until := time.Date(2031, 3, 4, 5, 6, 0, 0, time.UTC)
	cases := []struct {
		name, lang string
		kind       matchmaker.NoticeKind
		until      time.Time
		want       string
	}{
		{"ban for good", "en", matchmaker.NoticeBanned, time.Time{}, "You have been banned from Tet-a-Tet permanently"},
		{"ban until", "en", matchmaker.NoticeBanned, until, "banned from Tet-a-Tet for breaking the rules, until 2031-03-04 05:06 UTC"},
		{"ban until, ru", "ru", matchmaker.NoticeBanned, until, "до 2031-03-04 05:06 UTC"},
		{"suspension", "en", matchmaker.NoticeSuspended, until, "suspended for breaking the rules, until 2031-03-04 05:06 UTC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := h.user(c.lang)
			id := h.profile(t, u, "Banned")
			mark := h.fake.Mark()
			if _, err := h.store.Notify(context.Background(), id, c.kind, "", 0, c.until); err != nil {
				t.Fatal(err)
			}
			got := h.fake.WaitCalls(t, "notice", mark, 1, sent(u))[0]
			mustContain(t, got, c.want)
			if got.Keyboard() != nil {
				t.Fatalf("a ban notice has buttons: %+v", got.Keyboard())
			}
		})
	}
}

func adults() map[string]any { return map[string]any{"gender": "any", "age_from": 18, "age_to": 99} }
