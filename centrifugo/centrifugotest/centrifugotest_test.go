package centrifugotest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
)

// serverAPI calls one method of a node's server API and decodes its result.
func serverAPI(t *testing.T, s *centrifugotest.Server, method string, params any, out any) {
	t.Helper()
	body, _ := json.Marshal(params)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.APIURL+"/"+method, strings.NewReader(string(body)))
	req.Header.Set("X-API-Key", s.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var envelope struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		t.Fatalf("%s: %s: %v", method, resp.Status, err)
	}
	if envelope.Error != nil {
		t.Fatalf("%s: error %d %s", method, envelope.Error.Code, envelope.Error.Message)
	}
	if out != nil {
		if err := json.Unmarshal(envelope.Result, out); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
}

// The helper runs the version the tools module pins, with the committed
// config and the product's GOGC: the two namespaces exist, the personal channel comes from the
// connection token, and a publication reaches the raw client with the
// position (offset, epoch) the publish answered (v6 pushes carry the epoch).
func TestServerIsThePinnedVersion(t *testing.T) {
	s := centrifugotest.Start(t, centrifugotest.Options{})
	if err := centrifugo.CheckConfig(s.ConfigPath); err != nil {
		t.Errorf("the config the helper writes: %v", err)
	}

	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", s.PID()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(environ), "\x00"), "GOGC="+centrifugo.ServerGOGC) {
		t.Errorf("server environment %q lacks GOGC=%s", environ, centrifugo.ServerGOGC)
	}

	var info struct {
		Nodes []struct {
			Version string `json:"version"`
		} `json:"nodes"`
	}
	serverAPI(t, s, "info", map[string]any{}, &info)
	if len(info.Nodes) != 1 || !strings.HasPrefix(info.Nodes[0].Version, centrifugo.ServerVersion+" ") {
		t.Fatalf("info nodes %+v, want one node of version %s", info.Nodes, centrifugo.ServerVersion)
	}

	tokens := centrifugo.NewTokens(s.Secret, time.Hour)
	tok, _, err := tokens.Connection("u1", "s1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw := centrifugotest.DialRaw(t, s.WSURL, tok)
	personal := tokens.PersonalChannel("u1")
	room := centrifugo.RoomChannel("r1")
	subTok, _, err := tokens.Subscription("u1", "s1", room, "m1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sub, err := raw.Subscribe(room, subTok, 0, "")
	if err != nil {
		t.Fatalf("subscribe %s: %v", room, err)
	}
	if !sub.Recoverable || sub.Epoch == "" {
		t.Fatalf("room subscription %+v: want a recoverable stream with an epoch", sub)
	}

	for _, ch := range []string{personal, room} {
		var pos centrifugo.Position
		serverAPI(t, s, "publish", map[string]any{"channel": ch, "data": map[string]string{"hello": ch}}, &pos)
		if pos.Offset == 0 || pos.Epoch == "" {
			t.Fatalf("publish into %s answered %+v: want a history position", ch, pos)
		}
		p, ok := raw.NextPublication(ch, 5*time.Second)
		if !ok {
			t.Fatalf("no publication on %s; frames:\n%s", ch, strings.Join(raw.Frames(), "\n"))
		}
		if p.Offset != pos.Offset || p.Epoch != pos.Epoch {
			t.Errorf("%s: pushed at %d/%q, published at %d/%q", ch, p.Offset, p.Epoch, pos.Offset, pos.Epoch)
		}
		if !strings.Contains(string(p.Data), ch) {
			t.Errorf("%s: data %s", ch, p.Data)
		}
	}
}

// config.json reads client frames through a 512-byte buffer
// (websocket.read_buffer_size, for memory): a command many times that size
// still arrives whole and the connection lives on.
func TestLargeClientFrame(t *testing.T) {
	s := centrifugotest.Start(t, centrifugotest.Options{})
	tokens := centrifugo.NewTokens(s.Secret, time.Hour)
	tok, _, err := tokens.Connection("u1", "s1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw := centrifugotest.DialRaw(t, s.WSURL, tok)
	room := centrifugo.RoomChannel("r1")
	subTok, _, err := tokens.Subscription("u1", "s1", room, strings.Repeat("m", 8000), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Subscribe(room, subTok, 0, ""); err != nil {
		t.Fatalf("subscribe with a %d-byte token: %v", len(subTok), err)
	}
	if _, err := raw.Call("presence_stats", map[string]any{"channel": room}); err != nil && !strings.HasPrefix(err.Error(), "103:") {
		t.Fatalf("connection unusable after the large frame: %v", err)
	}
}
