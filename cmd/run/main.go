// Command run starts the whole Tet-a-Tet stack on this machine for
// development (`make run`): Redis, Centrifugo v6, the API serving the
// built Mini App on one origin (it reverse-proxies /connection/websocket),
// and the bot when TELEGRAM_BOT_TOKEN is set. Without a token it runs in dev
// mode: /dev opens the Mini App as test users A and B, no Telegram needed.
//
// It only wires. Every process it starts runs in a process group of its own
// and is stopped, and waited for, when the runner gets SIGINT or SIGTERM; on
// Linux the kernel also kills them if the runner is killed outright. Dev mode
// never starts by accident where others could reach it: see Config.Mode.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/miniapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the runner at once; the kernel takes the children
	}()
	err := run(ctx, os.Stdout)
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
	// Interrupted, even while starting: everything started is stopped.
}

// run brings the stack up, prints where to go, and tears everything down in
// reverse order when ctx ends or any part of the stack dies.
func run(ctx context.Context, out io.Writer) error {
	began := time.Now()
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	mode, err := cfg.Mode()
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// Listen first: a busy port fails before anything is started.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	defer ln.Close()
	appURL := publicURL(ln.Addr().(*net.TCPAddr))

	unlock, err := lockStateDir(cfg.StateDir)
	if err != nil {
		return err
	}
	defer unlock()
	defer log.Info("stopped")
	cpus, procsSet := runtime.GOMAXPROCS(0), os.Getenv("GOMAXPROCS") != ""
	if !procsSet {
		runtime.GOMAXPROCS(apiProcs(cpus)) // this process only: the children's environments are their own
	}

	rs, err := startRedis(ctx, cfg)
	if err != nil {
		return err
	}
	defer rs.stop()
	if !rs.Persistent {
		fmt.Fprint(out, notPersistentBanner)
	}

	if _, err := os.Stat(centrifugo.BinaryPath()); err != nil {
		fmt.Fprintf(out, "building Centrifugo v%s from centrifugo/server (about 3 minutes, once)...\n", centrifugo.ServerVersion)
	}
	cf, err := startCentrifugo(ctx, cfg.StateDir, allowedOrigins(appURL, cfg.FrontURL))
	if err != nil {
		return fmt.Errorf("centrifugo: %w", err)
	}
	defer cf.stop(3 * time.Second)
	// Runs before the stop above: a pooled connection to Centrifugo that never
	// carried a request would hold up its graceful shutdown for seconds.
	defer http.DefaultClient.CloseIdleConnections()

	botToken := cfg.BotToken
	if botToken == "" {
		botToken = newDevBotToken()
	}
	srv, closeAPI, err := newAPI(cfg, botToken, rs, cf, log)
	if err != nil {
		return err
	}
	defer closeAPI()
	handler := srv.Handler()
	if mode.Dev {
		handler = newDevLogins(botToken, handler, flushOwnRedis(rs), log)
	}

	var bot *child
	var botDone <-chan struct{}
	frontURL := cfg.FrontURL
	if frontURL == "" {
		frontURL = appURL + "/"
	}
	if cfg.BotToken != "" {
		fmt.Fprintln(out, "building and starting the bot (cmd/bot)...")
		if bot, err = startBot(ctx, cfg, frontURL, rs.URL, cf); err != nil {
			return err
		}
		defer bot.stop(5 * time.Second)
		botDone = bot.Done()
	}

	bg, stopBackground := context.WithCancel(context.Background())
	go srv.Run(bg)
	defer stopBackground()
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second} // no write timeout: it would cut WebSockets
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()

	if err := waitHTTP(ctx, appURL+"/readyz", 15*time.Second); err != nil {
		return fmt.Errorf("the API is not ready: %w", err)
	}
	if mode.Dev && cfg.BotToken == "" { // only the throwaway token is ever written down
		removeState, err := writeStackState(cfg.StateDir, newStackState(appURL, botToken, rs, cf))
		if err != nil {
			return err
		}
		defer removeState()
	}
	printBanner(out, banner{
		mode: mode, took: time.Since(began), appURL: appURL, cfg: cfg, redis: rs, cf: cf, bot: bot, frontURL: frontURL,
		procs: runtime.GOMAXPROCS(0), cpus: cpus, procsSet: procsSet,
	})

	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "stopping...")
		return nil
	case err := <-served:
		return fmt.Errorf("http: %w", err)
	case <-cf.Done():
		return cf.exited()
	case <-rs.Done():
		return rs.server.exited()
	case <-botDone:
		return bot.exited()
	}
}

