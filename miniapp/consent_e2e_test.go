package miniapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/bot"
	"github.com/tetatet/tetatet/bot/bottest"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
	"github.com/tetatet/tetatet/miniapp"
)

// widenAfterS is the app's threshold before it suggests a wider filter in
// this test (?widen_after_s): the real 30 s would only slow the story.
const widenAfterS = 3

// TestBrowserConsent runs e2e/consent.mjs (issues 16 and 17 in the Mini
// App) against the real API, Redis and Centrifugo, with the bot running
// against the fake Bot API: after the story, the fake must have received
// exactly one message with the other's t.me link for each of the two who
// exchanged contacts, and none for anyone else. The queue is seeded for
// real: pairs matched through the API give the expected waits, and men and
// women of 40 searching give the counts and the wider filters.
func TestBrowserConsent(t *testing.T) {
	dist := browserTest(t, "index.html")

	static := miniapp.Handler(dist, miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: "/connection/websocket"}))
	st := apitest.Start(t, apitest.Options{Static: static, Proxy: true})
	fake := runBot(t, st)

	user := func(tgID int64, name, username, lang, gender string, age int) *apitest.User {
		u := apitest.NewUser(t, st.URL, telegramInitDataUser(apitest.BotToken, tgID, name, username, lang))
		u.TG = tgID
		u.Onboard(name, gender, age)
		return u
	}
	alice := user(7201, "Alice", "alice_tt_e2e", "en", "female", 25)
	bob := user(7202, "Bob", "bob_tt_e2e", "ru", "male", 27)
	nina := user(7203, "Nina", "", "en", "female", 30)
	oleg := user(7204, "Oleg", "", "ru", "male", 32)
	tina := user(7205, "Tina", "", "en", "female", 16)
	yura := user(7206, "Yura", "", "ru", "male", 17)

	// Expected waits: five matches each of people like Alice choosing
	// anyone 18–99, like Alice choosing men 25–30, and like Bob choosing
	// women 18–40 (each wait is the one who waited).
	next := int64(7300)
	newID := func() int64 { next++; return next }
	seed := func(kind string, waiter person, waiterFilter filter, finder person, finderFilter filter) {
		for i := 0; i < 5; i++ {
			w := user(newID(), fmt.Sprintf("W%s%d", kind, i), "", "en", waiter.gender, waiter.age)
			f := user(newID(), fmt.Sprintf("M%s%d", kind, i), "", "en", finder.gender, finder.age)
			var s apitest.SearchState
			w.MustDo("POST", "/api/search", waiterFilter.body(), 200, &s)
			if s.State != "waiting" {
				t.Fatalf("seed %s: the waiter %s", kind, s.State)
			}
			f.MustDo("POST", "/api/search", finderFilter.body(), 200, &s)
			if s.State != "matched" {
				t.Fatalf("seed %s: the finder %s", kind, s.State)
			}
		}
	}
	woman25, man27 := person{"female", 25}, person{"male", 27}
	seed("a", woman25, filter{"any", 18, 99}, man27, filter{"female", 18, 99})
	seed("n", woman25, filter{"male", 25, 30}, man27, filter{"female", 18, 99})
	seed("b", man27, filter{"female", 18, 99}, woman25, filter{"male", 18, 99})

	// Searching now: five men of 40 who want women up to 39 (they fit
	// Alice, not each other nor the women below), three women of 40 who
	// want men up to 35 (they fit Bob).
	search := func(prefix string, n int, gender string, f filter) []string {
		var out []string
		for i := 1; i <= n; i++ {
			u := user(newID(), fmt.Sprintf("%s%d", prefix, i), "", "en", gender, 40)
			var s apitest.SearchState
			u.MustDo("POST", "/api/search", f.body(), 200, &s)
			if s.State != "waiting" {
				t.Fatalf("%s%d: search %s", prefix, i, s.State)
			}
			out = append(out, u.InitData)
			time.Sleep(5 * time.Millisecond) // distinct waiting times: the oldest is matched first
		}
		return out
	}
	sams := search("Sam", 5, "male", filter{"female", 18, 39})
	fays := search("Fay", 3, "female", filter{"male", 18, 35})
	mustJSON := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	shots := screenshotDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/consent.mjs")
	cmd.Env = append(os.Environ(),
		"BASE_URL="+st.URL,
		"INITDATA_ALICE="+alice.InitData,
		"INITDATA_BOB="+bob.InitData,
		"INITDATA_NINA="+nina.InitData,
		"INITDATA_OLEG="+oleg.InitData,
		"INITDATA_TINA="+tina.InitData,
		"INITDATA_YURA="+yura.InitData,
		"INITDATA_SAMS="+mustJSON(sams),
		"INITDATA_FAYS="+mustJSON(fays),
		fmt.Sprintf("WIDEN_AFTER_S=%d", widenAfterS),
		"SCREENSHOT_DIR="+shots,
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e/consent.mjs: %v", err)
	}

	// The bot sent each of the two the other's link, once, in their
	// language; nobody else got a link (Nina and Oleg had no username, the
	// minors cannot exchange).
	want := map[int64]string{
		alice.TG: "https://t.me/bob_tt_e2e",
		bob.TG:   "https://t.me/alice_tt_e2e",
	}
	for tg, link := range want {
		fake.WaitCalls(t, fmt.Sprintf("the contact for %d", tg), 0, 1, func(c bottest.Call) bool {
			return c.Method == "sendMessage" && c.ChatID() == tg && strings.Contains(c.Text(), link)
		})
	}
	links := map[int64]int{}
	for _, c := range fake.Calls() {
		if c.Method == "sendMessage" && strings.Contains(c.Text(), "t.me/") {
			links[c.ChatID()]++
		}
	}
	if len(links) != 2 || links[alice.TG] != 1 || links[bob.TG] != 1 {
		t.Fatalf("messages with a t.me link per chat: %v; want one each for Alice (%d) and Bob (%d)", links, alice.TG, bob.TG)
	}
	for _, c := range fake.Calls() {
		if c.Method == "sendMessage" && c.ChatID() == bob.TG && strings.Contains(c.Text(), "t.me/") && !strings.Contains(c.Text(), "Ваш собеседник") {
			t.Errorf("Bob's contact message is not in Russian: %q", c.Text())
		}
	}
}

