package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	initdata "github.com/telegram-mini-apps/init-data-golang"

	"github.com/tetatet/tetatet/matchmaker"
)

// Identity is who a request comes from, taken only from validated init data.
type Identity struct {
	TelegramID int64
	Lang       string
	// Username is the user's public Telegram username ("" = none). It is
	// used only for a contact exchange the user agrees to (consent.go) and
	// must never be logged above debug.
	Username string
}

type identityKey struct{}

func identityFrom(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}

// ParseInitData validates raw Telegram init data with the bot token and
// returns whose it is. It refuses data older than maxAge, data signed with
// another token, tampered data, repeated keys and data without a user.
func ParseInitData(raw, botToken string, maxAge time.Duration) (Identity, error) {
	if raw == "" || len(raw) > 4096 {
		return Identity{}, errUnauthorized
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return Identity{}, errUnauthorized
	}
	for _, v := range q {
		if len(v) != 1 { // the library signs only the first of repeated keys
			return Identity{}, errUnauthorized
		}
	}
	if err := initdata.Validate(raw, botToken, maxAge); err != nil {
		return Identity{}, errUnauthorized
	}
	d, err := initdata.Parse(raw)
	if err != nil || d.User.ID <= 0 || d.User.IsBot {
		return Identity{}, errUnauthorized
	}
	if d.AuthDate().After(time.Now().Add(5 * time.Minute)) {
		return Identity{}, errUnauthorized
	}
	id := Identity{TelegramID: d.User.ID, Lang: d.User.LanguageCode}
	if matchmaker.ValidUsername(d.User.Username) {
		id.Username = d.User.Username
	}
	return id, nil
}

// SignInitData makes init data for a user as Telegram would, signed with the
// bot token. Tests and dev mode use it; production data comes from Telegram.
func SignInitData(botToken string, telegramID int64, firstName, lang string, authDate time.Time) string {
	return SignInitDataUsername(botToken, telegramID, firstName, "", lang, authDate)
}

// SignInitDataUsername is SignInitData for a user with a public username
// ("" = none).
func SignInitDataUsername(botToken string, telegramID int64, firstName, username, lang string, authDate time.Time) string {
	user := `{"id":` + strconv.FormatInt(telegramID, 10) + `,"first_name":` + strconv.Quote(firstName)
	if username != "" {
		user += `,"username":` + strconv.Quote(username)
	}
	user += `,"language_code":` + strconv.Quote(lang) + `,"allows_write_to_pm":true}`
	payload := map[string]string{"user": user, "query_id": "dev" + strconv.FormatInt(telegramID, 10)}
	hash := initdata.Sign(payload, botToken, authDate)
	v := url.Values{}
	for k, x := range payload {
		v.Set(k, x)
	}
	v.Set("auth_date", strconv.FormatInt(authDate.Unix(), 10))
	v.Set("hash", hash)
	return v.Encode()
}

// authenticate is the middleware for every /api/* route but /api/config.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "tma") {
			s.fail(w, r, errUnauthorized)
			return
		}
		id, err := ParseInitData(strings.TrimSpace(raw), s.cfg.TelegramBotToken, s.cfg.InitDataMaxAge)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}
