package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report is everything one run measured.
type Report struct {
	Config  Config
	WSURL   string
	Procs   []procRef
	Machine string
	Notes   []string

	Match MatchResult
	// Centrifugo's VmRSS before the users connected, once they were
	// connected, and once they were subscribed to their rooms (0: unknown),
	// and its peak (VmHWM) before: well above RSSBefore means an earlier run
	// left freed memory the runtime reuses, so the growth undercounts.
	RSSBefore, RSSConnected, RSSSubscribed, PeakBefore int64

	Steps []RateStep
	// Reconnects: WebSocket connections that had to be made again.
	Reconnects int64
	// Strays: publications of an earlier step that came after it closed.
	Strays int64
}

// RateStep is one rung of the ladder: the API path and, with Direct, the
// same schedule straight to Centrifugo.
type RateStep struct {
	Rate        float64
	API, Direct *Measured
}

// Measured is a step's books and the CPU each process used for it.
type Measured struct {
	StepResult
	CPU map[string]time.Duration // by procRef name
	// Others is the CPU every other process on the machine used meanwhile
	// (other people's builds and tests on a shared machine), over Wall.
	Others, Wall time.Duration
}

// procRef is a process whose CPU the run measures.
type procRef struct {
	Name string // api, centrifugo, redis, generator
	PID  int
}

// Run is the whole load test against a running stack: users through the
// API, the match-push phase, then every rate of the ladder on the API path
// and straight to Centrifugo. log gets what it is doing; the report is the
// caller's to print.
func Run(ctx context.Context, cfg Config, log io.Writer) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rep := &Report{Config: cfg, Machine: machine()}
	pfs := newProcFS()
	rep.Procs = processes(cfg.PIDs)
	if cfg.PIDs.Redis == 0 && cfg.PIDs.RedisNote != "" {
		rep.Notes = append(rep.Notes, "redis: "+cfg.PIDs.RedisNote)
	}
	if cfg.PIDs.API == os.Getpid() {
		rep.Notes = append(rep.Notes, "the API runs inside the generator's process (a test): its CPU includes the generator's")
	}

	hc := &http.Client{Transport: newTransport(cfg.MaxInFlight + cfg.Concurrency + 16)}
	defer hc.CloseIdleConnections()
	ac := &apiClient{base: strings.TrimSuffix(cfg.URL, "/"), hc: hc, timeout: cfg.HTTPTimeout}
	wsURL, err := websocketURL(ctx, cfg, ac)
	if err != nil {
		return nil, err
	}
	rep.WSURL = wsURL

	run := randomHex(3)
	// Fresh Telegram ids and one random adult age per run: users of an
	// earlier run (still in Redis) are never these, and a search left
	// waiting by an interrupted run almost never fits this one's filter.
	tgBase := 7_000_000_000 + randomInt(1_000_000_000)
	age := 18 + int(randomInt(82))
	pop := newPopulation(cfg, ac, wsURL, run, tgBase, age)
	if cfg.Cleanup {
		defer func() {
			fmt.Fprintln(log, "cleaning up: leaving the rooms, closing the connections")
			cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			pop.cleanup(cctx)
		}()
	} else {
		defer func() {
			for _, u := range pop.users {
				if u.ws != nil {
					u.ws.Close()
				}
			}
		}()
	}

	fmt.Fprintf(log, "run %s: %d users (age %d) in %d rooms against %s, WebSockets at %s\n", run, cfg.Users, age, cfg.Users/2, cfg.URL, wsURL)
	t0 := time.Now()
	if err := pop.onboard(ctx); err != nil {
		return nil, fmt.Errorf("onboarding: %w", err)
	}
	fmt.Fprintf(log, "  profiles: %.1fs\n", time.Since(t0).Seconds())
	rep.RSSBefore, rep.PeakBefore = memory(pfs, cfg.PIDs.Centrifugo)
	t0 = time.Now()
	if err := pop.connect(ctx); err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	time.Sleep(time.Second) // let Centrifugo settle what the connects allocated
	rep.RSSConnected, _ = memory(pfs, cfg.PIDs.Centrifugo)
	fmt.Fprintf(log, "  WebSockets: %.1fs\n", time.Since(t0).Seconds())
	t0 = time.Now()
	if rep.Match, err = pop.match(ctx); err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	fmt.Fprintf(log, "  matched %d pairs, %d at once: %.1fs\n", rep.Match.Pairs, rep.Match.AtOnce, time.Since(t0).Seconds())
	t0 = time.Now()
	if err := pop.subscribe(ctx); err != nil {
		return nil, fmt.Errorf("subscribing: %w", err)
	}
	time.Sleep(time.Second)
	rep.RSSSubscribed, _ = memory(pfs, cfg.PIDs.Centrifugo)
	fmt.Fprintf(log, "  room subscriptions: %.1fs\n", time.Since(t0).Seconds())

	var direct sendFunc
	if cfg.Direct {
		chc := &http.Client{Transport: newTransport(cfg.MaxInFlight + 16)}
		defer chc.CloseIdleConnections()
		direct = pop.directSend(&centrifugoAPI{url: cfg.CentrifugoAPIURL, key: cfg.CentrifugoAPIKey, hc: chc, timeout: cfg.HTTPTimeout})
	}
	step := 0
	measure := func(path string, rate float64, send sendFunc) *Measured {
		step++
		before, busy0, t0 := sampleCPU(pfs, rep.Procs), machineBusy(pfs), time.Now()
		res := pop.runStep(ctx, step, path, rate, send)
		after, busy1 := sampleCPU(pfs, rep.Procs), machineBusy(pfs)
		m := &Measured{StepResult: res, CPU: map[string]time.Duration{}, Wall: time.Since(t0)}
		ours := time.Duration(0)
		for name, t := range after {
			if b, ok := before[name]; ok {
				m.CPU[name] = t - b
				ours += t - b
			}
		}
		if busy0 > 0 && busy1 > 0 {
			m.Others = max(busy1-busy0-ours, 0)
		}
		return m
	}
	for _, rate := range cfg.Ladder {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(log, "step %s msg/s, %s each path\n", formatLadder([]float64{rate}), cfg.Duration)
		rs := RateStep{Rate: rate}
		if cfg.APIPath {
			rs.API = measure("api", rate, pop.apiSend)
		}
		if direct != nil && ctx.Err() == nil {
			rs.Direct = measure("direct", rate, direct)
		}
		rep.Steps = append(rep.Steps, rs)
	}
	rep.Reconnects = max(pop.connects.Load()-int64(cfg.Users), 0)
	rep.Strays = pop.strays.Load()
	return rep, ctx.Err()
}

