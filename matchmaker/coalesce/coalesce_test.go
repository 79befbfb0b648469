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

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A group whose calls come further apart than Linger never waits: each
// call goes at once and alone.
func TestLingerNotWhenQuiet(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	r := &recorder{}
	var pauses atomic.Int64
	g := &Group[*call]{Lanes: 2, Send: r.send, Linger: time.Millisecond,
		now: clock.now, pause: func(time.Duration) { pauses.Add(1) }}
	for i := range 50 {
		clock.add(5 * time.Millisecond)
		if err := g.Do(context.Background(), &call{n: i}); err != nil {
			t.Fatal(err)
		}
	}
	if pauses.Load() != 0 || len(r.batches) != 50 {
		t.Fatalf("50 calls 5 ms apart with Linger 1 ms: %d waited, %d batches; want 0 and 50", pauses.Load(), len(r.batches))
	}
}

// Calls that start coming closer together than Linger make the group busy
// after a few of them (the mean gap is weighted to the recent), not at
// the first.
func TestLingerOnceBusy(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	r := &recorder{}
	var first atomic.Int64
	first.Store(-1)
	n := 0
	g := &Group[*call]{Lanes: 1, Send: r.send, Linger: time.Millisecond, now: clock.now}
	g.pause = func(d time.Duration) {
		if d != time.Millisecond {
			t.Errorf("waited %v; want Linger", d)
		}
		first.CompareAndSwap(-1, int64(n))
	}
	for n = 0; n < 40; n++ {
		clock.add(100 * time.Microsecond)
		if err := g.Do(context.Background(), &call{n: n}); err != nil {
			t.Fatal(err)
		}
	}
	if f := first.Load(); f < 10 || f > 30 {
		t.Fatalf("calls 100 µs apart first waited at call %d; want after 10 and by 30", f)
	}
}

// In a busy group the call that finds a lane free waits Linger; the calls
// that come meanwhile wait for it (even with another lane free) and all go
// in its batch, each once with its own result.
func TestLingerGathers(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	r := &recorder{started: make(chan int, 10)}
	paused, resume := make(chan struct{}), make(chan struct{})
	g := &Group[*call]{Lanes: 2, Send: r.send, Linger: time.Millisecond, now: clock.now,
		pause: func(time.Duration) { paused <- struct{}{}; <-resume }}
	g.last, g.gap = clock.now(), 100*time.Microsecond // busy lately
	leader := &call{n: 0}
	var wg sync.WaitGroup
	wg.Go(func() { g.Do(context.Background(), leader) })
	<-paused
	calls := []*call{leader}
	for i := 1; i <= 5; i++ {
		c := &call{n: i}
		calls = append(calls, c)
		clock.add(100 * time.Microsecond)
		wg.Go(func() { g.Do(context.Background(), c) })
	}
	waitQueued(t, g, 5)
	close(resume)
	if n := <-r.started; n != 6 {
		t.Fatalf("the lingering call's batch has %d calls; want 6", n)
	}
	wg.Wait()
	for _, c := range calls {
		if c.sent != 1 || c.got != c.n*10 {
			t.Fatalf("call %d: sent %d times, result %d", c.n, c.sent, c.got)
		}
	}
	if len(r.batches) != 1 || g.busy != 0 || g.lingering || len(g.queue) != 0 {
		t.Fatalf("after: %d batches, %d lanes busy, lingering %v, %d queued", len(r.batches), g.busy, g.lingering, len(g.queue))
	}
}
