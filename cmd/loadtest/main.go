// Command loadtest measures Tet-a-Tet's message path from outside, the way
// users load it (`make load`, with `make run` up in another terminal): N
// users onboard, connect a real WebSocket each, match in pairs through the
// API and join their rooms; then, open loop at a fixed total rate, they
// send through POST /api/rooms/{id}/messages, and the same schedule is
// published straight to Centrifugo's server API as the ceiling. It prints
// latency to the partner's subscription, delivered rate, lost, duplicated
// and reordered messages, answers, CPU per 1,000 messages per process,
// Centrifugo's memory per user and the match-push latency.
//
// It only loads servers on this machine unless -allow-remote says
// otherwise, and it never prints the bot token or the API key.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := configure(os.Args[1:])
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// Thousands of client goroutines make every GC cycle a long stack
		// scan; fewer cycles leave more of the shared CPUs to the servers
		// being measured, for a few hundred MB more memory.
		debug.SetGCPercent(400)
	}
	limit, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("open-file limit: %w", err)
	}
	cfg, note, err := fitFiles(cfg, limit)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := Run(ctx, cfg, os.Stderr)
	if rep != nil && len(rep.Steps) > 0 {
		if note != "" {
			rep.Notes = append(rep.Notes, note)
		}
		rep.Print(os.Stdout)
	}
	return err
}

