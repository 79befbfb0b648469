package matchmaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// RoomState is whether a room still takes messages.
type RoomState string

const (
	RoomActive RoomState = "active"
	RoomClosed RoomState = "closed"
)

// MaxTextLen is the longest message, in characters, after trimming.
const MaxTextLen = 4096

// evidenceSize is how many of a room's last messages a report carries.
const evidenceSize = 50

// Member is one side of a room. MemberID is random per room; it is the only
// identity of a user that the partner ever sees.
type Member struct {
	UserID     string
	MemberID   string
	TelegramID int64 // 0 once the user deleted their data
	Lang       string
	// FirstWrote is when the member first wrote in the room (zero: never).
	FirstWrote time.Time
	// Sent is how many messages the member sent in the room (Room reads it).
	Sent int
	Profile
}

// Room is a conversation between two users. Members[0] is the one who waited.
type Room struct {
	ID        string
	State     RoomState
	Members   [2]Member
	CreatedAt time.Time
	ClosedAt  time.Time
	ClosedBy  string // user id, or "system"
	// Cleared is set once a member cleared the conversation: its messages
	// are gone for both.
	Cleared bool
	// Read is each member's read marker (member id -> newest message id
	// they have seen), "" when none.
	Read map[string]string
	// SharedInterests are the interests both members named.
	SharedInterests []string
	// Reveal is where the contact exchange stands (consent.go).
	Reveal Reveal
}

// Side returns the user's own member and the partner, or ErrNotMember.
func (r Room) Side(userID string) (me, partner Member, err error) {
	switch userID {
	case r.Members[0].UserID:
		return r.Members[0], r.Members[1], nil
	case r.Members[1].UserID:
		return r.Members[1], r.Members[0], nil
	}
	return Member{}, Member{}, ErrNotMember
}

// SideOf is Side for the Telegram user calling.
func (r Room) SideOf(telegramID int64) (me, partner Member, err error) {
	switch {
	case telegramID == 0:
	case telegramID == r.Members[0].TelegramID:
		return r.Members[0], r.Members[1], nil
	case telegramID == r.Members[1].TelegramID:
		return r.Members[1], r.Members[0], nil
	}
	return Member{}, Member{}, ErrNotMember
}

// Message is one chat message as stored and published.
type Message struct {
	ID   string `json:"id"`
	From string `json:"from"` // member id
	TS   int64  `json:"ts"`   // Unix ms
	Text string `json:"text"`
	// ClientMsgID is the sender's own id for the message (its app knows its
	// stored message by it).
	ClientMsgID string `json:"cmid,omitempty"`
	// ReplyTo is the id of the message this one answers.
	ReplyTo string `json:"reply_to,omitempty"`
	// Media is the photo or voice message it carries.
	Media *Media `json:"media,omitempty"`
}

// roomRecord is a match as search.lua writes it, from which the room is
// created.
type roomRecord struct {
	ID      string       `json:"id"`
	Created int64        `json:"created"`
	Shared  string       `json:"si"`
	A       recordMember `json:"a"`
	B       recordMember `json:"b"`
}

type recordMember struct {
	UID    string `json:"uid"`
	Member string `json:"member"`
	Nick   string `json:"nick"`
	Gender string `json:"gender"`
	Age    int    `json:"age"`
	TG     string `json:"tg"`
	Lang   string `json:"lang"`
}

func (m recordMember) member() Member {
	tg, _ := strconv.ParseInt(m.TG, 10, 64)
	return Member{UserID: m.UID, MemberID: m.Member, TelegramID: tg, Lang: m.Lang,
		Profile: Profile{Nickname: m.Nick, Gender: genderOf(m.Gender), Age: m.Age}}
}

// ensureRoom creates a matched room from its match record if the record is
// still there (once created, the record goes), and returns the room.
func (s *Store) ensureRoom(ctx context.Context, roomID string) (Room, error) {
	rk := s.mmKey() + ":m:" + roomID
	raw, err := s.rdb.Get(ctx, rk).Result()
	if errors.Is(err, redis.Nil) {
		return s.Room(ctx, roomID)
	}
	if err != nil {
		return Room{}, fmt.Errorf("matchmaker: room %s: %w", roomID, err)
	}
	room, err := s.createRoom(ctx, roomID, raw)
	if err != nil {
		return Room{}, err
	}
	if err := s.rdb.Del(ctx, rk).Err(); err != nil {
		return Room{}, fmt.Errorf("matchmaker: room %s record: %w", roomID, err)
	}
	return room, nil
}

