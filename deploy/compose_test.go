package deploy

import (
	"context"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

const (
	baseFile  = "docker-compose.yml"
	scaleFile = "docker-compose.scale.yml"
	// externalS3File replaces SeaweedFS with an external S3 service.
	externalS3File = "docker-compose.external-s3.yml"
)

// testEnv is the only environment the compose files are interpolated with:
// neither the developer's shell nor a .env file leaks into the tests. Every
// value is distinct, so a test can tell which variable ended up where.
var testEnv = map[string]string{
	"PUBLIC_HOST":                      "chat.example.test",
	"TELEGRAM_BOT_TOKEN":               "123456:test-bot-token",
	"CENTRIFUGO_TOKEN_HMAC_SECRET_KEY": "test-token-hmac-secret-at-least-32-chars",
	"CENTRIFUGO_API_KEY":               "test-centrifugo-api-key",
	"CENTRIFUGO_ADMIN_PASSWORD":        "test-admin-password",
	"CENTRIFUGO_ADMIN_SECRET":          "test-admin-secret",
	"BOT_WEBHOOK_SECRET":               "test-webhook-secret",
	"S3_ACCESS_KEY":                    "test-s3-access-key",
	"S3_SECRET_KEY":                    "test-s3-secret-key",
	// At least 16 characters each: SeaweedFS's S3 gateway also signs its
	// STS tokens with the filer key and refuses a shorter one.
	"SEAWEEDFS_JWT_SIGNING_KEY":            "test-seaweedfs-volume-write-key",
	"SEAWEEDFS_JWT_SIGNING_READ_KEY":       "test-seaweedfs-volume-read-key",
	"SEAWEEDFS_JWT_FILER_SIGNING_KEY":      "test-seaweedfs-filer-write-key",
	"SEAWEEDFS_JWT_FILER_SIGNING_READ_KEY": "test-seaweedfs-filer-read-key",
}

// stacks are the two supported ways to run the deployment.
var stacks = []struct {
	name  string
	files []string
}{
	{"single host", []string{baseFile}},
	{"scale-out", []string{baseFile, scaleFile}},
}

// externalS3Stacks are the stacks with media in an external S3 service
// (the external-S3 override, which needs S3_ENDPOINT in .env).
var externalS3Stacks = []struct {
	name  string
	files []string
}{
	{"single host, external S3", []string{baseFile, externalS3File}},
	{"scale-out, external S3", []string{baseFile, scaleFile, externalS3File}},
}

// configFile reads a compose file of this directory into the form compose-go
// loads, so a test can hand the loader modified text under the real name.
func configFile(t *testing.T, name string) types.ConfigFile {
	t.Helper()
	content, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	return types.ConfigFile{Filename: abs, Content: content}
}

// load runs compose-go's loader the way `docker compose -f deploy/...` does:
// project directory deploy/, interpolation from env, and JSON-schema
// validation, consistency checks and path resolution all on (they are the
// defaults; they are set here so nobody turns them off by accident).
func load(env map[string]string, files ...types.ConfigFile) (*types.Project, error) {
	wd, err := filepath.Abs(".")
	if err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  wd,
		ConfigFiles: files,
		Environment: types.Mapping(maps.Clone(env)),
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SkipValidation = false
		o.SkipInterpolation = false
		o.SkipConsistencyCheck = false
		o.ResolvePaths = true
	})
}

func loadStack(t *testing.T, files []string) *types.Project {
	t.Helper()
	var cfgs []types.ConfigFile
	for _, f := range files {
		cfgs = append(cfgs, configFile(t, f))
	}
	p, err := load(testEnv, cfgs...)
	if err != nil {
		t.Fatalf("load %v: %v", files, err)
	}
	return p
}

// env returns a service's resolved environment variable, failing the test
// when it is not set.
func env(t *testing.T, p *types.Project, service, key string) string {
	t.Helper()
	s, ok := p.Services[service]
	if !ok {
		t.Fatalf("no service %q", service)
	}
	v, ok := s.Environment[key]
	if !ok || v == nil {
		t.Fatalf("service %s: %s is not set", service, key)
	}
	return *v
}

// addrPort is the port of a listen address such as ":8080".
func addrPort(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listen address %q: %v", addr, err)
	}
	return port
}

func parseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("not an absolute URL: %q (%v)", raw, err)
	}
	return u
}

