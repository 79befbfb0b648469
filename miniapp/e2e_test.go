package miniapp_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	initdata "github.com/telegram-mini-apps/init-data-golang"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/redistest"
	"github.com/tetatet/tetatet/miniapp"
)

// roomCap is ROOM_MAX_MESSAGES for the browser test.
const roomCap = 40

// TestBrowserChat runs e2e/run.mjs (headless Chromium via playwright-core)
// against the real API serving the built app, real Redis and Centrifugo.
// Media goes to apitest's default store (a directory of the test's); the
// links rule (LINKS_AFTER_MESSAGES) is apitest's 3, which media follows too:
// C and D are told so when they choose a photo early (the room status's
// `unlock`, before any upload), A and B are far past it when they send
// theirs.
func TestBrowserChat(t *testing.T) {
	dist := browserTest(t, "index.html")

	// The app is served with its own Content-Security-Policy, as cmd/api
	// serves it: the Centrifugo WebSocket is proxied on the app's origin.
	static := miniapp.Handler(dist, miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: "/connection/websocket"}))
	// A small per-room cap, so one story can see "older messages are no longer kept"
	// (the main conversation stays under it).
	st := apitest.Start(t, apitest.Options{Static: static, Proxy: true, Config: func(c *api.Config) { c.RoomMaxMessages = roomCap }})
	// Alice and Carol use Telegram in English, Bob and Dave in Russian.
	user := func(tgID int64, name, lang string) *apitest.User {
		return apitest.NewUser(t, st.URL, telegramInitData(apitest.BotToken, tgID, name, lang))
	}
	alice := user(7001, "Alice", "en")
	alice.Onboard("Alice", "female", 25)
	bob := user(7002, "Bob", "ru")
	bob.Onboard("Bob", "male", 27)
	// A second pair for the report story: Alice and Bob may not meet again
	// for REMATCH_COOLDOWN after one of them left.
	carol := user(7003, "Carol", "en")
	carol.Onboard("Carol", "female", 30)
	dave := user(7004, "Dave", "ru")
	dave.Onboard("Dave", "male", 31)
	// Init data the server refuses (signed with another bot token, as after
	// the secrets of a restarted `make run` changed): the expired session.
	expired := telegramInitData("123456:another-bot", 7007, "Xena", "en")
	// A third pair whose room goes past the cap.
	gina := user(7008, "Gina", "ru")
	gina.Onboard("Gina", "female", 33)
	hugo := user(7009, "Hugo", "en")
	hugo.Onboard("Hugo", "male", 35)
	// Two minors, who meet each other only: their room has no photos or voice messages.
	ivy := user(7010, "Ivy", "en")
	ivy.Onboard("Ivy", "female", 16)
	jack := user(7011, "Jack", "ru")
	jack.Onboard("Jack", "male", 17)

	// Two users restricted for real in Redis, as moderation would: Eve
	// suspended for two hours, Frank banned for good.
	eve := st.User(t, 7005, "Eve")
	eve.Onboard("Eve", "female", 40)
	frank := st.User(t, 7006, "Frank")
	frank.Onboard("Frank", "male", 41)
	for _, r := range []struct {
		u     *apitest.User
		code  string
		until time.Time
	}{{eve, matchmaker.Suspended, time.Now().Add(2 * time.Hour)}, {frank, matchmaker.Banned, time.Time{}}} {
		id, err := st.Store.UserID(context.Background(), r.u.TG)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Store.Restrict(context.Background(), id, r.code, r.until); err != nil {
			t.Fatal(err)
		}
	}

	shots := screenshotDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/run.mjs")
	cmd.Env = append(os.Environ(),
		"BASE_URL="+st.URL,
		"INITDATA_A="+alice.InitData,
		"INITDATA_B="+bob.InitData,
		"INITDATA_C="+carol.InitData,
		"INITDATA_D="+dave.InitData,
		"INITDATA_E="+eve.InitData,
		"INITDATA_F="+frank.InitData,
		"INITDATA_X="+expired,
		"INITDATA_G="+gina.InitData,
		"INITDATA_H="+hugo.InitData,
		"INITDATA_I="+ivy.InitData,
		"INITDATA_J="+jack.InitData,
		"ROOM_MAX_MESSAGES="+strconv.Itoa(roomCap),
		"SCREENSHOT_DIR="+shots,
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e/run.mjs: %v", err)
	}
}

var clearShots sync.Once

// screenshotDir is where the browser stories save their screenshots
// (SCREENSHOT_DIR, default test-results/screenshots). The first story of a
// test run empties it, so no shot of an older run stays among the new ones.
// browserTest checks what a browser test needs, and returns the absolute
// path of the built app: not in -short mode; node and chromium (which fail
// under CI=true when missing); the app built with the file named; the
// Mini App's node modules for playwright-core.
func browserTest(t *testing.T, built string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	redistest.Require(t, "node", "install Node.js 20.19+")
	redistest.Require(t, "chromium", "apt-get install -y chromium")
	dist, _ := filepath.Abs("dist")
	if _, err := os.Stat(filepath.Join(dist, built)); err != nil {
		msg := "miniapp/dist is not built: run `cd miniapp && npm ci && npm run build`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		t.Fatal("miniapp/node_modules is missing: run `cd miniapp && npm ci`")
	}
	return dist
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir, _ = filepath.Abs(filepath.Join("test-results", "screenshots"))
	}
	clearShots.Do(func() {
		old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Logf("stale screenshot: %v", err)
			}
		}
	})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// telegramInitData is init data as a current Telegram client sends it: with
// the Bot API 8.0 `signature` field (the Mini Apps SDK refuses launch data
// without it), signed with botToken.
func telegramInitData(botToken string, tgID int64, name, lang string) string {
	return telegramInitDataUser(botToken, tgID, name, "", lang)
}

// telegramInitDataUser is telegramInitData for a user with a public
// username ("" = none), which Telegram puts into the user object.
func telegramInitDataUser(botToken string, tgID int64, name, username, lang string) string {
	handle := ""
	if username != "" {
		handle = fmt.Sprintf(`,"username":%q`, username)
	}
	user := fmt.Sprintf(`{"id":%d,"first_name":%q%s,"language_code":%q,"allows_write_to_pm":true}`, tgID, name, handle, lang)
	payload := map[string]string{
		"user":      user,
		"query_id":  fmt.Sprintf("e2e%d", tgID),
		"signature": "e2e-signature-not-checked-by-the-api",
	}
	now := time.Now()
	v := url.Values{}
	for k, x := range payload {
		v.Set(k, x)
	}
	v.Set("auth_date", strconv.FormatInt(now.Unix(), 10))
	v.Set("hash", initdata.Sign(payload, botToken, now))
	return v.Encode()
}

// TestBrowserAdsFrame runs e2e/ads.mjs against an API with RichAds on: its
// script may only run in the sandboxed frame, never where the init data is.
func TestBrowserAdsFrame(t *testing.T) {
	dist := browserTest(t, "ads.html")
	static := miniapp.Handler(dist, miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: "/connection/websocket", RichAds: true}))
	st := apitest.Start(t, apitest.Options{Static: static, Proxy: true, Config: func(c *api.Config) {
		c.RichAdsPubID, c.RichAdsAppID = "pub-test", "app-test"
	}})
	u := apitest.NewUser(t, st.URL, telegramInitData(apitest.BotToken, 7101, "Ada", "en"))
	u.Onboard("Ada", "female", 29)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/ads.mjs")
	cmd.Env = append(os.Environ(), "BASE_URL="+st.URL, "INITDATA="+u.InitData)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e/ads.mjs: %v", err)
	}
}
