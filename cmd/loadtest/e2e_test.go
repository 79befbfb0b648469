package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
)

// The tool's core against a real stack in this process (real redis-server,
// real Centrifugo, the API): 20 users in 10 rooms match, join and send for
// 2 s on the API path and straight to Centrifugo, and every message reaches
// the partner exactly once and in id order. It asserts no timing: the
// numbers are printed, not judged.
func TestLoadTestAgainstARealStack(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	cfg := Config{
		URL:              st.URL,
		WSURL:            st.Centrifugo.WSURL,
		BotToken:         apitest.BotToken,
		CentrifugoAPIURL: st.Centrifugo.APIURL,
		CentrifugoAPIKey: st.Centrifugo.APIKey,
		Users:            20,
		Ladder:           []float64{20}, // 1 msg/s per user
		Duration:         2 * time.Second,
		Drain:            20 * time.Second,
		APIPath:          true,
		Direct:           true,
		DirectKeys:       true, // the direct path publishes with the API's idempotency keys
		MaxInFlight:      100,
		HTTPTimeout:      10 * time.Second,
		MatchPairs:       10,
		Concurrency:      8,
		Cleanup:          true,
	}
	// The pids are found the way main finds them for a stack without a
	// stack file: by who listens on each port.
	pfs := newProcFS()
	cfg.PIDs = findPIDs(pfs, cfg, &stackState{}, PIDs{}, st.Redis.Addr)
	if cfg.PIDs.API != os.Getpid() {
		t.Errorf("API pid = %d; want this test process %d (the API runs in it)", cfg.PIDs.API, os.Getpid())
	}
	if got := pfs.Comm(cfg.PIDs.Centrifugo); got != "centrifugo" {
		t.Errorf("the process on Centrifugo's API port is %d %q", cfg.PIDs.Centrifugo, got)
	}
	if got := pfs.Comm(cfg.PIDs.Redis); got != "redis-server" {
		t.Errorf("the process on Redis's port is %d %q", cfg.PIDs.Redis, got)
	}

	var log bytes.Buffer
	rep, err := Run(context.Background(), cfg, &log)
	t.Logf("run log:\n%s", log.String())
	if err != nil {
		t.Fatal(err)
	}
	if m := rep.Match; m.Pairs != 10 || m.Pushed != 10 || m.Missing != 0 {
		t.Errorf("match phase: %+v; want 10 pairs, every waiting user pushed", m)
	}
	if len(rep.Steps) != 1 || rep.Steps[0].API == nil || rep.Steps[0].Direct == nil {
		t.Fatalf("steps = %+v; want one with both paths", rep.Steps)
	}
	for _, path := range []struct {
		name string
		m    *Measured
	}{{"API", rep.Steps[0].API}, {"direct", rep.Steps[0].Direct}} {
		r := path.m.StepResult
		if r.Offered != 40 || r.Sent != 40 || r.NeverSent != 0 {
			t.Errorf("%s: offered %d, sent %d, never sent %d; want 40, 40, 0", path.name, r.Offered, r.Sent, r.NeverSent)
		}
		if r.Statuses != (StatusCounts{Created: 40}) || r.Accepted != 40 {
			t.Errorf("%s: answers %+v, accepted %d; want 40 successes", path.name, r.Statuses, r.Accepted)
		}
		if r.Delivered != 40 || r.Lost != 0 || r.Unacked != 0 {
			t.Errorf("%s: delivered %d, lost %d, unacked %d; want every message delivered", path.name, r.Delivered, r.Lost, r.Unacked)
		}
		if r.Duplicated != 0 || r.Reordered != 0 || r.Stray != 0 {
			t.Errorf("%s: %d duplicated, %d reordered, %d stray; want each delivered once, in order", path.name, r.Duplicated, r.Reordered, r.Stray)
		}
		if r.Latency.N != 40 {
			t.Errorf("%s: %d latency samples; want 40", path.name, r.Latency.N)
		}
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Logf("report:\n%s", out.String())
	if !strings.Contains(out.String(), "| 20 | ") {
		t.Errorf("the report has no row for the 20 msg/s step")
	}
}
