// Package coalesce sends calls that are made at the same moment together.
//
// A Group lets at most Lanes batches be on their way at once. A call that
// finds a lane free goes at once, on its own; one that finds every lane
// busy waits, and the next batch carries it with every other call that
// waited meanwhile. So a quiet process sends each call alone, with no
// added wait, and a busy one pays a round trip's fixed costs (a write and
// a read on each side, a request to parse) once per batch: the busier, the
// larger the batches.
//
// A batch is sent by one of the callers it carries (the first in line),
// not by a goroutine of the group's own: a waiting caller is woken once,
// either with its call done or to send the next batch.
//
// Between quiet and saturated, calls rarely find every lane busy, so each
// still goes alone and every process on the way wakes for each one. With
// Linger set, a group that is busy (calls lately coming less than Linger
// apart, on average) has the call that finds a lane free wait Linger for
// others before it goes; the calls that come meanwhile wait for it, and
// all go in one batch. A quiet group never waits.
package coalesce

import (
	"context"
	"sync"
	"time"
)

// Group coalesces calls of type T (a pointer to a call that records its
// own result). Its fields are set before first use.
type Group[T any] struct {
	// Lanes is how many batches may be on their way at once (at least 1).
	Lanes int
	// Max bounds the calls of one batch (0 = no bound).
	Max int
	// Key, when set, keeps calls with the same non-empty key out of one
	// batch: the later ones wait for the next, so a batch whose calls run
	// in parallel never reorders two calls of one key.
	Key func(T) string
	// Send makes the batch's calls and records each one's result. Its ctx
	// is not cancelled by any one caller's context.
	Send func(ctx context.Context, batch []T)
	// Linger is how long, while the group is busy, a call that finds a
	// lane free waits for others to go with it (0 = never).
	Linger time.Duration

	mu        sync.Mutex
	busy      int
	queue     []*waiter[T]
	lingering bool          // a call waits for company; others queue behind it
	last      time.Time     // the last call's arrival
	gap       time.Duration // the mean time between calls (weighted to the recent)

	// For tests: the clock and the wait (nil: time.Now, time.Sleep).
	now   func() time.Time
	pause func(time.Duration)
}

type waiter[T any] struct {
	call T
	done chan struct{} // closed once: the call was sent, or lead is set
	lead bool          // this caller sends the next batch
}

// Do sends call, alone or in a batch, and returns once Send has recorded
// its result. If ctx ends while the call still waits for a lane, Do takes
// it out and returns ctx's error: it is not sent. A call already in a
// batch on its way is seen through.
func (g *Group[T]) Do(ctx context.Context, call T) error {
	w := &waiter[T]{call: call}
	g.mu.Lock()
	busy := g.arrived()
	if !g.lingering && g.busy < max(g.Lanes, 1) {
		g.busy++
		g.lingering = busy
		g.mu.Unlock()
		if busy {
			g.wait(g.Linger)
			g.mu.Lock()
			g.lingering = false
			g.mu.Unlock()
		}
		g.carry(ctx, w)
		return nil
	}
	w.done = make(chan struct{})
	g.queue = append(g.queue, w)
	g.mu.Unlock()

	select {
	case <-w.done:
	case <-ctx.Done():
		g.mu.Lock()
		for i, q := range g.queue {
			if q == w {
				g.queue = append(g.queue[:i], g.queue[i+1:]...)
				g.mu.Unlock()
				return ctx.Err()
			}
		}
		g.mu.Unlock()
		<-w.done // in a batch on its way, or handed the lead: see it through
	}
	if w.lead {
		g.carry(ctx, w)
	}
	return nil
}

// arrived counts a call's arrival (g.mu held) and says whether the group
// is busy enough for it to linger: the mean gap between calls, weighted to
// the last eight or so, is under Linger. A gap counts at most 8 Linger, so
// a group busy again after a quiet spell lingers within about twenty calls.
func (g *Group[T]) arrived() bool {
	if g.Linger <= 0 {
		return false
	}
	now := time.Now
	if g.now != nil {
		now = g.now
	}
	t := now()
	gap := 8 * g.Linger
	if !g.last.IsZero() {
		gap = min(t.Sub(g.last), gap)
	} else {
		g.gap = gap
	}
	g.last = t
	g.gap += (gap - g.gap) / 8
	return g.gap < g.Linger
}

func (g *Group[T]) wait(d time.Duration) {
	if g.pause != nil {
		g.pause(d)
		return
	}
	time.Sleep(d)
}

// carry sends w with what waits, on the lane its caller holds, then hands
// the lane to the first caller still waiting, or frees it.
func (g *Group[T]) carry(ctx context.Context, w *waiter[T]) {
	batch := []*waiter[T]{w}
	g.mu.Lock()
	if len(g.queue) > 0 {
		var seen map[string]bool
		if g.Key != nil {
			seen = map[string]bool{}
			if k := g.Key(w.call); k != "" {
				seen[k] = true
			}
		}
		rest := g.queue[:0]
		for _, q := range g.queue {
			k := ""
			if g.Key != nil {
				k = g.Key(q.call)
			}
			if (g.Max == 0 || len(batch) < g.Max) && (k == "" || !seen[k]) {
				if k != "" {
					seen[k] = true
				}
				batch = append(batch, q)
			} else {
				rest = append(rest, q)
			}
		}
		clear(g.queue[len(rest):])
		g.queue = rest
	}
	g.mu.Unlock()

	calls := make([]T, len(batch))
	for i, q := range batch {
		calls[i] = q.call
	}
	// Even if Send panics, the callers it carries are released and the
	// lane passes on.
	defer g.release(batch)
	g.Send(context.WithoutCancel(ctx), calls)
}

// release wakes the callers a batch carried (but its sender) and hands the
// lane on.
func (g *Group[T]) release(batch []*waiter[T]) {
	for _, q := range batch[1:] {
		close(q.done)
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		g.queue[0] = nil
		g.queue = g.queue[1:]
		next.lead = true
		g.mu.Unlock()
		close(next.done)
		return
	}
	g.busy--
	g.mu.Unlock()
}
