// Package matchmaker keeps Tet-a-Tet's state in Redis: profiles, the search
// queue, rooms and their messages. Every step that reads and writes more than
// one key runs as one Lua script (embedded from *.lua beside this file), so
// matching is atomic across any number of API replicas.
//
// It identifies users by an opaque internal id. The Telegram id is stored only
// in the profile record (for the bot and operators) and never leaves this
// package in anything a partner can see.
//
// The scripts build key names from a prefix, so the store needs a single
// Redis (or a replicated primary), not Redis Cluster.
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

// Config tunes the store. Zero values take the defaults.
type Config struct {
	Prefix          string        // key prefix, default "tt:"
	SearchTTL       time.Duration // a waiting search expires after this, default 10m
	RematchCooldown time.Duration // no rematch with the partner just left, default 10m; negative = off
	RoomTTL         time.Duration // an idle room and its messages expire after this, default 24h
	MaxMessages     int           // messages kept per room, default 1000
	// LinksAfter is how many messages each side must have sent before a
	// message may carry a link or an @username; 0 turns the rule off.
	LinksAfter int
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
	return c
}
