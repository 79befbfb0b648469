package matchmaker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Gender of a profile. Filters also accept GenderAny.
type Gender string

const (
	Male      Gender = "male"
	Female    Gender = "female"
	GenderAny Gender = "any"
)

// Age limits of the product; AdultAge splits the two pools that never meet.
const (
	MinAge   = 16
	MaxAge   = 99
	AdultAge = 18
)

// Profile is what a partner may see of a user. The bot and the API write the
// same record through PutProfile, so both apply the same rules.
type Profile struct {
	Nickname string `json:"nickname"`
	Gender   Gender `json:"gender"`
	Age      int    `json:"age"`
}

// Normalize trims the nickname and validates every field.
func (p Profile) Normalize() (Profile, error) {
	nick, err := NormalizeNickname(p.Nickname)
	if err != nil {
		return Profile{}, err
	}
	p.Nickname = nick
	if p.Gender != Male && p.Gender != Female {
		return Profile{}, invalid("gender", `gender must be "male" or "female"`)
	}
	if err := ValidateAge(p.Age); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// NormalizeNickname trims spaces and accepts 2–32 printable characters.
func NormalizeNickname(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", invalid("nickname", "nickname must be valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 32 {
		return "", invalid("nickname", "nickname must be 2 to 32 characters")
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "", invalid("nickname", "nickname must contain only printable characters")
		}
	}
	return s, nil
}

// ValidateAge accepts MinAge..MaxAge.
func ValidateAge(age int) error {
	if age < MinAge || age > MaxAge {
		return invalid("age", "age must be between %d and %d", MinAge, MaxAge)
	}
	return nil
}

// User is a profile with its owner's ids, for the bot and operators.
type User struct {
	ID         string // opaque internal id
	TelegramID int64
	Lang       string
	Profile
}

// UserID returns the internal id of a Telegram user, or ErrNoProfile.
func (s *Store) UserID(ctx context.Context, telegramID int64) (string, error) {
	id, err := s.rdb.Get(ctx, s.key("tg:", strconv.FormatInt(telegramID, 10))).Result()
	if err == redis.Nil {
		return "", ErrNoProfile
	}
	if err != nil {
		return "", fmt.Errorf("matchmaker: user id: %w", err)
	}
	return id, nil
}

// GetUser returns the profile of a Telegram user, or ErrNoProfile.
func (s *Store) GetUser(ctx context.Context, telegramID int64) (User, error) {
	id, err := s.UserID(ctx, telegramID)
	if err != nil {
		return User{}, err
	}
	return s.GetUserByID(ctx, id)
}

// GetUserByID returns a profile by internal id, or ErrNoProfile.
func (s *Store) GetUserByID(ctx context.Context, id string) (User, error) {
	vals, err := s.rdb.HMGet(ctx, s.key("u:", id), "tg", "nick", "gender", "age", "lang").Result()
	if err != nil {
		return User{}, fmt.Errorf("matchmaker: get user: %w", err)
	}
	if vals[0] == nil {
		return User{}, ErrNoProfile
	}
	u := User{ID: id}
	u.TelegramID, _ = strconv.ParseInt(str(vals[0]), 10, 64)
	u.Nickname = str(vals[1])
	u.Gender = Gender(str(vals[2]))
	u.Age, _ = strconv.Atoi(str(vals[3]))
	u.Lang = str(vals[4])
	return u, nil
}

// PutProfile creates or updates the profile of a Telegram user and returns it
// with its internal id. A change of gender or age cancels a waiting search,
// because the queue entry was filed under the old values.
func (s *Store) PutProfile(ctx context.Context, telegramID int64, lang string, p Profile) (User, error) {
	p, err := p.Normalize()
	if err != nil {
		return User{}, err
	}
	if len(lang) > 16 {
		lang = lang[:16]
	}
	newID, err := randomID(12)
	if err != nil {
		return User{}, err
	}
	id, err := s.scripts.putProfile.Run(ctx, s.rdb, nil,
		s.cfg.Prefix, strconv.FormatInt(telegramID, 10), newID,
		p.Nickname, string(p.Gender), p.Age, lang, nowMillis()).Text()
	if err != nil {
		return User{}, fmt.Errorf("matchmaker: put profile: %w", err)
	}
	return User{ID: id, TelegramID: telegramID, Lang: lang, Profile: p}, nil
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
