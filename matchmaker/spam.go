package matchmaker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Spam caught across chats. Scripted spam in anonymous chats is one
// prepared first message, sent with small variations to partner after
// partner, often with a "send, wait a few seconds, next" loop. Neither a
// captcha nor one partner's report sees that; the store does, from what a
// user does across rooms:
//
//   - the same first message (normalised: case, spaces, digits,
//     punctuation and look-alike letters gone, links reduced to their
//     domain) to SameFirst different partners within SameFirstWindow;
//   - QuickLeaves rooms within QuickLeavesWindow, each left within
//     QuickLeaveAfter of the user's own first message there.
//
// Either puts the user on hold: their searches wait and never match, and
// nothing tells them why; operators see the evidence in the bot and ban or
// release. First messages of fewer than minSpamLetters letters without a
// link ("hi", "привет") never count: everyone sends those.

// SpamConfig tunes the detection; zero values take the defaults.
type SpamConfig struct {
	SameFirst         int           // default 5
	SameFirstWindow   time.Duration // default 1h
	QuickLeaves       int           // default 8
	QuickLeavesWindow time.Duration // default 10m
	QuickLeaveAfter   time.Duration // default 20s
}

func (c SpamConfig) withDefaults() SpamConfig {
	if c.SameFirst == 0 {
		c.SameFirst = 5
	}
	if c.SameFirstWindow == 0 {
		c.SameFirstWindow = time.Hour
	}
	if c.QuickLeaves == 0 {
		c.QuickLeaves = 8
	}
	if c.QuickLeavesWindow == 0 {
		c.QuickLeavesWindow = 10 * time.Minute
	}
	if c.QuickLeaveAfter == 0 {
		c.QuickLeaveAfter = 20 * time.Second
	}
	return c
}

const minSpamLetters = 12

// lookAlike maps letters that look alike across scripts to one of them.
var lookAlike = strings.NewReplacer(
	"а", "a", "в", "b", "е", "e", "ё", "e", "к", "k", "м", "m", "н", "h", "о", "o", "р", "p",
	"с", "c", "т", "t", "у", "y", "х", "x", "і", "i", "ј", "j", "ѕ", "s", "ԁ", "d", "ӏ", "l",
	"0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s",
)

var (
	urlPattern    = regexp.MustCompile(`(?i)(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/?#][^\s]*)?`)
	handlePattern = regexp.MustCompile(`(?i)(?:(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/|@)([a-z0-9_]{4,})(?:[/?#]\S*)?`)
)

// NormalizeFirst is a first message as the detection compares it: links
// reduced to their domain (and @handles to the handle), then lower case,
// look-alike letters folded, and everything but letters dropped.
func NormalizeFirst(text string) (norm string, hasLink bool) {
	var links []string
	text = handlePattern.ReplaceAllStringFunc(text, func(m string) string {
		links = append(links, "@"+strings.ToLower(handlePattern.FindStringSubmatch(m)[1]))
		return " "
	})
	text = urlPattern.ReplaceAllStringFunc(text, func(m string) string {
		links = append(links, strings.ToLower(urlPattern.FindStringSubmatch(m)[1]))
		return " "
	})
	var b strings.Builder
	for _, r := range lookAlike.Replace(strings.ToLower(text)) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	if len(links) > 0 {
		b.WriteString(" " + strings.Join(links, " "))
	}
	return b.String(), len(links) > 0
}

// RecordFirstMessage looks at a user's first message in a room (AddMessage
// says which one is): the same one to enough partners puts them on hold.
func (s *Store) RecordFirstMessage(ctx context.Context, userID, partnerID, roomID, text string) (held bool, err error) {
	norm, link := NormalizeFirst(text)
	if !link && len([]rune(norm)) < minSpamLetters {
		return false, nil
	}
	sum := sha256.Sum256([]byte(norm))
	c := s.cfg.Spam
	res, err := s.runMM(ctx, spamScript, "first", userID, hex.EncodeToString(sum[:8]), partnerID, norm,
		c.SameFirst, c.SameFirstWindow.Milliseconds(), roomID, s.cfg.ReportRetention.Milliseconds()).Text()
	if err != nil {
		return false, fmt.Errorf("matchmaker: first message: %w", err)
	}
	return res == "held", nil
}

