package matchmaker_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// TestRoomStepsOnEachRedis runs the scripts the matching tests do not reach
// on one Redis and on a cluster: the queue count, a message with a reply,
// read markers and typing (action.lua), the per-user rate limit, a media
// upload and who may open it (mediaadd.lua, mediaget.lua), history and a
// clear.
func TestRoomStepsOnEachRedis(t *testing.T) {
	eachRedis(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		blob, err := blobstore.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { blob.Close() })
		s := matchmaker.New(rdb, matchmaker.Config{LinksAfter: -1}, &recorder{}, matchmaker.WithMedia(blob))
		alice := mkUser(t, s, "Alice", matchmaker.Female, 25)
		bob := mkUser(t, s, "Bob", matchmaker.Male, 30)
		carol := mkUser(t, s, "Carol", matchmaker.Female, 27)

		if _, err := s.Search(ctx, alice.ID, anyAdult()); err != nil {
			t.Fatal(err)
		}
		if q, err := s.QueueFor(ctx, bob.ID, anyAdult()); err != nil || q.Fit != 1 {
			t.Fatalf("queue for bob = %+v, %v; want alice fitting", q, err)
		}
		m, err := s.Search(ctx, bob.ID, anyAdult())
		if err != nil || m.State != matchmaker.Matched {
			t.Fatalf("bob search = %+v, %v", m, err)
		}
		rid := m.Room.ID

		first, err := s.AddMessage(ctx, alice.TG, rid, matchmaker.NewMessage{Text: "hi", ClientMsgID: "a1"})
		if err != nil {
			t.Fatal(err)
		}
		reply, err := s.AddMessage(ctx, bob.TG, rid, matchmaker.NewMessage{Text: "hello", ClientMsgID: "b1", ReplyTo: first.Message.ID})
		if err != nil || reply.Message.ReplyTo != first.Message.ID {
			t.Fatalf("reply = %+v, %v", reply.Message, err)
		}
		if _, err := s.AddMessage(ctx, bob.TG, rid, matchmaker.NewMessage{Text: "?", ClientMsgID: "b2", ReplyTo: "9999999999999999"}); err == nil {
			t.Fatal("a reply to a message the room does not have was accepted")
		}

		rate := matchmaker.Rate{Every: time.Second, Burst: 5}
		read, err := s.Act(ctx, alice.TG, rid, matchmaker.ActionRead, rate, "9999999999999999")
		if err != nil || read.Read != reply.Message.ID || !read.Changed {
			t.Fatalf("read past the newest = %+v, %v; want clamped to %s", read, err, reply.Message.ID)
		}
		back, err := s.Act(ctx, alice.TG, rid, matchmaker.ActionRead, rate, first.Message.ID)
		if err != nil || back.Read != reply.Message.ID || back.Changed {
			t.Fatalf("read backwards = %+v, %v; want unchanged", back, err)
		}
		if _, err := s.Act(ctx, carol.TG, rid, matchmaker.ActionTyping, rate, ""); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("an outsider typing = %v; want ErrNotMember", err)
		}
		var limited *matchmaker.RateLimitedError
		for i := 0; i < 10 && err == nil; i++ {
			_, err = s.Act(ctx, bob.TG, rid, matchmaker.ActionTyping, matchmaker.Rate{Every: time.Minute, Burst: 2}, "")
		}
		if !errors.As(err, &limited) {
			t.Fatalf("typing past its burst = %v; want rate limited", err)
		}
		allowed := 0
		for i := 0; i < 5; i++ {
			ok, _, err := s.Allow(ctx, "search", alice.TG, matchmaker.Rate{Every: time.Minute, Burst: 3})
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				allowed++
			}
		}
		if allowed != 3 {
			t.Fatalf("allowed %d of 5 with a burst of 3", allowed)
		}

		up, err := s.AddMedia(ctx, alice.TG, rid, matchmaker.Upload{Kind: "voice", ContentType: "audio/ogg", Bytes: []byte("OggS voice"), DurationMS: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OpenMedia(ctx, bob.TG, up.ID, false); !errors.Is(err, matchmaker.ErrNotFound) {
			t.Fatalf("partner opening an unsent upload = %v; want ErrNotFound", err)
		}
		if _, err := s.AddMessage(ctx, alice.TG, rid, matchmaker.NewMessage{MediaID: up.ID, ClientMsgID: "a2"}); err != nil {
			t.Fatal(err)
		}
		obj, err := s.OpenMedia(ctx, bob.TG, up.ID, false)
		if err != nil {
			t.Fatalf("partner opening a sent voice message: %v", err)
		}
		b, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if string(b) != "OggS voice" {
			t.Fatalf("voice bytes = %q", b)
		}
		if _, err := s.OpenMedia(ctx, carol.TG, up.ID, false); !errors.Is(err, matchmaker.ErrNotMember) {
			t.Fatalf("an outsider opening it = %v; want ErrNotMember", err)
		}

		page, err := s.History(ctx, bob.TG, rid, "", 50)
		if err != nil || len(page.Messages) != 3 || page.Messages[1].ReplyTo != first.Message.ID || page.Messages[2].Media == nil {
			t.Fatalf("history = %+v, %v", page, err)
		}
		if err := s.Clear(ctx, bob.TG, rid); err != nil {
			t.Fatal(err)
		}
		if page, err := s.History(ctx, alice.TG, rid, "", 50); err != nil || len(page.Messages) != 0 {
			t.Fatalf("history after the clear = %+v, %v", page, err)
		}
		if _, err := s.OpenMedia(ctx, bob.TG, up.ID, false); !errors.Is(err, matchmaker.ErrNotFound) {
			t.Fatalf("opening the cleared room's voice message = %v; want ErrNotFound", err)
		}
	})
}
