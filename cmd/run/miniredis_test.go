package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// The embedded Redis is only useful if the matchmaker's Lua runs on it. These
// tests fail, rather than the runner later failing per request, when a
// script uses something miniredis lacks.

func embeddedRedis(t *testing.T) *redis.Client {
	t.Helper()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var redisCallRe = regexp.MustCompile(`redis\.p?call\(\s*['"]([A-Za-z]+)['"]`)

// TestEmbeddedRedisLoadsEveryScript: every matchmaker/*.lua (new ones too)
// compiles on miniredis, and every command it calls exists there.
func TestEmbeddedRedisLoadsEveryScript(t *testing.T) {
	ctx := context.Background()
	rdb := embeddedRedis(t)
	files, err := filepath.Glob(filepath.Join(sourceRoot(), "matchmaker", "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no matchmaker scripts found: %v", err)
	}
	for name, sc := range matchmaker.Scripts() {
		if err := sc.Load(ctx, rdb).Err(); err != nil {
			t.Errorf("%s does not load on the embedded Redis: %v", name, err)
		}
	}
	var commands []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range redisCallRe.FindAllStringSubmatch(string(src), -1) {
			if c := strings.ToUpper(m[1]); !slices.Contains(commands, c) {
				commands = append(commands, c)
			}
		}
	}
	for _, c := range commands {
		// Without arguments a known command answers "wrong number of
		// arguments" (or runs harmlessly); an unknown one says so.
		if err := rdb.Do(ctx, c).Err(); err != nil && strings.Contains(strings.ToLower(err.Error()), "unknown command") {
			t.Errorf("the scripts call %s, which the embedded Redis does not know: %v", c, err)
		}
	}
	t.Logf("%d scripts, commands %v", len(files), commands)
}

// TestEmbeddedRedisRunsTheChat follows two users through the store on
// miniredis: profile, search, match, chat, history, leave, expiry, rate
// limit, notices and deletion.
func TestEmbeddedRedisRunsTheChat(t *testing.T) {
	ctx := context.Background()
	s := matchmaker.New(embeddedRedis(t), matchmaker.Config{SearchTTL: 500 * time.Millisecond}, nil)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s on the embedded Redis: %v", what, err)
		}
	}
	adults := matchmaker.Filter{Gender: matchmaker.GenderAny, AgeFrom: 18, AgeTo: 99}

	alice, err := s.PutProfile(ctx, 1001, "en", matchmaker.Profile{Nickname: "Alice", Gender: matchmaker.Female, Age: 25})
	must("put profile", err)
	bob, err := s.PutProfile(ctx, 1002, "en", matchmaker.Profile{Nickname: "Bob", Gender: matchmaker.Male, Age: 27})
	must("put profile", err)

	w, err := s.Search(ctx, alice.ID, adults)
	must("search", err)
	if w.State != matchmaker.Waiting {
		t.Fatalf("alice = %s; want waiting", w.State)
	}
	m, err := s.Search(ctx, bob.ID, adults)
	must("search", err)
	if m.State != matchmaker.Matched || m.Room == nil {
		t.Fatalf("bob = %+v; want matched", m)
	}
	room := m.Room.ID
	_, err = s.AddMessage(ctx, 1002, room, matchmaker.NewMessage{Text: "hi", ClientMsgID: "c1"})
	must("add message", err)
	again, err := s.AddMessage(ctx, 1002, room, matchmaker.NewMessage{Text: "hi", ClientMsgID: "c1"})
	must("add message again", err)
	if !again.Duplicate {
		t.Fatal("a retried message was stored twice")
	}
	_, err = s.Act(ctx, 1001, room, matchmaker.ActionRead, matchmaker.Rate{Every: time.Second, Burst: 5}, again.Message.ID)
	must("read marker", err)
	page, err := s.History(ctx, 1001, room, "", 10)
	must("history", err)
	if len(page.Messages) != 1 || page.Messages[0].Text != "hi" {
		t.Fatalf("history = %+v", page.Messages)
	}
	_, err = s.Notify(ctx, alice.ID, matchmaker.NoticePartnerWrote, "wrote:"+room, time.Minute, time.Time{})
	must("notify", err)
	q, err := s.NoticeQueue(ctx, "bot", "runner-test")
	must("notice queue", err)
	notices, err := q.Read(ctx, 10, 10*time.Millisecond)
	must("read notices", err)
	if len(notices) != 1 || notices[0].TelegramID != 1001 {
		t.Fatalf("notices = %+v; want one for alice", notices)
	}
	must("ack notice", q.Ack(ctx, notices[0]))
	must("leave", s.Leave(ctx, 1001, room, matchmaker.LeaveOptions{}))
	if r, err := s.Room(ctx, room); err != nil || r.State != matchmaker.RoomClosed {
		t.Fatalf("after leave: %+v, %v; want closed", r, err)
	}
	must("clear", s.Clear(ctx, 1002, room))
	_, err = s.Report(ctx, 1001, room, "spam", "")
	must("report", err)
	n, err := s.QueueFit(ctx, alice.ID, adults)
	must("queue", err)
	if n != 0 {
		t.Fatalf("queue fit = %d; want 0", n)
	}

	carol, err := s.PutProfile(ctx, 1003, "en", matchmaker.Profile{Nickname: "Carol", Gender: matchmaker.Female, Age: 30})
	must("put profile", err)
	_, err = s.Search(ctx, carol.ID, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 60, AgeTo: 99})
	must("search", err)
	must("cancel search", s.CancelSearch(ctx, carol.ID))
	_, err = s.Search(ctx, carol.ID, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 60, AgeTo: 99})
	must("search", err)
	time.Sleep(600 * time.Millisecond)
	expired, err := s.ExpireSearches(ctx, 10)
	must("expire searches", err)
	if !slices.Contains(expired, carol.ID) {
		t.Fatalf("expired %v; want carol's search", expired)
	}

	ok, _, err := s.Allow(ctx, "search", 1001, matchmaker.Rate{Every: time.Second, Burst: 1})
	must("rate limit", err)
	second, _, err := s.Allow(ctx, "search", 1001, matchmaker.Rate{Every: time.Second, Burst: 1})
	must("rate limit", err)
	if !ok || second {
		t.Fatalf("rate limit allowed %v then %v; want true then false", ok, second)
	}
	_, err = s.DeleteUser(ctx, 1002)
	must("delete user", err)
	s.Sweep(ctx, nil)
}
