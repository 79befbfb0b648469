package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

func TestMiniAppSecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ads     bool
		want    []string
		notWant []string
	}{
		{"no ads: Telegram's script only", false,
			[]string{"script-src 'self' https://telegram.org;", "object-src 'none'", "connect-src 'self' ws://"},
			[]string{"richinfo", "https:;"}},
		{"with RichAds: its script too", true,
			[]string{"script-src 'self' https://telegram.org https://richinfo.co;"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := apitest.Start(t, apitest.Options{
				Static: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }),
				Config: func(c *api.Config) {
					if tc.ads {
						c.RichAdsPubID, c.RichAdsAppID = "1", "2"
					}
				},
			})
			resp, err := http.Get(st.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			for _, w := range tc.want {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(csp, w) {
					t.Errorf("CSP %q has %q", csp, w)
				}
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
		})
	}
}
