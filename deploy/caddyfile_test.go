package deploy

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

const caddyFile = "Caddyfile"

// The Caddyfile is checked by reading it, not by running Caddy: the reader
// below understands the small subset deploy/Caddyfile is written in (one
// directive per line; site blocks; handle blocks with a path or a named
// "@x path ..." matcher; reverse_proxy with static upstreams or a
// "dynamic a" block; respond). Anything it does not understand inside a
// handle is ignored, but a reverse_proxy outside a handle is an error, so no
// route escapes the checks. Syntax is validated by Caddy itself:
// `caddy validate --config deploy/Caddyfile` (see README).

type caddySite struct {
	address  string
	matchers map[string][]string // named matcher -> path patterns
	handles  []caddyHandle
}

type caddyHandle struct {
	paths     []string // nil: every path (the catch-all handle)
	upstreams []hostPort
	responds  bool
}

type hostPort struct{ host, port string }

func (h hostPort) String() string { return net.JoinHostPort(h.host, h.port) }

// route returns the handle serving path: Caddy's handle blocks are mutually
// exclusive and the catch-all is tried last.
func (s caddySite) route(path string) (caddyHandle, bool) {
	var catchAll *caddyHandle
	for i, h := range s.handles {
		if h.paths == nil {
			catchAll = &s.handles[i]
			continue
		}
		for _, p := range h.paths {
			if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(path, prefix) || p == path {
				return h, true
			}
		}
	}
	if catchAll != nil {
		return *catchAll, true
	}
	return caddyHandle{}, false
}

func readCaddyfile(text string) ([]caddySite, error) {
	type frame struct {
		name string
		args []string
	}
	var (
		sites   []caddySite
		site    *caddySite
		handle  *caddyHandle
		dynamic hostPort
		stack   []frame
	)
	for n, line := range strings.Split(text, "\n") {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", caddyFile, n+1, fmt.Sprintf(format, args...))
		}
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		tok := strings.Fields(line)
		if len(tok) == 0 {
			continue
		}
		top := ""
		if len(stack) > 0 {
			top = stack[len(stack)-1].name
		}

		if len(tok) == 1 && tok[0] == "}" {
			if len(stack) == 0 {
				return nil, fail("unbalanced }")
			}
			switch top {
			case "site":
				sites = append(sites, *site)
				site = nil
			case "handle":
				site.handles = append(site.handles, *handle)
				handle = nil
			case "dynamic":
				if dynamic.host == "" || dynamic.port == "" {
					return nil, fail("dynamic a needs name and port")
				}
				handle.upstreams = append(handle.upstreams, dynamic)
			}
			stack = stack[:len(stack)-1]
			continue
		}

		opens := tok[len(tok)-1] == "{"
		if opens {
			tok = tok[:len(tok)-1]
		}
		switch {
		case len(stack) == 0 && opens && len(tok) == 0:
			stack = append(stack, frame{name: "global"})
			continue
		case len(stack) == 0 && opens:
			if len(tok) != 1 {
				return nil, fail("one address per site, got %q", tok)
			}
			site = &caddySite{address: tok[0], matchers: map[string][]string{}}
			stack = append(stack, frame{name: "site"})
			continue
		case len(stack) == 0:
			return nil, fail("unexpected %q outside a block", tok)
		}

		switch {
		case top == "site" && strings.HasPrefix(tok[0], "@"):
			if len(tok) < 3 || tok[1] != "path" {
				return nil, fail("only single-line path matchers are understood: %q", tok)
			}
			site.matchers[tok[0]] = tok[2:]
		case top == "site" && tok[0] == "handle":
			handle = &caddyHandle{}
			if len(tok) > 1 {
				m := tok[1]
				if strings.HasPrefix(m, "@") {
					paths, ok := site.matchers[m]
					if !ok {
						return nil, fail("matcher %s is used before it is defined", m)
					}
					handle.paths = paths
				} else {
					handle.paths = tok[1:]
				}
			}
		case tok[0] == "reverse_proxy":
			if handle == nil {
				return nil, fail("reverse_proxy outside a handle block")
			}
			for _, u := range tok[1:] {
				hp, err := parseUpstream(u)
				if err != nil {
					return nil, fail("%v", err)
				}
				handle.upstreams = append(handle.upstreams, hp)
			}
		case tok[0] == "dynamic":
			if len(tok) < 2 || tok[1] != "a" {
				return nil, fail("only dynamic a is understood: %q", tok)
			}
			dynamic = hostPort{}
			if len(tok) == 4 {
				dynamic = hostPort{tok[2], tok[3]}
			}
		case top == "dynamic" && tok[0] == "name" && len(tok) == 2:
			dynamic.host = tok[1]
		case top == "dynamic" && tok[0] == "port" && len(tok) == 2:
			dynamic.port = tok[1]
		case tok[0] == "respond" && handle != nil:
			handle.responds = true
		}
		if opens {
			stack = append(stack, frame{name: tok[0], args: tok[1:]})
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%s: %d unclosed blocks", caddyFile, len(stack))
	}
	return sites, nil
}

func parseUpstream(u string) (hostPort, error) {
	u = strings.TrimPrefix(u, "http://")
	host, port, err := net.SplitHostPort(u)
	if err != nil {
		return hostPort{}, fmt.Errorf("upstream %q needs an explicit host:port", u)
	}
	return hostPort{host, port}, nil
}

// shareNetwork reports whether two services have a network in common, i.e.
// whether one can reach the other by name.
func shareNetwork(a, b types.ServiceConfig) bool {
	for n := range a.Networks {
		if _, ok := b.Networks[n]; ok {
			return true
		}
	}
	return false
}

