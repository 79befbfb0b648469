package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	id, _, err := parseInitData(raw, botToken, maxAge)
	return id, err
}

func parseInitData(raw, botToken string, maxAge time.Duration) (Identity, time.Time, error) {
	fail := func() (Identity, time.Time, error) { return Identity{}, time.Time{}, errUnauthorized }
	if raw == "" || len(raw) > 4096 {
		return fail()
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return fail()
	}
	for _, v := range q {
		if len(v) != 1 { // the library signs only the first of repeated keys
			return fail()
		}
	}
	if !validHash(q, botToken) {
		return fail()
	}
	d, err := initdata.Parse(raw)
	if err != nil || d.User.ID <= 0 || d.User.IsBot {
		return fail()
	}
	now := time.Now()
	if d.AuthDate().IsZero() || d.AuthDate().After(now.Add(5*time.Minute)) || now.Sub(d.AuthDate()) > maxAge {
		return fail()
	}
	id := Identity{TelegramID: d.User.ID, Lang: d.User.LanguageCode}
	if matchmaker.ValidUsername(d.User.Username) {
		id.Username = d.User.Username
	}
	return id, d.AuthDate(), nil
}

// validHash checks init data's hash the way Telegram defines it: the
// HMAC-SHA256, keyed with HMAC-SHA256("WebAppData", bot token), of every
// other field as sorted "key=value" lines (Bot API 8.0's signature field
// among them). It compares in constant time (hmac.Equal), so the time a
// forged hash takes to refuse says nothing about the right one.
func validHash(q url.Values, botToken string) bool {
	got, err := hex.DecodeString(q.Get("hash"))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	lines := make([]string, 0, len(q))
	for k, v := range q {
		if k != "hash" {
			lines = append(lines, k+"="+v[0])
		}
	}
	sort.Strings(lines)
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(botToken))
	m := hmac.New(sha256.New, secret.Sum(nil))
	m.Write([]byte(strings.Join(lines, "\n")))
	return hmac.Equal(m.Sum(nil), got)
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
		id, err := s.initData.parse(strings.TrimSpace(raw), s.cfg.TelegramBotToken, s.cfg.InitDataMaxAge)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// initDataCache remembers init data that passed ParseInitData until it
// becomes too old, so the many requests of one app launch (it sends the
// same init data with each) are validated once: the HMAC check and the
// JSON parse were the largest part of the API's CPU per message. It holds
// a digest of the exact bytes validated, never anything a client could
// make it accept without validation.
type initDataCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedIdentity
}

type cachedIdentity struct {
	id      Identity
	expires time.Time
}

// maxCachedInitData bounds the cache (about 100 B an entry).
const maxCachedInitData = 100_000

func (c *initDataCache) parse(raw, botToken string, maxAge time.Duration) (Identity, error) {
	key := sha256.Sum256([]byte(raw))
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.id, nil
	}
	id, authDate, err := parseInitData(raw, botToken, maxAge)
	if err != nil {
		return Identity{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedInitData {
		c.m = make(map[[sha256.Size]byte]cachedIdentity) // a new generation; hot entries come back at once
	}
	c.m[key] = cachedIdentity{id: id, expires: authDate.Add(maxAge)}
	return id, nil
}
