package main

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/api"
)

func TestModeGuard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		dev     bool
		refused bool
	}{
		{name: "no token on loopback", cfg: Config{HTTPAddr: "127.0.0.1:8080"}, dev: true},
		{name: "no token on localhost", cfg: Config{HTTPAddr: "localhost:8080"}, dev: true},
		{name: "no token on ::1", cfg: Config{HTTPAddr: "[::1]:8080"}, dev: true},
		{name: "no token on all interfaces", cfg: Config{HTTPAddr: ":8080"}, refused: true},
		{name: "no token on 0.0.0.0", cfg: Config{HTTPAddr: "0.0.0.0:8080"}, refused: true},
		{name: "no token on a LAN address", cfg: Config{HTTPAddr: "192.168.1.5:8080"}, refused: true},
		{name: "no token on a public address, forced", cfg: Config{HTTPAddr: "0.0.0.0:8080", DevForce: true}, dev: true},
		{name: "real token", cfg: Config{HTTPAddr: "127.0.0.1:8080", BotToken: "1:x"}, dev: false},
		{name: "real token on a public address", cfg: Config{HTTPAddr: ":8080", BotToken: "1:x"}, dev: false},
		{name: "real token, forced", cfg: Config{HTTPAddr: "127.0.0.1:8080", BotToken: "1:x", DevForce: true}, dev: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.cfg.Mode()
			if tc.refused {
				if err == nil || !strings.Contains(err.Error(), "DEV_FORCE=1") {
					t.Fatalf("Mode() = %+v, %v; want a refusal that names DEV_FORCE", m, err)
				}
				return
			}
			if err != nil || m.Dev != tc.dev || m.Why == "" {
				t.Fatalf("Mode() = %+v, %v; want dev=%v with a reason", m, err, tc.dev)
			}
		})
	}
}

// devLink is one "Open as" link on the /dev page, read the way the Mini App
// reads the URL hash.
type devLink struct {
	InitData string
	Theme    map[string]string
	Platform string
	Dev      bool
}

