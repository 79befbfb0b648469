package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// TestScaleOut is the scale-out deployment (docker-compose.scale.yml) in
// miniature on one machine: the store's Redis; Centrifugo's broker sharded
// over the scale file's broker services, each a real redis-server run with
// that service's own (non-persistent) command; two Centrifugo nodes on it;
// and two API processes built from cmd/api as deployed. User A talks only to
// API 1 and node 1, user B only to API 2 and node 2.
//
// They match and chat both ways, so every push crossed from one node to the
// other through the broker. Then node 1 goes down while B writes, and A,
// back on the restarted node 1, recovers exactly what it missed. Then every
// broker shard restarts (a crash: the broker keeps nothing): A's position is
// gone, Centrifugo says so (recovered=false), the API's history still has
// every message and a position in the new epoch, and the chat carries on.
func TestScaleOut(t *testing.T) {
	p := loadStack(t, []string{baseFile, scaleFile})
	rs := redistest.Start(t)
	shards := startBrokers(t, p)
	if len(shards) < 2 {
		t.Fatalf("the scale-out stack shards the broker over %d Redis; want 2 or more", len(shards))
	}
	var addrs []string
	for _, b := range shards {
		addrs = append(addrs, b.Addr)
	}
	const key = "scale-out-api-key" // one deployment's, shared by its replicas
	node1 := centrifugotest.Start(t, centrifugotest.Options{RedisAddrs: addrs, Name: "node1", APIKey: key})
	node2 := centrifugotest.Start(t, centrifugotest.Options{RedisAddrs: addrs, Name: "node2", APIKey: key})
	if node1.Secret != node2.Secret || node1.APIKey != node2.APIKey {
		t.Fatal("the nodes must share the token secret and API key, as deployed replicas do")
	}
	api1 := apitest.StartProcess(t, rs, node1)
	api2 := apitest.StartProcess(t, rs, node2)

	a := apitest.NewUser(t, api1, apitest.InitData(2001, "Alice", "en"))
	b := apitest.NewUser(t, api2, apitest.InitData(2002, "Bob", "en"))
	apitest.ChatStory(t, a, b, node1.WSURL, node2.WSURL)

	// And the cluster is what it claims: each node sees both.
	for _, n := range []*centrifugotest.Server{node1, node2} {
		waitNodes(t, n, 2)
	}

	var search apitest.SearchState
	a.MustDo("GET", "/api/search", nil, http.StatusOK, &search)
	if search.Room == nil {
		t.Fatalf("A's search after the chat = %+v; want the room", search)
	}
	room := *search.Room

	// Node 1 goes down; B keeps writing through API 2 and node 2.
	opened := readHistory(t, a, room.ID)
	node1.Stop()
	missed := []string{send(t, b, room.ID, "while node 1 was down 1"), send(t, b, room.ID, "while node 1 was down 2")}
	node1.Resume()
	ra := rawConnect(t, a, node1)
	res, err := ra.Subscribe(room.Channel, subToken(t, a, room.Channel), opened.Stream.Offset, opened.Stream.Epoch)
	if err != nil {
		t.Fatalf("A resubscribes on the restarted node 1: %v", err)
	}
	if !res.WasRecovering || !res.Recovered {
		t.Fatalf("after a node restart: %+v; want recovered", res)
	}
	if got := messageIDs(res.Publications); strings.Join(got, ",") != strings.Join(missed, ",") {
		t.Fatalf("recovered %v; want exactly what B sent meanwhile, %v", got, missed)
	}
	last := res.Publications[len(res.Publications)-1]

	// Every broker shard crashes and comes back empty.
	for _, s := range shards {
		s.Restart()
	}
	ra.Close()
	ra, res = resubscribe(t, a, node1, room.Channel, last.Offset, opened.Stream.Epoch)
	if !res.WasRecovering || res.Recovered {
		t.Fatalf("after a broker restart: %+v; want was_recovering without recovered (the position is gone)", res)
	}
	if res.Epoch == opened.Stream.Epoch {
		t.Fatalf("after a broker restart the epoch is still %q; want a new one", res.Epoch)
	}
	// The app then re-reads the room from the API: nothing is lost, and the
	// position it gets is in the new epoch.
	reread := readHistory(t, a, room.ID)
	if got := reread.texts(); got != "hi A,hi B,while node 1 was down 1,while node 1 was down 2" {
		t.Fatalf("history after the broker restart: %q", got)
	}
	if reread.Stream.Epoch != res.Epoch {
		t.Fatalf("history's stream %+v is not in the new epoch %q", reread.Stream, res.Epoch)
	}
	// Live delivery resumes once both nodes have resubscribed to the
	// restarted shards (until then a publication reaches history but not
	// the other node, and Centrifugo's periodic position check makes the
	// client recover it): wait for B's typing to reach A, then talk.
	waitTyping(t, b, ra, room)
	after := send(t, b, room.ID, "after the broker restart")
	for {
		pub, ok := ra.NextPublication(room.Channel, 10*time.Second)
		if !ok {
			t.Fatalf("A got nothing B sent after the broker restart; frames:\n%s", strings.Join(ra.Frames(), "\n"))
		}
		if got := messageIDs([]centrifugotest.Publication{pub}); len(got) == 1 {
			if got[0] != after {
				t.Fatalf("A got message %s; want %s", got[0], after)
			}
			return
		}
	}
}