// createRoom creates a room from its match record (idempotent: a room that
// exists stays as it is) and returns it as the record says.
func (s *Store) createRoom(ctx context.Context, roomID, raw string) (Room, error) {
	var rec roomRecord
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return Room{}, fmt.Errorf("matchmaker: room %s record: %w", roomID, err)
	}
	if err := s.runRoom(ctx, roomCreateScript, roomID, raw, seconds(s.cfg.RoomTTL)).Err(); err != nil {
		return Room{}, fmt.Errorf("matchmaker: create room %s: %w", roomID, err)
	}
	return Room{ID: roomID, State: RoomActive, CreatedAt: time.UnixMilli(rec.Created),
		Members: [2]Member{rec.A.member(), rec.B.member()}, Read: map[string]string{}, SharedInterests: interestNames(rec.Shared)}, nil
}

// Room loads a room, or ErrNotFound.
func (s *Store) Room(ctx context.Context, roomID string) (Room, error) {
	if roomID == "" {
		return Room{}, ErrNotFound
	}
	h, err := s.rdb.HGetAll(ctx, s.roomKey(roomID)).Result()
	if err != nil {
		return Room{}, fmt.Errorf("matchmaker: room %s: %w", roomID, err)
	}
	if h["state"] == "" {
		return Room{}, ErrNotFound
	}
	member := func(side string) Member {
		age, _ := strconv.Atoi(h["a"+side])
		tg, _ := strconv.ParseInt(h["t"+side], 10, 64)
		sent, _ := strconv.Atoi(h["n:"+h["m"+side]])
		return Member{UserID: h["u"+side], MemberID: h["m"+side], TelegramID: tg, Lang: h["l"+side],
			FirstWrote: millisTime(h["f:"+h["m"+side]]), Sent: sent,
			Profile: Profile{Nickname: h["n"+side], Gender: genderOf(h["g"+side]), Age: age}}
	}
	room := Room{
		ID:        roomID,
		State:     RoomState(h["state"]),
		Members:   [2]Member{member("a"), member("b")},
		CreatedAt: millisTime(h["created"]),
		ClosedAt:  millisTime(h["closed_at"]),
		ClosedBy:  h["closed_by"],
		Cleared:   h["cleared"] == "1",
		Read:      map[string]string{},

		SharedInterests: interestNames(h["si"]),
	}
	for _, m := range room.Members {
		room.Read[m.MemberID] = h["read:"+m.MemberID]
	}
	room.Reveal = reveal(h, room.Members)
	return room, nil
}

