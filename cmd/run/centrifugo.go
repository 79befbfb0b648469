package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
)

// centrifugoServer is the Centrifugo of this run: the pinned v6 binary
// (centrifugo.ServerVersion), configured from centrifugo/config.json with
// loopback ports and secrets generated for this run only.
type centrifugoServer struct {
	PublicURL     string // http://127.0.0.1:port, where the API proxies /connection/websocket
	APIURL        string // http://127.0.0.1:internal/api
	AdminURL      string // the admin UI
	APIKey        string
	TokenSecret   string
	AdminPassword string
	*child
}

// centrifugoConfigFile is the config startCentrifugo writes into the state dir.
const centrifugoConfigFile = "centrifugo.json"

// startCentrifugo builds the binary the first time, writes the config into
// the state dir and starts the server with the memory engine (one node).
// allowedOrigins are the origins the browser may load the Mini App from.
func startCentrifugo(ctx context.Context, stateDir string, allowedOrigins []string) (*centrifugoServer, error) {
	bin, err := centrifugo.EnsureBinary()
	if err != nil {
		return nil, err
	}
	return retryOnTakenPort(func() (*centrifugoServer, error) {
		return startCentrifugoOnce(ctx, bin, stateDir, allowedOrigins)
	})
}

func startCentrifugoOnce(ctx context.Context, bin, stateDir string, allowedOrigins []string) (*centrifugoServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	internal, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &centrifugoServer{
		PublicURL:     fmt.Sprintf("http://127.0.0.1:%d", port),
		APIURL:        fmt.Sprintf("http://127.0.0.1:%d/api", internal),
		AdminURL:      fmt.Sprintf("http://127.0.0.1:%d/", internal),
		APIKey:        randomHex(24),
		TokenSecret:   randomHex(32),
		AdminPassword: randomHex(8),
	}
	cfg, err := centrifugoConfig(s, port, internal, allowedOrigins)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(stateDir, centrifugoConfigFile)
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		return nil, err
	}
	// Only PATH and the runtime settings the product runs Centrifugo with: a
	// CENTRIFUGO_* variable in the developer's shell would override the config.
	s.child, err = startChild("centrifugo", filepath.Join(stateDir, "centrifugo.log"),
		append([]string{"PATH=" + os.Getenv("PATH")}, centrifugo.ServerEnv()...), bin, "--config", path)
	if err != nil {
		return nil, err
	}
	// Ready when it answers an API call with this run's key: another
	// Centrifugo on the internal port (taken after freePort chose it)
	// answers 401, and ours exits.
	if err := waitReady(ctx, s.child, 20*time.Second, s.answers); err != nil {
		s.stop(time.Second)
		return nil, err
	}
	return s, nil
}

// centrifugoConfig is centrifugo/config.json with this run's loopback ports,
// secrets and origins (Centrifugo v6 keys).
func centrifugoConfig(s *centrifugoServer, port, internal int, allowedOrigins []string) ([]byte, error) {
	return centrifugo.ServerConfig(map[string]any{
		"http_server.address":          "127.0.0.1",
		"http_server.port":             port,
		"http_server.internal_port":    strconv.Itoa(internal), // a string in v6
		"http_api.key":                 s.APIKey,
		"client.token.hmac_secret_key": s.TokenSecret,
		"client.allowed_origins":       allowedOrigins,
		"admin.password":               s.AdminPassword,
		"admin.secret":                 randomHex(32),
	})
}

// answers checks that this run's Centrifugo answers its API with its key.
func (s *centrifugoServer) answers(ctx context.Context) error {
	pub, err := centrifugo.NewPublisher(s.APIURL, s.APIKey, time.Second, 1)
	if err != nil {
		return err
	}
	defer pub.Close()
	return pub.Ping(ctx)
}

func get200(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// randomHex returns n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
