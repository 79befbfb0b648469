package centrifugo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// apiServer is an HTTP server standing in for Centrifugo's server API in
// the pool's own tests (the real one answers the API tests' publishes). It
// counts the connections it accepted and the ones open at once.
type apiServer struct {
	*httptest.Server
	accepted, open, maxOpen atomic.Int64
}

func newAPIServer(t *testing.T, h http.HandlerFunc) *apiServer {
	s := &apiServer{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.accepted.Add(1)
			n := s.open.Add(1)
			for {
				m := s.maxOpen.Load()
				if n <= m || s.maxOpen.CompareAndSwap(m, n) {
					break
				}
			}
		case http.StateClosed, http.StateHijacked:
			s.open.Add(-1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) client(t *testing.T, timeout time.Duration, maxConns int) *apiClient {
	c, err := newAPIClient(s.URL+"/api", "k3y", timeout, maxConns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c
}

func echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, `{"method":%q,"key":%q,"type":%q,"body":%q}`, r.URL.Path, r.Header.Get("X-API-Key"), r.Header.Get("Content-Type"), b)
}

func TestAPIClientSendsTheCallAndReusesItsConnection(t *testing.T) {
	s := newAPIServer(t, echo)
	c := s.client(t, time.Second, 4)
	for i := range 50 {
		out, err := c.post(t.Context(), "publish", []byte(fmt.Sprintf(`{"n":%d}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"method":"/api/publish","key":"k3y","type":"application/json","body":"{\"n\":%d}"}`, i)
		if string(out) != want {
			t.Fatalf("call %d: got %s, want %s", i, out, want)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Fatalf("50 calls one after another opened %d connections, want 1", n)
	}
}

func TestAPIClientResendsWhenTheServerClosedAnIdleConnection(t *testing.T) {
	var calls atomic.Int64
	s := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); echo(w, r) })
	c := s.client(t, time.Second, 4)
	for i := range 3 {
		if _, err := c.post(t.Context(), "publish", []byte(`{}`)); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		// What an idle timeout or a restart of Centrifugo does to the pool.
		s.CloseClientConnections()
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("the server saw %d calls, want 3 (each once)", n)
	}
	if n := s.accepted.Load(); n != 3 {
		t.Fatalf("%d connections, want 3 (a new one after each close)", n)
	}
}

func TestAPIClientPoolIsBounded(t *testing.T) {
	release := make(chan struct{})
	var inHandler atomic.Int64
	s := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		inHandler.Add(1)
		<-release
		echo(w, r)
	})
	c := s.client(t, 5*time.Second, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.post(t.Context(), "publish", []byte(`{}`))
			errs <- err
		})
	}
	for inHandler.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for a third connection, if the pool allowed one
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.maxOpen.Load(); n != 2 {
		t.Fatalf("%d connections open at once, want the pool's 2", n)
	}
}

func TestAPIClientGivesUpAtItsTimeoutAndDropsTheConnection(t *testing.T) {
	var slow atomic.Bool
	slow.Store(true)
	s := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			time.Sleep(time.Second)
		}
		echo(w, r)
	})
	c := s.client(t, 100*time.Millisecond, 4)
	_, err := c.post(t.Context(), "publish", []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Fatalf("got %v, want a timeout", err)
	}
	slow.Store(false)
	// The late answer to the first call must not be read as this one's.
	out, err := c.post(t.Context(), "publish", []byte(`{"second":1}`))
	if err != nil || !strings.Contains(string(out), `second`) {
		t.Fatalf("after a timeout: %s, %v", out, err)
	}
	if n := s.accepted.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the timed-out one is not reused)", n)
	}
}

func TestAPIClientEndsWithItsContext(t *testing.T) {
	s := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second)
		echo(w, r)
	})
	c := s.client(t, 10*time.Second, 4)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.post(ctx, "publish", []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := c.post(ctx, "publish", []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("a call on a cancelled context: got %v", err)
	}
}

func TestAPIClientStatusAndClose(t *testing.T) {
	s := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/fail":
			http.Error(w, "no", http.StatusInternalServerError)
		case "/api/close":
			w.Header().Set("Connection", "close")
			echo(w, r)
		case "/api/chunked":
			w.Write([]byte(`{"a":`))
			w.(http.Flusher).Flush() // a chunked reply
			w.Write([]byte(`1}`))
		default:
			echo(w, r)
		}
	})
	c := s.client(t, time.Second, 4)
	if _, err := c.post(t.Context(), "fail", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("got %v, want HTTP 500", err)
	}
	if out, err := c.post(t.Context(), "chunked", []byte(`{}`)); err != nil || string(out) != `{"a":1}` {
		t.Fatalf("chunked: %s, %v", out, err)
	}
	if n := s.accepted.Load(); n != 1 {
		t.Fatalf("%d connections after an error reply and a chunked one, want 1", n)
	}
	if _, err := c.post(t.Context(), "close", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.post(t.Context(), "publish", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if n := s.accepted.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (Connection: close is honoured)", n)
	}
}

func TestAPIClientRefusesAMalformedURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:9000/api", "ftp://h/api", "http:///api", "http://h/api?x=1"} {
		if _, err := newAPIClient(u, "k", time.Second, 1); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}
