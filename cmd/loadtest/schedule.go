package main

import (
	"fmt"
	"time"
)

// MaxPerUserRate is the most messages per second one simulated user sends:
// under the API's per-user limit (5/s, burst 10), so a 429 in a run means
// the server, not the schedule, bunched requests up.
const MaxPerUserRate = 2.0

// Schedule is an open-loop plan: message i is due at At(i) after the start,
// whatever happened to the messages before it, and comes from sender
// Sender(i). The total rate is spread evenly: consecutive messages of one
// sender are Senders/Rate apart.
type Schedule struct {
	Rate     float64 // messages per second, all senders together
	Senders  int
	Duration time.Duration
}

// Validate refuses a plan that would put one sender over MaxPerUserRate.
func (s Schedule) Validate() error {
	switch {
	case s.Rate <= 0:
		return fmt.Errorf("rate %v: must be positive", s.Rate)
	case s.Senders <= 0:
		return fmt.Errorf("no senders")
	case s.Duration <= 0:
		return fmt.Errorf("duration %v: must be positive", s.Duration)
	case s.Rate/float64(s.Senders) > MaxPerUserRate+1e-9:
		return fmt.Errorf("%v msg/s over %d users is %.2f msg/s per user; the most is %v (use at least %d users)",
			s.Rate, s.Senders, s.Rate/float64(s.Senders), MaxPerUserRate, int(s.Rate/MaxPerUserRate+0.999))
	}
	return nil
}

// Count is how many messages the plan sends.
func (s Schedule) Count() int { return int(s.Rate * s.Duration.Seconds()) }

// At is when message i is due, from the start.
func (s Schedule) At(i int) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / s.Rate)
}

// Sender is who sends message i: round robin over the senders.
func (s Schedule) Sender(i int) int { return i % s.Senders }
