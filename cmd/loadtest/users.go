package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/centrifugal/centrifuge-go"

	"github.com/tetatet/tetatet/api"
)

// user is one simulated Telegram user: signed init data, a real WebSocket
// to Centrifugo (its personal channel and its room), and its room.
type user struct {
	idx      int
	nick     string
	initData string
	ws       *centrifuge.Client
	room     roomView
	partner  int           // index of the user in the same room
	roomSeq  *atomic.Int64 // message ids of the direct baseline, shared by the room's two members
	order    int           // position in the sending order
}

// roomView is the contract's Room, as much of it as the tool uses.
type roomView struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Me      string `json:"me"`
	Partner struct {
		Nickname string `json:"nickname"`
	} `json:"partner"`
}

type searchAnswer struct {
	State string    `json:"state"`
	Room  *roomView `json:"room"`
}

type tokenAnswer struct {
	Token string `json:"token"`
}

// population is the users of one run and what their subscriptions see.
type population struct {
	cfg   Config
	api   *apiClient
	wsURL string
	run   string // tag of this run, in every message text and nickname
	age   int    // every user of this run is this age and searches for it
	users []*user
	// order is the sending order: the first member of every room, then
	// the second members in the same room order, so partners send half a
	// round apart and a user's messages Users/rate apart.
	order []*user

	current    atomic.Pointer[stepRun] // the step whose arrivals are being booked
	strays     atomic.Int64            // arrivals of an earlier step, or unparseable
	connects   atomic.Int64            // connected events, the first ones included
	pushes     pushBook
	subscribed atomic.Int64
	senders    *pool // runs the sends of every step
}

// stepRun is the step receivers book arrivals into.
type stepRun struct {
	step   int
	ledger *Ledger
}

func newPopulation(cfg Config, ac *apiClient, wsURL, run string, tgBase int64, age int) *population {
	p := &population{cfg: cfg, api: ac, wsURL: wsURL, run: run, age: age, pushes: pushBook{byRoom: map[string]push{}},
		senders: newPool(cfg.MaxInFlight)}
	now := time.Now()
	for i := range cfg.Users {
		tg := tgBase + int64(i)
		p.users = append(p.users, &user{idx: i, nick: fmt.Sprintf("lt%s-%d", run, i),
			initData: api.SignInitData(cfg.BotToken, tg, "Load "+strconv.Itoa(i), "en", now)})
	}
	return p
}

// forEach runs fn for 0..n-1 with at most conc at a time and returns the
// first error (the rest still finish).
func forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  atomic.Int64
	)
	for range min(conc, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// onboard creates every profile.
func (p *population) onboard(ctx context.Context) error {
	return forEach(ctx, len(p.users), p.cfg.Concurrency, func(ctx context.Context, i int) error {
		u := p.users[i]
		gender := "male" // the first half wait (see match)
		if i >= len(p.users)/2 {
			gender = "female"
		}
		return p.api.call(ctx, u.initData, http.MethodPut, "/api/me",
			map[string]any{"nickname": u.nick, "gender": gender, "age": p.age}, http.StatusOK, nil)
	})
}

// connect opens every user's WebSocket with a connection token from the
// API; the token subscribes it to its personal channel server-side.
func (p *population) connect(ctx context.Context) error {
	return forEach(ctx, len(p.users), p.cfg.Concurrency, func(ctx context.Context, i int) error {
		u := p.users[i]
		var tok tokenAnswer
		if err := p.api.call(ctx, u.initData, http.MethodPost, "/api/centrifugo/connection-token", nil, http.StatusOK, &tok); err != nil {
			return err
		}
		u.ws = centrifuge.NewJsonClient(p.wsURL, centrifuge.Config{
			Token: tok.Token,
			Name:  "loadtest",
			GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
				var t tokenAnswer
				err := p.api.call(context.Background(), u.initData, http.MethodPost, "/api/centrifugo/connection-token", nil, http.StatusOK, &t)
				return t.Token, err
			},
		})
		connected := make(chan struct{}, 1)
		u.ws.OnConnected(func(centrifuge.ConnectedEvent) {
			p.connects.Add(1)
			select {
			case connected <- struct{}{}:
			default:
			}
		})
		u.ws.OnPublication(func(e centrifuge.ServerPublicationEvent) { p.onPersonal(u, e.Data) })
		if err := u.ws.Connect(); err != nil {
			return fmt.Errorf("user %d: connect: %w", i, err)
		}
		select {
		case <-connected:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(15 * time.Second):
			return fmt.Errorf("user %d: no Centrifugo connection at %s after 15 s", i, p.wsURL)
		}
	})
}

// push is a matched event as a waiting user received it.
type push struct {
	user int
	at   time.Time
	room roomView
}

// pushBook collects matched pushes by room.
type pushBook struct {
	mu     sync.Mutex
	byRoom map[string]push
}

func (b *pushBook) add(p push) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.byRoom[p.room.ID]; !ok {
		b.byRoom[p.room.ID] = p
	}
}

