package main

import (
	"strings"
	"testing"
	"time"
)

// The schedule is what makes the test open loop: due times depend only on
// the index, evenly spaced, and every sender's messages are evenly spaced
// too, at the per-user rate.
func TestScheduleSpacing(t *testing.T) {
	s := Schedule{Rate: 4000, Senders: 2000, Duration: 3 * time.Second}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Count() != 12000 {
		t.Fatalf("Count = %d; want 12000", s.Count())
	}
	gap := time.Second / 4000
	last := map[int]time.Duration{}
	sent := map[int]int{}
	for i := range s.Count() {
		at := s.At(i)
		if i > 0 {
			if d := at - s.At(i-1); d < gap-time.Nanosecond || d > gap+time.Nanosecond {
				t.Fatalf("message %d is %v after %d; want %v", i, d, i-1, gap)
			}
		}
		u := s.Sender(i)
		if prev, ok := last[u]; ok {
			if d := at - prev; d < 500*time.Millisecond-time.Microsecond || d > 500*time.Millisecond+time.Microsecond {
				t.Fatalf("sender %d sends again after %v; want 500ms (2 msg/s)", u, d)
			}
		}
		last[u] = at
		sent[u]++
	}
	if len(sent) != 2000 {
		t.Errorf("%d senders used; want all 2000", len(sent))
	}
	for u, n := range sent {
		if n != 6 {
			t.Fatalf("sender %d sent %d messages in 3 s; want 6", u, n)
		}
	}
	if end := s.At(s.Count() - 1); end >= s.Duration {
		t.Errorf("last message due at %v, after the step's %v", end, s.Duration)
	}
}

func TestScheduleRefusesMoreThanTheUserRate(t *testing.T) {
	for _, c := range []struct {
		s    Schedule
		want string
	}{
		{Schedule{Rate: 4001, Senders: 2000, Duration: time.Second}, "at least 2001 users"},
		{Schedule{Rate: 0, Senders: 2, Duration: time.Second}, "positive"},
		{Schedule{Rate: 1, Senders: 0, Duration: time.Second}, "no senders"},
	} {
		err := c.s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v; want one saying %q", c.s, err, c.want)
		}
	}
}