// apiProcs is how many threads run this process's Go code (the API's) at
// once when GOMAXPROCS does not say: half of the cpus Go would use, at
// least one. make run puts Redis and Centrifugo on the same CPUs, and the
// API's work per request is small next to its waits on them: with a thread
// for every CPU it mostly wakes threads, on CPUs the other two need. On 2
// CPUs at 1,000 msg/s one thread took about a fifth less API CPU per
// message, with a lower p99 (README, "Performance").
func apiProcs(cpus int) int { return max(1, cpus/2) }

// newAPI wires the API as cmd/api does, on this run's Redis and Centrifugo,
// with Centrifugo's WebSocket proxied so the browser needs one origin.
// The returned stop closes its Redis and Centrifugo connections.
func newAPI(cfg Config, botToken string, rs *redisStore, cf *centrifugoServer, log *slog.Logger) (srv *api.Server, stop func(), err error) {
	apiCfg, err := apiConfig(map[string]string{
		"TELEGRAM_BOT_TOKEN":      botToken,
		"REDIS_URL":               rs.URL,
		"HTTP_ADDR":               cfg.HTTPAddr,
		"CENTRIFUGO_API_URL":      cf.APIURL,
		"CENTRIFUGO_API_KEY":      cf.APIKey,
		"CENTRIFUGO_TOKEN_SECRET": cf.TokenSecret,
		"CENTRIFUGO_WS_URL":       "/connection/websocket",
		"CENTRIFUGO_PROXY_URL":    cf.PublicURL,
		"MINIAPP_DIR":             cfg.MiniAppDir,
		"MEDIA_DIR":               mediaDir(cfg),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("api config: %w", err)
	}
	rdb, err := apiCfg.Settings.Connect()
	if err != nil {
		return nil, nil, err
	}
	blob, closeBlob, err := apiCfg.MediaSettings.Open(context.Background())
	if err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("media store: %w", err)
	}
	pub, err := apiCfg.Publisher()
	if err != nil {
		rdb.Close()
		closeBlob.Close()
		return nil, nil, err
	}
	tokens := centrifugo.NewTokens(apiCfg.CentrifugoTokenSecret, apiCfg.CentrifugoTokenTTL)
	srv = api.New(apiCfg, api.Deps{
		Store:     matchmaker.New(rdb, apiCfg.StoreConfig(), centrifugo.NewAnnouncer(pub, tokens), matchmaker.WithMedia(blob)),
		Publisher: pub,
		Tokens:    tokens,
		Logger:    log,
		Static: miniapp.Handler(cfg.MiniAppDir, miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: apiCfg.CentrifugoWSURL,
			RichAds: apiCfg.RichAdsPubID != "" && apiCfg.RichAdsAppID != ""})),
	})
	return srv, func() { pub.Close(); rdb.Close(); closeBlob.Close() }, nil
}

// mediaDir is where this run keeps photos and voice messages without S3:
// MEDIA_DIR when the developer set it, else in the state dir.
func mediaDir(cfg Config) string {
	if d := os.Getenv("MEDIA_DIR"); d != "" {
		return d
	}
	return filepath.Join(cfg.StateDir, "media")
}

