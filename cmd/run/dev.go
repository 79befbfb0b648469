package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/api"
)

// devUser is one of the fixed Telegram users dev mode signs in as.
type devUser struct {
	Key   string // "a" … "f", as in /dev/initdata?user=a
	Label string
	ID    int64
	Name  string
}

// devUsers are six test users: enough for two pairs plus a reporter, a
// blocked partner and a spare, so a report or a block does not end testing.
func devUsers() []devUser {
	var users []devUser
	for i, k := range []string{"a", "b", "c", "d", "e", "f"} {
		l := string(rune('A' + i))
		users = append(users, devUser{Key: k, Label: "user " + l, ID: 100000001 + int64(i), Name: "Dev User " + l})
	}
	return users
}

// devWebAppVersion is the Bot API version the links claim, as Telegram
// passes it in the launch parameters.
const devWebAppVersion = "8.0"

// devThemes are Telegram's own light and dark palettes, passed to the app
// in tgWebAppThemeParams as Telegram passes them.
var devThemes = map[string]map[string]string{
	"light": {
		"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579", "link_color": "#3390ec",
		"button_color": "#3390ec", "button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f5",
		"destructive_text_color": "#e53935",
	},
	"dark": {
		"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499", "link_color": "#6ab3f3",
		"button_color": "#5288c1", "button_text_color": "#ffffff", "secondary_bg_color": "#232e3c",
		"destructive_text_color": "#ef5b5b",
	},
}

// devChoice is what the dev page's form chose: the users' Telegram language and theme.
type devChoice struct {
	Lang  string // "en" or "ru"
	Theme string // "light" or "dark"
}

// choiceFrom reads lang and theme from a query, defaulting to English and light.
func choiceFrom(q url.Values) devChoice {
	c := devChoice{Lang: "en", Theme: "light"}
	if q.Get("lang") == "ru" {
		c.Lang = "ru"
	}
	if q.Get("theme") == "dark" {
		c.Theme = "dark"
	}
	return c
}

// newDevBotToken returns a throwaway token shaped like BotFather's
// ("<digits>:<secret>"). It only signs dev init data; no bot has it.
func newDevBotToken() string {
	return fmt.Sprintf("%d:dev-%s", 1_000_000_000+mrand.Int64N(9_000_000_000), randomHex(16))
}

// devReset is how "reset all dev data" clears the state: nil when the runner
// did not start the Redis itself (REDIS_URL points at someone's data).
type devReset func(ctx context.Context) error