// waitTyping sends typing notices from u until one reaches c on the room
// channel: proof that a publication through u's node reaches c's node.
func waitTyping(t *testing.T, u *apitest.User, c *centrifugotest.RawClient, room apitest.Room) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if status, body := u.Do("POST", "/api/rooms/"+room.ID+"/typing", nil, nil); status != http.StatusNoContent && status != http.StatusTooManyRequests {
			t.Fatalf("typing: %d %s", status, body)
		}
		for {
			pub, ok := c.NextPublication(room.Channel, 500*time.Millisecond)
			if !ok {
				break
			}
			var m struct{ Type string }
			if json.Unmarshal(pub.Data, &m) == nil && m.Type == "typing" {
				return
			}
		}
	}
	t.Fatal("no typing notice crossed from one node to the other")
}

// historyPage is the answer of GET /api/rooms/{id}/messages.
type historyPage struct {
	Messages []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"messages"`
	Stream struct {
		Offset uint64 `json:"offset"`
		Epoch  string `json:"epoch"`
	} `json:"stream"`
}

func (p historyPage) texts() string {
	var out []string
	for _, m := range p.Messages {
		out = append(out, m.Text)
	}
	return strings.Join(out, ",")
}

func readHistory(t *testing.T, u *apitest.User, roomID string) historyPage {
	t.Helper()
	var page historyPage
	u.MustDo("GET", "/api/rooms/"+roomID+"/messages", nil, http.StatusOK, &page)
	return page
}

// send posts a message and returns its id.
func send(t *testing.T, u *apitest.User, roomID, text string) string {
	t.Helper()
	var m struct{ ID string }
	u.MustDo("POST", "/api/rooms/"+roomID+"/messages", map[string]string{"text": text, "client_msg_id": fmt.Sprint(time.Now().UnixNano())}, http.StatusCreated, &m)
	return m.ID
}

func subToken(t *testing.T, u *apitest.User, channel string) string {
	t.Helper()
	var tok apitest.Token
	u.MustDo("POST", "/api/centrifugo/subscription-token", map[string]string{"channel": channel}, http.StatusOK, &tok)
	return tok.Token
}

// rawConnect connects the user to a node with a connection token from the API.
func rawConnect(t *testing.T, u *apitest.User, node *centrifugotest.Server) *centrifugotest.RawClient {
	t.Helper()
	var tok apitest.Token
	u.MustDo("POST", "/api/centrifugo/connection-token", nil, http.StatusOK, &tok)
	return centrifugotest.DialRaw(t, node.WSURL, tok.Token)
}

// resubscribe connects the user to a node and subscribes from a position,
// retrying as a real client does while the node has no broker: until it has
// reconnected to a restarted Redis, a connect or subscribe fails (Centrifugo
// closes the connection with 3004 internal server error).
func resubscribe(t *testing.T, u *apitest.User, node *centrifugotest.Server, channel string, offset uint64, epoch string) (*centrifugotest.RawClient, centrifugotest.SubscribeResult) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var tok apitest.Token
		u.MustDo("POST", "/api/centrifugo/connection-token", nil, http.StatusOK, &tok)
		c, err := centrifugotest.TryDialRaw(t, node.WSURL, tok.Token)
		if err == nil {
			var res centrifugotest.SubscribeResult
			if res, err = c.Subscribe(channel, subToken(t, u, channel), offset, epoch); err == nil {
				return c, res
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no subscription to %s on %s after the broker restart: %v", channel, node.WSURL, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// messageIDs are the ids of message publications, in order.
func messageIDs(pubs []centrifugotest.Publication) []string {
	var out []string
	for _, p := range pubs {
		var m struct{ Type, ID string }
		if json.Unmarshal(p.Data, &m) == nil && m.Type == "message" {
			out = append(out, m.ID)
		}
	}
	return out
}

// waitNodes waits until Centrifugo's server API lists n nodes.
func waitNodes(t *testing.T, node *centrifugotest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got int
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, node.APIURL+"/info", strings.NewReader("{}"))
		req.Header.Set("X-API-Key", node.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var info struct {
				Result struct {
					Nodes []struct{ Name string } `json:"nodes"`
				} `json:"result"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&info)
			resp.Body.Close()
			if got = len(info.Result.Nodes); got == n {
				cancel()
				return
			}
		}
		cancel()
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s lists %d nodes; want %d", node.APIURL, got, n)
}
