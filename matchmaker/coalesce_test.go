package matchmaker_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// pipelineCounter is a go-redis hook that counts pipelines of more than one
// command (room scripts that went together).
type pipelineCounter struct{ n atomic.Int64 }

func (p *pipelineCounter) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (p *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (p *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 1 {
			p.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// Messages sent at the same moment in many rooms go to Redis together
// (pipelines of the message script) and each is kept once, in its room, in
// order, with its own reply; also right after Redis lost its scripts
// (NOSCRIPT in a pipeline: each is sent again with its source, once), and
// a resend of every one of them is a duplicate. Both with and without
// BatchWait (MESSAGE_BATCH_WAIT: a busy store's call waits for company).
func TestMessagesAtOnceGoTogether(t *testing.T) {
	for _, wait := range []time.Duration{0, 2 * time.Millisecond} {
		t.Run(fmt.Sprint("batch_wait=", wait), func(t *testing.T) { messagesAtOnce(t, wait) })
	}
}

func messagesAtOnce(t *testing.T, wait time.Duration) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		hook := &pipelineCounter{}
		rdb.AddHook(hook)
		s, _ := newStoreOn(t, rdb, matchmaker.Config{MessageRate: matchmaker.Rate{Every: time.Millisecond, Burst: 1000}, BatchWait: wait})
		const rooms, each = 20, 5
		type side struct {
			tg   int64
			room string
		}
		var sides []side
		for r := range rooms {
			a := mkUser(t, s, fmt.Sprint("A", r), matchmaker.Female, 25)
			b := mkUser(t, s, fmt.Sprint("B", r), matchmaker.Male, 30)
			if _, err := s.Search(ctx, a.ID, anyAdult()); err != nil {
				t.Fatal(err)
			}
			m, err := s.Search(ctx, b.ID, anyAdult())
			if err != nil || m.State != matchmaker.Matched {
				t.Fatalf("room %d: %+v, %v", r, m, err)
			}
			sides = append(sides, side{a.TG, m.Room.ID}, side{b.TG, m.Room.ID})
		}
		sendAll := func(round string, wantDup bool) {
			t.Helper()
			var wg sync.WaitGroup
			for si, sd := range sides {
				for k := range each {
					wg.Go(func() {
						txt := fmt.Sprintf("%s %d %d", round, si, k)
						st, err := s.AddMessage(ctx, sd.tg, sd.room, matchmaker.NewMessage{Text: txt, ClientMsgID: txt})
						if err != nil {
							t.Errorf("%s: %v", txt, err)
							return
						}
						if st.Message.Text != txt || st.Message.ClientMsgID != txt || st.Duplicate != wantDup {
							t.Errorf("%s: stored %+v (duplicate %v); want its own, duplicate %v", txt, st.Message, st.Duplicate, wantDup)
						}
					})
				}
			}
			wg.Wait()
		}
		sendAll("one", false)
		if hook.n.Load() == 0 {
			t.Fatalf("%d messages at once went to Redis one by one", len(sides)*each)
		}
		flush := func(ctx context.Context, c *redis.Client) error { return c.ScriptFlush(ctx).Err() }
		if cc, ok := rdb.(*redis.ClusterClient); ok {
			if err := cc.ForEachMaster(ctx, flush); err != nil {
				t.Fatal(err)
			}
		} else if err := flush(ctx, rdb.(*redis.Client)); err != nil {
			t.Fatal(err)
		}
		sendAll("two", false)
		sendAll("one", true)
		sendAll("two", true)

		for si := 0; si < len(sides); si += 2 {
			page, err := s.History(ctx, sides[si].tg, sides[si].room, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Messages) != 4*each {
				t.Fatalf("room %d holds %d messages; want %d", si/2, len(page.Messages), 4*each)
			}
			seen := map[string]bool{}
			for i, m := range page.Messages {
				if seen[m.Text] || (i > 0 && m.ID <= page.Messages[i-1].ID) {
					t.Fatalf("room %d: %q twice or out of order: %+v", si/2, m.Text, page.Messages)
				}
				seen[m.Text] = true
			}
		}
	})
}
