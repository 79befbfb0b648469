package matchmaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
)

// readFor collects what q returns within d.
func readFor(t *testing.T, q *matchmaker.NoticeQueue, count int, d time.Duration) []matchmaker.Notice {
	t.Helper()
	var out []matchmaker.Notice
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		ns, err := q.Read(context.Background(), count, 20*time.Millisecond)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		out = append(out, ns...)
	}
	return out
}

func ids(ns []matchmaker.Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func notify(t *testing.T, s *matchmaker.Store, uid string, kind matchmaker.NoticeKind, until time.Time) {
	t.Helper()
	ok, err := s.Notify(context.Background(), uid, kind, "", 0, until)
	if err != nil || !ok {
		t.Fatalf("notify = %v, %v; want queued", ok, err)
	}
}

func TestNotifyCooldownAndContent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	u, err := s.PutProfile(ctx, 777001, "ru", matchmaker.Profile{Nickname: "Notee", Gender: matchmaker.Female, Age: 30})
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.NoticeQueue(ctx, "bot", "c1")
	if err != nil {
		t.Fatal(err)
	}

	for i, want := range []bool{true, false, false} {
		ok, err := s.Notify(ctx, u.ID, matchmaker.NoticePartnerWrote, "wrote:r1", 300*time.Millisecond, time.Time{})
		if err != nil || ok != want {
			t.Fatalf("notify %d within the cooldown = %v, %v; want %v", i, ok, err, want)
		}
	}
	if ok, _ := s.Notify(ctx, u.ID, matchmaker.NoticePartnerWrote, "wrote:r2", time.Minute, time.Time{}); !ok {
		t.Fatal("another room's key was held back")
	}
	if ok, err := s.Notify(ctx, "no-such-user", matchmaker.NoticePartnerFound, "", 0, time.Time{}); ok || !errors.Is(err, matchmaker.ErrNoProfile) {
		t.Fatalf("a notice for a user without a profile = %v, %v; want ErrNoProfile", ok, err)
	}
	time.Sleep(350 * time.Millisecond)
	if ok, _ := s.Notify(ctx, u.ID, matchmaker.NoticePartnerWrote, "wrote:r1", time.Minute, time.Time{}); !ok {
		t.Fatal("held back after the cooldown ended")
	}
	until := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Millisecond)
	notify(t, s, u.ID, matchmaker.NoticeBanned, until)

	got := readFor(t, q, 10, 200*time.Millisecond)
	if len(got) != 4 {
		t.Fatalf("read %d notices; want 4: %+v", len(got), got)
	}
	for _, n := range got[:3] {
		if n.Kind != matchmaker.NoticePartnerWrote || n.TelegramID != 777001 || n.Lang != "ru" || !n.Until.IsZero() || n.ID == "" || n.StreamID == "" {
			t.Fatalf("notice = %+v", n)
		}
	}
	if b := got[3]; b.Kind != matchmaker.NoticeBanned || !b.Until.Equal(until) {
		t.Fatalf("ban notice = %+v; want until %v", b, until)
	}
	if got[0].ID == got[1].ID {
		t.Fatal("two notices share an id")
	}
}

// TestNoticeRedelivery follows unacknowledged notices: retried by their own
// consumer after RetryIdle, read again at once after a restart under the same
// name, taken over by another consumer after TakeoverIdle, never again once
// acknowledged.
func TestNoticeRedelivery(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	uid := mkUser(t, s, "Redelivered", matchmaker.Male, 33).ID
	open := func(consumer string) *matchmaker.NoticeQueue {
		t.Helper()
		q, err := s.NoticeQueue(ctx, "bot", consumer,
			matchmaker.RetryIdle(300*time.Millisecond), matchmaker.TakeoverIdle(600*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}

	a := open("a")
	notify(t, s, uid, matchmaker.NoticePartnerFound, time.Time{})
	first := readFor(t, a, 10, 100*time.Millisecond)
	if len(first) != 1 {
		t.Fatalf("first read = %+v; want the notice", first)
	}
	if again := readFor(t, a, 10, 150*time.Millisecond); len(again) != 0 {
		t.Fatalf("read again before RetryIdle: %+v", again)
	}
	retried := readFor(t, a, 10, 400*time.Millisecond)
	if len(retried) != 1 || retried[0].ID != first[0].ID {
		t.Fatalf("after RetryIdle = %v; want %s once", ids(retried), first[0].ID)
	}

	// A restart under the same name gets it back at once.
	a = open("a")
	ns, err := a.Read(ctx, 10, time.Millisecond)
	if err != nil || len(ns) != 1 || ns[0].ID != first[0].ID {
		t.Fatalf("after restart = %+v, %v; want %s", ns, err, first[0].ID)
	}

	// "a" dies. "b" leaves it alone until TakeoverIdle, then takes it.
	b := open("b")
	if early := readFor(t, b, 10, 300*time.Millisecond); len(early) != 0 {
		t.Fatalf("taken over early: %v", ids(early))
	}
	taken := readFor(t, b, 10, 600*time.Millisecond)
	if len(taken) != 1 || taken[0].ID != first[0].ID {
		t.Fatalf("takeover = %v; want %s", ids(taken), first[0].ID)
	}
	if err := b.Ack(ctx, taken[0]); err != nil {
		t.Fatal(err)
	}
	if late := readFor(t, b, 10, 800*time.Millisecond); len(late) != 0 {
		t.Fatalf("read after ack: %v", ids(late))
	}
	if late := readFor(t, open("a"), 10, 100*time.Millisecond); len(late) != 0 {
		t.Fatalf("read by the old consumer after ack: %v", ids(late))
	}

	// Sent and MarkSent deduplicate by notice id.
	if sent, err := b.Sent(ctx, taken[0]); err != nil || sent {
		t.Fatalf("sent before MarkSent = %v, %v", sent, err)
	}
	if err := b.MarkSent(ctx, taken[0]); err != nil {
		t.Fatal(err)
	}
	if sent, err := open("c").Sent(ctx, taken[0]); err != nil || !sent {
		t.Fatalf("sent after MarkSent = %v, %v", sent, err)
	}
}

// TestNoticeRestartPages: after a restart, more pending notices than one
// Read's count come back page by page, each once.
func TestNoticeRestartPages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	uid := mkUser(t, s, "Paged", matchmaker.Female, 41).ID
	q, err := s.NoticeQueue(ctx, "bot", "p")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		notify(t, s, uid, matchmaker.NoticePartnerWrote, time.Time{})
	}
	before := readFor(t, q, 10, 100*time.Millisecond)
	if len(before) != 5 {
		t.Fatalf("read %d; want 5", len(before))
	}
	q, _ = s.NoticeQueue(ctx, "bot", "p")
	var sizes []int
	var got []matchmaker.Notice
	for range 4 {
		ns, err := q.Read(ctx, 2, time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(ns))
		got = append(got, ns...)
	}
	if len(got) != 5 || sizes[0] != 2 || sizes[1] != 2 || sizes[2] != 1 || sizes[3] != 0 {
		t.Fatalf("pages %v; want 2,2,1,0", sizes)
	}
	for i := range got {
		if got[i].ID != before[i].ID {
			t.Fatalf("page order %v; want %v", ids(got), ids(before))
		}
	}
}
