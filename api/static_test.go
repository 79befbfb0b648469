package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/miniapp"
)

// TestMiniAppSecurityHeaders: the Mini App as the API serves it in
// production (cmd/api's wiring): a policy that lets no third-party script
// into the app's own page, with or without RichAds (whose script runs only
// in its sandboxed frame), and connections only to this origin and
// Centrifugo's.
func TestMiniAppSecurityHeaders(t *testing.T) {
	for _, ads := range []bool{false, true} {
		t.Run(map[bool]string{false: "no ads", true: "with RichAds"}[ads], func(t *testing.T) {
			var st *apitest.Stack
			st = apitest.Start(t, apitest.Options{
				Static: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					miniapp.Handler(t.TempDir(), miniapp.WithPolicy(miniapp.Policy{
						CentrifugoWSURL: st.Config.CentrifugoWSURL, RichAds: ads})).ServeHTTP(w, r)
				}),
				Config: func(c *api.Config) {
					if ads {
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
			for _, w := range []string{"script-src 'self';", "object-src 'none'", "connect-src 'self' ws://"} {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			for _, w := range []string{"richinfo", "telegram.org", "https:;"} {
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