// configure reads the flags and fills the rest from the stack file.
func configure(args []string) (Config, error) {
	stateDir := os.Getenv("RUN_STATE_DIR")
	if stateDir == "" {
		stateDir = ".run"
	}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var (
		state   = fs.String("state", filepath.Join(stateDir, "stack.json"), "the stack file `make run` writes in dev mode (bot token, Centrifugo API, pids)")
		target  = fs.String("url", "", "the API's base URL (default: the stack file's, else http://127.0.0.1:8080)")
		ws      = fs.String("ws", "", "Centrifugo's WebSocket URL (default: the stack file's, else what /api/config says)")
		token   = fs.String("bot-token", "", "bot token to sign init data with (default: the stack file's)")
		cfURL   = fs.String("centrifugo-api-url", "", "Centrifugo server API URL, ending in /api (default: the stack file's)")
		cfKey   = fs.String("centrifugo-api-key", "", "Centrifugo API key (default: the stack file's)")
		remote  = fs.Bool("allow-remote", false, "allow a target that is not on this machine (only a server you own)")
		users   = fs.Int("users", 2000, "users, two per room")
		rate    = fs.Float64("rate", 0, "one step at this many msg/s (instead of -ladder)")
		ladder  = fs.String("ladder", formatLadder(defaultLadder), "msg/s of each step, comma-separated")
		dur     = fs.Duration("duration", 10*time.Second, "how long each step sends, per path")
		drain   = fs.Duration("drain", 15*time.Second, "the most a step waits for its last deliveries")
		apiPath = fs.Bool("api", true, "send each step through the API (the path under test)")
		direct  = fs.Bool("direct", true, "also send each step straight to Centrifugo's server API (the ceiling)")
		dkey    = fs.Bool("direct-idempotency", false, "the direct baseline publishes with an idempotency key per message, as the API does")
		profile = fs.String("cpuprofile", "", "write the generator's own CPU profile to this file")
		resend  = fs.Bool("resend", false, "after 429/503, resend with the same client_msg_id once Retry-After has passed")
		resends = fs.Int("max-resends", 5, "with -resend, the most resends of one message")
		flight  = fs.Int("max-inflight", 5000, "messages in flight at most; beyond that the generator counts them as never sent")
		timeout = fs.Duration("http-timeout", 30*time.Second, "deadline of one HTTP request")
		pairs   = fs.Int("match-pairs", 1000, "pairs that search at the same moment in the match-push phase")
		conc    = fs.Int("concurrency", 32, "parallel requests while setting up the users")
		cleanup = fs.Bool("cleanup", true, "leave the rooms and close the connections at the end")
		apiPID  = fs.Int("api-pid", 0, "pid of the API process (default: the stack file's, else who listens on -url's port)")
		cfPID   = fs.Int("centrifugo-pid", 0, "pid of Centrifugo (default: the stack file's, else who listens on the API URL's port)")
		rdPID   = fs.Int("redis-pid", 0, "pid of redis-server (default: the stack file's, else who listens on -redis-addr's port)")
		rdAddr  = fs.String("redis-addr", "", "host:port of Redis, to find its pid (default: the stack file's)")
		quiet   = fs.Bool("quiet", false, "no progress line")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: loadtest [flags]   (start `make run` first; `make load` runs this with LOAD_FLAGS)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	st, err := readStack(*state, set["state"])
	if err != nil {
		return Config{}, err
	}
	if st == nil {
		st = &stackState{}
	} else if pid := st.PIDs.API; pid > 0 && !alive(pid) {
		return Config{}, fmt.Errorf("%s is left over from a run that is gone (pid %d): start `make run` (or pass -state)", *state, pid)
	}
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	cfg := Config{
		URL:              first(*target, st.AppURL, "http://127.0.0.1:8080"),
		WSURL:            first(*ws, st.CentrifugoWSURL),
		BotToken:         first(*token, st.BotToken),
		CentrifugoAPIURL: first(*cfURL, st.CentrifugoAPIURL),
		CentrifugoAPIKey: first(*cfKey, st.CentrifugoAPIKey),
		AllowRemote:      *remote,
		Users:            *users,
		Duration:         *dur,
		Drain:            *drain,
		APIPath:          *apiPath,
		Direct:           *direct,
		DirectKeys:       *dkey,
		CPUProfile:       *profile,
		Resend:           *resend,
		MaxResends:       *resends,
		MaxInFlight:      *flight,
		HTTPTimeout:      *timeout,
		MatchPairs:       *pairs,
		Concurrency:      *conc,
		Cleanup:          *cleanup,
		Progress:         os.Stderr,
	}
	if *quiet {
		cfg.Progress = nil
	}
	if set["url"] && !set["state"] && st.AppURL != "" && st.AppURL != *target {
		// Another stack than the file's: its secrets and pids are not this one's.
		return Config{}, fmt.Errorf("-url %s is not the stack in %s (%s): pass -state for that stack, or its -bot-token etc.", *target, *state, st.AppURL)
	}
	if *rate > 0 {
		cfg.Ladder = []float64{*rate}
	} else if cfg.Ladder, err = parseLadder(*ladder); err != nil {
		return Config{}, fmt.Errorf("-ladder: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	cfg.PIDs = findPIDs(newProcFS(), cfg, st, PIDs{API: *apiPID, Centrifugo: *cfPID, Redis: *rdPID}, first(*rdAddr, hostPort(st.RedisURL)))
	return cfg, nil
}

// findPIDs picks each process: a flag, the stack file, else whoever listens
// on its port here. Remote targets have none.
func findPIDs(pfs procFS, cfg Config, st *stackState, flags PIDs, redisAddr string) PIDs {
	p := flags
	if p.API == 0 {
		p.API = st.PIDs.API
	}
	if p.Centrifugo == 0 {
		p.Centrifugo = st.PIDs.Centrifugo
	}
	if p.Redis == 0 {
		p.Redis = st.PIDs.Redis
	}
	byPort := func(raw string) int {
		u, err := url.Parse(raw)
		if err != nil || !isLoopbackHost(u.Hostname()) {
			return 0
		}
		port, _ := strconv.Atoi(u.Port())
		pid, _ := pfs.Listening(port)
		return pid
	}
	if p.API == 0 {
		p.API = byPort(cfg.URL)
	}
	if p.Centrifugo == 0 && cfg.CentrifugoAPIURL != "" {
		p.Centrifugo = byPort(cfg.CentrifugoAPIURL)
	}
	switch {
	case p.Redis != 0:
	case st.RedisEmbedded:
		p.RedisNote = "embedded in the API process (miniredis): its CPU counts as the API's"
	case redisAddr != "":
		p.Redis = byPort("redis://" + redisAddr)
	}
	if p.Redis == 0 && p.RedisNote == "" {
		p.RedisNote = "pid unknown (pass -redis-pid or -redis-addr)"
	}
	return p
}

func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return ""
	}
	return u.Host
}

func alive(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}

// raiseFileLimit lifts the soft open-file limit to the hard one and returns
// it: every user holds a WebSocket.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
	}
	return l.Cur, nil
}
