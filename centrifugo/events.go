package centrifugo

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
)

// Room channel publications. Every one names its sender by member id only.
const (
	EventMessage = "message"
	EventTyping  = "typing"
	EventRead    = "read"
	EventLeft    = "left"
)

// RoomEvent is a publication on a room channel.
type RoomEvent struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	From string `json:"from"`
	Text string `json:"text,omitempty"`
	TS   int64  `json:"ts,omitempty"`
	// ClientMsgID is the sender app's own id of a message: its app knows
	// the stored message by it. It is random per message, so it tells the
	// partner nothing.
	ClientMsgID string `json:"client_msg_id,omitempty"`
	ReplyTo     string `json:"reply_to,omitempty"`
	// UpTo is a read marker: the newest message the sender has seen.
	UpTo string `json:"up_to,omitempty"`
	// Media is a message's photo or voice message.
	Media *matchmaker.Media `json:"media,omitempty"`
}

// MarshalJSON writes a message's "text" even when it is empty (a photo or
// voice message without a caption), as the history API does; other events
// leave it out.
func (e RoomEvent) MarshalJSON() ([]byte, error) {
	type plain RoomEvent
	if e.Type != EventMessage {
		return json.Marshal(plain(e))
	}
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(e), e.Text})
}

// MessageEvent is the publication of a stored message.
func MessageEvent(m matchmaker.Message) RoomEvent {
	return RoomEvent{Type: EventMessage, ID: m.ID, From: m.From, Text: m.Text, TS: m.TS,
		ClientMsgID: m.ClientMsgID, ReplyTo: m.ReplyTo, Media: m.Media}
}

// MessageKey is the idempotency key of a message's publication. It is
// derived from what the sender's retry repeats (its member id and client
// message id), so even a retry that the store no longer recognises (it lost
// its last writes) is not published twice; without a client id, from the
// message id.
func MessageKey(roomID string, m matchmaker.Message) string {
	if m.ClientMsgID != "" {
		return "m:" + roomID + ":" + m.From + ":" + m.ClientMsgID
	}
	return "m:" + roomID + ":" + m.ID
}

// Left is the publication that closes a room for the partner.
func Left(member string) RoomEvent { return RoomEvent{Type: EventLeft, From: member} }

// PartnerView is what a member sees of the partner: the profile they chose
// to show, nothing else.
type PartnerView struct {
	Nickname string `json:"nickname"`
	Gender   string `json:"gender"`
	Age      int    `json:"age"`
}

// RoomView is a room as one member sees it (the API's Room object).
type RoomView struct {
	ID      string      `json:"id"`
	Channel string      `json:"channel"`
	Me      string      `json:"me"`
	Partner PartnerView `json:"partner"`
	// SharedInterests are the interests both named (shown to both).
	SharedInterests []string `json:"shared_interests,omitempty"`
}

// ViewRoom is the room as userID sees it; nil if they are not a member.
func ViewRoom(room matchmaker.Room, userID string) *RoomView {
	me, partner, err := room.Side(userID)
	if err != nil {
		return nil
	}
	return &RoomView{ID: room.ID, Channel: RoomChannel(room.ID), Me: me.MemberID,
		Partner:         PartnerView{Nickname: partner.Nickname, Gender: string(partner.Gender), Age: partner.Age},
		SharedInterests: room.SharedInterests}
}

// PersonalEvent is a publication on a user's personal channel: "matched"
// (with the room) or "search_expired".
type PersonalEvent struct {
	Type string    `json:"type"`
	Room *RoomView `json:"room,omitempty"`
}

// Restricted is the personal-channel publication that tells a user's app
// they were suspended or banned (until: Unix ms, 0 = for good).
type Restricted struct {
	Type  string `json:"type"`
	Code  string `json:"code"`
	Until int64  `json:"until,omitempty"`
}

// Announcer tells users what the store did, through publications
// (matchmaker.Announcer). Every publication that a repeated step could send
// again carries an idempotency key, so it reaches its channel once.
type Announcer struct {
	pub    *Publisher
	tokens *Tokens
}

// NewAnnouncer returns an announcer publishing through pub.
func NewAnnouncer(pub *Publisher, tokens *Tokens) *Announcer {
	return &Announcer{pub: pub, tokens: tokens}
}

var _ matchmaker.Announcer = (*Announcer)(nil)

// Matched pushes the room to the member who waited.
func (a *Announcer) Matched(ctx context.Context, room matchmaker.Room, userID string) error {
	_, err := a.pub.Publish(ctx, a.tokens.PersonalChannel(userID),
		PersonalEvent{Type: "matched", Room: ViewRoom(room, userID)}, "matched:"+room.ID)
	return err
}

// Left tells the room the member left; a room ends once.
func (a *Announcer) Left(ctx context.Context, roomID, member string) error {
	_, err := a.pub.Publish(ctx, RoomChannel(roomID), Left(member), "left:"+roomID)
	return err
}

// Restricted tells the user's app it was suspended or banned.
func (a *Announcer) Restricted(ctx context.Context, userID, code string, until time.Time) error {
	ev := Restricted{Type: "restricted", Code: code}
	if !until.IsZero() {
		ev.Until = until.UnixMilli()
	}
	_, err := a.pub.Publish(ctx, a.tokens.PersonalChannel(userID), ev,
		"restricted:"+userID+":"+code+":"+strconv.FormatInt(ev.Until, 10))
	return err
}

// SearchExpired tells the user's app its search ran out.
func (a *Announcer) SearchExpired(ctx context.Context, userID string) error {
	_, err := a.pub.Publish(ctx, a.tokens.PersonalChannel(userID), PersonalEvent{Type: "search_expired"}, "")
	return err
}

// RemoveHistory deletes a room channel's history.
func (a *Announcer) RemoveHistory(ctx context.Context, roomID string) error {
	return a.pub.RemoveHistory(ctx, RoomChannel(roomID))
}

// AppOpen reports whether the user's Mini App is connected (anyone on their
// personal channel).
func (a *Announcer) AppOpen(ctx context.Context, userID string) (bool, error) {
	return a.pub.Online(ctx, a.tokens.PersonalChannel(userID))
}
