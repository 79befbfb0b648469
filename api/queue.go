package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
)

// count is a number of people as the API shows it: exact from 3 up, and
// "<3" below, so a count never points at one person.
type count int

func (c count) MarshalJSON() ([]byte, error) {
	if c < 3 {
		return []byte(`"<3"`), nil
	}
	return json.Marshal(int(c))
}

type queueResponse struct {
	Online        count `json:"online"`
	SearchingFit  count `json:"searching_fit"`
	ExpectedWaitS *int  `json:"expected_wait_s"`
	// Wider (with ?suggest=1) is the smallest widening of the filter that
	// more people searching now would fit.
	Wider *widerFilter `json:"wider,omitempty"`
}

type widerFilter struct {
	Gender       string `json:"gender"`
	AgeFrom      int    `json:"age_from"`
	AgeTo        int    `json:"age_to"`
	SearchingFit count  `json:"searching_fit"`
}

// getQueue tells a user, for the filter they are choosing, how many people
// have the app open, how many are searching right now whose filters and
// theirs accept each other, and how long people with similar filters waited
// lately. All are cheap: the first is Centrifugo's connected-user count
// (cached a few seconds), the others read the same bounded set of queue
// partitions a search reads, and the last 100 waits of that kind.
func (s *Server) getQueue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := matchmaker.Filter{Gender: matchmaker.Gender(q.Get("gender"))}
	var err error
	if f.AgeFrom, err = strconv.Atoi(q.Get("age_from")); err != nil {
		f.AgeFrom = -1 // Validate names the field
	}
	if f.AgeTo, err = strconv.Atoi(q.Get("age_to")); err != nil {
		f.AgeTo = -1
	}
	if err := f.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	uid, err := s.userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qu, err := s.store.QueueFor(r.Context(), uid, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	online, err := s.online.get(r.Context(), s.pub)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := queueResponse{Online: count(online), SearchingFit: count(qu.Fit)}
	if qu.WaitKnown {
		secs := int(qu.ExpectedWait.Round(time.Second) / time.Second)
		resp.ExpectedWaitS = &secs
	}
	if q.Get("suggest") == "1" {
		wf, n, ok, err := s.store.Wider(r.Context(), uid, f, qu.Fit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ok {
			resp.Wider = &widerFilter{Gender: string(wf.Gender), AgeFrom: wf.AgeFrom, AgeTo: wf.AgeTo, SearchingFit: count(n)}
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// onlineCache keeps Centrifugo's connected-user count for a few seconds, so
// every waiting app asking costs one Centrifugo call per interval.
type onlineCache struct {
	mu   sync.Mutex
	n    int
	when time.Time
}

func (c *onlineCache) get(ctx context.Context, pub Publisher) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.when) < 5*time.Second {
		return c.n, nil
	}
	n, err := pub.Users(ctx)
	if err != nil {
		return 0, err
	}
	c.n, c.when = n, time.Now()
	return n, nil
}
