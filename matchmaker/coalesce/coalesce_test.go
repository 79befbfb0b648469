package coalesce

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type call struct {
	key  string
	n    int
	sent int // how many times Send carried it
	got  int // the result Send recorded
}

// recorder is a Send that holds each batch until released, so a test can
// line callers up behind busy lanes.
type recorder struct {
	mu      sync.Mutex
	batches [][]*call
	gate    chan struct{} // a value lets one batch finish; nil: none wait
	started chan int      // the size of each batch as it starts
}

func (r *recorder) send(ctx context.Context, batch []*call) {
	if ctx.Err() != nil {
		panic("Send got a cancelled context")
	}
	r.mu.Lock()
	r.batches = append(r.batches, batch)
	r.mu.Unlock()
	if r.started != nil {
		r.started <- len(batch)
	}
	if r.gate != nil {
		<-r.gate
	}
	for _, c := range batch {
		c.sent++
		c.got = c.n * 10
	}
}

// waitQueued waits until n callers wait for a lane.
func waitQueued[T any](t *testing.T, g *Group[T], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		q := len(g.queue)
		g.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers queued; want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A call with a free lane goes at once and alone.
func TestAloneWhenQuiet(t *testing.T) {
	r := &recorder{}
	g := &Group[*call]{Lanes: 2, Send: r.send}
	for i := range 5 {
		c := &call{n: i}
		if err := g.Do(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if c.sent != 1 || c.got != i*10 {
			t.Fatalf("call %d: sent %d times, result %d", i, c.sent, c.got)
		}
	}
	if len(r.batches) != 5 {
		t.Fatalf("%d batches for 5 calls one after another; want 5", len(r.batches))
	}
}

// Calls that wait while every lane is busy go together in the next batch,
// sent by one of them, each once, with its own result; and the lane is
// free again afterwards.
func TestWaitersGoTogether(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan int, 100)}
	g := &Group[*call]{Lanes: 1, Send: r.send}
	first := &call{n: 0}
	var wg sync.WaitGroup
	wg.Go(func() { g.Do(context.Background(), first) })
	if n := <-r.started; n != 1 {
		t.Fatalf("first batch has %d calls", n)
	}
	calls := make([]*call, 10)
	for i := range calls {
		calls[i] = &call{n: i + 1}
		wg.Go(func() { g.Do(context.Background(), calls[i]) })
	}
	waitQueued(t, g, 10)
	r.gate <- struct{}{} // the first batch ends: the ten go in one
	if n := <-r.started; n != 10 {
		t.Fatalf("second batch has %d calls; want the 10 that waited", n)
	}
	r.gate <- struct{}{}
	wg.Wait()
	for _, c := range append(calls, first) {
		if c.sent != 1 || c.got != c.n*10 {
			t.Fatalf("call %d: sent %d times, result %d", c.n, c.sent, c.got)
		}
	}
	if g.busy != 0 || len(g.queue) != 0 {
		t.Fatalf("after the calls: %d lanes busy, %d queued", g.busy, len(g.queue))
	}
}

// Max bounds a batch and Key keeps two calls of one key apart, in the order
// they came; nothing is left behind.
func TestMaxAndKey(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan int, 100)}
	g := &Group[*call]{Lanes: 1, Max: 3, Key: func(c *call) string { return c.key }, Send: r.send}
	var wg sync.WaitGroup
	wg.Go(func() { g.Do(context.Background(), &call{key: "z"}) })
	<-r.started
	keys := []string{"a", "a", "b", "", "", "c", "a"}
	calls := make([]*call, len(keys))
	for i, k := range keys {
		calls[i] = &call{key: k, n: i}
		wg.Go(func() { g.Do(context.Background(), calls[i]) })
		waitQueued(t, g, i+1) // a known order
	}
	go func() {
		for range 10 {
			r.gate <- struct{}{}
		}
	}()
	wg.Wait()
	pos := map[*call]int{}
	for bi, b := range r.batches {
		if len(b) > 3 {
			t.Errorf("batch %d has %d calls; Max is 3", bi, len(b))
		}
		seen := map[string]bool{}
		for _, c := range b {
			if c.key != "" && seen[c.key] {
				t.Errorf("batch %d holds two calls of key %q", bi, c.key)
			}
			seen[c.key] = true
			pos[c] = bi
		}
	}
	for _, c := range calls {
		if c.sent != 1 {
			t.Errorf("call %d sent %d times", c.n, c.sent)
		}
	}
	if !(pos[calls[0]] < pos[calls[1]] && pos[calls[1]] < pos[calls[6]]) {
		t.Errorf("key a's calls went in batches %d, %d, %d; want that order", pos[calls[0]], pos[calls[1]], pos[calls[6]])
	}
}

