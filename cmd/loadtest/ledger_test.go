package main

import (
	"errors"
	"testing"
	"time"
)

// A step's books, told as what happened to each of ten messages from user
// 0 to user 1 (and back), one every 100 ms.
func TestLedgerCountsLossDuplicatesAndReordering(t *testing.T) {
	start := time.Unix(1000, 0)
	l := NewLedger(Schedule{Rate: 10, Senders: 2, Duration: time.Second}, start)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	send := func(i, from, to int) { l.Sending(i, from, to, l.Due(i)) }
	ok := func(i int, id string) {
		l.Attempt(i, Answer{Status: 201, OK: true, ID: id, Took: 3 * time.Millisecond})
	}

	// 0: delivered 5 ms after it was due.
	send(0, 0, 1)
	ok(0, "0000000000000010")
	if d := l.Delivered(0, 1, "0000000000000010", at(5)); d != FirstDelivery {
		t.Fatalf("message 0 = %v", d)
	}
	// The sender's own copy is not a delivery.
	if d := l.Delivered(0, 0, "0000000000000010", at(6)); d != Echo {
		t.Fatalf("the echo = %v", d)
	}
	// 1: delivered twice under the same id (a reconnect replayed it).
	send(1, 1, 0)
	ok(1, "0000000000000011")
	l.Delivered(1, 0, "0000000000000011", at(104))
	if d := l.Delivered(1, 0, "0000000000000011", at(140)); d != Duplicate {
		t.Fatalf("second arrival = %v", d)
	}
	// 2 and 4 to user 1: 4 gets the higher id and arrives first.
	send(2, 0, 1)
	send(4, 0, 1)
	ok(2, "0000000000000012")
	ok(4, "0000000000000014")
	l.Delivered(4, 1, "0000000000000014", at(420))
	l.Delivered(2, 1, "0000000000000012", at(430)) // reordered
	// 3: accepted, never delivered: lost.
	send(3, 1, 0)
	ok(3, "0000000000000013")
	// 5: 429, not resent: refused, not lost. It came without Retry-After.
	send(5, 1, 0)
	l.Attempt(5, Answer{Status: 429, Took: 2 * time.Millisecond})
	// 6: 503 then resent and accepted; the publication beat the answer.
	send(6, 0, 1)
	l.Attempt(6, Answer{Status: 503, Took: time.Millisecond, RetryAfter: time.Second})
	l.Delivered(6, 1, "0000000000000016", at(700))
	l.Attempt(6, Answer{Status: 201, OK: true, ID: "0000000000000016", Took: time.Millisecond, Resend: true})
	// 7: timed out, yet delivered: unacked.
	send(7, 1, 0)
	l.Attempt(7, Answer{Err: errors.New("timeout")})
	l.Delivered(7, 0, "0000000000000017", at(1200)) // after the window
	// 8: the generator dropped it.
	l.NeverSent(8, 0, 1)
	// 9: never even scheduled to send by the time the books close: an
	// arrival claiming to be it is a stray.
	if d := l.Delivered(9, 0, "x", at(950)); d != Stray {
		t.Fatalf("an unsent message arriving = %v", d)
	}
	// A message that reaches someone who is not the partner is a stray too.
	if d := l.Delivered(0, 5, "0000000000000010", at(9)); d != Stray {
		t.Fatalf("message 0 at user 5 = %v", d)
	}

	if p := l.Pending(); p != 1 {
		t.Errorf("Pending = %d; want 1 (message 3)", p)
	}
	r := l.Result()
	want := StepResult{
		Offered: 10, Sent: 8, NeverSent: 1,
		Statuses: StatusCounts{Created: 6, RateLimited: 1, Unavailable: 1, Errors: 1, NoRetryAfter: 1},
		Resends:  1, Accepted: 6, Delivered: 6, DeliveredInWindow: 5, Lost: 1, Unacked: 1,
		Duplicated: 1, Reordered: 1, Stray: 1, Window: time.Second,
	}
	got := r
	got.Latency, got.HTTP, got.Refusals, got.Lag = Summary{}, Summary{}, Summary{}, Summary{}
	if got != want {
		t.Errorf("Result =\n %+v\nwant\n %+v", got, want)
	}
	if r.Latency.N != 6 || r.Latency.Max != 500*time.Millisecond {
		t.Errorf("latency = %+v; want 6 samples, max 500ms (message 7: due 700 ms, came at 1200 ms)", r.Latency)
	}
	if r.HTTP.N != 8 {
		t.Errorf("HTTP answers = %d; want 8 (the timeout has no answer time)", r.HTTP.N)
	}
	if r.Refusals.N != 2 || r.Refusals.Max != 2*time.Millisecond {
		t.Errorf("refusals = %+v; want the 429 and the 503, the slower 2 ms", r.Refusals)
	}
	if got := r.DeliveredRate(); got != 5 {
		t.Errorf("DeliveredRate = %v; want 5/s", got)
	}
}

// A resend the server stored as a new message shows as a duplicate under
// another id.
func TestLedgerSeesAResendStoredTwice(t *testing.T) {
	start := time.Now()
	l := NewLedger(Schedule{Rate: 1, Senders: 2, Duration: time.Second}, start)
	l.Sending(0, 0, 1, start)
	l.Attempt(0, Answer{Status: 201, OK: true, ID: "0000000000000001"})
	l.Delivered(0, 1, "0000000000000001", start)
	l.Delivered(0, 1, "0000000000000002", start)
	if r := l.Result(); r.Duplicated != 1 || r.DuplicateOtherID != 1 {
		t.Errorf("Duplicated %d, under another id %d; want 1 and 1", r.Duplicated, r.DuplicateOtherID)
	}
}

func TestCompareIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"0000000000000100", "0000000000000099", 1},
		{"1712000000000001", "1712000000000001", 0},
		{"1712000000000001", "1712000000000002", -1},
	} {
		if got := compareIDs(c.a, c.b); got != c.want {
			t.Errorf("compareIDs(%s, %s) = %d; want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestMessageTextCarriesItsBooks(t *testing.T) {
	run, step, i, ok := parseText(messageText("a1b2c3", 7, 12345))
	if !ok || run != "a1b2c3" || step != 7 || i != 12345 {
		t.Errorf("parseText(messageText) = %q %d %d %v", run, step, i, ok)
	}
	for _, text := range []string{"hi", "lt a 1", "lt a x 2", "xx a 1 2"} {
		if _, _, _, ok := parseText(text); ok {
			t.Errorf("parseText(%q) is ok", text)
		}
	}
}
