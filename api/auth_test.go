package api_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	initdata "github.com/telegram-mini-apps/init-data-golang"

	"github.com/tetatet/tetatet/api"
)

// TestInitDataHash: the API checks init data's hash itself, in constant
// time (hmac.Equal; the library it used compared with !=), with Bot API
// 8.0's signature field counted in the data-check string as Telegram signs
// it. What Telegram would sign passes; anything changed, truncated, signed
// with another token, too old or from the future is refused.
func TestInitDataHash(t *testing.T) {
	const token = "123456789:TEST-token-for-init-data-signing"
	now := time.Now()
	user := `{"id":4242,"first_name":"Ann","language_code":"en"}`
	sign := func(payload map[string]string, authDate time.Time, tok string) url.Values {
		v := url.Values{}
		for k, x := range payload {
			v.Set(k, x)
		}
		v.Set("auth_date", strconv.FormatInt(authDate.Unix(), 10))
		v.Set("hash", initdata.Sign(payload, tok, authDate))
		return v
	}
	withSignature := map[string]string{"user": user, "query_id": "q1", "signature": "c2lnbmF0dXJlLWJ5LXRlbGVncmFt"}
	cases := []struct {
		name string
		data func() string
		ok   bool
	}{
		{"signed", func() string { return sign(map[string]string{"user": user}, now, token).Encode() }, true},
		{"signed, with Bot API 8.0 signature", func() string { return sign(withSignature, now, token).Encode() }, true},
		{"signature changed after signing", func() string {
			v := sign(withSignature, now, token)
			v.Set("signature", "forged")
			return v.Encode()
		}, false},
		{"user changed", func() string {
			v := sign(map[string]string{"user": user}, now, token)
			v.Set("user", strings.Replace(user, "4242", "4243", 1))
			return v.Encode()
		}, false},
		{"hash truncated", func() string {
			v := sign(map[string]string{"user": user}, now, token)
			v.Set("hash", v.Get("hash")[:62])
			return v.Encode()
		}, false},
		{"hash not hex", func() string {
			v := sign(map[string]string{"user": user}, now, token)
			v.Set("hash", strings.Repeat("z", 64))
			return v.Encode()
		}, false},
		{"another bot's token", func() string { return sign(map[string]string{"user": user}, now, "987:other").Encode() }, false},
		{"older than the max age", func() string { return sign(map[string]string{"user": user}, now.Add(-25*time.Hour), token).Encode() }, false},
		{"from the future", func() string { return sign(map[string]string{"user": user}, now.Add(time.Hour), token).Encode() }, false},
		{"no hash", func() string {
			v := sign(map[string]string{"user": user}, now, token)
			v.Del("hash")
			return v.Encode()
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, err := api.ParseInitData(c.data(), token, 24*time.Hour)
			if c.ok && (err != nil || id.TelegramID != 4242) {
				t.Fatalf("= %+v, %v; want user 4242", id, err)
			}
			if !c.ok && err == nil {
				t.Fatalf("accepted: %+v", id)
			}
		})
	}
}
