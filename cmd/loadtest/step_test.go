package main

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// With -resend, a message refused with 503 is sent again after Retry-After
// with the same client_msg_id, and the books show both attempts; without
// it, the refusal is final (open loop: no retries hide a slow server).
func TestSendOneResendsWithTheSameClientMsgID(t *testing.T) {
	for _, resend := range []bool{false, true} {
		var ids []string
		send := func(_ context.Context, _ *user, _ string, cmid string) (int, bool, string, time.Duration, error) {
			ids = append(ids, cmid)
			if len(ids) == 1 {
				return http.StatusServiceUnavailable, false, "", 50 * time.Millisecond, nil
			}
			return http.StatusCreated, true, "0000000000000001", 0, nil
		}
		p := &population{cfg: Config{Resend: resend, MaxResends: 3}, run: "abc"}
		l := NewLedger(Schedule{Rate: 1, Senders: 2, Duration: time.Second}, time.Now())
		l.Sending(0, 0, 1, time.Now())
		p.sendOne(context.Background(), l, 1, 0, &user{}, send)
		r := l.Result()
		if !resend {
			if len(ids) != 1 || r.Accepted != 0 || r.Statuses.Unavailable != 1 || r.Resends != 0 {
				t.Errorf("without -resend: %d attempts, %+v", len(ids), r)
			}
			continue
		}
		if len(ids) != 2 || ids[0] != ids[1] {
			t.Errorf("with -resend: client_msg_ids %q; want the same one twice", ids)
		}
		if r.Accepted != 1 || r.Statuses != (StatusCounts{Created: 1, Unavailable: 1}) || r.Resends != 1 {
			t.Errorf("with -resend: %+v; want accepted on the resend", r)
		}
	}
}
