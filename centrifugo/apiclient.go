package centrifugo

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// apiClient sends the message path's calls (publications) to Centrifugo's
// server API over a pool of kept-alive HTTP/1.1 connections, each call
// written and read by the calling goroutine itself.
//
// net/http's Transport hands every request to a writer goroutine and every
// response back from a reader goroutine; at a thousand messages a second
// those handoffs (each one waking a thread) cost the API process more CPU
// than the publish itself. Here a call costs one write and one read.
//
// The pool holds at most maxConns connections; a call that finds all of
// them busy waits for one. A connection that failed, timed out or was
// answered with "Connection: close" is closed, never reused. A call on a
// reused connection that the server had closed meanwhile (nothing came
// back) is sent again once on a new connection: a message's publication
// carries an idempotency key, so a repeat adds nothing, and an ephemeral
// one (typing, read) sent twice is harmless.
type apiClient struct {
	addr    string // host:port to dial
	host    string // the Host header
	prefix  string // the path of the API, ending in "/" (".../api/")
	apiKey  string
	timeout time.Duration
	dial    func(ctx context.Context) (net.Conn, error)

	slots chan struct{} // a token per open connection
	idle  chan *apiConn // connections waiting for a call
}

type apiConn struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// maxReply bounds what a reply may hold.
const maxReply = 1 << 20

func newAPIClient(apiURL, apiKey string, timeout time.Duration, maxConns int) (*apiClient, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, fmt.Errorf("centrifugo: API URL: %w", err)
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" {
		return nil, fmt.Errorf("centrifugo: API URL %q: want http(s)://host[:port]/path", apiURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	c := &apiClient{
		addr: addr, host: u.Host, prefix: u.EscapedPath(), apiKey: apiKey, timeout: timeout,
		slots: make(chan struct{}, maxConns), idle: make(chan *apiConn, maxConns),
	}
	if len(c.prefix) == 0 || c.prefix[len(c.prefix)-1] != '/' {
		c.prefix += "/"
	}
	c.dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	if u.Scheme == "https" {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}}
		c.dial = func(ctx context.Context) (net.Conn, error) { return td.DialContext(ctx, "tcp", addr) }
	}
	return c, nil
}

// errStale: a reused connection gave nothing back (the server closed it
// while it was idle); the call is sent again on a new one.
var errStale = errors.New("connection closed by the server")

// post sends body to the API method ("publish") and returns the reply's
// body when the status is 200.
func (c *apiClient) post(ctx context.Context, method string, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		pc, reused, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		out, keep, err := c.roundTrip(ctx, pc, method, body, reused)
		if keep {
			c.idle <- pc // never blocks: idle holds as many as there are slots
		} else {
			pc.nc.Close()
			<-c.slots
		}
		if errors.Is(err, errStale) && attempt == 0 {
			continue
		}
		return out, err
	}
}

// get takes an idle connection, or dials one while the pool has room, or
// waits for one to come back.
func (c *apiClient) get(ctx context.Context) (*apiConn, bool, error) {
	select {
	case pc := <-c.idle:
		return pc, true, nil
	default:
	}
	select {
	case pc := <-c.idle:
		return pc, true, nil
	case c.slots <- struct{}{}:
		dctx, cancel := context.WithTimeout(ctx, c.timeout)
		nc, err := c.dial(dctx)
		cancel()
		if err != nil {
			<-c.slots
			return nil, false, err
		}
		return &apiConn{nc: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096)}, false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// roundTrip writes one request and reads its reply. keep says whether the
// connection can serve another call.
func (c *apiClient) roundTrip(ctx context.Context, pc *apiConn, method string, body []byte, reused bool) (out []byte, keep bool, err error) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := pc.nc.SetDeadline(deadline); err != nil {
		return nil, false, err
	}
	// A context cancelled without a deadline ends the call too.
	stop := context.AfterFunc(ctx, func() { pc.nc.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() {
			keep = false // the deadline may have been moved under us
			if err == nil {
				err = ctx.Err()
			}
		}
	}()

	w := pc.bw
	w.WriteString("POST ")
	w.WriteString(c.prefix)
	w.WriteString(method)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(c.host)
	w.WriteString("\r\nContent-Type: application/json\r\nX-API-Key: ")
	w.WriteString(c.apiKey)
	w.WriteString("\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	w.WriteString("\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		if reused && !isTimeout(err) {
			return nil, false, errStale
		}
		return nil, false, c.wrap(ctx, err)
	}
	if _, err := pc.br.Peek(1); err != nil {
		if reused && !isTimeout(err) {
			return nil, false, errStale
		}
		return nil, false, c.wrap(ctx, err)
	}
	resp, err := http.ReadResponse(pc.br, nil)
	if err != nil {
		return nil, false, c.wrap(ctx, err)
	}
	out, err = io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	resp.Body.Close()
	if err != nil {
		return nil, false, c.wrap(ctx, err)
	}
	if len(out) > maxReply {
		return nil, false, errors.New("reply too large")
	}
	keep = !resp.Close
	if resp.StatusCode != http.StatusOK {
		return nil, keep, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return out, keep, nil
}

// wrap says which deadline ended a call.
func (c *apiClient) wrap(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if isTimeout(err) {
		// Not wrapped: the net error is os.ErrDeadlineExceeded, which the
		// API reads as its own client's slow body.
		return fmt.Errorf("no answer within %v", c.timeout)
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// close drops the idle connections (busy ones close when their call ends).
func (c *apiClient) close() {
	for {
		select {
		case pc := <-c.idle:
			pc.nc.Close()
			<-c.slots
		default:
			return
		}
	}
}
