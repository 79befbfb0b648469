package main

import (
	"sync"
	"time"
)

// Ledger keeps the books of one step: for every scheduled message, whether
// it was sent, how the server answered, and when (and how often) it reached
// the partner's room subscription. From that it counts what was lost (an
// accepted message the partner never got), duplicated (got twice) and
// reordered (got after a message with a higher id on the same
// subscription). It is safe for concurrent use by senders and receivers.
type Ledger struct {
	start  time.Time
	sched  Schedule
	window time.Duration // deliveries after start+window do not count toward the rate

	mu        sync.Mutex
	slots     []slot
	maxID     map[int]string // per receiving user: the highest message id delivered so far
	statuses  StatusCounts
	answers   []time.Duration // HTTP answer times, every attempt
	refusals  []time.Duration // of those, the answers that were not a success
	lags      []time.Duration // how late each send left, against its due time
	late      int             // arrivals for this step's messages on a subscription that is not the partner's
	resends   int
	reordered int
}

type slot struct {
	sender, receiver int
	state            slotState
	id               string // from the server's answer
	received         int
	arrived          time.Time
	otherID          bool // a second arrival carried another id than the first
}

type slotState uint8

const (
	scheduled slotState = iota
	inFlight
	accepted
	refused   // the server answered, not with success (429, 503, 4xx)
	failed    // no answer: timeout, connection error
	neverSent // the generator could not send it (too many in flight)
)

// StatusCounts counts answers by kind; every attempt counts once.
type StatusCounts struct {
	Created, RateLimited, Unavailable, Other, Errors int
	// NoRetryAfter counts 429 and 503 answers without a Retry-After.
	NoRetryAfter int
}

// NewLedger opens the books for a step that starts at start.
func NewLedger(sched Schedule, start time.Time) *Ledger {
	return &Ledger{start: start, sched: sched, window: sched.Duration,
		slots: make([]slot, sched.Count()), maxID: map[int]string{}}
}

// Due is when message i is due.
func (l *Ledger) Due(i int) time.Time { return l.start.Add(l.sched.At(i)) }

// Sending records that message i from sender to receiver left at sentAt.
func (l *Ledger) Sending(i, sender, receiver int, sentAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.slots[i]
	s.sender, s.receiver, s.state = sender, receiver, inFlight
	l.lags = append(l.lags, sentAt.Sub(l.Due(i)))
}

// NeverSent records that the generator dropped message i.
func (l *Ledger) NeverSent(i, sender, receiver int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.slots[i]
	s.sender, s.receiver, s.state = sender, receiver, neverSent
}

// Answer is how one attempt to send a message went.
type Answer struct {
	Status     int    // HTTP status; 0 with Err
	OK         bool   // the message was accepted
	ID         string // the server's message id
	Took       time.Duration
	RetryAfter time.Duration // of a 429 or 503
	Err        error         // no answer: timeout, connection error
	Resend     bool          // not the first attempt
}

// Attempt records one attempt to send message i.
func (l *Ledger) Attempt(i int, a Answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.Resend {
		l.resends++
	}
	switch {
	case a.Err != nil:
		l.statuses.Errors++
	case a.OK:
		l.statuses.Created++
	case a.Status == 429:
		l.statuses.RateLimited++
	case a.Status == 503:
		l.statuses.Unavailable++
	default:
		l.statuses.Other++
	}
	if (a.Status == 429 || a.Status == 503) && a.RetryAfter <= 0 {
		l.statuses.NoRetryAfter++
	}
	if a.Err == nil {
		l.answers = append(l.answers, a.Took)
		if !a.OK {
			l.refusals = append(l.refusals, a.Took)
		}
	}
	s := &l.slots[i]
	switch {
	case a.OK:
		s.state, s.id = accepted, a.ID
	case s.state == accepted:
		// an earlier attempt got through; a later failure changes nothing
	case a.Err != nil:
		s.state = failed
	default:
		s.state = refused
	}
}

// Delivery is what one arrival turned out to be.
type Delivery uint8

const (
	FirstDelivery Delivery = iota
	Duplicate
	Echo  // the sender's own copy of its message: not counted
	Stray // not a message of this step
)