func TestStacksLoadAndMatchTheRepository(t *testing.T) {
	repoRoot, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) {
			p := loadStack(t, st.files)

			for _, name := range []string{"api", "bot", "centrifugo", "centrifugo-redis", "proxy", "redis", "seaweedfs"} {
				if _, ok := p.Services[name]; !ok {
					t.Fatalf("no %s service; have %v", name, slices.Sorted(maps.Keys(p.Services)))
				}
			}

			for name, s := range p.Services {
				if s.Image == "" && s.Build == nil {
					t.Errorf("%s: neither image nor build", name)
				}
				if s.Build != nil {
					if rel, err := filepath.Rel(repoRoot, s.Build.Context); err != nil || rel != "." {
						t.Errorf("%s: build context %s, want the repository root %s", name, s.Build.Context, repoRoot)
					}
					if fi, err := os.Stat(s.Build.Context); err != nil || !fi.IsDir() {
						t.Errorf("%s: build context %s is not a directory (%v)", name, s.Build.Context, err)
					}
					dockerfile := filepath.Join(s.Build.Context, s.Build.Dockerfile)
					if _, err := os.Stat(dockerfile); err != nil {
						t.Errorf("%s: dockerfile: %v", name, err)
					}
				}
				for _, v := range s.Volumes {
					if v.Type != types.VolumeTypeBind {
						continue
					}
					if _, err := os.Stat(v.Source); err != nil {
						t.Errorf("%s: mounted file from the repository: %v", name, err)
					}
				}
				if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 || s.HealthCheck.Disable {
					t.Errorf("%s: no healthcheck", name)
				}
				for dep, d := range s.DependsOn {
					switch d.Condition {
					case types.ServiceConditionHealthy:
						if hc := p.Services[dep].HealthCheck; hc == nil || hc.Disable {
							t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
						}
					case types.ServiceConditionStarted:
					default:
						t.Errorf("%s: depends_on %s: unexpected condition %q", name, dep, d.Condition)
					}
				}
			}

			// The store's Redis keeps its data: AOF on, /data on a named volume.
			redis := p.Services["redis"]
			if i := slices.Index(redis.Command, "--appendonly"); i < 0 || i+1 >= len(redis.Command) || redis.Command[i+1] != "yes" {
				t.Errorf("redis command %q does not turn AOF on (--appendonly yes)", redis.Command)
			}
			if !slices.ContainsFunc(redis.Volumes, func(v types.ServiceVolumeConfig) bool {
				return v.Type == types.VolumeTypeVolume && v.Target == "/data"
			}) {
				t.Errorf("redis: /data is not a named volume")
			}

			// Centrifugo's broker shards keep nothing: a restarted broker must
			// start empty so every channel begins a new epoch.
			for _, name := range brokerServices(t, p) {
				checkNotPersistent(t, name, p.Services[name])
			}

			// Only the proxy is reachable from outside, and its operator
			// port only from the host itself.
			centrifugoInternal := env(t, p, "centrifugo", "CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT")
			for name, s := range p.Services {
				for _, port := range s.Ports {
					target := strconv.FormatUint(uint64(port.Target), 10)
					if (name == "centrifugo" && target == centrifugoInternal) || target == "6379" ||
						port.Published == centrifugoInternal || port.Published == "6379" {
						t.Errorf("%s publishes %s:%d: Redis and Centrifugo's internal port must stay internal", name, port.Published, port.Target)
					}
					if name != "proxy" {
						t.Errorf("%s publishes port %d; only the proxy may", name, port.Target)
					}
				}
			}
			for _, port := range p.Services["proxy"].Ports {
				switch port.Target {
				case 80, 443:
				case 9080:
					if port.HostIP != "127.0.0.1" {
						t.Errorf("proxy operator port 9080 bound to %q, want 127.0.0.1", port.HostIP)
					}
				default:
					t.Errorf("proxy publishes unexpected port %d", port.Target)
				}
			}

			// Centrifugo's broker is its own Redis, never the store's; the API
			// and the bot use the store's.
			if got := env(t, p, "centrifugo", "CENTRIFUGO_ENGINE_TYPE"); got != "redis" {
				t.Errorf("CENTRIFUGO_ENGINE_TYPE = %q, want redis", got)
			}
			for _, name := range brokerServices(t, p) {
				if name == "redis" {
					t.Errorf("Centrifugo's broker is the store's Redis; it must have its own (centrifugo-redis)")
				}
				if _, ok := p.Services["centrifugo"].DependsOn[name]; !ok {
					t.Errorf("centrifugo does not wait for its broker shard %s", name)
				}
			}
			for _, svc := range []string{"api", "bot"} {
				if u := parseURL(t, env(t, p, svc, "REDIS_URL")); u.Hostname() != "redis" {
					t.Errorf("%s uses Redis at %q, want the redis service", svc, u.Host)
				}
			}
			for _, key := range []string{"CENTRIFUGO_ADMIN_PASSWORD", "CENTRIFUGO_ADMIN_SECRET"} {
				if got := env(t, p, "centrifugo", key); got != testEnv[key] {
					t.Errorf("centrifugo %s = %q, want it from the environment", key, got)
				}
			}
			if env(t, p, "centrifugo", "CENTRIFUGO_ADMIN_ENABLED") != "true" {
				t.Errorf("Centrifugo admin UI is off")
			}

			// The values that must agree between processes do.
			same := []struct{ svcA, keyA, svcB, keyB, source string }{
				{"api", "CENTRIFUGO_TOKEN_SECRET", "centrifugo", "CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY", "CENTRIFUGO_TOKEN_HMAC_SECRET_KEY"},
				{"api", "CENTRIFUGO_API_KEY", "centrifugo", "CENTRIFUGO_HTTP_API_KEY", "CENTRIFUGO_API_KEY"},
				{"bot", "CENTRIFUGO_API_KEY", "centrifugo", "CENTRIFUGO_HTTP_API_KEY", "CENTRIFUGO_API_KEY"},
				{"api", "TELEGRAM_BOT_TOKEN", "bot", "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"},
				{"bot", "BOT_WEBHOOK_SECRET", "bot", "BOT_WEBHOOK_SECRET", "BOT_WEBHOOK_SECRET"},
			}
			for _, c := range same {
				a, b := env(t, p, c.svcA, c.keyA), env(t, p, c.svcB, c.keyB)
				if a != testEnv[c.source] || b != testEnv[c.source] {
					t.Errorf("%s %s = %q and %s %s = %q, want both %q from %s", c.svcA, c.keyA, a, c.svcB, c.keyB, b, testEnv[c.source], c.source)
				}
			}

			for _, svc := range []string{"api", "bot"} {
				apiURL := parseURL(t, env(t, p, svc, "CENTRIFUGO_API_URL"))
				if apiURL.Hostname() != "centrifugo" || apiURL.Port() != centrifugoInternal || apiURL.Path != "/api" {
					t.Errorf("%s CENTRIFUGO_API_URL = %s, want http://centrifugo:%s/api", svc, apiURL, centrifugoInternal)
				}
			}
			origin := "https://" + testEnv["PUBLIC_HOST"]
			if got := env(t, p, "centrifugo", "CENTRIFUGO_CLIENT_ALLOWED_ORIGINS"); got != origin {
				t.Errorf("CENTRIFUGO_CLIENT_ALLOWED_ORIGINS = %q, want %q", got, origin)
			}
			publicURLs := []struct {
				service, key, scheme string
			}{
				{"api", "CENTRIFUGO_WS_URL", "wss"},
				{"bot", "FRONT_URL", "https"},
				{"bot", "BOT_WEBHOOK_URL", "https"},
			}
			for _, pu := range publicURLs {
				u := parseURL(t, env(t, p, pu.service, pu.key))
				if u.Scheme != pu.scheme || u.Host != testEnv["PUBLIC_HOST"] {
					t.Errorf("%s %s = %s, want %s://%s/...", pu.service, pu.key, u, pu.scheme, testEnv["PUBLIC_HOST"])
				}
			}
		})
	}
}

