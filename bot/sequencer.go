package bot

import (
	"context"
	"sync"
)

// sequencer runs update handlers concurrently across users but one at a time,
// in arrival order, for each user: the second of two quick answers must see
// the step the first one saved. A slow chat (say, waiting out a 429) holds up
// only itself.
type sequencer struct {
	base  context.Context // handlers' context: survives the receive loop's cancellation
	limit chan struct{}   // bounds handlers running at once

	mu      sync.Mutex
	tails   map[int64]chan struct{} // per key: closed when its latest handler ends
	wg      sync.WaitGroup
	onPanic func(v any)
}

func newSequencer(base context.Context, concurrency int, onPanic func(v any)) *sequencer {
	return &sequencer{
		base:    base,
		limit:   make(chan struct{}, concurrency),
		tails:   map[int64]chan struct{}{},
		onPanic: onPanic,
	}
}

// do queues fn behind every earlier fn of the same key and returns at once.
// Call it in the order updates arrive.
func (s *sequencer) do(key int64, fn func(ctx context.Context)) {
	done := make(chan struct{})
	s.mu.Lock()
	prev := s.tails[key]
	s.tails[key] = done
	s.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			close(done)
			s.mu.Lock()
			if s.tails[key] == done {
				delete(s.tails, key)
			}
			s.mu.Unlock()
		}()
		if prev != nil {
			select {
			case <-prev:
			case <-s.base.Done():
				return
			}
		}
		select {
		case s.limit <- struct{}{}:
		case <-s.base.Done():
			return
		}
		defer func() { <-s.limit }()
		defer func() {
			if v := recover(); v != nil {
				s.onPanic(v)
			}
		}()
		ctx, cancel := context.WithTimeout(s.base, updateTimeout)
		defer cancel()
		fn(ctx)
	}()
}

// wait blocks until every queued handler has returned.
func (s *sequencer) wait() { s.wg.Wait() }
