package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is one load test run. main fills it from flags and the stack
// file; the end-to-end test fills it by hand.
type Config struct {
	URL              string // the API (and Mini App) base URL
	WSURL            string // Centrifugo's WebSocket endpoint; empty = what /api/config says
	BotToken         string // signs the users' init data
	CentrifugoAPIURL string // for the direct baseline (ends in /api)
	CentrifugoAPIKey string
	AllowRemote      bool

	Users       int
	Ladder      []float64 // msg/s, one step each
	Duration    time.Duration
	Drain       time.Duration // the most a step waits for its last messages
	APIPath     bool          // run each step through the API (the path under test)
	Direct      bool          // also run each step straight to Centrifugo
	DirectKeys  bool          // the direct baseline publishes with idempotency keys, as the API does
	Resend      bool          // after 429/503, resend with the same client_msg_id
	MaxResends  int
	MaxInFlight int
	HTTPTimeout time.Duration
	MatchPairs  int // pairs that search at once in the match-push phase
	Concurrency int // parallel requests while setting up users
	Cleanup     bool
	CPUProfile  string // main writes the generator's CPU profile here

	PIDs PIDs
	// Progress gets one line a second while a step runs (nil: none).
	Progress io.Writer
}

// PIDs are the processes whose CPU is measured; 0 = unknown.
type PIDs struct {
	API, Centrifugo, Redis int
	// RedisNote says why Redis has no pid (embedded in the API process).
	RedisNote string
}

// Validate checks a config before anything is started.
func (c Config) Validate() error {
	if c.BotToken == "" {
		return errors.New("no bot token: start the stack with `make run` (dev mode writes it to RUN_STATE_DIR/stack.json), or pass -bot-token")
	}
	if c.Users < 2 || c.Users%2 != 0 {
		return fmt.Errorf("-users %d: want an even number, at least 2 (two per room)", c.Users)
	}
	if len(c.Ladder) == 0 {
		return errors.New("-ladder: no rates")
	}
	for _, r := range c.Ladder {
		if err := (Schedule{Rate: r, Senders: c.Users, Duration: c.Duration}).Validate(); err != nil {
			return fmt.Errorf("-ladder: %w", err)
		}
	}
	if !c.APIPath && !c.Direct {
		return errors.New("-api=false and -direct=false: nothing to measure")
	}
	if c.Direct && (c.CentrifugoAPIURL == "" || c.CentrifugoAPIKey == "") {
		return errors.New("the Centrifugo-direct baseline needs Centrifugo's API URL and key (stack.json, or -centrifugo-api-url and -centrifugo-api-key); or pass -direct=false")
	}
	if c.MatchPairs < 1 {
		return fmt.Errorf("-match-pairs %d: want at least 1", c.MatchPairs)
	}
	if c.MaxInFlight < 1 || c.Concurrency < 1 {
		return errors.New("-max-inflight and -concurrency must be at least 1")
	}
	for _, u := range []struct{ flag, url string }{{"-url", c.URL}, {"-ws", c.WSURL}, {"-centrifugo-api-url", c.CentrifugoAPIURL}} {
		if u.url == "" {
			continue
		}
		if err := checkTarget(u.url, c.AllowRemote); err != nil {
			return fmt.Errorf("%s: %w", u.flag, err)
		}
	}
	return nil
}

// checkTarget refuses a URL that does not point at this machine, unless
// remote targets are allowed: a load test is an attack on anyone else's
// server.
func checkTarget(raw string, allowRemote bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if allowRemote || isLoopbackHost(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address; pass -allow-remote to load a server that is not on this machine (only one you own)", u.Host)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// parseLadder reads "250,500,1000" (msg/s).
func parseLadder(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("%q is not a positive rate", f)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("no rates")
	}
	return out, nil
}

// stackState is RUN_STATE_DIR/stack.json as cmd/run writes it in dev mode
// (cmd/run/stack.go).
type stackState struct {
	AppURL           string `json:"app_url"`
	BotToken         string `json:"bot_token"`
	CentrifugoAPIURL string `json:"centrifugo_api_url"`
	CentrifugoAPIKey string `json:"centrifugo_api_key"`
	CentrifugoWSURL  string `json:"centrifugo_ws_url"`
	RedisURL         string `json:"redis_url"`
	RedisEmbedded    bool   `json:"redis_embedded"`
	PIDs             struct {
		API        int `json:"api"`
		Centrifugo int `json:"centrifugo"`
		Redis      int `json:"redis"`
	} `json:"pids"`
}

// readStack reads the stack file; a missing file is (nil, nil) unless the
// caller insists on it.
func readStack(path string, required bool) (*stackState, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stack file: %w", err)
	}
	var s stackState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("stack file %s: %w", path, err)
	}
	return &s, nil
}

// fitFiles makes the run fit the open-file limit: each user holds a
// WebSocket and each message in flight an HTTP connection, plus a margin
// for everything else. Too few for the users is an error; too few for the
// in-flight cap lowers the cap, with a note saying so.
func fitFiles(c Config, limit uint64) (Config, string, error) {
	const margin = 256
	need := uint64(c.Users + margin)
	if limit < need {
		return c, "", fmt.Errorf("%d users need at least %d open files (one WebSocket each, plus %d), but the limit is %d even after raising it to the hard limit; "+
			"raise the hard limit (ulimit -Hn, or LimitNOFILE) or use -users %d", c.Users, need, margin, limit, max(int(limit)-margin, 0)&^1)
	}
	if free := int(limit - need); c.MaxInFlight > free {
		note := fmt.Sprintf("open files: limit %d, %d users, so at most %d messages in flight (asked for %d); messages beyond that count as never sent",
			limit, c.Users, free, c.MaxInFlight)
		c.MaxInFlight = free
		return c, note, nil
	}
	return c, "", nil
}

// defaultLadder is what `make load` runs: the table.
var defaultLadder = []float64{250, 500, 1000, 2000, 4000}

func formatLadder(l []float64) string {
	s := make([]string, len(l))
	for i, r := range l {
		s[i] = strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}
