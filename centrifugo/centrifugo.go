// Package centrifugo is Tet-a-Tet's side of the Centrifugo server: it mints
// the connection and subscription JWTs and publishes through the server API.
// config.json beside this file is the server's configuration; secrets and
// ports come from CENTRIFUGO_* environment variables.
//
// It never puts a Telegram id, or anything else that identifies a user, into
// a channel name, a token claim a partner can see, or a publication: the
// token subject is an HMAC of the internal user id, and rooms speak of
// per-room member ids only.
package centrifugo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/centrifugal/gocent/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Channel namespaces, as configured in config.json.
const (
	PersonalNamespace = "personal"
	RoomNamespace     = "room"
)

// RoomHistoryTTL is how long Centrifugo keeps a room channel's
// publications (config.json: the room namespace's history_ttl; a test
// checks the two agree). The privacy policy quotes it.
const RoomHistoryTTL = 24 * time.Hour

// RoomChannel is the channel of a room.
func RoomChannel(roomID string) string { return RoomNamespace + ":" + roomID }

// RoomID returns the room of a room channel, or "" for any other channel.
func RoomID(channel string) string {
	id, ok := strings.CutPrefix(channel, RoomNamespace+":")
	if !ok || id == "" || strings.ContainsAny(id, ":#$") {
		return ""
	}
	return id
}

// Tokens mints the JWTs Centrifugo checks with client.token.hmac_secret_key.
type Tokens struct {
	secret []byte
	ttl    time.Duration
}

// NewTokens returns a minter; ttl is the life of every token.
func NewTokens(secret string, ttl time.Duration) *Tokens {
	return &Tokens{secret: []byte(secret), ttl: ttl}
}

var subjectEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Subject is the user's Centrifugo identity for one app session: an HMAC
// of the internal id and the session id the app chose at launch. A partner
// sees it in join/leave frames, so it reveals nothing about the user, and
// with a new session per launch it does not let a partner recognise the
// same person in a later room either. The same session keeps the same
// subject, as token refreshes require.
func (t *Tokens) Subject(userID, session string) string {
	return t.hmac("centrifugo-subject\x00" + userID + "\x00" + session)
}

// PersonalChannel is where the API pushes a user's own events. It is the
// same for every session of the user, and only that user's tokens list it.
func (t *Tokens) PersonalChannel(userID string) string {
	return PersonalNamespace + ":" + t.hmac("personal-channel\x00"+userID)
}

func (t *Tokens) hmac(s string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(s))
	return subjectEncoding.EncodeToString(m.Sum(nil)[:15])
}

type connectionClaims struct {
	Channels []string `json:"channels"`
	jwt.RegisteredClaims
}

// Connection mints a connection token for one session of the user that
// also subscribes them, server-side, to their personal channel.
func (t *Tokens) Connection(userID, session string, now time.Time) (string, time.Time, error) {
	exp := now.Add(t.ttl)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, connectionClaims{
		Channels: []string{t.PersonalChannel(userID)},
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   t.Subject(userID, session),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("centrifugo: connection token: %w", err)
	}
	return tok, exp, nil
}

// SubscriptionInfo becomes chan_info in join/leave and presence: the only
// thing a partner learns about a subscriber is the per-room member id.
type SubscriptionInfo struct {
	Member string `json:"member"`
}

type subscriptionClaims struct {
	Channel string           `json:"channel"`
	Info    SubscriptionInfo `json:"info"`
	jwt.RegisteredClaims
}

// Subscription mints a token for one room channel, for the connection of
// the same session.
func (t *Tokens) Subscription(userID, session, channel, memberID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(t.ttl)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, subscriptionClaims{
		Channel: channel,
		Info:    SubscriptionInfo{Member: memberID},
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   t.Subject(userID, session),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("centrifugo: subscription token: %w", err)
	}
	return tok, exp, nil
}

// Position is a place in a channel's history stream.
type Position struct {
	Offset uint64 `json:"offset"`
	Epoch  string `json:"epoch"`
}

// Publisher talks to Centrifugo's server API. Publications, the message
// path, go through apiClient: kept-alive connections that the calling
// goroutine writes and reads itself, with publications made at the same
// moment sent together in batch calls (batch.go). The rest (presence,
// history, info) goes through gocent on a pooled net/http transport.
// Either way a process opens a handful of connections, not one per
// message.
type Publisher struct {
	c     *gocent.Client
	hc    *http.Client
	api   *apiClient
	batch *batcher
}

// DefaultMaxConns is the default size of a publisher's connection pool.
const DefaultMaxConns = 64

// NewPublisher returns a publisher for apiURL (http(s)://host[:port]/path,
// the path ending in /api) with at most maxConns connections to it for
// the other calls (0 = DefaultMaxConns); a call that finds every connection
// busy waits for one. Publications travel on at most DefaultLanes of their
// own (fewer if maxConns is smaller), in batches when they come faster than
// one call's round trip. Every call has timeout as
// its deadline and also honours its context's. A malformed URL is an error.
func NewPublisher(apiURL, apiKey string, timeout time.Duration, maxConns int) (*Publisher, error) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	lanes := min(DefaultLanes, maxConns)
	api, err := newAPIClient(apiURL, apiKey, timeout, lanes)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: timeout, Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
	return &Publisher{
		c:     gocent.New(gocent.Config{Addr: apiURL, Key: apiKey, HTTPClient: hc}),
		hc:    hc,
		api:   api,
		batch: newBatcher(api, lanes),
	}, nil
}

