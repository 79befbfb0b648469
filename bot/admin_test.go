package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
	"github.com/go-telegram/bot/models"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/bot/bottest"
	"github.com/tetatet/tetatet/matchmaker"
)

// roomWatcher is a real Centrifugo client with the Mini App open in a room.
type roomWatcher struct {
	t    *testing.T
	pubs chan map[string]any
}

// watchRoom connects u's client the way the Mini App does and subscribes
// to the room channel.
func watchRoom(t *testing.T, st *apitest.Stack, u *apitest.User, channel string) *roomWatcher {
	t.Helper()
	token := func(path string, body any) (string, error) {
		var tok apitest.Token
		if status, raw := u.Do("POST", path, body, &tok); status != 200 {
			return "", fmt.Errorf("%s: %d %s", path, status, raw)
		}
		return tok.Token, nil
	}
	c := centrifuge.NewJsonClient(st.Centrifugo.WSURL, centrifuge.Config{
		GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
			return token("/api/centrifugo/connection-token", nil)
		},
	})
	t.Cleanup(c.Close)
	w := &roomWatcher{t: t, pubs: make(chan map[string]any, 100)}
	sub, err := c.NewSubscription(channel, centrifuge.SubscriptionConfig{
		GetToken: func(e centrifuge.SubscriptionTokenEvent) (string, error) {
			return token("/api/centrifugo/subscription-token", map[string]string{"channel": e.Channel})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	subscribed := make(chan struct{}, 1)
	sub.OnSubscribed(func(centrifuge.SubscribedEvent) { subscribed <- struct{}{} })
	sub.OnPublication(func(e centrifuge.PublicationEvent) {
		var m map[string]any
		_ = json.Unmarshal(e.Data, &m)
		w.pubs <- m
	})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-subscribed:
	case <-time.After(5 * time.Second):
		t.Fatalf("not subscribed to %s", channel)
	}
	return w
}

// next waits for a publication of the given type.
func (w *roomWatcher) next(typ string) map[string]any {
	w.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-w.pubs:
			if m["type"] == typ {
				return m
			}
		case <-deadline:
			w.t.Fatalf("no %q publication within 5 s", typ)
		}
	}
}

// match puts a in the queue and b after: they are matched. It returns the
// room as b sees it.
func match(t *testing.T, a, b *apitest.User) apitest.Room {
	t.Helper()
	var s apitest.SearchState
	a.MustDo("POST", "/api/search", adults(), 200, &s)
	if s.State != "waiting" {
		t.Fatalf("first search = %+v; want waiting", s)
	}
	b.MustDo("POST", "/api/search", adults(), 200, &s)
	if s.State != "matched" || s.Room == nil {
		t.Fatalf("second search = %+v; want matched", s)
	}
	return *s.Room
}

func say(t *testing.T, u *apitest.User, roomID, text string) {
	t.Helper()
	u.MustDo("POST", "/api/rooms/"+roomID+"/messages", map[string]string{"text": text, "client_msg_id": text}, 201, nil)
}

