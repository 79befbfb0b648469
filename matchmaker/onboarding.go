package matchmaker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// OnboardingTTL is how long the bot remembers an unfinished conversation.
// Progress older than this is forgotten and /start begins again.
const OnboardingTTL = 7 * 24 * time.Hour

// Step is where a bot conversation waits for the user's next answer.
type Step string

// Steps of the first-time questions, then the "change my profile" prompts.
const (
	StepGender       Step = "gender"
	StepAge          Step = "age"
	StepNickname     Step = "nickname"
	StepEditAge      Step = "edit_age"
	StepEditNickname Step = "edit_nickname"
)

// Onboarding is the bot's progress with one Telegram user: the step it waits
// on and the answers collected so far. It lives beside the profile, keyed by
// Telegram id, so a restarted (or another) bot process continues where the
// last one stopped. The zero value (Step "") means nothing is in progress.
type Onboarding struct {
	Step   Step
	Gender Gender // chosen at StepGender, "" before
	Age    int    // given at StepAge, 0 before
}

// Validate checks that the record is consistent: a known step, answers that
// pass the profile rules, and every answer the step relies on.
func (o Onboarding) Validate() error {
	switch o.Step {
	case StepGender, StepAge, StepNickname, StepEditAge, StepEditNickname:
	default:
		return invalid("step", "unknown onboarding step %q", o.Step)
	}
	if o.Gender != "" && o.Gender != Male && o.Gender != Female {
		return invalid("gender", `gender must be "male" or "female"`)
	}
	if o.Age != 0 {
		if err := ValidateAge(o.Age); err != nil {
			return err
		}
	}
	if (o.Step == StepAge || o.Step == StepNickname) && o.Gender == "" {
		return invalid("gender", "step %s needs the gender", o.Step)
	}
	if o.Step == StepNickname && o.Age == 0 {
		return invalid("age", "step %s needs the age", o.Step)
	}
	return nil
}

func (s *Store) onboardingKey(telegramID int64) string { return s.tgKey(telegramID) + ":onb" }

// Onboarding returns the progress of a Telegram user, or the zero value when
// nothing is in progress.
func (s *Store) Onboarding(ctx context.Context, telegramID int64) (Onboarding, error) {
	m, err := s.rdb.HGetAll(ctx, s.onboardingKey(telegramID)).Result()
	if err != nil {
		return Onboarding{}, fmt.Errorf("matchmaker: get onboarding: %w", err)
	}
	if len(m) == 0 {
		return Onboarding{}, nil
	}
	o := Onboarding{Step: Step(m["step"]), Gender: Gender(m["gender"])}
	o.Age, _ = strconv.Atoi(m["age"])
	if o.Validate() != nil {
		// A record this code did not write (or an older format): start over
		// rather than act on it.
		return Onboarding{}, nil
	}
	return o, nil
}

// PutOnboarding replaces the progress of a Telegram user and restarts its
// OnboardingTTL.
func (s *Store) PutOnboarding(ctx context.Context, telegramID int64, o Onboarding) error {
	if err := o.Validate(); err != nil {
		return err
	}
	key := s.onboardingKey(telegramID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "step", string(o.Step), "gender", string(o.Gender), "age", o.Age)
		p.Expire(ctx, key, OnboardingTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("matchmaker: put onboarding: %w", err)
	}
	return nil
}

// ClearOnboarding forgets the progress of a Telegram user. It is not an error
// when there is none.
func (s *Store) ClearOnboarding(ctx context.Context, telegramID int64) error {
	if err := s.rdb.Del(ctx, s.onboardingKey(telegramID)).Err(); err != nil {
		return fmt.Errorf("matchmaker: clear onboarding: %w", err)
	}
	return nil
}
