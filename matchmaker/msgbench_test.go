package matchmaker_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// BenchmarkAddMessage is the message script alone against a real
// redis-server: how long one message holds Redis (its own accounting,
// INFO commandstats: the script and each command it makes, per message)
// next to the time at the Go client. The rate limit is set out of reach,
// so every call is a new message.
// Run: go test -run '^$' -bench AddMessage -benchtime 20000x ./matchmaker/
func BenchmarkAddMessage(b *testing.B) {
	ctx := context.Background()
	srv := redistest.Start(b)
	rdb := srv.Client(b)
	s := matchmaker.New(rdb, matchmaker.Config{MaxMessages: 200, MessageRate: matchmaker.Rate{Every: time.Microsecond, Burst: 1 << 30}}, nil)
	const rooms = 200
	type room struct {
		id string
		tg int64
	}
	rs := make([]room, rooms)
	for i := range rs {
		a := mkUser(b, s, "anna", matchmaker.Female, 30)
		c := mkUser(b, s, "boris", matchmaker.Male, 30)
		if _, err := s.Search(ctx, a.ID, anyAdult()); err != nil {
			b.Fatal(err)
		}
		res, err := s.Search(ctx, c.ID, anyAdult())
		if err != nil || res.Room == nil {
			b.Fatalf("no room: %v %v", res.State, err)
		}
		rs[i] = room{res.Room.ID, c.TG}
	}
	// Warm up: every script loaded, every room past its first message.
	for _, r := range rs {
		if _, err := s.AddMessage(ctx, r.tg, r.id, matchmaker.NewMessage{Text: "hello", ClientMsgID: "w"}); err != nil {
			b.Fatal(err)
		}
	}
	rdb.ConfigResetStat(ctx)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := rs[i%rooms]
		t0 := time.Now()
		_, err := s.AddMessage(ctx, r.tg, r.id, matchmaker.NewMessage{Text: "a message of an ordinary length, say forty", ClientMsgID: fmt.Sprint("c", i)})
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_config") {
			continue
		}
		name, rest, _ := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "usec_per_call" {
				f, _ := strconv.ParseFloat(v, 64)
				b.ReportMetric(f, name+"-µs/call")
			}
			if k == "calls" {
				f, _ := strconv.ParseFloat(v, 64)
				b.ReportMetric(f/float64(b.N), name+"/msg")
			}
		}
	}
	b.ReportMetric(quantile(lat, 0.5), "client-p50-µs")
}