// brokerServices returns the compose services Centrifugo's broker runs on,
// from CENTRIFUGO_ENGINE_REDIS_ADDRESS (a space-separated list of redis://
// URLs, one per shard), failing the test on an address that is not a
// service of the stack.
func brokerServices(t *testing.T, p *types.Project) []string {
	t.Helper()
	var out []string
	for _, raw := range strings.Fields(env(t, p, "centrifugo", "CENTRIFUGO_ENGINE_REDIS_ADDRESS")) {
		u := parseURL(t, raw)
		if u.Scheme != "redis" {
			t.Errorf("broker address %q: want redis://host:port", raw)
		}
		if _, ok := p.Services[u.Hostname()]; !ok {
			t.Errorf("broker address %q: %s is not a service", raw, u.Hostname())
			continue
		}
		if slices.Contains(out, u.Hostname()) {
			t.Errorf("broker address %q listed twice", raw)
		}
		out = append(out, u.Hostname())
	}
	return out
}

// checkNotPersistent fails the test unless a Redis service keeps nothing
// across a restart: no RDB snapshots, no AOF, and /data on tmpfs (no volume),
// so not even a manual SAVE can bring old state back.
func checkNotPersistent(t *testing.T, name string, s types.ServiceConfig) {
	t.Helper()
	arg := func(flag string) (string, bool) {
		i := slices.Index(s.Command, flag)
		if i < 0 || i+1 >= len(s.Command) {
			return "", false
		}
		return s.Command[i+1], true
	}
	if v, ok := arg("--save"); !ok || v != "" {
		t.Errorf("%s command %q: want --save \"\" (no RDB snapshots)", name, s.Command)
	}
	if v, ok := arg("--appendonly"); !ok || v != "no" {
		t.Errorf("%s command %q: want --appendonly no", name, s.Command)
	}
	if !slices.Contains(s.Tmpfs, "/data") {
		t.Errorf("%s: /data is not a tmpfs", name)
	}
	if len(s.Volumes) > 0 {
		t.Errorf("%s mounts %v; the broker must not keep anything", name, s.Volumes)
	}
}