func (b *pushBook) get(roomID string) (push, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.byRoom[roomID]
	return p, ok
}

func (p *population) onPersonal(u *user, data []byte) {
	at := time.Now()
	var ev struct {
		Type string    `json:"type"`
		Room *roomView `json:"room"`
	}
	if json.Unmarshal(data, &ev) != nil || ev.Type != "matched" || ev.Room == nil {
		return
	}
	p.pushes.add(push{user: u.idx, at: at, room: *ev.Room})
}

// MatchResult is the match-push phase: M pairs search at once, and each
// waiting user learns of the match by a push on its personal channel.
type MatchResult struct {
	Pairs    int
	AtOnce   int
	Pushed   int     // waiting users that got the matched push
	Missing  int     // that did not within 10 s (they found the room by GET /api/search)
	Answer   Summary // the second user's POST /api/search answer time
	PushWait Summary // push arrival minus that answer; negative = the push came first
	FromSend Summary // push arrival minus the moment the second user's search left
}

// match pairs the users through POST /api/search: the first half search
// and wait; then the second half search, AtOnce at a time, and each is
// matched with the longest-waiting one. Every user of a pair must be of
// this run: a match with anyone else is an error.
func (p *population) match(ctx context.Context) (MatchResult, error) {
	half := len(p.users) / 2
	// Men who want women wait, women who want men join: no two waiting
	// users fit each other, so every search of the second half is a match.
	waiterFilter := map[string]any{"gender": "female", "age_from": p.age, "age_to": p.age}
	joinerFilter := map[string]any{"gender": "male", "age_from": p.age, "age_to": p.age}
	res := MatchResult{Pairs: half, AtOnce: min(p.cfg.MatchPairs, half)}
	err := forEach(ctx, half, p.cfg.Concurrency, func(ctx context.Context, i int) error {
		var s searchAnswer
		if err := p.api.call(ctx, p.users[i].initData, http.MethodPost, "/api/search", waiterFilter, http.StatusOK, &s); err != nil {
			return err
		}
		if s.State != "waiting" {
			return p.foreign(i, s)
		}
		return nil
	})
	if err != nil {
		return res, err
	}

	type joined struct {
		sent, answered time.Time
		room           roomView
	}
	joiners := make([]joined, half)
	for lo := 0; lo < half; lo += res.AtOnce {
		hi := min(lo+res.AtOnce, half)
		gate := make(chan struct{})
		errs := make(chan error, hi-lo)
		var wg sync.WaitGroup
		for j := lo; j < hi; j++ {
			wg.Go(func() {
				<-gate
				u := p.users[half+j]
				var s searchAnswer
				sent := time.Now()
				err := p.api.call(ctx, u.initData, http.MethodPost, "/api/search", joinerFilter, http.StatusOK, &s)
				answered := time.Now()
				if err == nil && (s.State != "matched" || s.Room == nil) {
					err = fmt.Errorf("user %d searched after %d users were waiting and got %q, not matched", half+j, half, s.State)
				}
				if err != nil {
					errs <- err
					return
				}
				joiners[j] = joined{sent: sent, answered: answered, room: *s.Room}
				u.room = *s.Room
			})
		}
		close(gate)
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return res, err
		}
	}

	// Wait for the pushes, then pair everyone up by room.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for j := range joiners {
			if _, ok := p.pushes.get(joiners[j].room.ID); ok {
				n++
			}
		}
		if n == half {
			break
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return res, err
		}
	}
	waiterOf := map[string]int{}
	var answers, waits, fromSend []time.Duration
	for j := range joiners {
		jn := &joiners[j]
		answers = append(answers, jn.answered.Sub(jn.sent))
		if pu, ok := p.pushes.get(jn.room.ID); ok {
			res.Pushed++
			waiterOf[jn.room.ID] = pu.user
			waits = append(waits, pu.at.Sub(jn.answered))
			fromSend = append(fromSend, pu.at.Sub(jn.sent))
			p.users[pu.user].room = pu.room
		}
	}
	for i := range half {
		if p.users[i].room.ID != "" {
			continue
		}
		res.Missing++
		var s searchAnswer
		if err := p.api.call(ctx, p.users[i].initData, http.MethodGet, "/api/search", nil, http.StatusOK, &s); err != nil {
			return res, err
		}
		if s.State != "matched" || s.Room == nil {
			return res, fmt.Errorf("user %d waited, and after everyone searched its search is %q", i, s.State)
		}
		p.users[i].room = *s.Room
		waiterOf[s.Room.ID] = i
	}
	for j := range joiners {
		jn := &joiners[j]
		w, ok := waiterOf[jn.room.ID]
		if !ok {
			return res, fmt.Errorf("user %d was matched into room %s, and none of this run's waiting users is in it: %w", half+j, jn.room.ID, errForeign)
		}
		a, b := p.users[w], p.users[half+j]
		if !p.ours(a.room.Partner.Nickname) || !p.ours(b.room.Partner.Nickname) {
			return res, fmt.Errorf("room %s: %w", jn.room.ID, errForeign)
		}
		a.partner, b.partner = b.idx, a.idx
		seq := new(atomic.Int64)
		a.roomSeq, b.roomSeq = seq, seq
		p.order = append(p.order, a)
	}
	for _, a := range p.order[:half] {
		p.order = append(p.order, p.users[a.partner])
	}
	for i, u := range p.order {
		u.order = i
	}
	res.Answer, res.PushWait, res.FromSend = Summarize(answers), Summarize(waits), Summarize(fromSend)
	return res, nil
}

