// Package matchmaker keeps Tet-a-Tet's state in Redis: profiles, the search
// queue, rooms and their messages, and safety (reports, blocks, bans). Every
// step that reads and writes more than one key runs as one Lua script
// (embedded from *.lua beside this file), so matching is atomic, mutual and
// oldest-first across any number of API replicas.
//
// The store runs on one Redis or on a Redis Cluster with the same code: every
// key carries a hash tag, and every script touches keys of one slot only
// (keys.go tells which slot holds what, and how the few steps that span slots
// stay safe).
//
// It identifies users by an opaque internal id. The Telegram id is stored only
// in records for the bot, for operators and for checking who calls; it never
// leaves this package in anything a partner can see.
package matchmaker

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; the API maps them to HTTP statuses in one place.
var (
	ErrNoProfile      = errors.New("matchmaker: no profile")
	ErrNotFound       = errors.New("matchmaker: room not found")
	ErrNotMember      = errors.New("matchmaker: not a member of the room")
	ErrRoomClosed     = errors.New("matchmaker: room is closed")
	ErrAlreadyMatched = errors.New("matchmaker: already matched")
	ErrInvalid        = errors.New("matchmaker: invalid input")
	ErrLinkNotAllowed = errors.New("matchmaker: links are not allowed yet")
)

// FieldError says which input field is wrong; errors.Is(err, ErrInvalid) holds.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// LinkError is ErrLinkNotAllowed with how many more messages each side must
// send before links are allowed.
type LinkError struct {
	RemainingMe, RemainingPartner int
}

func (e *LinkError) Error() string { return ErrLinkNotAllowed.Error() }
func (e *LinkError) Unwrap() error { return ErrLinkNotAllowed }

// RateLimitedError says an action was refused by its rate limit and when
// to try again.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("matchmaker: rate limited, retry in %s", e.RetryAfter)
}

// Config tunes the store. Zero values take the defaults.
type Config struct {
	Prefix          string        // key prefix, default "tt:"
	SearchTTL       time.Duration // a waiting search expires after this, default 10m
	RematchCooldown time.Duration // no rematch with the partner just left, default 10m; negative = off
	RoomTTL         time.Duration // an idle room and its messages expire after this, default 24h
	MaxMessages     int           // messages kept per room, default 1000 (ROOM_MAX_MESSAGES)
	// LinksAfter is how many messages each side must have sent before a
	// message may carry a link or an @username; 0 turns the rule off.
	LinksAfter int
	// MessageRate limits each member's messages in a room (default 5/s,
	// burst 10). It is checked in the same script that stores the message.
	MessageRate Rate
	// MinorMessageRate is MessageRate in a room of minors (default 1/s,
	// burst 5): minors mode.
	MinorMessageRate Rate
	// NotifyCooldown is the least time between two "your partner wrote"
	// notices of one room (default 5m).
	NotifyCooldown time.Duration
	// PresenceEvery is the least time between two checks of whether a
	// room's partner is away (default 30s): a message asks Centrifugo's
	// presence at most this often per room, not once per message.
	PresenceEvery time.Duration
	// PublishTimeout is how long a publish may still land after it was
	// started; a cleared room's channel history is removed again after
	// twice this (default 3s).
	PublishTimeout time.Duration
	// BatchWait is how long, while messages come faster than one per
	// BatchWait, a room script waits for others to share its round trip to
	// Redis (matchmaker/coalesce: Linger); 0 = never (MESSAGE_BATCH_WAIT).
	BatchWait time.Duration
	// ReportRetention is how long reports and their evidence are kept
	// (default 30 days, as the privacy policy says).
	ReportRetention time.Duration
	// Moderation tunes automatic suspension.
	Moderation ModerationConfig
	// Spam tunes the detection of spam across chats (spam.go).
	Spam SpamConfig
	// InterestWindow: among compatible users who started waiting within
	// this of the oldest, one who shares an interest is preferred
	// (default 5s).
	InterestWindow time.Duration
	// AgainTTL is how long after a room ended its members may wish to
	// talk again (again.go), default 24h.
	AgainTTL time.Duration
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = "tt:"
	}
	if c.SearchTTL == 0 {
		c.SearchTTL = 10 * time.Minute
	}
	if c.RematchCooldown == 0 {
		c.RematchCooldown = 10 * time.Minute
	}
	if c.RoomTTL == 0 {
		c.RoomTTL = 24 * time.Hour
	}
	if c.MaxMessages == 0 {
		c.MaxMessages = 1000
	}
	if c.MessageRate.Every == 0 {
		c.MessageRate = Rate{Every: 200 * time.Millisecond, Burst: 10}
	}
	if c.MinorMessageRate.Every == 0 {
		c.MinorMessageRate = Rate{Every: time.Second, Burst: 5}
	}
	if c.NotifyCooldown == 0 {
		c.NotifyCooldown = 5 * time.Minute
	}
	if c.PresenceEvery == 0 {
		c.PresenceEvery = 30 * time.Second
	}
	if c.PublishTimeout == 0 {
		c.PublishTimeout = 3 * time.Second
	}
	if c.ReportRetention == 0 {
		c.ReportRetention = 30 * 24 * time.Hour
	}
	if c.InterestWindow == 0 {
		c.InterestWindow = 5 * time.Second
	}
	c.Moderation = c.Moderation.withDefaults()
	c.Spam = c.Spam.withDefaults()
	if c.AgainTTL == 0 {
		c.AgainTTL = 24 * time.Hour
	}
	return c
}
