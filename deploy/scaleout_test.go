package deploy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// TestScaleOut is the scale-out deployment (docker-compose.scale.yml) in
// miniature on one machine: one Redis, two Centrifugo nodes on its Redis
// engine, and two API processes built from cmd/api as deployed. User A talks
// only to API 1 and node 1, user B only to API 2 and node 2. They match and
// chat both ways, so every push crossed from one node to the other through
// Redis: A's "matched" was published by API 2 into node 2 and reached A on
// node 1.
func TestScaleOut(t *testing.T) {
	rs := redistest.Start(t)
	node1 := centrifugotest.Start(t, centrifugotest.Options{RedisAddr: rs.Addr, Name: "node1"})
	node2 := centrifugotest.Start(t, centrifugotest.Options{RedisAddr: rs.Addr, Name: "node2"})
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