// Delivered records that message i, with id, reached receiver's room
// subscription at at.
func (l *Ledger) Delivered(i, receiver int, id string, at time.Time) Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < 0 || i >= len(l.slots) {
		return Stray
	}
	s := &l.slots[i]
	if s.state == scheduled {
		return Stray // not sent in this step: it cannot have arrived
	}
	if receiver == s.sender {
		return Echo
	}
	if receiver != s.receiver {
		l.late++
		return Stray
	}
	s.received++
	if s.received > 1 {
		if id != s.id {
			s.otherID = true
		}
		return Duplicate
	}
	s.arrived = at
	if s.id == "" {
		// The publication came before the HTTP answer (or there was none).
		s.id = id
	}
	// Reordered: the partner already has a message with a higher id.
	if top := l.maxID[receiver]; top != "" && compareIDs(id, top) < 0 {
		l.reordered++
	} else {
		l.maxID[receiver] = id
	}
	return FirstDelivery
}

// Pending is how many messages are still to be settled: in flight, or
// accepted and not yet at the partner.
func (l *Ledger) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for i := range l.slots {
		s := &l.slots[i]
		if s.state == inFlight || s.state == accepted && s.received == 0 {
			n++
		}
	}
	return n
}

// Progress is a running count for the progress line.
type Progress struct {
	Offered, Delivered, InFlight, Errors, NeverSent int
}

// Progress counts, up to now, what was due, what arrived, what is in flight
// and what failed (refused, no answer or never sent).
func (l *Ledger) Progress(now time.Time) Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	var p Progress
	for i := range l.slots {
		s := &l.slots[i]
		if s.state == scheduled && l.Due(i).After(now) {
			break // due times only grow
		}
		p.Offered++
		if s.received > 0 {
			p.Delivered++
		}
		switch s.state {
		case inFlight:
			p.InFlight++
		case refused, failed:
			p.Errors++
		case neverSent:
			p.NeverSent++
		}
	}
	return p
}

// StepResult is the closed books of a step.
type StepResult struct {
	Offered, Sent, NeverSent int
	Statuses                 StatusCounts
	Resends                  int
	Accepted                 int     // at least one attempt succeeded
	Delivered                int     // reached the partner, counted once
	DeliveredInWindow        int     // of those, arrived while the step was sending
	Lost                     int     // accepted, never reached the partner
	Unacked                  int     // reached the partner without a success answer
	Duplicated               int     // extra arrivals of a message already delivered
	DuplicateOtherID         int     // of the duplicated messages, arrivals under another id (a resend stored twice)
	Reordered                int     // arrived after a message with a higher id on the same subscription
	Stray                    int     // this step's messages on a subscription that is not the partner's
	Latency                  Summary // due time -> first arrival at the partner
	HTTP                     Summary // answer time of every attempt, from the moment it left
	Refusals                 Summary // answer time of the attempts that were not a success (429, 503, 4xx)
	Lag                      Summary // how late the generator sent, against the due time
	Window                   time.Duration
}

// DeliveredRate is the partner deliveries per second while the step sent.
func (r StepResult) DeliveredRate() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.DeliveredInWindow) / r.Window.Seconds()
}

// Result closes the books. Call it once the step has drained.
func (l *Ledger) Result() StepResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := StepResult{Offered: len(l.slots), Statuses: l.statuses, Resends: l.resends,
		Reordered: l.reordered, Stray: l.late, Window: l.window}
	var lat []time.Duration
	end := l.start.Add(l.window)
	for i := range l.slots {
		s := &l.slots[i]
		if s.state == neverSent {
			r.NeverSent++
			continue
		}
		if s.state != scheduled {
			r.Sent++
		}
		if s.state == accepted {
			r.Accepted++
		}
		if s.received == 0 {
			if s.state == accepted {
				r.Lost++
			}
			continue
		}
		r.Delivered++
		if !s.arrived.After(end) {
			r.DeliveredInWindow++
		}
		if s.state != accepted {
			r.Unacked++
		}
		r.Duplicated += s.received - 1
		if s.otherID {
			r.DuplicateOtherID++
		}
		lat = append(lat, s.arrived.Sub(l.Due(i)))
	}
	r.Latency = Summarize(lat)
	r.HTTP = Summarize(append([]time.Duration(nil), l.answers...))
	r.Refusals = Summarize(append([]time.Duration(nil), l.refusals...))
	r.Lag = Summarize(append([]time.Duration(nil), l.lags...))
	return r
}

// compareIDs orders decimal message ids (no leading zeros, or all of one
// length) numerically without parsing them: shorter is smaller, then by
// digits.
func compareIDs(a, b string) int {
	switch {
	case len(a) != len(b):
		if len(a) < len(b) {
			return -1
		}
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
