package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetatet/tetatet/centrifugo"
)

// The config `make run` writes for Centrifugo is one the pinned server
// accepts, with every key known to it, and it carries this run's ports and
// secrets where v6 reads them.
func TestRunCentrifugoConfigIsValid(t *testing.T) {
	s := &centrifugoServer{APIKey: "run-api-key", TokenSecret: "run-token-secret", AdminPassword: "run-admin"}
	origins := []string{"http://127.0.0.1:8080", "https://front.example"}
	b, err := centrifugoConfig(s, 18000, 19000, origins)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), centrifugoConfigFile)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := centrifugo.CheckConfig(path); err != nil {
		t.Fatal(err)
	}

	var cfg struct {
		HTTPServer struct {
			Address      string `json:"address"`
			Port         int    `json:"port"`
			InternalPort string `json:"internal_port"`
		} `json:"http_server"`
		HTTPAPI struct {
			Key string `json:"key"`
		} `json:"http_api"`
		Client struct {
			AllowedOrigins []string `json:"allowed_origins"`
			Token          struct {
				HMACSecretKey string `json:"hmac_secret_key"`
			} `json:"token"`
		} `json:"client"`
		Admin struct {
			Enabled  bool   `json:"enabled"`
			Password string `json:"password"`
			Secret   string `json:"secret"`
		} `json:"admin"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if h := cfg.HTTPServer; h.Address != "127.0.0.1" || h.Port != 18000 || h.InternalPort != "19000" {
		t.Errorf("http_server = %+v, want 127.0.0.1, 18000 and internal 19000", h)
	}
	if cfg.HTTPAPI.Key != s.APIKey || cfg.Client.Token.HMACSecretKey != s.TokenSecret {
		t.Errorf("api key %q, token secret %q: not this run's", cfg.HTTPAPI.Key, cfg.Client.Token.HMACSecretKey)
	}
	if len(cfg.Client.AllowedOrigins) != 2 || cfg.Client.AllowedOrigins[1] != origins[1] {
		t.Errorf("allowed origins %v, want %v", cfg.Client.AllowedOrigins, origins)
	}
	if !cfg.Admin.Enabled || cfg.Admin.Password != s.AdminPassword || len(cfg.Admin.Secret) < 32 {
		t.Errorf("admin = %+v, want enabled with this run's password and a random secret", cfg.Admin)
	}
}