// Review is an item of the operators' review queue: a user on hold for
// spam, or one many partners rated down (who is not held: ratings alone
// never stop anyone).
type Review struct {
	UserID     string
	TelegramID int64
	Kind       string // "same_first" | "quick_leaves" | "ratings"
	Since      time.Time
	// Evidence: the normalised text and how many partners got it, the
	// rooms left quickly with the seconds after the first message, or the
	// count of down-ratings.
	Text     string
	Count    int
	Details  []string
	Held     bool
	Released bool
}

// OldestReview returns the oldest review no operator decided, or nil.
func (s *Store) OldestReview(ctx context.Context) (*Review, error) {
	ids, err := s.rdb.ZRange(ctx, s.mmKey()+":review:open", 0, 0).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	h, err := s.rdb.HGetAll(ctx, s.mmKey()+":review:"+ids[0]).Result()
	if err != nil {
		return nil, err
	}
	if len(h) == 0 { // past its retention
		s.rdb.ZRem(ctx, s.mmKey()+":review:open", ids[0])
		return s.OldestReview(ctx)
	}
	r := &Review{UserID: ids[0], Kind: h["kind"], Since: millisTime(h["since"]), Text: h["text"], Held: h["held"] == "1"}
	r.Count, _ = strconv.Atoi(h["count"])
	_ = json.Unmarshal([]byte(h["details"]), &r.Details)
	if u, err := s.GetUserByID(ctx, r.UserID); err == nil {
		r.TelegramID = u.TelegramID
	}
	return r, nil
}

// Release lifts a hold (an operator found the user innocent) and closes
// their review; a waiting search of theirs enters the queue at once.
func (s *Store) Release(ctx context.Context, userID string) error {
	if err := s.runMM(ctx, spamScript, "release", userID).Err(); err != nil {
		return fmt.Errorf("matchmaker: release: %w", err)
	}
	return nil
}

// CloseReview closes a review without lifting a hold (the operator banned).
func (s *Store) CloseReview(ctx context.Context, userID string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.mmKey()+":review:open", userID)
	pipe.Del(ctx, s.mmKey()+":review:"+userID)
	_, err := pipe.Exec(ctx)
	return err
}

// Held reports whether a user is on hold.
func (s *Store) Held(ctx context.Context, userID string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.mmKey()+":hold:"+userID).Result()
	return n == 1, err
}

// Rating is a member's answer to "How was it?" after a chat.
type Rating string

const (
	RatingUp   Rating = "up"
	RatingDown Rating = "down"
)

// RatingsToReview is how many distinct partners rating a user down within
// a day put them in the operators' review queue (never a ban by itself).
const RatingsToReview = 5

// Rate records a member's private rating of a room that ended: once per
// member and room (a second is ignored). Nobody sees anyone's ratings;
// operators see the share of 👍 and review users many partners rated down.
func (s *Store) Rate(ctx context.Context, telegramID int64, roomID string, r Rating) error {
	if r != RatingUp && r != RatingDown {
		return invalid("value", `value must be "up" or "down"`)
	}
	room, err := s.MemberRoom(ctx, telegramID, roomID)
	if err != nil {
		return err
	}
	if room.State == RoomActive {
		return ErrRoomActive
	}
	me, partner, _ := room.SideOf(telegramID)
	if err := s.runMM(ctx, spamScript, "rate", me.UserID, partner.UserID, roomID, string(r), RatingsToReview,
		dayKey(time.Now()), s.cfg.ReportRetention.Milliseconds(), me.MemberID).Err(); err != nil {
		return fmt.Errorf("matchmaker: rate: %w", err)
	}
	return nil
}