// MemberRoom loads a room the Telegram user belongs to: ErrNotFound,
// ErrNotMember.
func (s *Store) MemberRoom(ctx context.Context, telegramID int64, roomID string) (Room, error) {
	room, err := s.Room(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	if _, _, err := room.SideOf(telegramID); err != nil {
		return Room{}, err
	}
	return room, nil
}

// LeaveOptions say how a room ends.
type LeaveOptions struct {
	// Block keeps the two users apart for good.
	Block bool
}

// Leave closes the room for both members and tells the partner; with Block
// the two never meet again (that works on a closed room too). It is
// idempotent, and once it returns the change is complete even if the caller
// went away meanwhile.
func (s *Store) Leave(ctx context.Context, telegramID int64, roomID string, o LeaveOptions) error {
	return s.endRoom(ctx, telegramID, roomID, "leave", o.Block)
}

// Clear closes the room if it is active and deletes its conversation for
// both members (its channel history too). The last messages stay hidden in
// the room's evidence until the room expires, only so that either member
// can still report. Idempotent: a room already gone is no error.
func (s *Store) Clear(ctx context.Context, telegramID int64, roomID string) error {
	err := s.endRoom(ctx, telegramID, roomID, "clear", false)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (s *Store) endRoom(ctx context.Context, telegramID int64, roomID, mode string, block bool) error {
	room, err := s.MemberRoom(ctx, telegramID, roomID)
	if err != nil {
		return err
	}
	me, partner, _ := room.SideOf(telegramID)
	b, cooldown, active := "", int64(0), ""
	if block {
		b = "1"
	}
	if room.State == RoomActive {
		active = "1"
		if s.cfg.RematchCooldown > 0 {
			cooldown = seconds(s.cfg.RematchCooldown)
		}
	}
	if active == "" && mode == "leave" && !block {
		return nil // already closed: nothing to do
	}
	first := ""
	if !me.FirstWrote.IsZero() {
		first = strconv.FormatInt(me.FirstWrote.UnixMilli(), 10)
	}
	sp := s.cfg.Spam
	status, out, err := scriptResult(s.runMM(ctx, endScript, me.UserID, partner.UserID, roomID, mode, b, cooldown,
		seconds(s.cfg.RoomTTL), outboxGrace.Milliseconds(), (2*s.cfg.PublishTimeout + time.Second).Milliseconds(), active,
		first, sp.QuickLeaveAfter.Milliseconds(), sp.QuickLeaves, sp.QuickLeavesWindow.Milliseconds(),
		s.cfg.ReportRetention.Milliseconds()).Result())
	if err != nil || status != "ok" {
		return fmt.Errorf("matchmaker: %s room %s: %w (%s)", mode, roomID, err, status)
	}
	steps, err := parseSteps(out[1])
	if err != nil {
		return err
	}
	return s.runEntry(ctx, out[0], steps)
}

// NormalizeText trims a message and checks its length.
func NormalizeText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if !utf8.ValidString(text) {
		return "", invalid("text", "text must be valid UTF-8")
	}
	n := utf8.RuneCountInString(text)
	if n == 0 {
		return "", invalid("text", "text must not be empty")
	}
	if n > MaxTextLen {
		return "", invalid("text", "text must be at most %d characters", MaxTextLen)
	}
	return text, nil
}

// NewMessage is a message to store.
type NewMessage struct {
	Text        string
	ClientMsgID string
	ReplyTo     string
	// MediaID sends an upload (AddMedia) of the sender's in this room; Text
	// is then optional (a caption). Spoiler hides a photo until tapped.
	MediaID string
	Spoiler bool
}

// Stored is what AddMessage did.
type Stored struct {
	Message Message
	// Duplicate: a retry with the same client message id; Message is the
	// one stored the first time.
	Duplicate bool
	// CheckAway is set when it is time to check whether the partner has the
	// room open (at most once per PresenceEvery per room); Partner says who.
	CheckAway bool
	Partner   Member
	// First: the sender's first message in this room (RecordFirstMessage
	// looks at it for spam across chats); SenderID and PartnerID are set
	// with it.
	First               bool
	SenderID, PartnerID string
}

// AddMessage stores a message in an active room in one round trip: the
// caller's membership (by Telegram id), their message rate, the duplicate
// check and the links rule are all part of the same script. A retry with
// the same client message id returns the stored message with Duplicate set.
func (s *Store) AddMessage(ctx context.Context, telegramID int64, roomID string, m NewMessage) (Stored, error) {
	text, err := NormalizeText(m.Text)
	if m.MediaID != "" && strings.TrimSpace(m.Text) == "" {
		text, err = "", nil // a photo or voice message needs no caption
	}
	if err != nil {
		return Stored{}, err
	}
	if m.MediaID != "" && MediaRoom(m.MediaID) != roomID {
		return Stored{}, invalid("media_id", "media_id must be an upload of yours in this room, not sent yet")
	}
	spoiler := ""
	if m.Spoiler {
		spoiler = "1"
	}
	if n := utf8.RuneCountInString(m.ClientMsgID); n > 64 || !utf8.ValidString(m.ClientMsgID) {
		return Stored{}, invalid("client_msg_id", "client_msg_id must be at most 64 characters")
	}
	if m.ReplyTo != "" && !validMessageID(m.ReplyTo) {
		return Stored{}, invalid("reply_to", "reply_to must be a message id of this room")
	}
	link := ""
	if HasLink(text) { // the links rule, and minors never send links
		link = "1"
	}
	status, out, err := scriptResult(s.runRoom(ctx, messageScript, roomID,
		strconv.FormatInt(telegramID, 10), text, m.ClientMsgID, m.ReplyTo, s.cfg.MaxMessages, seconds(s.cfg.RoomTTL),
		link, s.cfg.LinksAfter, s.cfg.MessageRate.Every.Milliseconds(), s.cfg.MessageRate.Burst,
		s.cfg.PresenceEvery.Milliseconds(), m.MediaID, spoiler,
		s.cfg.MinorMessageRate.Every.Milliseconds(), s.cfg.MinorMessageRate.Burst).Result())
	if err != nil {
		return Stored{}, fmt.Errorf("matchmaker: add message to %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return Stored{}, ErrNotFound
	case "forbidden":
		return Stored{}, ErrNotMember
	case "room_closed":
		return Stored{}, ErrRoomClosed
	case "bad_reply":
		return Stored{}, invalid("reply_to", "reply_to must be a message of this room that is still kept")
	case "bad_media":
		return Stored{}, invalid("media_id", "media_id must be an upload of yours in this room, not sent yet")
	case "minor_link":
		return Stored{}, &MinorsError{Rule: "links"}
	case "rate_limited":
		wait, _ := strconv.ParseInt(out[0], 10, 64)
		return Stored{}, &RateLimitedError{RetryAfter: time.Duration(wait) * time.Millisecond}
	case "link_not_allowed":
		a, _ := strconv.Atoi(out[0])
		b, _ := strconv.Atoi(out[1])
		return Stored{}, &LinkError{RemainingMe: a, RemainingPartner: b}
	case "new", "dup":
		var st Stored
		if err := json.Unmarshal([]byte(out[0]), &st.Message); err != nil {
			return Stored{}, fmt.Errorf("matchmaker: add message to %s: %w", roomID, err)
		}
		st.Duplicate = status == "dup"
		if status == "new" {
			s.messages.Add(1)
			st.First = out[5] == "1"
			st.SenderID, st.PartnerID = out[6], out[7]
			if out[1] == "1" {
				tg, _ := strconv.ParseInt(out[3], 10, 64)
				st.CheckAway = true
				st.Partner = Member{MemberID: out[2], TelegramID: tg, Lang: out[4]}
			}
		}
		return st, nil
	}
	return Stored{}, fmt.Errorf("matchmaker: add message to %s: unexpected reply %q", roomID, status)
}

// validMessageID: ids are 16 decimal digits.
func validMessageID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Action is a member's small action in a room.
type Action string

const (
	ActionTyping Action = "typing"
	ActionRead   Action = "read"
)

// Acted is what Act did: the caller's member id, and for a read marker the
// marker after the call and whether this call moved it.
type Acted struct {
	Member  string
	Read    string
	Changed bool
}

// Act checks membership and the member's rate for a small action and, for
// ActionRead, moves the member's read marker forward to upTo (never past
// the newest message). Typing needs an active room (ErrRoomClosed).
func (s *Store) Act(ctx context.Context, telegramID int64, roomID string, a Action, rate Rate, upTo string) (Acted, error) {
	if a == ActionRead && !validMessageID(upTo) {
		return Acted{}, invalid("up_to", "up_to must be a message id")
	}
	status, out, err := scriptResult(s.runRoom(ctx, actionScript, roomID, strconv.FormatInt(telegramID, 10),
		string(a), rate.Every.Milliseconds(), rate.Burst, upTo).Result())
	if err != nil {
		return Acted{}, fmt.Errorf("matchmaker: %s in %s: %w", a, roomID, err)
	}
	switch status {
	case "not_found":
		return Acted{}, ErrNotFound
	case "forbidden":
		return Acted{}, ErrNotMember
	case "room_closed":
		return Acted{}, ErrRoomClosed
	case "rate_limited":
		wait, _ := strconv.ParseInt(out[0], 10, 64)
		return Acted{}, &RateLimitedError{RetryAfter: time.Duration(wait) * time.Millisecond}
	case "ok":
		return Acted{Member: out[0], Read: out[1], Changed: out[2] == "1"}, nil
	}
	return Acted{}, fmt.Errorf("matchmaker: %s in %s: unexpected reply %q", a, roomID, status)
}

// Deleted reports what DeleteUser removed.
type Deleted struct {
	UserID string
}

// DeleteUser removes a Telegram user's data, as the privacy policy says: the
// profile, search and state go, and every conversation of theirs still kept
// is cleared for both sides at once (the partner sees it end). Only the
// link between the Telegram id and the internal id stays, so blocks and bans
// hold. It returns ErrNoProfile when there is nothing.
func (s *Store) DeleteUser(ctx context.Context, telegramID int64) (Deleted, error) {
	id, err := s.rdb.HGet(ctx, s.tgKey(telegramID), "id").Result()
	if errors.Is(err, redis.Nil) {
		return Deleted{}, ErrNoProfile
	}
	if err != nil {
		return Deleted{}, fmt.Errorf("matchmaker: delete user: %w", err)
	}
	if n, err := s.rdb.Exists(ctx, s.userKey(id)).Result(); err != nil || n == 0 {
		if err == nil {
			err = ErrNoProfile
		}
		return Deleted{}, err
	}
	status, out, err := scriptResult(s.runMM(ctx, deleteUserScript, id, strconv.FormatInt(telegramID, 10),
		seconds(s.cfg.RoomTTL), outboxGrace.Milliseconds(), (2*s.cfg.PublishTimeout + time.Second).Milliseconds()).Result())
	if err != nil || status != "ok" {
		return Deleted{}, fmt.Errorf("matchmaker: delete user: %w", err)
	}
	steps, err := parseSteps(out[1])
	if err != nil {
		return Deleted{}, err
	}
	return Deleted{UserID: id}, s.runEntry(ctx, out[0], steps)
}