// SetBatchWait sets how long, while publications come faster than one per
// d, a publication that finds a lane free waits for others to go in its
// batch call (matchmaker/coalesce: Linger); 0, the default, never waits.
// Call it before the first publication.
func (p *Publisher) SetBatchWait(d time.Duration) { p.batch.group.Linger = d }

// Close drops the idle connections (at shutdown, so Centrifugo's graceful
// stop is not held up by them).
func (p *Publisher) Close() {
	p.api.close()
	p.hc.CloseIdleConnections()
}

// Publish sends data as JSON to a channel and keeps it in history. A
// non-empty key is Centrifugo's idempotency key: a second publish with the
// same key (a retry after a timeout, a repeated outbox step) returns the
// first one's position and adds nothing, so a publication reaches the
// channel once.
func (p *Publisher) Publish(ctx context.Context, channel string, data any, key string) (Position, error) {
	return p.publish(ctx, channel, data, key, false)
}

// PublishEphemeral sends data without keeping it in history (typing).
func (p *Publisher) PublishEphemeral(ctx context.Context, channel string, data any) error {
	_, err := p.publish(ctx, channel, data, "", true)
	return err
}

type publishRequest struct {
	Channel        string          `json:"channel"`
	Data           json.RawMessage `json:"data"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
	SkipHistory    bool            `json:"skip_history,omitempty"`
}

type publishReply struct {
	Error  *apiError `json:"error"`
	Result Position  `json:"result"`
}

// publish is sent by hand rather than through gocent, which has no
// idempotency key.
func (p *Publisher) publish(ctx context.Context, channel string, data any, key string, skipHistory bool) (Position, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Position{}, fmt.Errorf("centrifugo: publish to %s: %w", channel, err)
	}
	body, err := json.Marshal(publishRequest{Channel: channel, Data: b, IdempotencyKey: key, SkipHistory: skipHistory})
	if err != nil {
		return Position{}, fmt.Errorf("centrifugo: publish to %s: %w", channel, err)
	}
	pos, err := p.batch.publish(ctx, channel, body)
	if err != nil {
		return Position{}, fmt.Errorf("centrifugo: publish to %s: %w", channel, err)
	}
	return pos, nil
}

// Members returns the member ids (from chan_info) subscribed to a channel now.
func (p *Publisher) Members(ctx context.Context, channel string) (map[string]bool, error) {
	res, err := p.c.Presence(ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("centrifugo: presence of %s: %w", channel, err)
	}
	out := map[string]bool{}
	for _, ci := range res.Presence {
		var info SubscriptionInfo
		if json.Unmarshal(ci.ChanInfo, &info) == nil && info.Member != "" {
			out[info.Member] = true
		}
	}
	return out, nil
}

// Online reports whether anyone is subscribed to a channel now (a user's
// personal channel: is their Mini App open?).
func (p *Publisher) Online(ctx context.Context, channel string) (bool, error) {
	res, err := p.c.PresenceStats(ctx, channel)
	if err != nil {
		return false, fmt.Errorf("centrifugo: presence stats of %s: %w", channel, err)
	}
	return res.NumClients > 0, nil
}

// Top returns the channel's current stream position: a client that
// subscribes from it receives exactly what is published afterwards.
func (p *Publisher) Top(ctx context.Context, channel string) (Position, error) {
	res, err := p.c.History(ctx, channel, gocent.WithLimit(0))
	if err != nil {
		return Position{}, fmt.Errorf("centrifugo: history of %s: %w", channel, err)
	}
	return Position{Offset: res.Offset, Epoch: res.Epoch}, nil
}

// RemoveHistory deletes the channel's history stream.
func (p *Publisher) RemoveHistory(ctx context.Context, channel string) error {
	if err := p.c.HistoryRemove(ctx, channel); err != nil {
		return fmt.Errorf("centrifugo: remove history of %s: %w", channel, err)
	}
	return nil
}

// History returns the channel's kept publications (tests and operators).
func (p *Publisher) History(ctx context.Context, channel string) ([]json.RawMessage, error) {
	res, err := p.c.History(ctx, channel, gocent.WithLimit(-1))
	if err != nil {
		return nil, fmt.Errorf("centrifugo: history of %s: %w", channel, err)
	}
	out := make([]json.RawMessage, len(res.Publications))
	for i, pub := range res.Publications {
		out[i] = json.RawMessage(pub.Data)
	}
	return out, nil
}

// Users is how many distinct users are connected to Centrifugo now, over
// every node (each app launch is one user: subjects are per session).
func (p *Publisher) Users(ctx context.Context) (int, error) {
	res, err := p.c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("centrifugo: info: %w", err)
	}
	n := 0
	for _, node := range res.Nodes {
		n += int(node.NumUsers)
	}
	return n, nil
}

// Ping checks that the server API answers.
func (p *Publisher) Ping(ctx context.Context) error {
	res, err := p.c.Info(ctx)
	if err != nil {
		return fmt.Errorf("centrifugo: info: %w", err)
	}
	if len(res.Nodes) == 0 {
		return errors.New("centrifugo: info: no nodes")
	}
	return nil
}
