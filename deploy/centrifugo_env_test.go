package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// TestComposeCentrifugoEnvironment runs the real Centrifugo binary the way
// the image runs it (the shipped config.json, the Dockerfile's ENV) with the
// environment compose gives the centrifugo service, only the broker hosts
// and ports moved to loopback. Centrifugo v6 reads settings from variables
// named after its nested keys, and a misspelt one is a mere warning, so this
// is the proof that every variable in the compose files takes effect: no
// "unknown var" in the log, the API key, token secret, allowed origin and
// admin prefix from compose work, and the broker is sharded over every
// address listed.
func TestComposeCentrifugoEnvironment(t *testing.T) {
	bin, err := centrifugo.EnsureBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) {
			p := loadStack(t, st.files)
			shards := startBrokers(t, p)
			port, internal := redistest.FreePort(t), redistest.FreePort(t)

			environ := []string{"PATH=" + os.Getenv("PATH")}
			for _, in := range readDockerfile(t, "Dockerfile.centrifugo") {
				if in.cmd == "ENV" {
					environ = append(environ, in.args...)
				}
			}
			for key, v := range p.Services["centrifugo"].Environment {
				if v == nil {
					continue
				}
				value := *v
				switch key {
				case "CENTRIFUGO_HTTP_SERVER_PORT":
					value = fmt.Sprint(port)
				case "CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT":
					value = fmt.Sprint(internal)
				case "CENTRIFUGO_ENGINE_REDIS_ADDRESS":
					names := brokerServices(t, p)
					for i, name := range names {
						value = strings.Replace(value, "redis://"+name+":6379", "redis://"+shards[i].Addr, 1)
					}
				}
				environ = append(environ, key+"="+value)
			}
			environ = append(environ, "CENTRIFUGO_HTTP_SERVER_ADDRESS=127.0.0.1") // loopback only, in the test

			logPath := filepath.Join(t.TempDir(), "centrifugo.log")
			logf, err := os.Create(logPath)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "--config", filepath.Join(centrifugo.Dir(), "config.json"))
			cmd.Env = environ
			cmd.Stdout, cmd.Stderr = logf, logf
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
			t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
			readLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }

			internalURL := fmt.Sprintf("http://127.0.0.1:%d", internal)
			deadline := time.Now().Add(15 * time.Second)
			for {
				resp, err := http.Get(internalURL + "/health")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						break
					}
				}
				select {
				case <-done:
					t.Fatalf("centrifugo exited:\n%s", readLog())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("no /health on the internal port %d (CENTRIFUGO_HTTP_SERVER_INTERNAL_PORT, CENTRIFUGO_HEALTH_ENABLED): %v\n%s", internal, err, readLog())
				}
				time.Sleep(50 * time.Millisecond)
			}

			// Centrifugo logs each variable and key it does not know at start.
			for _, bad := range []string{"unknown var in environment", "unknown key"} {
				if log := readLog(); strings.Contains(log, bad) {
					t.Errorf("Centrifugo ignored a setting (%q):\n%s", bad, log)
				}
			}

			// The server API takes compose's key and only that.
			api := func(method, key string, params any) (int, []byte) {
				body, _ := json.Marshal(params)
				req, _ := http.NewRequest(http.MethodPost, internalURL+"/api/"+method, strings.NewReader(string(body)))
				req.Header.Set("X-API-Key", key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, raw
			}
			if status, body := api("info", testEnv["CENTRIFUGO_API_KEY"], map[string]any{}); status != http.StatusOK || !strings.Contains(string(body), `"version":"`+centrifugo.ServerVersion) {
				t.Errorf("info with compose's API key: %d %s", status, body)
			}
			if status, _ := api("info", "not-the-key", map[string]any{}); status != http.StatusUnauthorized {
				t.Errorf("info with a wrong API key: %d, want 401", status)
			}

			// The admin UI is served under the prefix and takes compose's password.
			resp, err := http.Get(internalURL + env(t, p, "centrifugo", "CENTRIFUGO_ADMIN_HANDLER_PREFIX") + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("admin UI under %s: %s", env(t, p, "centrifugo", "CENTRIFUGO_ADMIN_HANDLER_PREFIX"), resp.Status)
			}
			resp, err = http.PostForm(internalURL+env(t, p, "centrifugo", "CENTRIFUGO_ADMIN_HANDLER_PREFIX")+"/admin/auth",
				url.Values{"password": {testEnv["CENTRIFUGO_ADMIN_PASSWORD"]}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("admin login with compose's password: %s", resp.Status)
			}

			// A browser on the public origin connects with a token signed by
			// compose's secret; another origin is refused.
			ws := fmt.Sprintf("ws://127.0.0.1:%d/connection/websocket", port)
			tok, _, err := centrifugo.NewTokens(testEnv["CENTRIFUGO_TOKEN_HMAC_SECRET_KEY"], time.Hour).Connection("u1", "s1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			conn, _, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {"https://" + testEnv["PUBLIC_HOST"]}})
			if err != nil {
				t.Fatalf("WebSocket from https://%s: %v", testEnv["PUBLIC_HOST"], err)
			}
			defer conn.Close()
			_ = conn.WriteJSON(map[string]any{"id": 1, "connect": map[string]string{"token": tok}})
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, reply, err := conn.ReadMessage()
			if err != nil || !strings.Contains(string(reply), `"connect":{`) {
				t.Errorf("connect with a token signed by compose's secret: %s %v", reply, err)
			}
			if _, resp, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {"https://elsewhere.example"}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("WebSocket from another origin: %v (%v), want 403", resp, err)
			}

			// Every listed shard gets channels: 32 channels with history
			// spread over them (Centrifugo hashes the channel name).
			for i := range 32 {
				if status, body := api("publish", testEnv["CENTRIFUGO_API_KEY"], map[string]any{"channel": fmt.Sprintf("personal:shard-probe-%d", i), "data": map[string]int{"i": i}}); status != http.StatusOK || strings.Contains(string(body), `"error"`) {
					t.Fatalf("publish: %d %s", status, body)
				}
			}
			for i, b := range shards {
				if n := b.Keys(t); n == 0 {
					t.Errorf("broker shard %d (%s) holds no keys after 32 channels", i+1, brokerServices(t, p)[i])
				}
			}
			if want := fmt.Sprintf(`"engine_mode":"sharded(%d)`, len(shards)); len(shards) > 1 && !strings.Contains(readLog(), want) {
				t.Errorf("log lacks %s", want)
			}
		})
	}
}
