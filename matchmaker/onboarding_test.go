package matchmaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

func TestOnboardingProgress(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Start(t).Client(t)
	s := matchmaker.New(rdb, matchmaker.Config{Prefix: "ob:"}, nil)
	const tg = 4242

	if o, err := s.Onboarding(ctx, tg); err != nil || o != (matchmaker.Onboarding{}) {
		t.Fatalf("fresh user = %+v, %v; want zero progress", o, err)
	}

	steps := []matchmaker.Onboarding{
		{Step: matchmaker.StepGender},
		{Step: matchmaker.StepAge, Gender: matchmaker.Female},
		{Step: matchmaker.StepNickname, Gender: matchmaker.Female, Age: 17},
	}
	for _, want := range steps {
		if err := s.PutOnboarding(ctx, tg, want); err != nil {
			t.Fatalf("put %+v: %v", want, err)
		}
		// A second store on the same Redis (a restarted bot) sees the same.
		got, err := matchmaker.New(rdb, matchmaker.Config{Prefix: "ob:"}, nil).Onboarding(ctx, tg)
		if err != nil || got != want {
			t.Fatalf("after put = %+v, %v; want %+v", got, err, want)
		}
	}

	ttl := rdb.TTL(ctx, "ob:{t:4242}:onb").Val()
	if ttl <= 0 || ttl > matchmaker.OnboardingTTL || ttl < matchmaker.OnboardingTTL-time.Minute {
		t.Fatalf("ttl = %v; want about %v under the store prefix", ttl, matchmaker.OnboardingTTL)
	}

	// An edit prompt replaces the record: no stale answers survive.
	if err := s.PutOnboarding(ctx, tg, matchmaker.Onboarding{Step: matchmaker.StepEditAge}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Onboarding(ctx, tg); got != (matchmaker.Onboarding{Step: matchmaker.StepEditAge}) {
		t.Fatalf("edit step = %+v", got)
	}

	if err := s.ClearOnboarding(ctx, tg); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearOnboarding(ctx, tg); err != nil {
		t.Fatalf("second clear: %v", err)
	}
	if o, err := s.Onboarding(ctx, tg); err != nil || o.Step != "" {
		t.Fatalf("after clear = %+v, %v", o, err)
	}
}

func TestOnboardingValidation(t *testing.T) {
	s := matchmaker.New(redistest.Start(t).Client(t), matchmaker.Config{}, nil)
	cases := []struct {
		name  string
		o     matchmaker.Onboarding
		field string // "" when valid
	}{
		{"gender step", matchmaker.Onboarding{Step: matchmaker.StepGender}, ""},
		{"edit nickname", matchmaker.Onboarding{Step: matchmaker.StepEditNickname}, ""},
		{"no step", matchmaker.Onboarding{}, "step"},
		{"unknown step", matchmaker.Onboarding{Step: "dance"}, "step"},
		{"bad gender", matchmaker.Onboarding{Step: matchmaker.StepAge, Gender: "robot"}, "gender"},
		{"age step without gender", matchmaker.Onboarding{Step: matchmaker.StepAge}, "gender"},
		{"too young", matchmaker.Onboarding{Step: matchmaker.StepNickname, Gender: matchmaker.Male, Age: 15}, "age"},
		{"too old", matchmaker.Onboarding{Step: matchmaker.StepNickname, Gender: matchmaker.Male, Age: 100}, "age"},
		{"nickname step without age", matchmaker.Onboarding{Step: matchmaker.StepNickname, Gender: matchmaker.Male}, "age"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.PutOnboarding(context.Background(), 1, c.o)
			if c.field == "" {
				if err != nil {
					t.Fatalf("put = %v; want ok", err)
				}
				return
			}
			var fe *matchmaker.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, matchmaker.ErrInvalid) {
				t.Fatalf("put = %v; want invalid %s", err, c.field)
			}
		})
	}
}

func TestOnboardingIgnoresForeignRecord(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Start(t).Client(t)
	s := matchmaker.New(rdb, matchmaker.Config{}, nil)
	rdb.HSet(ctx, "tt:onb:7", "step", "nickname", "gender", "male", "age", "twelve")
	if o, err := s.Onboarding(ctx, 7); err != nil || o.Step != "" {
		t.Fatalf("inconsistent record = %+v, %v; want treated as no progress", o, err)
	}
}
