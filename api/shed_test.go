package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

// TestShedding (issue 12, goal 3): past MAX_IN_FLIGHT the API refuses at
// once with 503 unavailable and Retry-After instead of queueing, counts it
// in tetatet_shed_total, and does not write a log line per refusal (under
// overload a log line per request is CPU the process does not have: a run
// of `make load` at 4,000 msg/s wrote 24,300 of them). A refused message
// did nothing: resent with its client_msg_id it is stored once.
func TestShedding(t *testing.T) {
	logs := &apitest.LogBuffer{}
	st := apitest.Start(t, apitest.Options{
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Config: func(c *api.Config) { c.MaxInFlight = 2 },
	})
	a, _, ra, _ := pairUp(t, st, 340_001, 340_002)
	// Two requests whose bodies never finish hold the two slots (a slow
	// client: the handler waits for the body); every other request
	// meanwhile is shed.
	var hold sync.WaitGroup
	var pipes []*io.PipeWriter
	for i := 0; i < 2; i++ {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		req, _ := http.NewRequest("POST", st.URL+"/api/rooms/"+ra.ID+"/messages", pr)
		req.Header.Set("Authorization", "tma "+a.InitData)
		req.ContentLength = 100
		hold.Add(1)
		go func() {
			defer hold.Done()
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		_, _ = pw.Write([]byte(`{"text":`))
	}
	t.Cleanup(func() {
		for _, pw := range pipes {
			pw.Close()
		}
	})
	// Wait until both hold their slot: the first refusal says so.
	for {
		if status, _ := a.Do("GET", "/api/me", nil, nil); status == 503 {
			break
		}
	}
	shed := 1
	for i := 0; i < 50 && shed < 20; i++ {
		status, raw := a.Do("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "later", "client_msg_id": "later"}, nil)
		switch status {
		case 503:
			if !strings.Contains(string(raw), `"code":"unavailable"`) {
				t.Fatalf("503 body %s", raw)
			}
			shed++
		case 201:
			t.Fatal("a message was accepted while every slot was held")
		}
	}
	if shed < 20 {
		t.Fatalf("only %d of the requests were shed", shed)
	}
	req, _ := http.NewRequest("GET", st.URL+"/api/me", nil)
	req.Header.Set("Authorization", "tma "+a.InitData)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("GET /api/me while full = %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	shed++
	for _, pw := range pipes {
		pw.Close()
	}
	hold.Wait()
	a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "later", "client_msg_id": "later"}, 201, nil)
	var page historyPage
	a.MustDo("GET", "/api/rooms/"+ra.ID+"/messages", nil, 200, &page)
	n := 0
	for _, m := range page.Messages {
		if m.Text == "later" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the resent message is stored %d times", n)
	}
	if c := strings.Count(logs.String(), "busy") + strings.Count(logs.String(), "shedding load"); c > 1 {
		t.Fatalf("%d log lines for %d refusals; want at most one:\n%s", c, shed, logs)
	}
	_, metrics := a.Do("GET", "/metrics", nil, nil)
	var counted int
	for _, line := range strings.Split(string(metrics), "\n") {
		if v, ok := strings.CutPrefix(line, "tetatet_shed_total "); ok {
			counted, _ = strconv.Atoi(v)
		}
	}
	if counted != shed {
		t.Fatalf("tetatet_shed_total = %d; want the %d refusals", counted, shed)
	}
}

// TestSlowBodyLetsGoOfItsSlot: a client that starts a request and never
// finishes its body (a slow or hostile client) is answered 408
// body_timeout once BODY_READ_TIMEOUT passes, and its slot is free again;
// before, it held one of the MAX_IN_FLIGHT slots for as long as it kept
// the connection, so a few hundred such requests shut the API.
func TestSlowBodyLetsGoOfItsSlot(t *testing.T) {
	st := apitest.Start(t, apitest.Options{Config: func(c *api.Config) {
		c.MaxInFlight = 1
		c.BodyReadTimeout = 300 * time.Millisecond
		c.LinksAfterMessages = 0
	}})
	a, _, ra, _ := pairUp(t, st, 341_001, 341_002)
	for _, path := range []string{"/messages", "/media"} {
		pr, pw := io.Pipe()
		t.Cleanup(func() { pw.Close() })
		req, _ := http.NewRequest("POST", st.URL+"/api/rooms/"+ra.ID+path, pr)
		req.Header.Set("Authorization", "tma "+a.InitData)
		req.Header.Set("Content-Type", map[string]string{"/messages": "application/json", "/media": "image/jpeg"}[path])
		req.ContentLength = 5000
		done := make(chan *http.Response, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- nil
				return
			}
			done <- resp
		}()
		_, _ = pw.Write([]byte(`{"text":"never finished`)[:8])
		var resp *http.Response
		select {
		case resp = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: a body that never finishes still holds its slot after 30 s", path)
		}
		if resp == nil {
			continue // the server closed the connection: also lets go of the slot
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "body_timeout") {
			t.Fatalf("%s: slow body answered %d %s; want 408 body_timeout", path, resp.StatusCode, body)
		}
		a.MustDo("POST", "/api/rooms/"+ra.ID+"/messages", map[string]string{"text": "after " + path, "client_msg_id": path}, 201, nil)
	}
}

// TestCutUploadIsNotAnError: an upload the client cancels half way (the
// Mini App's cancel button) is the client's doing: 400 body_incomplete if
// anyone is still listening, and no ERROR line in the log (before: "request
// failed ... unexpected EOF" at error level for every cancel).
func TestCutUploadIsNotAnError(t *testing.T) {
	logs := &apitest.LogBuffer{}
	st := apitest.Start(t, apitest.Options{
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Config: func(c *api.Config) { c.LinksAfterMessages = 0 },
	})
	a, _, ra, _ := pairUp(t, st, 342_001, 342_002)
	conn, err := net.Dial("tcp", strings.TrimPrefix(st.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/rooms/%s/media HTTP/1.1\r\nHost: x\r\nAuthorization: tma %s\r\nContent-Type: image/jpeg\r\nContent-Length: 50000\r\n\r\n\xff\xd8\xff\xe0 only the start",
		ra.ID, a.InitData)
	conn.(*net.TCPConn).CloseWrite()
	reply, _ := io.ReadAll(conn)
	conn.Close()
	if !strings.HasPrefix(string(reply), "HTTP/1.1 400") || !strings.Contains(string(reply), "body_incomplete") {
		t.Fatalf("cut upload answered %q", reply)
	}
	a.MustDo("GET", "/api/me", nil, 200, nil) // the request is over: the log has all of it
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("a cancelled upload logged an error:\n%s", logs)
	}
}