var errForeign = errors.New("matched with a user outside this run: another search is waiting on this stack (an interrupted load test?); let it expire (SEARCH_TTL) or restart make run")

func (p *population) ours(nick string) bool { return strings.HasPrefix(nick, "lt"+p.run+"-") }

func (p *population) foreign(i int, s searchAnswer) error {
	if s.Room != nil && !p.ours(s.Room.Partner.Nickname) {
		return fmt.Errorf("user %d: %w", i, errForeign)
	}
	return fmt.Errorf("user %d searched first and got %q, not waiting", i, s.State)
}

// subscribe joins every user to its room channel with a subscription
// token from the API.
func (p *population) subscribe(ctx context.Context) error {
	return forEach(ctx, len(p.users), p.cfg.Concurrency, func(ctx context.Context, i int) error {
		u := p.users[i]
		var tok tokenAnswer
		body := map[string]string{"channel": u.room.Channel}
		if err := p.api.call(ctx, u.initData, http.MethodPost, "/api/centrifugo/subscription-token", body, http.StatusOK, &tok); err != nil {
			return err
		}
		sub, err := u.ws.NewSubscription(u.room.Channel, centrifuge.SubscriptionConfig{
			Token: tok.Token,
			GetToken: func(centrifuge.SubscriptionTokenEvent) (string, error) {
				var t tokenAnswer
				err := p.api.call(context.Background(), u.initData, http.MethodPost, "/api/centrifugo/subscription-token", body, http.StatusOK, &t)
				return t.Token, err
			},
		})
		if err != nil {
			return fmt.Errorf("user %d: %w", i, err)
		}
		done := make(chan struct{}, 1)
		sub.OnSubscribed(func(centrifuge.SubscribedEvent) {
			p.subscribed.Add(1)
			select {
			case done <- struct{}{}:
			default:
			}
		})
		sub.OnPublication(func(e centrifuge.PublicationEvent) { p.onRoom(u, e.Data) })
		if err := sub.Subscribe(); err != nil {
			return fmt.Errorf("user %d: subscribe: %w", i, err)
		}
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(15 * time.Second):
			return fmt.Errorf("user %d: not subscribed to its room after 15 s", i)
		}
	})
}

// onRoom books a message publication arriving on u's room subscription.
func (p *population) onRoom(u *user, data []byte) {
	at := time.Now()
	var m struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	if json.Unmarshal(data, &m) != nil || m.Type != "message" {
		return
	}
	run, step, i, ok := parseText(m.Text)
	if !ok || run != p.run {
		return
	}
	cur := p.current.Load()
	if cur == nil || cur.step != step {
		p.strays.Add(1)
		return
	}
	cur.ledger.Delivered(i, u.idx, m.ID, at)
}

// cleanup ends what the run started on the stack: every room is left (the
// partner is told, as in the app) and the WebSockets are closed.
func (p *population) cleanup(ctx context.Context) {
	seen := map[string]bool{}
	var leavers []*user
	for _, u := range p.users {
		if u.room.ID != "" && !seen[u.room.ID] {
			seen[u.room.ID] = true
			leavers = append(leavers, u)
		}
	}
	_ = forEach(ctx, len(leavers), p.cfg.Concurrency, func(ctx context.Context, i int) error {
		u := leavers[i]
		_ = p.api.call(ctx, u.initData, http.MethodPost, "/api/rooms/"+u.room.ID+"/leave", nil, http.StatusNoContent, nil)
		return nil
	})
	// Whoever is still waiting stops.
	_ = forEach(ctx, len(p.users), p.cfg.Concurrency, func(ctx context.Context, i int) error {
		if u := p.users[i]; u.room.ID == "" && u.ws != nil {
			_, _ = p.api.do(ctx, u.initData, http.MethodDelete, "/api/search", nil)
		}
		return nil
	})
	for _, u := range p.users {
		if u.ws != nil {
			u.ws.Close()
		}
	}
}

// messageText is the text of message i of a step: the receiver finds the
// message's books from it alone, whichever path carried it.
func messageText(run string, step, i int) string {
	return "lt " + run + " " + strconv.Itoa(step) + " " + strconv.Itoa(i)
}

// parseText reads what messageText wrote.
func parseText(text string) (run string, step, i int, ok bool) {
	f := strings.Fields(text)
	if len(f) != 4 || f[0] != "lt" {
		return "", 0, 0, false
	}
	step, err1 := strconv.Atoi(f[2])
	i, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil {
		return "", 0, 0, false
	}
	return f[1], step, i, true
}
