package matchmaker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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

// code is the one-letter form the scripts use.
func (g Gender) code() string {
	switch g {
	case Male:
		return "m"
	case Female:
		return "f"
	}
	return "a"
}

func genderOf(code string) Gender {
	switch code {
	case "m", "male":
		return Male
	case "f", "female":
		return Female
	}
	return Gender(code)
}

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
	// Interests, at most MaxInterests of Interests; matching prefers a
	// partner who shares one, among those who waited about as long.
	Interests []string `json:"interests,omitempty"`
}

// Interests are the interests a profile may name, each with the one-letter
// code the queue keeps (its index in this list).
var Interests = []string{"music", "films", "games", "sport", "travel", "books", "tech", "art", "memes", "talk"}

// MaxInterests is how many interests a profile may name.
const MaxInterests = 5

// interestCodes turns interests into the sorted letters the scripts use
// ("a" for music, ...); unknown ones are an error.
func interestCodes(names []string) (string, error) {
	var b []byte
	for _, n := range names {
		i := slices.Index(Interests, n)
		if i < 0 {
			return "", invalid("interests", "unknown interest %q (want some of %s)", n, strings.Join(Interests, ", "))
		}
		if c := byte('a' + i); !slices.Contains(b, c) {
			b = append(b, c)
		}
	}
	if len(b) > MaxInterests {
		return "", invalid("interests", "at most %d interests", MaxInterests)
	}
	slices.Sort(b)
	return string(b), nil
}

// interestNames reads codes back.
func interestNames(codes string) []string {
	var out []string
	for _, c := range []byte(codes) {
		if i := int(c - 'a'); i >= 0 && i < len(Interests) {
			out = append(out, Interests[i])
		}
	}
	return out
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
	codes, err := interestCodes(p.Interests)
	if err != nil {
		return Profile{}, err
	}
	p.Interests = interestNames(codes)
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
	Version    int64 // increases with every change of the profile
	Profile
}

// UserID returns the internal id of a Telegram user with a profile, or
// ErrNoProfile (none yet, or the user deleted their data).
func (s *Store) UserID(ctx context.Context, telegramID int64) (string, error) {
	vals, err := s.rdb.HMGet(ctx, s.tgKey(telegramID), "id", "deleted").Result()
	if err != nil {
		return "", fmt.Errorf("matchmaker: user id: %w", err)
	}
	if str(vals[0]) == "" || str(vals[1]) != "" {
		return "", ErrNoProfile
	}
	return str(vals[0]), nil
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
	vals, err := s.rdb.HMGet(ctx, s.userKey(id), "tg", "nick", "gender", "age", "lang", "ver", "int").Result()
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
	u.Version, _ = strconv.ParseInt(str(vals[5]), 10, 64)
	u.Interests = interestNames(str(vals[6]))
	return u, nil
}

// PutProfile creates or updates the profile of a Telegram user and returns it
// with its internal id. A change of gender or age cancels a waiting search,
// because the queue entry was filed under the old values.
//
// It spans three slots, in an order that is safe to repeat and to stop at
// any point: the Telegram id is linked to an internal id once (a repeat
// finds the same id), the profile is written with a new version, and then
// the matchmaking slot learns the version. A search always carries the
// version of the profile it read and is refused if the matchmaking slot knows
// a newer one, so a search racing a profile change never files the old
// values. Should the process stop before the last step, the next search
// carries the new version and the slot catches up.
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
	link, err := linkScript.Run(ctx, s.rdb, []string{s.tgKey(telegramID)}, newID).Slice()
	if err != nil {
		return User{}, fmt.Errorf("matchmaker: put profile: %w", err)
	}
	id, _ := link[0].(string)
	if id == "" {
		return User{}, fmt.Errorf("matchmaker: put profile: no id")
	}
	codes, _ := interestCodes(p.Interests) // checked by Normalize
	res, err := putProfileScript.Run(ctx, s.rdb, []string{s.userKey(id)}, strconv.FormatInt(telegramID, 10),
		p.Nickname, string(p.Gender), p.Age, lang, time.Now().UnixMilli(), codes).Slice()
	if err != nil {
		return User{}, fmt.Errorf("matchmaker: put profile: %w", err)
	}
	ver, _ := res[0].(int64)
	if err := s.profileChanged(ctx, id, ver, p, lang); err != nil {
		return User{}, err
	}
	if isNew, _ := link[1].(int64); isNew == 1 {
		s.rdb.Incr(ctx, s.mmKey()+":stats:users")
	}
	if lang == "" {
		lang = str(s.rdb.HGet(ctx, s.userKey(id), "lang").Val())
	}
	return User{ID: id, TelegramID: telegramID, Lang: lang, Version: ver, Profile: p}, nil
}

func (s *Store) profileChanged(ctx context.Context, id string, ver int64, p Profile, lang string) error {
	if err := s.runMM(ctx, profileScript, id, ver, p.Gender.code(), p.Age, p.Nickname, lang,
		s.cfg.SearchTTL.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("matchmaker: put profile: %w", err)
	}
	return nil
}

// deleteProfile removes the profile and the bot's progress and marks the
// Telegram link deleted (it stays, so bans and blocks hold). Idempotent.
func (s *Store) deleteProfile(ctx context.Context, userID string, telegramID int64) error {
	if err := s.rdb.Del(ctx, s.userKey(userID)).Err(); err != nil {
		return err
	}
	if telegramID == 0 {
		return nil
	}
	tk := s.tgKey(telegramID)
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, tk+":onb", tk+":rl")
	pipe.HSet(ctx, tk, "deleted", "1")
	_, err := pipe.Exec(ctx)
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return err
}
