package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tetatet/tetatet/api"
)

// devUser is one of the two fixed Telegram users dev mode signs in as.
type devUser struct {
	Key   string // "a" or "b", as in /dev/initdata?user=a
	Label string
	ID    int64
	Name  string
}

func devUsers() []devUser {
	return []devUser{
		{Key: "a", Label: "user A", ID: 100000001, Name: "Dev User A"},
		{Key: "b", Label: "user B", ID: 100000002, Name: "Dev User B"},
	}
}

// devWebAppVersion is the Bot API version the links claim, as Telegram
// passes it in the launch parameters.
const devWebAppVersion = "7.0"

// newDevBotToken returns a throwaway token shaped like BotFather's
// ("<digits>:<secret>"). It only signs dev init data; no bot has it.
func newDevBotToken() string {
	return fmt.Sprintf("%d:dev-%s", 1_000_000_000+mrand.Int64N(9_000_000_000), randomHex(16))
}

// devLogins serves /dev in front of the app: links that open the Mini App
// as test user A or B, the way Telegram opens it (init data in the URL
// hash, which telegram-web-app.js turns into WebApp.initData). It lives in
// the runner only: the production API has no such route.
type devLogins struct {
	botToken string
	app      http.Handler
}

func newDevLogins(botToken string, app http.Handler) http.Handler {
	d := &devLogins{botToken: botToken, app: app}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dev", d.page)
	mux.HandleFunc("GET /dev/initdata", d.initData)
	mux.Handle("/", app)
	return mux
}

// sign makes fresh init data for a dev user.
func (d *devLogins) sign(u devUser) string {
	return api.SignInitData(d.botToken, u.ID, u.Name, "en", time.Now())
}

// launchURL is the Mini App URL with Telegram's launch parameters.
func launchURL(initData string) string {
	return "/#tgWebAppData=" + url.QueryEscape(initData) + "&tgWebAppVersion=" + devWebAppVersion + "&tgWebAppPlatform=unknown"
}

var devPage = template.Must(template.New("dev").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Tet-a-Tet dev logins</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em; }
a.user { display: inline-block; margin: .5em 1em .5em 0; padding: .7em 1.2em; border-radius: 8px;
  background: #2481cc; color: #fff; text-decoration: none; }
small { color: #666; }
</style>
</head>
<body>
<h1>Tet-a-Tet: dev mode</h1>
<p>No Telegram needed. Each link opens the Mini App in a new tab as a fixed test user, with init data
signed by this run's throwaway bot token. Open both, onboard both, search in both: they meet and chat.</p>
<p>{{range .}}<a class="user" href="{{.URL}}" target="_blank" rel="noopener">Open as {{.Label}}</a>{{end}}</p>
<p><small>Each tab keeps its user until it is closed. The links stop working when the runner restarts;
reload this page for fresh ones. Automated tests: <code>GET /dev/initdata?user=a</code> (or b).</small></p>
</body>
</html>
`))

func (d *devLogins) page(w http.ResponseWriter, r *http.Request) {
	type link struct {
		Label string
		URL   string
	}
	var links []link
	for _, u := range devUsers() {
		links = append(links, link{Label: u.Label, URL: launchURL(d.sign(u))})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := devPage.Execute(w, links); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (d *devLogins) initData(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("user")
	for _, u := range devUsers() {
		if u.Key == key {
			raw := d.sign(u)
			writeDevJSON(w, http.StatusOK, map[string]string{
				"init_data":   raw,
				"telegram_id": strconv.FormatInt(u.ID, 10),
				"url":         launchURL(raw),
			})
			return
		}
	}
	writeDevJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]string{
		"code": "invalid_field", "field": "user", "message": `user must be "a" or "b"`}})
}

func writeDevJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
