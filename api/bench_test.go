package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

// BenchmarkPostMessage is the message path in one process: POST
// /api/rooms/{id}/messages through the real API, Redis and Centrifugo, 64
// senders in parallel, each over 4 rooms in turn (so no member goes past
// the per-member rate limit below about 1,200 msg/s). Run with -cpuprofile to see where the API's time
// goes: go test -run '^$' -bench PostMessage -benchtime 20000x -cpuprofile cpu.out ./api/
func BenchmarkPostMessage(b *testing.B) {
	st := apitest.Start(b, apitest.Options{Config: func(c *api.Config) { c.RoomMaxMessages = 1000 }})
	const rooms, workers = 256, 64
	type sender struct {
		req  func(body string) *http.Request
		room string
	}
	senders := make([]sender, rooms)
	for i := range senders {
		a, b2 := st.User(b, int64(900_000+2*i), "A"), st.User(b, int64(900_001+2*i), "B")
		a.Onboard(fmt.Sprint("A", i), "female", 30)
		b2.Onboard(fmt.Sprint("B", i), "male", 30)
		var s apitest.SearchState
		a.MustDo("POST", "/api/search", adultsAny(), 200, &s)
		b2.MustDo("POST", "/api/search", adultsAny(), 200, &s)
		url := st.URL + "/api/rooms/" + s.Room.ID + "/messages"
		auth := "tma " + b2.InitData
		senders[i] = sender{room: s.Room.ID, req: func(body string) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(body))
			r.Header.Set("Authorization", auth)
			r.Header.Set("Content-Type", "application/json")
			return r
		}}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var n, failed atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/workers + 1
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := 0; j < per; j++ {
				s := senders[(w+j*workers)%rooms]
				body := fmt.Sprintf(`{"text":"benchmark message %d","client_msg_id":"c%d"}`, j, n.Add(1))
				for {
					resp, err := client.Do(s.req(body))
					if err != nil {
						failed.Add(1)
						return
					}
					// Read to the end, or the connection is not reused.
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 201 {
						break
					}
					if resp.StatusCode != 429 {
						failed.Add(1)
						return
					}
					time.Sleep(50 * time.Millisecond) // the per-member rate limit
				}
			}
		}(w)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(per*workers)/time.Since(start).Seconds(), "msg/s")
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
}
