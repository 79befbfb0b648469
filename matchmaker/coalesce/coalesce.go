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
package coalesce

import (
	"context"
	"sync"
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

	mu    sync.Mutex
	busy  int
	queue []*waiter[T]
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
	if g.busy < max(g.Lanes, 1) {
		g.busy++
		g.mu.Unlock()
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