func devLinks(t *testing.T, page string) []devLink {
	t.Helper()
	var out []devLink
	for _, m := range regexp.MustCompile(`class="user" href="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		u, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("link %q: %v", m[1], err)
		}
		if u.Path != "/" {
			t.Fatalf("link %q does not open the app", m[1])
		}
		params, err := url.ParseQuery(u.EscapedFragment())
		if err != nil || params.Get("tgWebAppVersion") != devWebAppVersion {
			t.Fatalf("link %q: hash %q, %v", m[1], u.EscapedFragment(), err)
		}
		var theme map[string]string
		if err := json.Unmarshal([]byte(params.Get("tgWebAppThemeParams")), &theme); err != nil {
			t.Fatalf("link %q: theme params: %v", m[1], err)
		}
		out = append(out, devLink{InitData: params.Get("tgWebAppData"), Theme: theme, Platform: params.Get("tgWebAppPlatform"), Dev: params.Get("tetatetDev") == "1"})
	}
	return out
}

// languageOf reads user.language_code from init data.
func languageOf(t *testing.T, raw string) string {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	var u struct {
		Lang string `json:"language_code"`
	}
	if err := json.Unmarshal([]byte(q.Get("user")), &u); err != nil {
		t.Fatal(err)
	}
	return u.Lang
}

func TestDevLoginsSignSixUsers(t *testing.T) {
	token := newDevBotToken()
	if id, secret, ok := strings.Cut(token, ":"); !ok || id == "" || strings.Trim(id, "0123456789") != "" || len(secret) < 32 {
		t.Fatalf("dev token %q is not shaped like a bot token", token)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app "+r.URL.Path) })
	srv := httptest.NewServer(newDevLogins(token, app, nil, nil))
	defer srv.Close()

	page := get(t, srv.URL+"/dev", http.StatusOK)
	links := devLinks(t, page)
	if len(links) != 6 {
		t.Fatalf("found %d links on /dev; want 6 (A–F):\n%s", len(links), page)
	}
	seen := map[int64]bool{}
	for _, l := range links {
		id, err := api.ParseInitData(l.InitData, token, time.Minute)
		if err != nil {
			t.Fatalf("link init data %q is refused: %v", l.InitData, err)
		}
		if seen[id.TelegramID] {
			t.Fatalf("two links sign in as %d", id.TelegramID)
		}
		seen[id.TelegramID] = true
		if l.Platform != "unknown" || !l.Dev || languageOf(t, l.InitData) != "en" || l.Theme["bg_color"] != "#ffffff" {
			t.Fatalf("default link %+v: want platform unknown, the dev flag, English and Telegram's light theme", l)
		}
	}

	for i, user := range []string{"a", "b", "c", "d", "e", "f"} {
		var got struct {
			InitData string `json:"init_data"`
		}
		if err := json.Unmarshal([]byte(get(t, srv.URL+"/dev/initdata?user="+user, http.StatusOK)), &got); err != nil {
			t.Fatal(err)
		}
		id, err := api.ParseInitData(got.InitData, token, time.Minute)
		if err != nil || id.TelegramID != 100000001+int64(i) {
			t.Fatalf("/dev/initdata?user=%s = %v, %v; want user %d", user, id, err, 100000001+i)
		}
		if _, err := api.ParseInitData(got.InitData, newDevBotToken(), time.Minute); err == nil {
			t.Fatal("init data is valid under another run's token")
		}
	}
	get(t, srv.URL+"/dev/initdata?user=g", http.StatusUnprocessableEntity)
	if body := get(t, srv.URL+"/readyz", http.StatusOK); body != "app /readyz" {
		t.Fatalf("other paths reach %q; want the app", body)
	}
}

func TestDevLoginsLanguageAndTheme(t *testing.T) {
	token := newDevBotToken()
	srv := httptest.NewServer(newDevLogins(token, http.NotFoundHandler(), nil, nil))
	defer srv.Close()
	for _, tc := range []struct {
		query, lang, bg string
	}{
		{"", "en", "#ffffff"},
		{"?lang=ru", "ru", "#ffffff"},
		{"?theme=dark", "en", "#17212b"},
		{"?lang=ru&theme=dark", "ru", "#17212b"},
		{"?lang=xx&theme=neon", "en", "#ffffff"},
	} {
		page := get(t, srv.URL+"/dev"+tc.query, http.StatusOK)
		for _, l := range devLinks(t, page) {
			if got := languageOf(t, l.InitData); got != tc.lang || l.Theme["bg_color"] != tc.bg {
				t.Errorf("/dev%s: link in %s with background %s; want %s, %s", tc.query, got, l.Theme["bg_color"], tc.lang, tc.bg)
			}
		}
		var got struct {
			InitData string `json:"init_data"`
			URL      string `json:"url"`
		}
		sep := "?"
		if tc.query != "" {
			sep = "&"
		}
		if err := json.Unmarshal([]byte(get(t, srv.URL+"/dev/initdata"+strings.Replace(tc.query, "?", "?", 1)+sep+"user=b", http.StatusOK)), &got); err != nil {
			t.Fatal(err)
		}
		if languageOf(t, got.InitData) != tc.lang || !strings.Contains(got.URL, url.QueryEscape(tc.bg)) {
			t.Errorf("/dev/initdata%s: %+v; want %s and %s", tc.query, got, tc.lang, tc.bg)
		}
	}
}

func TestDevReset(t *testing.T) {
	token := newDevBotToken()
	resets := 0
	var fail error
	reset := func(context.Context) error { resets++; return fail }
	srv := httptest.NewServer(newDevLogins(token, http.NotFoundHandler(), reset, nil))
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(form url.Values) *http.Response {
		t.Helper()
		resp, err := noRedirect.PostForm(srv.URL+"/dev/reset", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	page := get(t, srv.URL+"/dev", http.StatusOK)
	m := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Reset all dev data</button>") || strings.Contains(page, "disabled>Reset") {
		t.Fatalf("/dev has no enabled reset form:\n%s", page)
	}
	if resp := post(url.Values{"token": {"wrong"}}); resp.StatusCode != http.StatusForbidden || resets != 0 {
		t.Fatalf("a reset without the page's token = %d, %d resets; want 403 and none", resp.StatusCode, resets)
	}
	resp := post(url.Values{"token": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dev?reset=1" || resets != 1 {
		t.Fatalf("reset = %d to %q, %d resets; want 303 to /dev?reset=1 and one", resp.StatusCode, resp.Header.Get("Location"), resets)
	}
	if page := get(t, srv.URL+"/dev?reset=1", http.StatusOK); !strings.Contains(page, "All dev data was deleted") {
		t.Fatal("/dev?reset=1 does not say the data was deleted")
	}
	fail = errors.New("redis down")
	if resp := post(url.Values{"token": {m[1]}}); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a failed reset = %d; want 503", resp.StatusCode)
	}

	// A Redis the runner did not start (REDIS_URL) is never flushed: the button is off.
	off := httptest.NewServer(newDevLogins(token, http.NotFoundHandler(), nil, nil))
	defer off.Close()
	if page := get(t, off.URL+"/dev", http.StatusOK); !strings.Contains(page, "disabled>Reset all dev data") {
		t.Fatal("/dev offers a reset without a Redis of its own")
	}
	resp2, err := http.PostForm(off.URL+"/dev/reset", url.Values{"token": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusConflict {
		t.Fatalf("reset without an own Redis = %d; want 409", resp2.StatusCode)
	}
}

// TestFlushOwnRedis: the reset flushes the runner's own Redis (here the
// embedded one) and refuses one given by REDIS_URL.
func TestFlushOwnRedis(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rdb.Close()
	if err := rdb.Set(ctx, "user:1", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	url := "redis://" + m.Addr() + "/0"
	if flushOwnRedis(&redisStore{URL: url}) != nil {
		t.Fatal("a reset is offered for a REDIS_URL Redis")
	}
	reset := flushOwnRedis(&redisStore{URL: url, embedded: m})
	if reset == nil {
		t.Fatal("no reset for the runner's own Redis")
	}
	if err := reset(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.DBSize(ctx).Result(); n != 0 {
		t.Fatalf("%d keys left after the reset", n)
	}
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d %s; want %d", url, resp.StatusCode, b, want)
	}
	return string(b)
}
