package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

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

// devLinks returns the init data of each "Open as" link on the /dev page,
// read the way telegram-web-app.js reads the URL hash.
func devLinks(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(page, -1) {
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
		out = append(out, params.Get("tgWebAppData"))
	}
	return out
}

func TestDevLoginsSignTwoUsers(t *testing.T) {
	token := newDevBotToken()
	if id, secret, ok := strings.Cut(token, ":"); !ok || id == "" || strings.Trim(id, "0123456789") != "" || len(secret) < 32 {
		t.Fatalf("dev token %q is not shaped like a bot token", token)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app "+r.URL.Path) })
	srv := httptest.NewServer(newDevLogins(token, app))
	defer srv.Close()

	page := get(t, srv.URL+"/dev", http.StatusOK)
	links := devLinks(t, page)
	if len(links) != 2 {
		t.Fatalf("found %d links on /dev; want 2:\n%s", len(links), page)
	}
	var ids []int64
	for _, raw := range links {
		id, err := api.ParseInitData(raw, token, time.Minute)
		if err != nil {
			t.Fatalf("link init data %q is refused: %v", raw, err)
		}
		ids = append(ids, id.TelegramID)
	}
	if ids[0] == ids[1] {
		t.Fatalf("both links sign in as %d", ids[0])
	}

	for i, user := range []string{"a", "b"} {
		var got struct {
			InitData string `json:"init_data"`
		}
		if err := json.Unmarshal([]byte(get(t, srv.URL+"/dev/initdata?user="+user, http.StatusOK)), &got); err != nil {
			t.Fatal(err)
		}
		id, err := api.ParseInitData(got.InitData, token, time.Minute)
		if err != nil || id.TelegramID != ids[i] {
			t.Fatalf("/dev/initdata?user=%s = %v, %v; want user %d", user, id, err, ids[i])
		}
		if _, err := api.ParseInitData(got.InitData, newDevBotToken(), time.Minute); err == nil {
			t.Fatal("init data is valid under another run's token")
		}
	}
	get(t, srv.URL+"/dev/initdata?user=c", http.StatusUnprocessableEntity)
	if body := get(t, srv.URL+"/readyz", http.StatusOK); body != "app /readyz" {
		t.Fatalf("other paths reach %q; want the app", body)
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
