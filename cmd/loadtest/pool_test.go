package main

import (
	"sync"
	"testing"
)

// The pool never runs more than its max at once: the next job is refused
// (the generator counts it as never sent), and once a job ends a slot is
// free again, on the worker that is already there.
func TestPoolBoundsWhatRunsAtOnce(t *testing.T) {
	p := newPool(2)
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(2)
	for range 2 {
		if !p.Submit(func() { started.Done(); <-release }) {
			t.Fatal("a job under the max was refused")
		}
	}
	started.Wait()
	if p.Submit(func() {}) {
		t.Fatal("a third job ran with two running and a max of 2")
	}
	if p.Busy() != 2 {
		t.Errorf("Busy = %d; want 2", p.Busy())
	}
	close(release)
	p.Wait()
	ran := make(chan struct{})
	if !p.Submit(func() { close(ran) }) {
		t.Fatal("a job was refused after the others finished")
	}
	<-ran
	p.Wait()
	if n := p.n.Load(); n > 2 {
		t.Errorf("%d workers alive; want at most 2", n)
	}
}