// flushOwnRedis resets the dev data by flushing the database of the Redis the
// runner started (redis-server in RUN_STATE_DIR, or the embedded one). That
// clears everything a test session leaves, including what the store keeps on
// purpose past /delete (blocks, bans, reports). A Redis given by REDIS_URL is
// never flushed.
func flushOwnRedis(rs *redisStore) devReset {
	if rs.server == nil && rs.embedded == nil {
		return nil
	}
	return func(ctx context.Context) error {
		opt, err := redis.ParseURL(rs.URL)
		if err != nil {
			return err
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		return rdb.FlushDB(ctx).Err()
	}
}

// devLogins serves /dev in front of the app: links that open the Mini App
// as test users A–F, the way Telegram opens it (init data, language and
// theme in the URL hash), and a reset of all dev data. It lives in the
// runner only: the production API has no such route, and Config.Mode keeps
// dev mode off where others could reach it.
type devLogins struct {
	botToken string
	app      http.Handler
	reset    devReset
	// resetToken guards POST /dev/reset against other sites' forms.
	resetToken string
	log        *slog.Logger
}

func newDevLogins(botToken string, app http.Handler, reset devReset, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	d := &devLogins{botToken: botToken, app: app, reset: reset, resetToken: randomHex(16), log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dev", d.page)
	mux.HandleFunc("GET /dev/initdata", d.initData)
	mux.HandleFunc("POST /dev/reset", d.resetAll)
	mux.Handle("/", app)
	return mux
}

// sign makes fresh init data for a dev user in a language.
func (d *devLogins) sign(u devUser, lang string) string {
	return api.SignInitData(d.botToken, u.ID, u.Name, lang, time.Now())
}

// launchURL is the Mini App URL with Telegram's launch parameters; platform
// "unknown" (no Telegram client around the page) and tetatetDev=1, so the
// app's error screens can point back here.
func launchURL(initData, theme string) string {
	params, _ := json.Marshal(devThemes[theme])
	return "/#tgWebAppData=" + url.QueryEscape(initData) + "&tgWebAppVersion=" + devWebAppVersion +
		"&tgWebAppPlatform=unknown&tgWebAppThemeParams=" + url.QueryEscape(string(params)) + "&tetatetDev=1"
}

var devPage = template.Must(template.New("dev").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Tet-a-Tet dev logins</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 42em; margin: 3em auto; padding: 0 1em; color: #111; }
a.user { display: inline-block; margin: .4em .6em .4em 0; padding: .7em 1.1em; border-radius: 8px;
  background: #1a6fc2; color: #fff; text-decoration: none; }
fieldset { border: 1px solid #ccc; border-radius: 8px; margin: 0 0 1em; }
button { font: inherit; padding: .5em 1em; border-radius: 8px; border: 1px solid #888; background: #f4f4f5; cursor: pointer; }
button.danger { border-color: #b3261e; color: #b3261e; }
.notice { padding: .6em 1em; border-radius: 8px; background: #e7f4e8; }
small { color: #555; }
</style>
</head>
<body>
<h1>Tet-a-Tet: dev mode</h1>
<p>No Telegram needed. Each link opens the Mini App in a new tab as a fixed test user, with init data
signed by this run's throwaway bot token. Open two, onboard both, search in both: they meet and chat.</p>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
<form method="get" action="/dev">
<fieldset><legend>Telegram language</legend>
<label><input type="radio" name="lang" value="en"{{if eq .Choice.Lang "en"}} checked{{end}}> English</label>
<label><input type="radio" name="lang" value="ru"{{if eq .Choice.Lang "ru"}} checked{{end}}> Русский</label>
</fieldset>
<fieldset><legend>Telegram theme</legend>
<label><input type="radio" name="theme" value="light"{{if eq .Choice.Theme "light"}} checked{{end}}> Light</label>
<label><input type="radio" name="theme" value="dark"{{if eq .Choice.Theme "dark"}} checked{{end}}> Dark</label>
</fieldset>
<button type="submit">Update the links</button>
</form>
<p>{{range .Links}}<a class="user" href="{{.URL}}" target="_blank" rel="noopener" data-user="{{.Key}}">Open as {{.Label}}</a>{{end}}</p>
<form method="post" action="/dev/reset">
<input type="hidden" name="token" value="{{.ResetToken}}">
{{if .CanReset}}<button class="danger" type="submit">Reset all dev data</button>
<small>Deletes every profile, room, report, block and ban of this run's Redis (it flushes the Redis the runner started).</small>
{{else}}<button class="danger" type="submit" disabled>Reset all dev data</button>
<small>Off: REDIS_URL points at a Redis this runner did not start, and it is never flushed.</small>{{end}}
</form>
<p><small>Each tab keeps its user until it is closed. The links stop working when the runner restarts;
reload this page for fresh ones. Automated tests: <code>GET /dev/initdata?user=a</code> (a–f, optional <code>lang=ru</code>, <code>theme=dark</code>).</small></p>
</body>
</html>
`))

func (d *devLogins) page(w http.ResponseWriter, r *http.Request) {
	type link struct {
		Key   string
		Label string
		URL   string
	}
	choice := choiceFrom(r.URL.Query())
	var links []link
	for _, u := range devUsers() {
		links = append(links, link{Key: u.Key, Label: u.Label, URL: launchURL(d.sign(u, choice.Lang), choice.Theme)})
	}
	notice := ""
	if r.URL.Query().Get("reset") == "1" {
		notice = "All dev data was deleted. Open a user to start afresh."
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	err := devPage.Execute(w, map[string]any{
		"Links": links, "Choice": choice, "Notice": notice, "CanReset": d.reset != nil, "ResetToken": d.resetToken,
	})
	if err != nil {
		d.log.Error("dev page", "err", err)
	}
}

func (d *devLogins) initData(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("user")
	choice := choiceFrom(r.URL.Query())
	for _, u := range devUsers() {
		if u.Key == key {
			raw := d.sign(u, choice.Lang)
			writeDevJSON(w, http.StatusOK, map[string]string{
				"init_data":   raw,
				"telegram_id": strconv.FormatInt(u.ID, 10),
				"url":         launchURL(raw, choice.Theme),
			})
			return
		}
	}
	writeDevJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]string{
		"code": "invalid_field", "field": "user", "message": `user must be one of "a" to "f"`}})
}

// resetAll deletes all dev data, then shows the page again saying so.
func (d *devLogins) resetAll(w http.ResponseWriter, r *http.Request) {
	if d.reset == nil {
		writeDevJSON(w, http.StatusConflict, map[string]any{"error": map[string]string{
			"code": "reset_unavailable", "message": "REDIS_URL points at a Redis this runner did not start: it is never flushed"}})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(d.resetToken)) != 1 {
		writeDevJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{
			"code": "forbidden", "message": "reset from the /dev page only (its form carries this run's token)"}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := d.reset(ctx); err != nil {
		d.log.Error("dev reset", "err", err)
		writeDevJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]string{
			"code": "unavailable", "message": "the reset failed: " + err.Error()}})
		return
	}
	d.log.Info("dev data reset")
	http.Redirect(w, r, "/dev?reset=1", http.StatusSeeOther)
}

func writeDevJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
