package centrifugotest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// RawClient speaks Centrifugo's JSON protocol over a plain WebSocket and
// records every frame it receives, byte for byte. Tests use it where the SDK
// has no knob (subscribing from a given stream position) and to assert on
// exactly what reaches a user.
type RawClient struct {
	t      testing.TB
	conn   *websocket.Conn
	mu     sync.Mutex
	nextID int
	frames []string
	push   chan map[string]json.RawMessage
	reply  map[int]chan map[string]json.RawMessage
	closed chan struct{}
	err    error // why the connection ended, once closed is closed
}

// DialRaw connects with a connection token.
func DialRaw(t testing.TB, wsURL, token string) *RawClient {
	t.Helper()
	c, err := TryDialRaw(t, wsURL, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TryDialRaw is DialRaw that returns a failed dial or connect as an error,
// for tests that wait for a server to come back.
func TryDialRaw(t testing.TB, wsURL, token string) (*RawClient, error) {
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	c := &RawClient{t: t, conn: conn, push: make(chan map[string]json.RawMessage, 1000),
		reply: map[int]chan map[string]json.RawMessage{}, closed: make(chan struct{})}
	go c.read()
	if _, err := c.Call("connect", map[string]any{"token": token, "name": "rawtest"}); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	t.Cleanup(c.Close)
	return c, nil
}

func (c *RawClient) read() {
	defer close(c.closed)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			c.mu.Lock()
			c.frames = append(c.frames, string(line))
			c.mu.Unlock()
			var f map[string]json.RawMessage
			if json.Unmarshal(line, &f) != nil {
				continue
			}
			if len(f) == 0 { // server ping: answer with a pong
				c.write([]byte("{}"))
				continue
			}
			if raw, ok := f["id"]; ok {
				var id int
				_ = json.Unmarshal(raw, &id)
				c.mu.Lock()
				ch := c.reply[id]
				delete(c.reply, id)
				c.mu.Unlock()
				if ch != nil {
					ch <- f
				}
				continue
			}
			if p, ok := f["push"]; ok {
				var push map[string]json.RawMessage
				_ = json.Unmarshal(p, &push)
				c.push <- push
			}
		}
	}
}

func (c *RawClient) write(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.WriteMessage(websocket.TextMessage, b)
}

// Call sends a command and waits for its reply; a protocol error is returned
// as an error ("code: message").
func (c *RawClient) Call(method string, params any) (json.RawMessage, error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan map[string]json.RawMessage, 1)
	c.reply[id] = ch
	c.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"id": id, method: params})
	c.write(b)
	select {
	case f := <-ch:
		if e, ok := f["error"]; ok {
			var pe struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(e, &pe)
			return nil, fmt.Errorf("%d: %s", pe.Code, pe.Message)
		}
		return f[method], nil
	case <-c.closed:
		c.mu.Lock()
		defer c.mu.Unlock()
		return nil, fmt.Errorf("connection closed: %v", c.err)
	case <-time.After(5 * time.Second):
		return nil, fmt.Errorf("%s: no reply", method)
	}
}

// Publication is one publication a client received.
type Publication struct {
	Offset uint64          `json:"offset"`
	Epoch  string          `json:"epoch"` // v6 sends it on pushes; "" in recovered publications
	Data   json.RawMessage `json:"data"`
}

// SubscribeResult is the part of a subscribe reply tests look at.
type SubscribeResult struct {
	Recoverable   bool          `json:"recoverable"`
	Epoch         string        `json:"epoch"`
	Offset        uint64        `json:"offset"`
	WasRecovering bool          `json:"was_recovering"`
	Recovered     bool          `json:"recovered"`
	Publications  []Publication `json:"publications"`
}

// Subscribe subscribes to a channel; with since set, it recovers everything
// after that position.
func (c *RawClient) Subscribe(channel, token string, sinceOffset uint64, sinceEpoch string) (SubscribeResult, error) {
	params := map[string]any{"channel": channel, "token": token}
	if sinceEpoch != "" {
		params["recover"] = true
		params["offset"] = sinceOffset
		params["epoch"] = sinceEpoch
	}
	raw, err := c.Call("subscribe", params)
	if err != nil {
		return SubscribeResult{}, err
	}
	var res SubscribeResult
	err = json.Unmarshal(raw, &res)
	return res, err
}

// NextPublication waits up to d for the next publication pushed on channel;
// ok is false when none came.
func (c *RawClient) NextPublication(channel string, d time.Duration) (Publication, bool) {
	deadline := time.After(d)
	for {
		select {
		case p := <-c.push:
			var ch string
			_ = json.Unmarshal(p["channel"], &ch)
			if pub, ok := p["pub"]; ok && ch == channel {
				var out Publication
				_ = json.Unmarshal(pub, &out)
				return out, true
			}
		case <-deadline:
			return Publication{}, false
		}
	}
}

// Frames returns every frame received so far, as sent by the server.
func (c *RawClient) Frames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.frames...)
}

// Close disconnects.
func (c *RawClient) Close() { _ = c.conn.Close() }
