package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/bot/bottest"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// These tests use the runner the way a developer does: build it, start it,
// use the stack over HTTP and WebSocket through its one origin, press
// Ctrl-C (SIGINT), and check that nothing it started is left running.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runnerBinary builds cmd/run once per test binary, and Centrifugo too, so no
// run below waits for its first build.
func runnerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "tetatet-run-test-"); buildErr != nil {
			return
		}
		if out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "run"), ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/run: %v\n%s", err, out)
			return
		}
		_, buildErr = centrifugo.EnsureBinary()
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "run")
}

// runner is a running cmd/run process.
type runner struct {
	t     *testing.T
	URL   string
	WS    string
	cmd   *exec.Cmd
	out   *apitest.LogBuffer
	done  chan struct{}
	began time.Time
}

// testEnv is the environment a runner gets: the toolchain's variables and
// nothing the runner or the API would read from the developer's shell.
func testEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PATH" || k == "HOME" || k == "TMPDIR" || k == "CI" || strings.HasPrefix(k, "GO") {
			env = append(env, kv)
		}
	}
	return env
}

// startRunner starts cmd/run on a free loopback port with its state in
// stateDir; env is added last, so it wins.
func startRunner(t *testing.T, stateDir string, env ...string) *runner {
	t.Helper()
	port := redistest.FreePort(t)
	cmd := exec.Command(runnerBinary(t))
	cmd.Env = append(testEnv(), "HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port), "RUN_STATE_DIR="+stateDir,
		"MINIAPP_DIR="+t.TempDir(), "LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	r := &runner{t: t, URL: fmt.Sprintf("http://127.0.0.1:%d", port), WS: fmt.Sprintf("ws://127.0.0.1:%d/connection/websocket", port),
		cmd: cmd, out: &apitest.LogBuffer{}, done: make(chan struct{}), began: time.Now()}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default: // the test failed midway; the kernel takes the children (Pdeathsig)
			_ = cmd.Process.Kill()
			<-r.done
		}
		if t.Failed() {
			t.Logf("runner output:\n%s", r.out)
		}
	})
	return r
}

// waitReady waits for /readyz 200 and returns how long the start took.
func (r *runner) waitReady(timeout time.Duration) time.Duration {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-r.done:
			r.t.Fatalf("runner exited before it was ready: %v\n%s", r.cmd.ProcessState, r.out)
		default:
		}
		if resp, err := http.Get(r.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(r.began)
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("/readyz not 200 after %s\n%s", timeout, r.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// interrupt is Ctrl-C: the runner must exit 0 within 10 s, and none of the
// processes it started may outlive it.
func (r *runner) interrupt(started []proc) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		r.t.Fatal(err)
	}
	t0 := time.Now()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.t.Fatalf("runner still running 10 s after SIGINT\n%s", r.out)
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		r.t.Fatalf("runner exited %d after SIGINT; want 0\n%s", code, r.out)
	}
	r.t.Logf("stopped %d processes in %s", len(started), time.Since(t0).Round(time.Millisecond))
	for _, p := range started {
		if p.alive() {
			r.t.Errorf("%s (pid %d) is still running after the runner exited", p.comm, p.pid)
		}
	}
}

// children are the runner's live descendants, checked to include want.
func (r *runner) children(want ...string) []proc {
	r.t.Helper()
	procs := descendants(r.cmd.Process.Pid)
	for _, w := range want {
		if !slices.ContainsFunc(procs, func(p proc) bool { return p.comm == w }) {
			r.t.Fatalf("no %s among the runner's processes %v", w, procs)
		}
	}
	return procs
}

// devUser is test user a or b, signed in through /dev/initdata.
func (r *runner) devUser(key string) *apitest.User {
	r.t.Helper()
	var got struct {
		InitData string `json:"init_data"`
	}
	if err := json.Unmarshal([]byte(get(r.t, r.URL+"/dev/initdata?user="+key, http.StatusOK)), &got); err != nil {
		r.t.Fatal(err)
	}
	return apitest.NewUser(r.t, r.URL, got.InitData)
}