// person is a profile's gender and age; filter a search filter.
type person struct {
	gender string
	age    int
}

type filter struct {
	gender   string
	from, to int
}

func (f filter) body() map[string]any {
	return map[string]any{"gender": f.gender, "age_from": f.from, "age_to": f.to}
}

// runBot runs the bot process's code against the stack's Redis and a fake
// Bot API until the test ends, and returns the fake.
func runBot(t *testing.T, st *apitest.Stack) *bottest.Server {
	t.Helper()
	fake := bottest.New(t)
	cfg := bot.Config{
		Token:                 bottest.Token,
		APIURL:                fake.URL,
		FrontURL:              "https://tetatet.example/app/",
		Settings:              st.Config.Settings,
		MediaSettings:         blobstore.MediaSettings{MediaDir: t.TempDir()},
		WebhookAddr:           ":8081",
		PollTimeout:           5 * time.Second,
		CentrifugoAPIURL:      st.Centrifugo.APIURL,
		CentrifugoAPIKey:      st.Centrifugo.APIKey,
		CentrifugoTokenSecret: st.Centrifugo.Secret,
		LogLevel:              "warn",
	}
	b, err := bot.New(cfg, bot.Deps{Store: st.Store}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot: %v", err)
		}
	})
	fake.WaitCalls(t, "the bot's start", 0, 1, func(c bottest.Call) bool { return c.Method == "deleteWebhook" || c.Method == "setWebhook" })
	return fake
}