func TestScaleOutReplicas(t *testing.T) {
	p := loadStack(t, []string{baseFile, scaleFile})
	replicas := func(name string) int {
		s := p.Services[name]
		if s.Deploy == nil || s.Deploy.Replicas == nil {
			return 1
		}
		return *s.Deploy.Replicas
	}
	if n := replicas("api"); n < 2 {
		t.Errorf("api replicas = %d, want at least 2", n)
	}
	if n := replicas("centrifugo"); n < 2 {
		t.Errorf("centrifugo replicas = %d, want at least 2", n)
	}
	if n := replicas("bot"); n != 1 {
		t.Errorf("bot replicas = %d, want exactly 1 (webhook mode)", n)
	}
	if n := replicas("redis"); n != 1 {
		t.Errorf("redis replicas = %d, want exactly 1 (the shared state)", n)
	}
	// Every API replica uses the one SeaweedFS: a second weed mini would be
	// a second store on the same volume.
	if n := replicas("seaweedfs"); n != 1 {
		t.Errorf("seaweedfs replicas = %d, want exactly 1", n)
	}
	// The broker is sharded over two or more Redis instances, each its own
	// service (a shard with replicas would split one address over several
	// servers that do not share data).
	shards := brokerServices(t, p)
	if len(shards) < 2 {
		t.Errorf("Centrifugo's broker has %d shard(s) %v in the scale-out stack, want 2 or more", len(shards), shards)
	}
	for _, name := range shards {
		if n := replicas(name); n != 1 {
			t.Errorf("broker shard %s has %d replicas, want exactly 1", name, n)
		}
	}
	for name, s := range p.Services {
		if s.ContainerName != "" {
			t.Errorf("%s: container_name %q prevents replicas", name, s.ContainerName)
		}
	}
	if got := env(t, p, "centrifugo", "CENTRIFUGO_ENGINE_TYPE"); got != "redis" {
		t.Errorf("Centrifugo nodes need the redis engine to share state, got %q", got)
	}

	// The replica counts are knobs.
	e := maps.Clone(testEnv)
	e["API_REPLICAS"], e["CENTRIFUGO_REPLICAS"] = "6", "3"
	p, err := load(e, configFile(t, baseFile), configFile(t, scaleFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := *p.Services["api"].Deploy.Replicas; got != 6 {
		t.Errorf("API_REPLICAS=6 gave %d api replicas", got)
	}
	if got := *p.Services["centrifugo"].Deploy.Replicas; got != 3 {
		t.Errorf("CENTRIFUGO_REPLICAS=3 gave %d centrifugo replicas", got)
	}
}

// TestMissingSecretStopsCompose proves the ${VAR:?msg} form: without a
// required variable, loading fails and names it.
func TestMissingSecretStopsCompose(t *testing.T) {
	for key := range testEnv {
		t.Run(key, func(t *testing.T) {
			e := maps.Clone(testEnv)
			delete(e, key)
			_, err := load(e, configFile(t, baseFile))
			if err == nil {
				t.Fatalf("loaded without %s", key)
			}
			if !strings.Contains(err.Error(), key) {
				t.Errorf("error does not name %s: %v", key, err)
			}
		})
	}
}

var (
	// secretKey matches environment names that carry credentials
	// (TELEGRAM_BOT_TOKEN, CENTRIFUGO_API_KEY, ..._SECRET, ..._PASSWORD), not
	// settings such as CENTRIFUGO_TOKEN_TTL.
	secretKey = regexp.MustCompile(`SECRET|PASSWORD|_KEY$|_TOKEN$`)
	// requiredRef is the only accepted value for them: a required variable
	// with an error message and no default.
	requiredRef = regexp.MustCompile(`^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$`)
	// botToken is the shape of a Telegram bot token.
	botToken = regexp.MustCompile(`\b\d{6,12}:[A-Za-z0-9_-]{30,}\b`)
	// longRun is a candidate random string: hex, base64 or base64url.
	longRun = regexp.MustCompile(`[A-Za-z0-9+/=_-]{32,}`)
	hexRun  = regexp.MustCompile(`^[0-9a-fA-F]+$`)
)

// literalSecret returns the first thing in text that looks like a pasted
// credential: a bot token, a long hex string, or a long run mixing lower
// case, upper case and digits (variable names and URL paths do not).
func literalSecret(text string) string {
	if m := botToken.FindString(text); m != "" {
		return m
	}
	for _, m := range longRun.FindAllString(text, -1) {
		mixed := strings.ContainsAny(m, "abcdefghijklmnopqrstuvwxyz") &&
			strings.ContainsAny(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
			strings.ContainsAny(m, "0123456789")
		if mixed || hexRun.MatchString(m) {
			return m
		}
	}
	return ""
}

// TestNoLiteralSecrets reads the files without interpolation: every
// credential is a required ${VAR:?...} reference, and nothing that looks like
// a token is written anywhere.
func TestNoLiteralSecrets(t *testing.T) {
	for _, name := range []string{baseFile, scaleFile, externalS3File} {
		t.Run(name, func(t *testing.T) {
			cf := configFile(t, name)
			if m := literalSecret(string(cf.Content)); m != "" {
				t.Errorf("looks like a literal secret: %q", m)
			}
			wd, _ := filepath.Abs(".")
			model, err := loader.LoadModelWithContext(context.Background(), types.ConfigDetails{
				WorkingDir:  wd,
				ConfigFiles: []types.ConfigFile{cf},
				Environment: types.Mapping{},
			}, func(o *loader.Options) {
				o.SkipInterpolation = true
				o.SkipValidation = true // ${API_REPLICAS:-3} is not an integer yet
				o.SkipNormalization = true
				o.SetProjectName("tetatet", true)
			})
			if err != nil {
				t.Fatal(err)
			}
			services, _ := model["services"].(map[string]any)
			for svc, raw := range services {
				s, _ := raw.(map[string]any)
				environment, _ := s["environment"].(map[string]any)
				for key, value := range environment {
					if !secretKey.MatchString(key) {
						continue
					}
					str, _ := value.(string)
					if !requiredRef.MatchString(str) {
						t.Errorf("%s: %s = %v, want a required reference like ${%s:?set it in .env}", svc, key, value, key)
					}
				}
			}
		})
	}
}

// TestSchemaRejectsTypos proves the loader validates against the compose
// JSON schema: one misspelt key in one service makes loading fail, and the
// error names that key. The unchanged text is the control case.
func TestSchemaRejectsTypos(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		service string // block to edit; "" leaves the text unchanged
		key     string // first occurrence of "<key>:" in that block
		typo    string
	}{
		{name: "control: unchanged base", file: baseFile},
		{name: "control: unchanged scale", file: scaleFile},
		{"image", baseFile, "api", "image", "imagee"},
		{"depends_on", baseFile, "centrifugo", "depends_on", "depends_onn"},
		{"command", baseFile, "redis", "command", "comand"},
		{"ports", baseFile, "proxy", "ports", "portz"},
		{"healthcheck", baseFile, "bot", "healthcheck", "healthchek"},
		{"nested depends_on condition", baseFile, "api", "condition", "condtion"},
		{"nested healthcheck interval", baseFile, "redis", "interval", "intervall"},
		{"deploy in the scale file", scaleFile, "centrifugo", "deploy", "deploi"},
		{"replicas in the scale file", scaleFile, "api", "replicas", "replica"},
		{"seaweedfs command", baseFile, "seaweedfs", "command", "comand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := []types.ConfigFile{configFile(t, baseFile)}
			if tt.file == scaleFile {
				files = append(files, configFile(t, scaleFile))
			}
			target := &files[len(files)-1]
			if tt.service != "" {
				text, ok := injectTypo(string(target.Content), tt.service, tt.key, tt.typo)
				if !ok {
					t.Fatalf("%s has no %q in service %s; the case tests nothing", tt.file, tt.key+":", tt.service)
				}
				target.Content = []byte(text)
			}

			_, err := load(testEnv, files...)
			if tt.service == "" {
				if err != nil {
					t.Fatalf("unchanged files must load: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded with %q instead of %q in %s", tt.typo, tt.key, tt.service)
			}
			if !strings.Contains(err.Error(), tt.typo) {
				t.Errorf("error does not name the typo %q: %v", tt.typo, err)
			}
			t.Logf("rejected as expected: %v", err)
		})
	}
}

// injectTypo renames the first "<key>:" inside the block of service (the
// lines after "  <service>:" up to the next top-level or service key).
func injectTypo(text, service, key, typo string) (string, bool) {
	lines := strings.Split(text, "\n")
	in := false
	for i, line := range lines {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		trimmed := strings.TrimSpace(line)
		switch {
		case line == "  "+service+":":
			in = true
			continue
		case in && trimmed != "" && !strings.HasPrefix(trimmed, "#") && indent <= 2:
			return text, false
		}
		if in && strings.HasPrefix(trimmed, key+":") {
			lines[i] = line[:indent] + typo + strings.TrimPrefix(trimmed, key)
			return strings.Join(lines, "\n"), true
		}
	}
	return text, false
}

// TestOptionalSettingsPassThrough: a tuning variable missing from .env must
// stay unset in the container (an empty INITDATA_MAX_AGE would fail the
// app's duration parsing), and a present one must arrive unchanged.
func TestOptionalSettingsPassThrough(t *testing.T) {
	optional := map[string][]string{
		"api": {"INITDATA_MAX_AGE", "SEARCH_TTL", "REMATCH_COOLDOWN", "ROOM_TTL", "CENTRIFUGO_TOKEN_TTL", "LOG_LEVEL"},
		"bot": {"TELEGRAM_API_URL", "LOG_LEVEL"},
	}
	p := loadStack(t, []string{baseFile})
	for svc, keys := range optional {
		for _, key := range keys {
			v, declared := p.Services[svc].Environment[key]
			if !declared {
				t.Errorf("%s does not pass %s through", svc, key)
			} else if v != nil {
				t.Errorf("%s: unset %s becomes %q, want it left unset", svc, key, *v)
			}
		}
	}

	e := maps.Clone(testEnv)
	e["INITDATA_MAX_AGE"], e["TELEGRAM_API_URL"] = "1h", "http://bot-api.internal:8081"
	p, err := load(e, configFile(t, baseFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := env(t, p, "api", "INITDATA_MAX_AGE"); got != "1h" {
		t.Errorf("INITDATA_MAX_AGE=1h arrives as %q", got)
	}
	if got := env(t, p, "bot", "TELEGRAM_API_URL"); got != "http://bot-api.internal:8081" {
		t.Errorf("TELEGRAM_API_URL arrives as %q", got)
	}
}

// TestRequiredVariablesAreDocumented: every variable compose refuses to
// start without (${VAR:?...}) is in .env.example, and those of the base file
// are in the env file deploy/README.md tells operators to write.
func TestRequiredVariablesAreDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	required := regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*):\?`)
	for _, name := range []string{baseFile, scaleFile, externalS3File} {
		var text strings.Builder // without comments
		for _, line := range strings.Split(string(configFile(t, name).Content), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				text.WriteString(line + "\n")
			}
		}
		seen := map[string]bool{}
		for _, m := range required.FindAllStringSubmatch(text.String(), -1) {
			key := m[1]
			if seen[key] {
				continue
			}
			seen[key] = true
			if !strings.Contains("\n"+string(example), "\n"+key+"=") {
				t.Errorf("%s requires %s; .env.example lacks it", name, key)
			}
			if name == baseFile && !strings.Contains(string(readme), "\n   "+key+"=") {
				t.Errorf("%s requires %s; the .env of deploy/README.md's first deployment lacks it", name, key)
			}
		}
		if name == baseFile && len(seen) < len(testEnv) {
			t.Errorf("%s requires %d variables, testEnv has %d: the regexp misses some", name, len(seen), len(testEnv))
		}
	}
}