// websocketURL is cfg.WSURL, or what /api/config tells the Mini App,
// resolved against the API's URL.
func websocketURL(ctx context.Context, cfg Config, ac *apiClient) (string, error) {
	if cfg.WSURL != "" {
		return cfg.WSURL, nil
	}
	var c struct {
		WS string `json:"centrifugo_ws_url"`
	}
	if err := ac.call(ctx, "", http.MethodGet, "/api/config", nil, http.StatusOK, &c); err != nil {
		return "", fmt.Errorf("is the stack up? %w", err)
	}
	base, err := url.Parse(cfg.URL)
	if err != nil {
		return "", err
	}
	ws, err := base.Parse(c.WS)
	if err != nil {
		return "", fmt.Errorf("/api/config centrifugo_ws_url %q: %w", c.WS, err)
	}
	switch ws.Scheme {
	case "http":
		ws.Scheme = "ws"
	case "https":
		ws.Scheme = "wss"
	}
	if err := checkTarget(ws.String(), cfg.AllowRemote); err != nil {
		return "", fmt.Errorf("/api/config centrifugo_ws_url: %w", err)
	}
	return ws.String(), nil
}

func processes(p PIDs) []procRef {
	var out []procRef
	for _, r := range []procRef{{"api", p.API}, {"centrifugo", p.Centrifugo}, {"redis", p.Redis}} {
		if r.PID > 0 {
			out = append(out, r)
		}
	}
	return append(out, procRef{"generator", os.Getpid()})
}

// sampleCPU reads each process's CPU time; a process it cannot read is
// left out (and shows as "-").
func sampleCPU(pfs procFS, procs []procRef) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, p := range procs {
		if t, err := pfs.CPU(p.PID); err == nil {
			out[p.Name] = t
		}
	}
	return out
}

func machineBusy(pfs procFS) time.Duration {
	t, _ := pfs.Busy()
	return t
}

func memory(pfs procFS, pid int) (rss, peak int64) {
	if pid <= 0 {
		return 0, 0
	}
	rss, peak, err := pfs.Memory(pid)
	if err != nil {
		return 0, 0
	}
	return rss, peak
}

// machine describes where the numbers come from.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = ", load average " + strings.Join(f[:3], " ") + " at start"
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s/%s, %s%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version(), load)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}
