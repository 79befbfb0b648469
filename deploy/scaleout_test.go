package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// TestScaleOut is the scale-out deployment (docker-compose.scale.yml) in
// miniature on one machine: one Redis, two Centrifugo nodes on its Redis
// engine, and two API processes built from cmd/api as deployed. User A talks
// only to API 1 and node 1, user B only to API 2 and node 2. They match and
// chat both ways, so every push crossed from one node to the other through
// Redis: A's "matched" was published by API 2 into node 2 and reached A on
// node 1.
func TestScaleOut(t *testing.T) {
	rs := redistest.Start(t)
	node1 := centrifugotest.Start(t, centrifugotest.Options{RedisAddr: rs.Addr, Name: "node1"})
	node2 := centrifugotest.Start(t, centrifugotest.Options{RedisAddr: rs.Addr, Name: "node2"})
	if node1.Secret != node2.Secret || node1.APIKey != node2.APIKey {
		t.Fatal("the nodes must share the token secret and API key, as deployed replicas do")
	}
	bin := buildAPI(t)
	api1 := startAPI(t, bin, rs, node1)
	api2 := startAPI(t, bin, rs, node2)

	a := apitest.NewUser(t, api1, apitest.InitData(2001, "Alice", "en"))
	b := apitest.NewUser(t, api2, apitest.InitData(2002, "Bob", "en"))
	apitest.ChatStory(t, a, b, node1.WSURL, node2.WSURL)

	// And the cluster is what it claims: each node sees both.
	for _, n := range []*centrifugotest.Server{node1, node2} {
		waitNodes(t, n, 2)
	}
}

// buildAPI builds cmd/api once for the test.
func buildAPI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "api")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/tetatet/tetatet/cmd/api").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/api: %v\n%s", err, out)
	}
	return bin
}

// startAPI runs one API replica on a free port against a Centrifugo node,
// configured only through its environment, and waits for /readyz.
func startAPI(t *testing.T, bin string, rs *redistest.Server, node *centrifugotest.Server) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", redistest.FreePort(t))
	logPath := filepath.Join(t.TempDir(), "api.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"TELEGRAM_BOT_TOKEN=" + apitest.BotToken,
		"REDIS_URL=" + rs.URL,
		"CENTRIFUGO_API_URL=" + node.APIURL,
		"CENTRIFUGO_API_KEY=" + node.APIKey,
		"CENTRIFUGO_TOKEN_SECRET=" + node.Secret,
		"CENTRIFUGO_WS_URL=" + node.WSURL,
		"HTTP_ADDR=" + addr,
		"MINIAPP_DIR=" + t.TempDir(),
		"LOG_LEVEL=warn",
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("api %s log:\n%s", addr, log)
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("api %s exited: %v\n%s", addr, cmd.ProcessState, log)
		default:
		}
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("api %s: /readyz not 200 after 15 s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitNodes waits until Centrifugo's server API lists n nodes.
func waitNodes(t *testing.T, node *centrifugotest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got int
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, node.APIURL+"/info", strings.NewReader("{}"))
		req.Header.Set("X-API-Key", node.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var info struct {
				Result struct {
					Nodes []struct{ Name string } `json:"nodes"`
				} `json:"result"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&info)
			resp.Body.Close()
			if got = len(info.Result.Nodes); got == n {
				cancel()
				return
			}
		}
		cancel()
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s lists %d nodes; want %d", node.APIURL, got, n)
}
