package miniapp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/matchmaker"
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
	// A second pair for the report story: Alice and Bob may not meet again
	// for REMATCH_COOLDOWN after one of them left.
	carol := st.User(t, 7003, "Carol")
	carol.Onboard("Carol", "female", 30)
	dave := st.User(t, 7004, "Dave")
	dave.Onboard("Dave", "male", 31)

	// Two users restricted for real in Redis, as moderation would: Eve
	// suspended for two hours, Frank banned for good.
	eve := st.User(t, 7005, "Eve")
	eve.Onboard("Eve", "female", 40)
	frank := st.User(t, 7006, "Frank")
	frank.Onboard("Frank", "male", 41)
	for _, r := range []struct {
		u     *apitest.User
		code  string
		until time.Time
	}{{eve, matchmaker.Suspended, time.Now().Add(2 * time.Hour)}, {frank, matchmaker.Banned, time.Time{}}} {
		id, err := st.Store.UserID(context.Background(), r.u.TG)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Store.Restrict(context.Background(), id, r.code, r.until); err != nil {
			t.Fatal(err)
		}
	}

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
		"INITDATA_C="+carol.InitData,
		"INITDATA_D="+dave.InitData,
		"INITDATA_E="+eve.InitData,
		"INITDATA_F="+frank.InitData,
		"SCREENSHOT_DIR="+shots,
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e/run.mjs: %v", err)
	}
}