// TestRunDevMode is acceptance 1 and 2 with a real redis-server: the stack
// comes up, /dev signs in two users who match and chat through the one
// origin, Ctrl-C leaves nothing running, and a second run on the same state
// starts in seconds with the data still there.
func TestRunDevMode(t *testing.T) {
	redistest.Require(t, "redis-server", "apt-get install -y redis-server")
	state := t.TempDir()
	r := startRunner(t, state)
	t.Logf("first start: ready in %s", r.waitReady(time.Minute).Round(time.Millisecond))
	started := r.children("centrifugo", "redis-server")

	// The /dev links are what a browser opens: their init data signs in.
	links := devLinks(t, get(t, r.URL+"/dev", http.StatusOK))
	if len(links) != 6 {
		t.Fatalf("/dev has %d links; want 6", len(links))
	}
	for _, l := range links {
		var me struct{ Onboarded bool }
		apitest.NewUser(t, r.URL, l.InitData).MustDo("GET", "/api/me", nil, http.StatusOK, &me)
	}
	apitest.ChatStory(t, r.devUser("a"), r.devUser("b"), r.WS, r.WS)
	// The API leaves half the CPUs to Redis and Centrifugo (apiProcs).
	wantProcs := apiProcs(runtime.GOMAXPROCS(0))
	if v, err := strconv.Atoi(os.Getenv("GOMAXPROCS")); err == nil && v > 0 {
		wantProcs = v // the runner is told, as this test is
	}
	if got := r.gomaxprocs(); got != wantProcs {
		t.Errorf("the runner's GOMAXPROCS is %d; want %d of %d", got, wantProcs, runtime.GOMAXPROCS(0))
	}

	// A page on the app's origin may open the WebSocket; another site may not.
	for origin, want := range map[string]int{
		r.URL: http.StatusSwitchingProtocols, strings.Replace(r.URL, "127.0.0.1", "localhost", 1): http.StatusSwitchingProtocols,
		"https://evil.example": http.StatusForbidden,
	} {
		if got := upgradeStatus(t, r.URL+"/connection/websocket", origin); got != want {
			t.Errorf("WebSocket from origin %s = %d; want %d", origin, got, want)
		}
	}
	r.interrupt(started)

	again := startRunner(t, state, "GOMAXPROCS=3") // the operator's choice wins
	took := again.waitReady(time.Minute)
	t.Logf("second start: ready in %s", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("the second start took %s; want seconds", took)
	}
	var me struct {
		Onboarded bool   `json:"onboarded"`
		Nickname  string `json:"nickname"`
	}
	again.devUser("a").MustDo("GET", "/api/me", nil, http.StatusOK, &me)
	if !me.Onboarded || me.Nickname != "Alice" {
		t.Errorf("after a restart user A is %+v; want Alice's profile kept by redis-server", me)
	}
	if got := again.gomaxprocs(); got != 3 {
		t.Errorf("with GOMAXPROCS=3 the runner's GOMAXPROCS is %d", got)
	}
	again.interrupt(again.children("centrifugo", "redis-server"))
}

// gomaxprocs is the runner's runtime.GOMAXPROCS, as its /metrics says.
func (r *runner) gomaxprocs() int {
	r.t.Helper()
	for _, line := range strings.Split(get(r.t, r.URL+"/metrics", http.StatusOK), "\n") {
		if v, ok := strings.CutPrefix(line, "go_sched_gomaxprocs_threads "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				r.t.Fatalf("/metrics: %q", line)
			}
			return n
		}
	}
	r.t.Fatal("/metrics has no go_sched_gomaxprocs_threads")
	return 0
}

// TestRunEmbeddedRedis: without redis-server on PATH the runner says loudly
// that nothing persists, and the chat works on the embedded Redis.
func TestRunEmbeddedRedis(t *testing.T) {
	runnerBinary(t) // built with the real PATH
	r := startRunner(t, t.TempDir(), "PATH="+t.TempDir())
	r.waitReady(time.Minute)
	if !strings.Contains(r.out.String(), "NOT PERSISTENT") {
		t.Errorf("no NOT PERSISTENT banner:\n%s", r.out)
	}
	started := r.children("centrifugo")
	if slices.ContainsFunc(started, func(p proc) bool { return p.comm == "redis-server" }) {
		t.Fatal("a redis-server was started although none is on PATH")
	}
	apitest.ChatStory(t, r.devUser("a"), r.devUser("b"), r.WS, r.WS)
	r.interrupt(started)
}

// TestRunRefusesPublicDevMode: dev mode on a non-loopback address stops
// before anything starts, and says how to proceed.
func TestRunRefusesPublicDevMode(t *testing.T) {
	state := t.TempDir()
	r := startRunner(t, state, "HTTP_ADDR=0.0.0.0:"+strconv.Itoa(redistest.FreePort(t)))
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the runner started dev mode on 0.0.0.0")
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(r.out.String(), "DEV_FORCE=1") {
		t.Fatalf("exit %d, output %q; want 1 and a reason naming DEV_FORCE=1", code, r.out)
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Fatalf("the refused run created %v", entries)
	}
}

