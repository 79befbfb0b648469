package miniapp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
	"github.com/tetatet/tetatet/miniapp"
)

// TestBrowserChat runs e2e/run.mjs (headless Chromium via playwright-core)
// against the real API serving the built app, real Redis and Centrifugo.
func TestBrowserChat(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	redistest.Require(t, "node", "install Node.js 20.19+")
	redistest.Require(t, "chromium", "apt-get install -y chromium")
	dist, _ := filepath.Abs("dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		msg := "miniapp/dist is not built: run `cd miniapp && npm ci && npm run build`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		t.Fatal("miniapp/node_modules is missing: run `cd miniapp && npm ci`")
	}

	st := apitest.Start(t, apitest.Options{Static: miniapp.Handler(dist), Proxy: true})
	alice := st.User(t, 7001, "Alice")
	alice.Onboard("Alice", "female", 25)
	bob := st.User(t, 7002, "Bob")
	bob.Onboard("Bob", "male", 27)

	shots := os.Getenv("SCREENSHOT_DIR")
	if shots == "" {
		shots, _ = filepath.Abs(filepath.Join("test-results", "screenshots"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/run.mjs")
	cmd.Env = append(os.Environ(),
		"BASE_URL="+st.URL,
		"INITDATA_A="+alice.InitData,
		"INITDATA_B="+bob.InitData,
		"SCREENSHOT_DIR="+shots,
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e/run.mjs: %v", err)
	}
}
