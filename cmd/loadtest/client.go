package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// newTransport is a keep-alive pool that holds up to conns connections per
// host, so an open-loop step reuses connections instead of opening (and
// leaving in TIME_WAIT) one per request.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// apiClient calls the Tet-a-Tet HTTP API for many users over one transport.
type apiClient struct {
	base    string
	hc      *http.Client
	timeout time.Duration
}

// answer is an HTTP answer, read whole.
type answer struct {
	Status     int
	Body       []byte
	RetryAfter time.Duration
}

// do sends one request with the user's init data. body nil sends none,
// anything else is sent as JSON.
func (c *apiClient) do(ctx context.Context, initData, method, path string, body any) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "tma "+initData)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{Status: resp.StatusCode, Body: b, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}, nil
}

// call is do for the setup phase: it waits out 429 and 503 (Retry-After)
// a few times, wants status want, and decodes the answer into out.
func (c *apiClient) call(ctx context.Context, initData, method, path string, body any, want int, out any) error {
	for attempt := 0; ; attempt++ {
		a, err := c.do(ctx, initData, method, path, body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		if (a.Status == http.StatusTooManyRequests || a.Status == http.StatusServiceUnavailable) && attempt < 8 {
			if err := sleepCtx(ctx, max(a.RetryAfter, 200*time.Millisecond)); err != nil {
				return err
			}
			continue
		}
		if a.Status != want {
			return fmt.Errorf("%s %s: %d %s", method, path, a.Status, strings.TrimSpace(string(a.Body)))
		}
		if out != nil {
			if err := json.Unmarshal(a.Body, out); err != nil {
				return fmt.Errorf("%s %s: decode %q: %w", method, path, a.Body, err)
			}
		}
		return nil
	}
}

// parseRetryAfter reads the seconds form of Retry-After (the API's); 0 when
// absent or another form.
func parseRetryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// centrifugoAPI publishes straight to Centrifugo's server API, the ceiling
// the API path is measured against: the same channels, the same payload
// shape, no API in between.
type centrifugoAPI struct {
	url     string // .../api
	key     string
	hc      *http.Client
	timeout time.Duration
}

// Publish posts to <api>/publish. ok is false for an error reply
// (Centrifugo answers those with 200 and an "error" object).
func (c *centrifugoAPI) Publish(ctx context.Context, channel string, data []byte, key string) (status int, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	body, _ := json.Marshal(struct {
		Channel        string          `json:"channel"`
		Data           json.RawMessage `json:"data"`
		IdempotencyKey string          `json:"idempotency_key,omitempty"`
	}{channel, data, key})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.url, "/")+"/publish", bytes.NewReader(body))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("X-API-Key", c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	var reply struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, false, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, false, nil
	}
	if json.Unmarshal(b, &reply) != nil || reply.Error != nil {
		return resp.StatusCode, false, nil
	}
	return resp.StatusCode, true, nil
}