// TestRunBotMode: with a bot token there is no /dev, the API accepts init
// data signed with that token, and the bot runs (against a fake Bot API)
// until Ctrl-C stops it with the rest.
func TestRunBotMode(t *testing.T) {
	fake := bottest.New(t)
	r := startRunner(t, t.TempDir(), "TELEGRAM_BOT_TOKEN="+bottest.Token, "TELEGRAM_API_URL="+fake.URL)
	r.waitReady(3 * time.Minute) // includes building cmd/bot
	started := r.children("centrifugo", "bot")
	fake.Find(t, "the bot's getMe", func(c bottest.Call) bool { return c.Method == "getMe" })

	if body := get(t, r.URL+"/dev/initdata?user=a", http.StatusOK); strings.Contains(body, "init_data") {
		t.Fatalf("bot mode serves dev init data: %s", body)
	}
	u := apitest.NewUser(t, r.URL, api.SignInitData(bottest.Token, 4242, "Real User", "en", time.Now()))
	u.MustDo("GET", "/api/me", nil, http.StatusOK, nil)
	r.interrupt(started)
}

// upgradeStatus starts a WebSocket handshake from a page of origin.
func upgradeStatus(t *testing.T, url, origin string) int {
	t.Helper()
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// proc is a process seen in /proc.
type proc struct {
	pid   int
	ppid  int
	comm  string
	start string // start time in clock ticks: tells a reused pid apart
}

func readProc(pid int) (proc, string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, "", false
	}
	s := string(b)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return proc{}, "", false
	}
	f := strings.Fields(s[closing+1:]) // state ppid pgrp ... starttime is field 22 of the whole line
	if len(f) < 20 {
		return proc{}, "", false
	}
	ppid, _ := strconv.Atoi(f[1])
	return proc{pid: pid, ppid: ppid, comm: s[open+1 : closing], start: f[19]}, f[0], true
}

// descendants lists every live process under root.
func descendants(root int) []proc {
	entries, _ := os.ReadDir("/proc")
	byParent := map[int][]proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, state, ok := readProc(pid); ok && state != "Z" {
			byParent[p.ppid] = append(byParent[p.ppid], p)
		}
	}
	var out []proc
	queue := []int{root}
	for len(queue) > 0 {
		for _, p := range byParent[queue[0]] {
			out = append(out, p)
			queue = append(queue, p.pid)
		}
		queue = queue[1:]
	}
	return out
}

// alive reports whether the very same process still runs (a zombie does not).
func (p proc) alive() bool {
	now, state, ok := readProc(p.pid)
	return ok && state != "Z" && now.start == p.start
}

func (p proc) String() string { return fmt.Sprintf("%s(%d)", p.comm, p.pid) }

// TestRunDevLinksInBrowser: in headless Chromium, the two /dev links open
// the built Mini App as two users who onboard, match and chat, with
// telegram.org unreachable (miniapp/e2e/dev.mjs).
func TestRunDevLinksInBrowser(t *testing.T) {
	redistest.Require(t, "node", "install Node.js 20.19+")
	redistest.Require(t, "chromium", "apt-get install -y chromium")
	dist, _ := filepath.Abs("../../miniapp/dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		msg := "miniapp/dist is not built: run `cd miniapp && npm ci && npm run build`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	r := startRunner(t, t.TempDir(), "MINIAPP_DIR="+dist)
	r.waitReady(time.Minute)
	started := r.children("centrifugo", "redis-server")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/dev.mjs")
	cmd.Dir = "../../miniapp"
	cmd.Env = append(os.Environ(), "BASE_URL="+r.URL)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e/dev.mjs: %v", err)
	}
	r.interrupt(started)
}

// TestMakeRunGivesTheAPIItsRuntimeSetting: make run execs the runner (the
// API's process) with api.SysmonGODEBUG first in GODEBUG and the
// developer's own GODEBUG after it, so theirs wins where the two overlap.
func TestMakeRunGivesTheAPIItsRuntimeSetting(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	want := "\texec env GODEBUG=\"" + api.SysmonGODEBUG + "$${GODEBUG:+,$$GODEBUG}\" .run/bin/run\n"
	if !strings.Contains(string(mk), want) {
		t.Errorf("the Makefile's run recipe does not exec the runner with api.SysmonGODEBUG; want the line %q", want)
	}
}