// apiConfig reads the API's configuration the way cmd/api does, after
// putting in the values this run chose. So the API keeps its own defaults,
// and the developer's environment can still tune the rest
// (SEARCH_TTL=30s make run).
func apiConfig(chosen map[string]string) (api.Config, error) {
	for k, v := range chosen {
		if err := os.Setenv(k, v); err != nil {
			return api.Config{}, err
		}
	}
	return api.LoadConfig()
}

// publicURL is the URL a browser on this machine uses for a listen address.
func publicURL(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// allowedOrigins are the page origins Centrifugo accepts: the app's, under
// both loopback spellings, and FRONT_URL's (a tunnel to open it from Telegram).
func allowedOrigins(appURL, frontURL string) []string {
	u, _ := url.Parse(appURL)
	origins := []string{appURL}
	if h := u.Hostname(); h == "localhost" || net.ParseIP(h).IsLoopback() {
		origins = append(origins, "http://localhost:"+u.Port(), "http://127.0.0.1:"+u.Port())
	}
	if f, err := url.Parse(frontURL); err == nil && f.Host != "" {
		origins = append(origins, f.Scheme+"://"+f.Host)
	}
	seen := map[string]bool{}
	var out []string
	for _, o := range origins {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

// lockStateDir creates the state dir and holds a lock on it for the run: two
// runners must not share one Redis data dir.
func lockStateDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o700); err != nil {
		return nil, fmt.Errorf("RUN_STATE_DIR: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("RUN_STATE_DIR: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another run is using %s (stop it, or set RUN_STATE_DIR): %w", dir, err)
	}
	return func() { f.Close() }, nil
}

func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := get200(cctx, url)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

const notPersistentBanner = `
################################################################################
#  Redis: EMBEDDED in-memory Redis (miniredis). NOT PERSISTENT.                #
#  Profiles, rooms and messages are gone when this run stops. For a real one:  #
#  apt-get install redis-server (picked up automatically), or set REDIS_URL.   #
################################################################################

`

type banner struct {
	mode     Mode
	took     time.Duration
	appURL   string
	cfg      Config
	redis    *redisStore
	cf       *centrifugoServer
	bot      *child
	frontURL string
	// procs of cpus: the API's GOMAXPROCS (apiProcs), or the one the
	// operator set (procsSet).
	procs, cpus int
	procsSet    bool
}

func printBanner(w io.Writer, b banner) {
	var s strings.Builder
	fmt.Fprintf(&s, "\nTet-a-Tet is up in %.1fs. %s\n\n", b.took.Seconds(), b.mode.Why)
	row := func(k, format string, args ...any) { fmt.Fprintf(&s, "  %-12s %s\n", k, fmt.Sprintf(format, args...)) }
	row("Mini App", "%s/", b.appURL)
	if _, err := os.Stat(filepath.Join(b.cfg.MiniAppDir, "index.html")); err != nil {
		row("", "not built: a placeholder is served (cd miniapp && npm ci && npm run build)")
	}
	if b.mode.Dev {
		row("dev logins", "%s/dev   <- start here: \"Open as user A\" and \"Open as user B\"", b.appURL)
	}
	row("ready check", "%s/readyz", b.appURL)
	row("Centrifugo", "admin %s  password %s  (pid %d, via %s/connection/websocket)", b.cf.AdminURL, b.cf.AdminPassword, b.cf.PID(), b.appURL)
	row("Redis", "%s", b.redis.Desc)
	if b.procsSet {
		row("API", "GOMAXPROCS=%d (set by you)", b.procs)
	} else {
		row("API", "GOMAXPROCS=%d of %d CPUs: Redis and Centrifugo share them (set GOMAXPROCS to choose)", b.procs, b.cpus)
	}
	if b.bot != nil {
		row("bot", "pid %d, FRONT_URL %s", b.bot.PID(), b.frontURL)
	}
	row("state, logs", "%s", b.cfg.StateDir)
	s.WriteString("\nCtrl-C stops everything.\n")
	if !b.redis.Persistent {
		s.WriteString("Reminder: Redis is EMBEDDED and NOT PERSISTENT.\n")
	}
	fmt.Fprint(w, s.String())
}
