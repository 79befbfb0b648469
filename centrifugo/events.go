package centrifugo

import (
	"context"
	"errors"
	"time"
)

// Room channel publications. Every one names its sender by member id only.
const (
	EventMessage = "message"
	EventTyping  = "typing"
	EventLeft    = "left"
)

// RoomEvent is a publication on a room channel.
type RoomEvent struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	From string `json:"from"`
	Text string `json:"text,omitempty"`
	TS   int64  `json:"ts,omitempty"`
}

// Left is the publication that closes a room for the partner.
func Left(member string) RoomEvent { return RoomEvent{Type: EventLeft, From: member} }

// Restricted is the personal-channel publication that tells a user's app
// they were suspended or banned (until: Unix ms, 0 = for good).
type Restricted struct {
	Type  string `json:"type"`
	Code  string `json:"code"`
	Until int64  `json:"until,omitempty"`
}

// AnnounceRestriction tells the partner of the room a restriction closed
// ("left", roomID "" = none) and the restricted user's app ("restricted").
func AnnounceRestriction(ctx context.Context, pub interface {
	Publish(ctx context.Context, channel string, data any) (Position, error)
}, tokens *Tokens, userID, code string, until time.Time, roomID, member string) error {
	var errs []error
	if roomID != "" {
		if _, err := pub.Publish(ctx, RoomChannel(roomID), Left(member)); err != nil {
			errs = append(errs, err)
		}
	}
	ev := Restricted{Type: "restricted", Code: code}
	if !until.IsZero() {
		ev.Until = until.UnixMilli()
	}
	if _, err := pub.Publish(ctx, tokens.PersonalChannel(userID), ev); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
