package main

import (
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, c := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", []time.Duration{7}, 99, 7},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p99 of ten is the largest", hundred[:10], 99, 10 * time.Millisecond},
		{"p50 of an even count is the lower middle, never an average", []time.Duration{1, 2, 3, 4}, 50, 2},
		{"negative values (a push before the answer) sort first", []time.Duration{-5, -1, 3}, 50, -1},
	} {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: Percentile(p%v) = %v; want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarizeSortsAndKeepsTheMax(t *testing.T) {
	d := []time.Duration{9, 1, 5, 3, 7}
	s := Summarize(d)
	if s != (Summary{N: 5, P50: 5, P99: 9, Max: 9}) {
		t.Errorf("Summarize = %+v", s)
	}
	if (Summary{}).String() != "-" {
		t.Errorf("an empty summary prints %q", Summary{}.String())
	}
}

func TestMillisecondsRead(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1300 * time.Microsecond:  "1.3",
		-400 * time.Microsecond:  "-0.4",
		13 * time.Millisecond:    "13",
		13451 * time.Millisecond: "13,451",
	} {
		if got := ms(d); got != want {
			t.Errorf("ms(%v) = %q; want %q", d, got, want)
		}
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
}
