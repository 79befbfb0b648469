package apitest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

var (
	buildOnce sync.Once
	builtAPI  string
	buildErr  error
)

// APIBinary builds cmd/api once per test process and returns its path.
func APIBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tetatet-api-")
		if err != nil {
			buildErr = err
			return
		}
		builtAPI = filepath.Join(dir, "api")
		if out, err := exec.Command("go", "build", "-o", builtAPI, "github.com/tetatet/tetatet/cmd/api").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/api: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtAPI
}

// StartProcess runs cmd/api as its own process on a free port, configured
// only through its environment as in production, against this Redis and
// Centrifugo node, and returns its base URL once /readyz answers 200. It is
// killed when the test ends; its log is shown if the test failed.
func StartProcess(t testing.TB, rs *redistest.Server, node *centrifugotest.Server, env ...string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		url, err := startProcess(t, rs, node, env)
		if err == nil {
			return url
		}
		// A port taken between choosing and binding: try another.
		if !strings.Contains(err.Error(), "address already in use") || attempt == 3 {
			t.Fatal(err)
		}
	}
}

func startProcess(t testing.TB, rs *redistest.Server, node *centrifugotest.Server, env []string) (string, error) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", redistest.FreePort(t))
	logPath := filepath.Join(t.TempDir(), "api.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(APIBinary(t))
	cmd.Env = append([]string{
		"TELEGRAM_BOT_TOKEN=" + BotToken,
		"REDIS_URL=" + rs.URL,
		"CENTRIFUGO_API_URL=" + node.APIURL,
		"CENTRIFUGO_API_KEY=" + node.APIKey,
		"CENTRIFUGO_TOKEN_SECRET=" + node.Secret,
		"CENTRIFUGO_WS_URL=" + node.WSURL,
		"HTTP_ADDR=" + addr,
		"MINIAPP_DIR=" + t.TempDir(),
		"LOG_LEVEL=warn",
	}, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	url := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			return "", fmt.Errorf("api %s exited: %v\n%s", addr, cmd.ProcessState, log)
		default:
		}
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("api %s: /readyz not 200 after 15 s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("api %s log:\n%s", addr, log)
		}
	})
	return url, nil
}
