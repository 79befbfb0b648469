package centrifugo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
)

// startPublisher starts a real Centrifugo and returns a publisher to it,
// closed when the test ends.
func startPublisher(t *testing.T) *centrifugo.Publisher {
	t.Helper()
	s := centrifugotest.Start(t, centrifugotest.Options{})
	pub, err := centrifugo.NewPublisher(s.APIURL, s.APIKey, 5*time.Second, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Close)
	return pub
}

// TestPublishesUnderLoadLandOnceEach: 300 publications at once through one
// publisher (so most go in batches), on a real Centrifugo. Each lands once, at
// the position its caller was told, and
// a second publish with the same idempotency key (a retry) is given the same
// position and adds nothing. A publication to a channel Centrifugo refuses
// fails alone.
func TestPublishesUnderLoadLandOnceEach(t *testing.T) {
	pub := startPublisher(t)
	ctx := context.Background()
	const n = 300
	channel := func(i int) string { return centrifugo.RoomChannel(fmt.Sprintf("r%d", i%10)) }
	publishAll := func() []centrifugo.Position {
		pos := make([]centrifugo.Position, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				p, err := pub.Publish(ctx, channel(i), map[string]int{"i": i}, fmt.Sprint("key-", i))
				if err != nil {
					t.Errorf("publish %d: %v", i, err)
				}
				pos[i] = p
			})
		}
		wg.Wait()
		return pos
	}
	first := publishAll()
	again := publishAll()
	for i := range n {
		if first[i] != again[i] || first[i].Offset == 0 {
			t.Fatalf("publication %d: at %+v, its retry at %+v", i, first[i], again[i])
		}
	}
	for r := range 10 {
		hist, err := pub.History(ctx, channel(r))
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != n/10 {
			t.Fatalf("%s holds %d publications, want %d", channel(r), len(hist), n/10)
		}
		seen := map[int]bool{}
		for _, raw := range hist {
			var d struct{ I int }
			if err := json.Unmarshal(raw, &d); err != nil || d.I%10 != r || seen[d.I] {
				t.Fatalf("%s: %s (twice: %v)", channel(r), raw, seen[d.I])
			}
			seen[d.I] = true
		}
	}

	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			ch := channel(i)
			if i == 25 {
				ch = "nosuchnamespace:x"
			}
			_, errs[i] = pub.Publish(ctx, ch, map[string]int{"j": i}, "")
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 25) != (err != nil) {
			t.Fatalf("publication %d: %v", i, err)
		}
	}
	if !strings.Contains(errs[25].Error(), "unknown channel") {
		t.Fatalf("refused publication: %v", errs[25])
	}
}

// A batch call (what publications that waited for a lane go in) gives each
// publication its own result on a real Centrifugo: its position, or the
// error Centrifugo gave that one command alone; a retry in a later batch
// with the same idempotency key is given the first position and adds
// nothing.
func TestPublishBatchResults(t *testing.T) {
	pub := startPublisher(t)
	ctx := context.Background()
	a, b := centrifugo.RoomChannel("batcha"), centrifugo.RoomChannel("batchb")
	// a's first publication goes alone, so its offsets in the batch are known.
	if _, err := pub.Publish(ctx, a, map[string]int{"i": 0}, "k0"); err != nil {
		t.Fatal(err)
	}
	channels := []string{a, "nosuchnamespace:x", b}
	data := []any{map[string]int{"i": 1}, map[string]int{"i": 2}, map[string]int{"i": 3}}
	keys := []string{"k1", "", "k3"}
	pos, errs := pub.PublishBatch(ctx, channels, data, keys)
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "unknown channel") {
		t.Fatalf("the refused publication's error: %v", errs[1])
	}
	if pos[0].Offset != 2 || pos[2].Offset != 1 || pos[0].Epoch == "" {
		t.Fatalf("positions %+v; want a at offset 2, b at 1", pos)
	}
	again, errs := pub.PublishBatch(ctx, []string{b, a}, []any{data[2], data[0]}, []string{"k3", "k1"})
	if errs[0] != nil || errs[1] != nil || again[0] != pos[2] || again[1] != pos[0] {
		t.Fatalf("retries at %+v (%v); want %+v and %+v", again, errs, pos[2], pos[0])
	}
	for ch, want := range map[string]int{a: 2, b: 1} {
		hist, err := pub.History(ctx, ch)
		if err != nil || len(hist) != want {
			t.Fatalf("%s holds %d publications (%v); want %d", ch, len(hist), err, want)
		}
	}
}

// The largest batch the publisher sends (maxBatch publications of the
// largest message the API takes: 4,096 characters of 4-byte UTF-8) is
// accepted by a real Centrifugo.
func TestPublishLargestBatch(t *testing.T) {
	pub := startPublisher(t)
	n := centrifugo.MaxBatch
	channels, data, keys := make([]string, n), make([]any, n), make([]string, n)
	text := strings.Repeat("😀", 4096)
	for i := range n {
		channels[i] = centrifugo.RoomChannel(fmt.Sprintf("large%d", i))
		data[i] = map[string]string{"type": "message", "text": text}
		keys[i] = fmt.Sprint("large-", i)
	}
	pos, errs := pub.PublishBatch(context.Background(), channels, data, keys)
	for i := range n {
		if errs[i] != nil || pos[i].Offset != 1 {
			t.Fatalf("publication %d of %d (%d KB in all): %+v, %v", i, n, n*len(text)/1024, pos[i], errs[i])
		}
	}
}
