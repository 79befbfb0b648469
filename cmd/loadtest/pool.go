package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// pool runs jobs on long-lived goroutines, at most max at once. A goroutine
// per message would grow a fresh stack through the HTTP client for every
// send; on a 2-core machine shared with the servers that copying is CPU the
// generator takes from them. Idle workers exit after a while.
type pool struct {
	jobs chan func()
	max  int64
	busy atomic.Int64 // workers running a job
	n    atomic.Int64 // workers alive
	wg   sync.WaitGroup
}

func newPool(max int) *pool { return &pool{jobs: make(chan func()), max: int64(max)} }

// Submit starts job on an idle worker, or a new one; false when max jobs
// are already running (the caller drops the job).
func (p *pool) Submit(job func()) bool {
	if p.busy.Add(1) > p.max {
		p.busy.Add(-1)
		return false
	}
	p.wg.Add(1)
	select {
	case p.jobs <- job:
		return true
	default:
	}
	p.n.Add(1)
	go p.worker(job)
	return true
}

// Busy is how many jobs are running.
func (p *pool) Busy() int { return int(p.busy.Load()) }

// Wait returns once every submitted job has finished.
func (p *pool) Wait() { p.wg.Wait() }

func (p *pool) worker(job func()) {
	defer p.n.Add(-1)
	idle := time.NewTimer(time.Minute)
	defer idle.Stop()
	for {
		job()
		p.busy.Add(-1)
		p.wg.Done()
		idle.Reset(30 * time.Second)
		select {
		case job = <-p.jobs:
		case <-idle.C:
			return
		}
	}
}
