package matchmaker_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// TestNormalizeFirst: the variations scripts add to one prepared text
// compare equal; different texts do not.
func TestNormalizeFirst(t *testing.T) {
	base, link := matchmaker.NormalizeFirst("Hi! Bored? Join my channel t.me/hot_deals 🔥")
	if !link {
		t.Fatal("a t.me link was not seen")
	}
	for _, v := range []string{"hi bored?? join my channel  t.me/Hot_Deals", "HI!!! BORED? JOIN MY CHANNEL https://t.me/hot_deals/123",
		"hi, b0red? j0in my channel t.me/hot_deals 😉", "Нi bored? join my сhannel t.me/hot_deals", "hi bored join my channel @hot_deals"} {
		if got, _ := matchmaker.NormalizeFirst(v); got != base {
			t.Errorf("%q -> %q; want %q", v, got, base)
		}
	}
	for _, v := range []string{"Hi! Bored? Join my channel t.me/cold_deals", "hello, how is your evening going?"} {
		if got, _ := matchmaker.NormalizeFirst(v); got == base {
			t.Errorf("%q compares equal to the spam", v)
		}
	}
	if _, link := matchmaker.NormalizeFirst("привет, как дела?"); link {
		t.Error("a plain greeting has a link")
	}
}

// TestHoldOutlivesDeletion: a held user's /delete and re-registration do
// not lift the hold; the counting window goes with the data.
func TestHoldOutlivesDeletion(t *testing.T) { eachRedis(t, holdOutlivesDeletion) }

func holdOutlivesDeletion(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	s, _ := newStoreOn(t, rdb, matchmaker.Config{RematchCooldown: -1})
	u, err := s.PutProfile(ctx, 701, "en", matchmaker.Profile{Nickname: "Spam", Gender: matchmaker.Female, Age: 22})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := s.RecordFirstMessage(ctx, u.ID, fmt.Sprint("p", i), fmt.Sprint("r", i), "join my channel t.me/hot_deals"); err != nil {
			t.Fatal(err)
		}
	}
	if held, _ := s.Held(ctx, u.ID); !held {
		t.Fatal("not held after five partners")
	}
	if _, err := s.DeleteUser(ctx, 701); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.PutProfile(ctx, 701, "en", matchmaker.Profile{Nickname: "New", Gender: matchmaker.Female, Age: 22}); again.ID != u.ID {
		t.Fatalf("new id %s", again.ID)
	}
	other, _ := s.PutProfile(ctx, 702, "en", matchmaker.Profile{Nickname: "Other", Gender: matchmaker.Male, Age: 25})
	s.Search(ctx, other.ID, anyAdult())
	if got, err := s.Search(ctx, u.ID, anyAdult()); err != nil || got.State != matchmaker.Waiting {
		t.Fatalf("a held user's search after /delete = %+v, %v; want waiting", got, err)
	}
	if n := rdb.Exists(ctx, "tt:{mm}:sp:"+u.ID).Val(); n != 0 {
		t.Fatal("the counting window outlived /delete")
	}
	if rev, _ := s.OldestReview(ctx); rev == nil || rev.UserID != u.ID {
		t.Fatalf("review = %+v", rev)
	}
	// Release: the waiting search enters the queue and meets the other.
	if err := s.Release(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	s.CancelSearch(ctx, other.ID)
	if got, _ := s.Search(ctx, other.ID, anyAdult()); got.State != matchmaker.Matched {
		t.Fatalf("the released user is not in the queue: %s", got.State)
	}
}