func internalID(t *testing.T, st *apitest.Stack, tg int64) string {
	t.Helper()
	id, err := st.Store.UserID(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestOperatorBan follows a report from the Mini App to a ban: Rita reports
// Carl; Carl has moved on to a room with Pat, who has it open. A curious
// user's /reports, and a forged tap on the ban button, reveal and do
// nothing. The operator's /reports shows the report with its evidence;
// "Ban for good" ends Carl's room (Pat sees "left"), refuses his next
// search, and the bot tells him, without the reason, the reporter or any
// message. /stats and /unban finish the story.
func TestOperatorBan(t *testing.T) {
	h, st := newStackHarness(t)
	admin := h.user("en")
	h.cfg.AdminIDs = []int64{admin.ID}
	h.start(t)
	ctx := context.Background()
	rita, carl, pat, nosy := h.user("en"), h.user("en"), h.user("en"), h.user("en")
	R, C := st.User(t, rita.ID, "Rita Reporter"), st.User(t, carl.ID, "Carl Culprit")
	P, N := st.User(t, pat.ID, "Pat Partner"), st.User(t, nosy.ID, "Nosy Parker")
	R.Onboard("Rita", "female", 30)
	C.Onboard("Carl", "male", 31)
	P.Onboard("Pat", "female", 32)
	N.Onboard("Nosy", "male", 40)
	ritaID, carlID := internalID(t, st, rita.ID), internalID(t, st, carl.ID)

	room := match(t, R, C)
	say(t, R, room.ID, h.secret("hello there, how are you"))
	say(t, C, room.ID, h.secret("send me your photos now"))
	comment := h.secret("asked for photos twice")
	R.MustDo("POST", "/api/rooms/"+room.ID+"/report", map[string]string{"reason": "sexual", "comment": comment}, 204, nil)

	room2 := match(t, P, C)
	pats := watchRoom(t, st, P, room2.Channel)

	// Someone else's /reports is an unknown command to them.
	nosy.Say("/reports")
	reply := nosy.Expect(t)
	if reply.Text() != "I understand the buttons below and the commands /start, /help, /privacy and /delete." {
		t.Fatalf("a non-operator's /reports got %q", reply.Text())
	}
	for _, cmd := range []string{"/stats", "/unban " + carlID} {
		nosy.Say(cmd)
		if got := nosy.Expect(t); got.Text() != reply.Text() {
			t.Fatalf("a non-operator's %s got %q", cmd, got.Text())
		}
	}

	admin.Say("/reports")
	rep := admin.Expect(t)
	mustContain(t, rep, "Reason: sexual", "Comment: "+comment,
		"Reporter: "+ritaID+" (Telegram "+strconv.FormatInt(rita.ID, 10)+")",
		"Reported: "+carlID+" (Telegram "+strconv.FormatInt(carl.ID, 10)+")",
		"(2 of 2 messages)", "reporter: hello there, how are you", "reported: send me your photos now")
	if i, j := strings.Index(rep.Text(), "hello there"), strings.Index(rep.Text(), "send me"); i > j {
		t.Fatal("evidence is not in the order written")
	}

	// A forged tap by someone else does nothing.
	ban, _ := rep.Button("Ban for good")
	forged := nosy.Callback(rep.MessageID(), ban.CallbackData)
	h.fake.Push(models.Update{CallbackQuery: forged})
	toast := h.fake.Find(t, "answer to the forged tap", func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.Params["callback_query_id"] == forged.ID
	})
	if toast.Params["text"] != "This button is no longer active." {
		t.Fatalf("forged tap toast = %q", toast.Params["text"])
	}
	if r, _ := st.Store.OldestOpenReport(ctx); r == nil {
		t.Fatal("a forged tap decided the report")
	}
	if r, _ := st.Store.Restriction(ctx, carlID); r != nil {
		t.Fatalf("a forged tap restricted carl: %+v", r)
	}

	mark := h.fake.Mark()
	admin.Tap(t, rep, "Ban for good")
	mustContain(t, admin.Expect(t), "banned for good")
	if left := pats.next("left"); left["from"] != room2.Me {
		t.Fatalf("left = %v; want from carl's member %s", left, room2.Me)
	}
	status, body := C.Do("POST", "/api/search", adults(), nil)
	if status != 403 || !strings.Contains(string(body), `"banned"`) {
		t.Fatalf("carl's search after the ban = %d %s; want 403 banned", status, body)
	}
	note := h.fake.WaitCalls(t, "ban notice", mark, 1, sent(carl))[0]
	mustContain(t, note, "banned", "permanently")
	leaks := append([]string{"sexual", "Rita", ritaID, "Pat", strconv.FormatInt(rita.ID, 10), strconv.FormatInt(carl.ID, 10)}, h.secrets...)
	for _, leak := range leaks {
		if strings.Contains(note.Text(), leak) {
			t.Fatalf("ban notice %q carries %q", note.Text(), leak)
		}
	}
	if r, _ := st.Store.OldestOpenReport(ctx); r != nil {
		t.Fatalf("report still open: %+v", r.ID)
	}

	// The old report message's buttons no longer act.
	admin.Tap(t, rep, "Dismiss")
	mustContain(t, admin.Expect(t), "already decided")

	admin.Say("/stats")
	mustContain(t, admin.Expect(t), "Users: 4", "Open reports: 0")
	admin.Say("/reports")
	mustContain(t, admin.Expect(t), "No open reports.")

	admin.Say("/unban")
	mustContain(t, admin.Expect(t), "Send /unban followed by")
	admin.Say("/unban " + carlID)
	mustContain(t, admin.Expect(t), "User "+carlID+" is no longer banned")
	C.MustDo("POST", "/api/search", adults(), 200, nil)
	admin.Say("/unban " + carlID)
	mustContain(t, admin.Expect(t), "was not banned")
}

// TestOperatorDecisions: "Ban 7 days" bans until a week from now and says
// so; "Dismiss" only closes the report. A report whose evidence would not
// fit in one message shows the newest messages that do.
func TestOperatorDecisions(t *testing.T) {
	h := newHarness(t)
	admin := h.user("ru")
	h.cfg.AdminIDs = []int64{admin.ID}
	h.start(t)
	ctx := context.Background()
	anyone := matchmaker.Filter{Gender: matchmaker.GenderAny, AgeFrom: 18, AgeTo: 99}

	report := func(reason string, lines int) (reporter, reported string) {
		t.Helper()
		a, b := h.user("en"), h.user("en")
		reporter, reported = h.profile(t, a, "Reporter"), h.profile(t, b, "Reported")
		if _, err := h.store.Search(ctx, reporter, anyone); err != nil {
			t.Fatal(err)
		}
		m, err := h.store.Search(ctx, reported, anyone)
		if err != nil || m.Room == nil {
			t.Fatalf("match = %+v, %v", m, err)
		}
		for i := range lines {
			text := fmt.Sprintf("%03d %s", i, strings.Repeat("ж", 900))
			if _, err := h.store.AddMessage(ctx, b.ID, m.Room.ID, matchmaker.NewMessage{Text: text, ClientMsgID: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := h.store.Report(ctx, a.ID, m.Room.ID, reason, ""); err != nil {
			t.Fatal(err)
		}
		return reporter, reported
	}
	_, long := report("spam", 50)
	_, dismissed := report("other", 0)

	admin.Say("/reports")
	rep := admin.Expect(t)
	mustContain(t, rep, "Причина: spam", "Комментарий: —", "049 жжж", "из 50 сообщений")
	if strings.Contains(rep.Text(), "000 жжж") {
		t.Fatal("the oldest message shown instead of the newest")
	}
	mark := h.fake.Mark()
	admin.Tap(t, rep, "Бан на 7 дней")
	week := time.Now().Add(7 * 24 * time.Hour).UTC()
	mustContain(t, admin.Expect(t), "заблокирован до "+week.Format("2006-01-02"))
	r, err := h.store.Restriction(ctx, long)
	if err != nil || r == nil || r.Code != matchmaker.Banned || r.Until.Sub(week) > time.Minute || week.Sub(r.Until) > time.Minute {
		t.Fatalf("restriction = %+v, %v; want banned until about %v", r, err, week)
	}
	note := h.fake.WaitCalls(t, "ban notice", mark, 1, func(c bottest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() != admin.ID && c.Code == 0
	})[0]
	mustContain(t, note, "until "+week.Format("2006-01-02"))

	admin.Say("/reports")
	rep = admin.Expect(t)
	mustContain(t, rep, "Причина: other", "В комнате нет сообщений.")
	admin.Tap(t, rep, "Отклонить")
	mustContain(t, admin.Expect(t), "отклонена")
	if r, _ := h.store.Restriction(ctx, dismissed); r != nil {
		t.Fatalf("dismissed report restricted the user: %+v", r)
	}
	if open, _ := h.store.OldestOpenReport(ctx); open != nil {
		t.Fatalf("report %s still open", open.ID)
	}
}

// TestOperatorSeesAReportedPhoto (issue 15): a report keeps the room's
// photos for the operators; /reports sends the operator the photo itself
// (as a spoiler, captioned with its evidence line) before the report, and
// the evidence names it. Nobody else gets it.
func TestOperatorSeesAReportedPhoto(t *testing.T) {
	h, st := newStackHarness(t)
	admin := h.user("en")
	h.cfg.AdminIDs = []int64{admin.ID}
	h.start(t)
	rita, carl := h.user("en"), h.user("en")
	R, C := st.User(t, rita.ID, "Rita"), st.User(t, carl.ID, "Carl")
	R.Onboard("Rita", "female", 30)
	C.Onboard("Carl", "male", 31)
	room := match(t, R, C)
	for i := 0; i < 3; i++ { // the links rule: media after three messages each
		say(t, R, room.ID, fmt.Sprint("r", i))
		say(t, C, room.ID, fmt.Sprint("c", i))
	}
	img := image.NewRGBA(image.Rect(0, 0, 60, 40))
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, img, nil); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", st.URL+"/api/rooms/"+room.ID+"/media", bytes.NewReader(photo.Bytes()))
	req.Header.Set("Authorization", "tma "+C.InitData)
	req.Header.Set("Content-Type", "image/jpeg")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload = %v, %v", resp, err)
	}
	var up struct {
		MediaID string `json:"media_id"`
	}
	json.NewDecoder(resp.Body).Decode(&up)
	resp.Body.Close()
	C.MustDo("POST", "/api/rooms/"+room.ID+"/messages", map[string]any{"media_id": up.MediaID, "client_msg_id": "pic"}, 201, nil)
	R.MustDo("POST", "/api/rooms/"+room.ID+"/report", map[string]string{"reason": "sexual"}, 204, nil)
	obj, err := st.Store.OpenMedia(context.Background(), rita.ID, up.MediaID, false)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(obj.Body)
	obj.Body.Close()

	mark := h.fake.Mark()
	admin.Say("/reports")
	sent := h.fake.WaitCalls(t, "the reported photo", mark, 1, to(admin, "sendPhoto"))[0]
	if !bytes.Equal(sent.Files["photo"], want) || sent.Params["has_spoiler"] != "true" || !strings.Contains(sent.Params["caption"], "[photo]") {
		t.Fatalf("sendPhoto = %d bytes, params %v; want the stored photo as a captioned spoiler", len(sent.Files["photo"]), sent.Params)
	}
	mustContain(t, admin.Expect(t), "[photo]")
	for _, c := range h.fake.Calls() {
		if c.Method == "sendPhoto" && c.ChatID() != admin.ID {
			t.Fatalf("a photo went to chat %d", c.ChatID())
		}
	}
}

// TestOperatorReview (issue 17): a user the store put on hold for spam
// across chats is the oldest item of /review, with the evidence; a
// non-operator's /review is an unknown command. "Release" lifts the hold:
// the user's waiting search enters the queue and matches. A second hold,
// decided "Ban for good", bans for good and empties the queue; /stats
// counts reviews.
func TestOperatorReview(t *testing.T) {
	h := newHarness(t)
	admin := h.user("en")
	h.cfg.AdminIDs = []int64{admin.ID}
	h.start(t)
	ctx := context.Background()
	anyone := matchmaker.Filter{Gender: matchmaker.GenderAny, AgeFrom: 18, AgeTo: 99}
	spam := "Bored? Join my channel t.me/hot_deals 🔥"
	hold := func(nick string) string {
		t.Helper()
		id := h.profile(t, h.user("en"), nick)
		for i := 0; i < 5; i++ {
			held, err := h.store.RecordFirstMessage(ctx, id, fmt.Sprint("partner", i), fmt.Sprint("room", i), spam)
			if err != nil || held != (i == 4) {
				t.Fatalf("first message %d: held %v, %v", i, held, err)
			}
		}
		return id
	}
	spammer := hold("Spammer")
	if m, err := h.store.Search(ctx, spammer, anyone); err != nil || m.Room != nil {
		t.Fatalf("held search = %+v, %v", m, err)
	}
	partner := h.profile(t, h.user("en"), "Partner")
	if m, err := h.store.Search(ctx, partner, anyone); err != nil || m.Room != nil {
		t.Fatalf("a partner met a held user: %+v, %v", m, err)
	}

	nosy := h.user("en")
	nosy.Say("/review")
	if got := nosy.Expect(t).Text(); strings.Contains(got, "Spammer") || strings.Contains(got, spammer) || strings.Contains(got, "hot_deals") {
		t.Fatalf("a non-operator's /review got %q", got)
	}

	admin.Say("/stats")
	mustContain(t, admin.Expect(t), "To review (/review): 1")
	admin.Say("/review")
	rev := admin.Expect(t)
	mustContain(t, rev, "Review: "+spammer, "to 5 different partners", "@hot_deals", "On hold")
	admin.Tap(t, rev, "Release")
	mustContain(t, admin.Expect(t), "released")
	if held, _ := h.store.Held(ctx, spammer); held {
		t.Fatal("still held after release")
	}
	// The waiting search entered the queue: the partner searching again meets them.
	if err := h.store.CancelSearch(ctx, partner); err != nil {
		t.Fatal(err)
	}
	if m, err := h.store.Search(ctx, partner, anyone); err != nil || m.Room == nil {
		t.Fatalf("after release: %+v, %v; want a match", m, err)
	}
	// The old message's buttons no longer act.
	admin.Tap(t, rev, "Ban for good")
	mustContain(t, admin.Expect(t), "already decided")

	again := hold("Again")
	admin.Say("/review")
	rev = admin.Expect(t)
	mustContain(t, rev, "Review: "+again)
	admin.Tap(t, rev, "Ban for good")
	mustContain(t, admin.Expect(t), "banned for good")
	if r, err := h.store.Restriction(ctx, again); err != nil || r == nil || r.Code != matchmaker.Banned || !r.Until.IsZero() {
		t.Fatalf("restriction = %+v, %v; want banned for good", r, err)
	}
	admin.Say("/review")
	mustContain(t, admin.Expect(t), "Nobody to review.")
}