// A caller whose context ends while it waits is taken out and not sent;
// one whose call is already on its way sees it through.
func TestCancelWhileWaiting(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan int, 100)}
	g := &Group[*call]{Lanes: 1, Send: r.send}
	var wg sync.WaitGroup
	wg.Go(func() { g.Do(context.Background(), &call{}) })
	<-r.started
	ctx, cancel := context.WithCancel(context.Background())
	gone := &call{n: 1}
	errc := make(chan error, 1)
	go func() { errc <- g.Do(ctx, gone) }()
	waitQueued(t, g, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Do = %v; want context.Canceled", err)
	}
	waitQueued(t, g, 0)
	r.gate <- struct{}{}
	wg.Wait()
	if gone.sent != 0 {
		t.Fatal("a call cancelled while waiting was sent")
	}

	// Now cancel one that is in a batch on its way.
	wg.Go(func() { g.Do(context.Background(), &call{}) })
	<-r.started
	ctx, cancel = context.WithCancel(context.Background())
	inflight := &call{n: 2}
	go func() { errc <- g.Do(ctx, inflight) }()
	waitQueued(t, g, 1)
	r.gate <- struct{}{} // the lane passes to inflight, whose batch starts
	<-r.started
	cancel() // Send's context is not cancelled (recorder panics if it is)
	r.gate <- struct{}{}
	if err := <-errc; err != nil {
		t.Fatalf("Do of a call on its way = %v", err)
	}
	wg.Wait()
	if inflight.sent != 1 {
		t.Fatalf("the call on its way was sent %d times", inflight.sent)
	}
}

// A Send that panics releases the callers it carried and the lane.
func TestPanicReleasesTheLane(t *testing.T) {
	var calls atomic.Int32
	g := &Group[*call]{Lanes: 1, Send: func(ctx context.Context, b []*call) {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		for _, c := range b {
			c.sent++
		}
	}}
	func() {
		defer func() { recover() }()
		g.Do(context.Background(), &call{})
	}()
	c := &call{}
	done := make(chan struct{})
	go func() { g.Do(context.Background(), c); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the lane was not released after a panic")
	}
	if c.sent != 1 {
		t.Fatal("the next call was not sent")
	}
}

// Many callers at once: every call is sent exactly once and gets its own
// result, and batches form (the race detector checks the handoffs).
func TestManyCallers(t *testing.T) {
	var batches, sentCalls atomic.Int64
	g := &Group[*call]{Lanes: 2, Max: 16, Key: func(c *call) string { return c.key }, Send: func(ctx context.Context, b []*call) {
		batches.Add(1)
		time.Sleep(100 * time.Microsecond)
		for _, c := range b {
			c.sent++
			c.got = c.n * 10
			sentCalls.Add(1)
		}
	}}
	const n = 2000
	calls := make([]*call, n)
	var wg sync.WaitGroup
	for i := range calls {
		calls[i] = &call{n: i, key: fmt.Sprint(i % 7)}
		wg.Go(func() { g.Do(context.Background(), calls[i]) })
	}
	wg.Wait()
	for _, c := range calls {
		if c.sent != 1 || c.got != c.n*10 {
			t.Fatalf("call %d: sent %d times, result %d", c.n, c.sent, c.got)
		}
	}
	if b := batches.Load(); b >= n {
		t.Fatalf("%d batches for %d concurrent calls: none coalesced", b, n)
	}
	t.Logf("%d calls in %d batches", sentCalls.Load(), batches.Load())
}
