package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// sendFunc sends one message from u and says how it went: ok when the
// message was accepted, id the message id, retry the Retry-After of a
// refusal.
type sendFunc func(ctx context.Context, u *user, text, clientMsgID string) (status int, ok bool, id string, retry time.Duration, err error)

// apiSend is the path under test: POST /api/rooms/{id}/messages.
func (p *population) apiSend(ctx context.Context, u *user, text, clientMsgID string) (int, bool, string, time.Duration, error) {
	a, err := p.api.do(ctx, u.initData, http.MethodPost, "/api/rooms/"+u.room.ID+"/messages",
		messageRequest{Text: text, ClientMsgID: clientMsgID})
	if err != nil {
		return 0, false, "", 0, err
	}
	if a.Status != http.StatusCreated {
		return a.Status, false, "", a.RetryAfter, nil
	}
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.Body, &m); err != nil || m.ID == "" {
		return a.Status, false, "", 0, fmt.Errorf("201 without a message id: %q", a.Body)
	}
	return a.Status, true, m.ID, 0, nil
}

type messageRequest struct {
	Text        string `json:"text"`
	ClientMsgID string `json:"client_msg_id"`
}

// directSend is the ceiling: the same schedule published straight to
// Centrifugo on the same room channel, in the shape the API publishes, with
// ids from a per-room counter (16 digits, as the API's).
func (p *population) directSend(c *centrifugoAPI) sendFunc {
	return func(ctx context.Context, u *user, text, clientMsgID string) (int, bool, string, time.Duration, error) {
		id := fmt.Sprintf("%016d", u.roomSeq.Add(1))
		data, _ := json.Marshal(directMessage{Type: "message", ID: id, From: u.room.Me, Text: text,
			TS: time.Now().UnixMilli(), ClientMsgID: clientMsgID})
		key := ""
		if p.cfg.DirectKeys { // the key the API publishes this message with
			key = centrifugo.MessageKey(u.room.ID, matchmaker.Message{ID: id, From: u.room.Me, ClientMsgID: clientMsgID})
		}
		status, ok, err := c.Publish(ctx, u.room.Channel, data, key)
		return status, ok, id, 0, err
	}
}

// directMessage is the room publication the API sends for a message.
type directMessage struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	From        string `json:"from"`
	Text        string `json:"text"`
	TS          int64  `json:"ts"`
	ClientMsgID string `json:"client_msg_id"`
}

// runStep sends one step's schedule open loop: message i leaves at its due
// time whether or not the earlier ones were answered, so a slow server
// shows up as latency and never as a lower offered rate. Only when
// MaxInFlight messages are already out does the generator drop a message
// (never sent). Lag (send time minus due time) says how well the generator
// itself kept up. It then waits for the answers and, up to Drain, for the
// last deliveries, and closes the books.
func (p *population) runStep(ctx context.Context, step int, path string, rate float64, send sendFunc) StepResult {
	sched := Schedule{Rate: rate, Senders: len(p.order), Duration: p.cfg.Duration}
	start := time.Now().Add(100 * time.Millisecond)
	l := NewLedger(sched, start)
	p.current.Store(&stepRun{step: step, ledger: l})
	stop := p.progress(path, rate, l)
	defer stop()

	tick := time.NewTimer(0)
	defer tick.Stop()
	<-tick.C
	for i := range sched.Count() {
		if d := time.Until(l.Due(i)); d > 0 {
			tick.Reset(d)
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
			if ctx.Err() != nil {
				break
			}
		}
		from := p.order[sched.Sender(i)]
		if !p.senders.Submit(func() {
			l.Sending(i, from.idx, from.partner, time.Now())
			p.sendOne(ctx, l, step, i, from, send)
		}) {
			l.NeverSent(i, from.idx, from.partner)
		}
	}
	p.senders.Wait()
	deadline := time.Now().Add(p.cfg.Drain)
	for l.Pending() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	return l.Result()
}

// sendOne sends message i, and with Resend sends it again after a 429 or
// 503, after Retry-After, with the same client_msg_id.
func (p *population) sendOne(ctx context.Context, l *Ledger, step, i int, from *user, send sendFunc) {
	text := messageText(p.run, step, i)
	cmid := p.run + "-" + strconv.Itoa(step) + "-" + strconv.Itoa(i)
	for attempt := 0; ; attempt++ {
		t0 := time.Now()
		status, ok, id, retry, err := send(ctx, from, text, cmid)
		l.Attempt(i, Answer{Status: status, OK: ok, ID: id, Took: time.Since(t0), RetryAfter: retry, Err: err, Resend: attempt > 0})
		if ok || !p.cfg.Resend || attempt >= p.cfg.MaxResends ||
			status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
			return
		}
		if sleepCtx(ctx, max(retry, 100*time.Millisecond)) != nil {
			return
		}
	}
}

// progress prints one line a second while a step runs; the returned
// function stops it.
func (p *population) progress(path string, rate float64, l *Ledger) (stop func()) {
	if p.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				pr := l.Progress(now)
				fmt.Fprintf(p.cfg.Progress, "  %-6s %6s msg/s  %5.1fs  offered %6d  delivered %6d  in flight %5d  errors %5d  never sent %5d\n",
					path, strconv.FormatFloat(rate, 'f', -1, 64), now.Sub(l.start).Seconds(),
					pr.Offered, pr.Delivered, pr.InFlight, pr.Errors, pr.NeverSent)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