func TestCaddyfileRoutesMatchCompose(t *testing.T) {
	text, err := os.ReadFile(caddyFile)
	if err != nil {
		t.Fatal(err)
	}
	sites, err := readCaddyfile(string(text))
	if err != nil {
		t.Fatal(err)
	}
	bySite := map[string]caddySite{}
	for _, s := range sites {
		bySite[s.address] = s
	}
	public, ok := bySite["{$PUBLIC_HOST}"]
	if !ok {
		t.Fatalf("no {$PUBLIC_HOST} site in %s", caddyFile)
	}
	ops, ok := bySite["http://:9080"]
	if !ok {
		t.Fatalf("no operator site http://:9080 in %s", caddyFile)
	}

	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) {
			p := loadStack(t, st.files)
			proxy := p.Services["proxy"]

			// The proxy mounts this very file where Caddy reads it, and has
			// every {$VAR} it uses.
			abs, _ := filepath.Abs(caddyFile)
			mounted := false
			for _, v := range proxy.Volumes {
				if v.Type == types.VolumeTypeBind && v.Source == abs && v.Target == "/etc/caddy/Caddyfile" {
					mounted = true
				}
			}
			if !mounted {
				t.Errorf("proxy does not mount %s at /etc/caddy/Caddyfile", abs)
			}
			for _, m := range regexp.MustCompile(`\{\$([A-Z0-9_]+)`).FindAllStringSubmatch(string(text), -1) {
				if v := proxy.Environment[m[1]]; v == nil || *v == "" {
					t.Errorf("%s uses {$%s}, the proxy service does not set it", caddyFile, m[1])
				}
			}

			// The ports each service listens on, from its own settings.
			listens := map[string][]string{
				"api":        {addrPort(t, env(t, p, "api", "HTTP_ADDR"))},
				"bot":        {addrPort(t, env(t, p, "bot", "BOT_WEBHOOK_ADDR"))},
				"centrifugo": {env(t, p, "centrifugo", "CENTRIFUGO_HTTP_SERVER_PORT"), env(t, p, "centrifugo", "CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT")},
			}
			for _, s := range sites {
				for _, h := range s.handles {
					for _, u := range h.upstreams {
						svc, ok := p.Services[u.host]
						if !ok {
							t.Errorf("%s: upstream %s is not a compose service", s.address, u)
							continue
						}
						if !shareNetwork(proxy, svc) {
							t.Errorf("%s: upstream %s shares no network with the proxy", s.address, u)
						}
						if !strings.Contains(" "+strings.Join(listens[u.host], " ")+" ", " "+u.port+" ") {
							t.Errorf("%s: upstream %s, but %s listens on %v", s.address, u, u.host, listens[u.host])
						}
					}
				}
			}

			apiPort := listens["api"][0]
			botPort := listens["bot"][0]
			wsPort := env(t, p, "centrifugo", "CENTRIFUGO_HTTP_SERVER_PORT")
			internalPort := env(t, p, "centrifugo", "CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT")
			wsPath := parseURL(t, env(t, p, "api", "CENTRIFUGO_WS_URL")).Path
			webhookPath := parseURL(t, env(t, p, "bot", "BOT_WEBHOOK_URL")).Path
			adminPrefix := env(t, p, "centrifugo", "CENTRIFUGO_ADMIN_HANDLER_PREFIX")
			healthURL := proxy.HealthCheck.Test[len(proxy.HealthCheck.Test)-1]

			routes := []struct {
				site caddySite
				path string
				want string // "host:port", or "respond" for a static answer
			}{
				{public, "/", "api:" + apiPort},
				{public, "/assets/index-abc123.js", "api:" + apiPort},
				{public, "/api/me", "api:" + apiPort},
				{public, "/api/rooms/r1/messages", "api:" + apiPort},
				{public, "/privacy", "api:" + apiPort},
				{public, "/healthz", "api:" + apiPort},
				{public, wsPath, "centrifugo:" + wsPort},
				{public, webhookPath, "bot:" + botPort},
				{public, "/metrics", "respond"},
				// The admin UI is not on the public site: the API answers 404.
				{public, adminPrefix + "/", "api:" + apiPort},
				{ops, adminPrefix + "/", "centrifugo:" + internalPort},
				{ops, adminPrefix + "/admin/auth", "centrifugo:" + internalPort},
				{ops, "/api", "respond"},
				{ops, "/metrics", "respond"},
				{ops, strings.TrimPrefix(healthURL, "http://127.0.0.1:9080"), "respond"},
			}
			for _, r := range routes {
				h, ok := r.site.route(r.path)
				got := "nothing"
				switch {
				case !ok:
				case h.responds:
					got = "respond"
				case len(h.upstreams) == 1:
					got = h.upstreams[0].String()
				default:
					got = fmt.Sprint(h.upstreams)
				}
				if got != r.want {
					t.Errorf("%s %s goes to %s, want %s", r.site.address, r.path, got, r.want)
				}
			}

			// Nothing on the public site reaches Centrifugo's internal port.
			for _, h := range public.handles {
				for _, u := range h.upstreams {
					if u.host == "centrifugo" && u.port == internalPort {
						t.Errorf("public site proxies to centrifugo:%s (server API and admin)", internalPort)
					}
				}
			}
		})
	}
}

func TestReadCaddyfileRejectsUnroutedProxy(t *testing.T) {
	_, err := readCaddyfile("example.com {\n\treverse_proxy api:8080\n}\n")
	if err == nil {
		t.Fatal("a reverse_proxy outside handle must not pass unchecked")
	}
	_, err = readCaddyfile("example.com {\n\thandle {\n\t\treverse_proxy api\n\t}\n}\n")
	if err == nil {
		t.Fatal("an upstream without a port must be rejected")
	}
}
