package matchmaker

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// RoomState is whether a room still takes messages.
type RoomState string

const (
	RoomActive RoomState = "active"
	RoomClosed RoomState = "closed"
)

// MaxTextLen is the longest message, in characters, after trimming.
const MaxTextLen = 4096

// Member is one side of a room. MemberID is random per room; it is the only
// identity of a user that the partner ever sees.
type Member struct {
	UserID   string
	MemberID string
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

// Message is one chat message as stored and published.
type Message struct {
	ID   string `json:"id"`
	From string `json:"from"` // member id
	Text string `json:"text"`
	TS   int64  `json:"ts"` // Unix ms
}

// Room loads a room, or ErrNotFound.
func (s *Store) Room(ctx context.Context, roomID string) (Room, error) {
	if roomID == "" {
		return Room{}, ErrNotFound
	}
	h, err := s.rdb.HGetAll(ctx, s.key("r:", roomID)).Result()
	if err != nil {
		return Room{}, fmt.Errorf("matchmaker: room %s: %w", roomID, err)
	}
	if h["state"] == "" {
		return Room{}, ErrNotFound
	}
	member := func(side string) Member {
		age, _ := strconv.Atoi(h["a"+side])
		return Member{UserID: h[side], MemberID: h["m"+side],
			Profile: Profile{Nickname: h["n"+side], Gender: Gender(h["g"+side]), Age: age}}
	}
	return Room{
		ID:        roomID,
		State:     RoomState(h["state"]),
		Members:   [2]Member{member("a"), member("b")},
		CreatedAt: millisTime(h["created"]),
		ClosedAt:  millisTime(h["closed_at"]),
		ClosedBy:  h["closed_by"],
	}, nil
}

// MemberRoom loads a room the user belongs to: ErrNotFound, ErrNotMember.
func (s *Store) MemberRoom(ctx context.Context, userID, roomID string) (Room, error) {
	room, err := s.Room(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	if _, _, err := room.Side(userID); err != nil {
		return Room{}, err
	}
	return room, nil
}

// LeaveOptions say how a room ends.
type LeaveOptions struct {
	// By is "" (the user left) or "system".
	By string
	// Block keeps the two users apart for good.
	Block bool
}

// Leave closes the room for both members. It is idempotent: closed reports
// whether this call closed it, so the caller tells the partner only once.
func (s *Store) Leave(ctx context.Context, userID, roomID string, o LeaveOptions) (member string, closed bool, err error) {
	block := ""
	if o.Block {
		block = "1"
	}
	status, out, err := scriptResult(s.scripts.leave.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, roomID,
		max(int64(s.cfg.RematchCooldown/time.Second), 0), seconds(s.cfg.RoomTTL), o.By, block).Result())
	if err != nil {
		return "", false, fmt.Errorf("matchmaker: leave room %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return "", false, ErrNotFound
	case "forbidden":
		return "", false, ErrNotMember
	case "already":
		return out[0], false, nil
	case "closed":
		return out[0], true, nil
	}
	return "", false, fmt.Errorf("matchmaker: leave room %s: unexpected reply %q", roomID, status)
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

// AddMessage stores a message in an active room. A retry with the same
// clientMsgID returns the stored message with Duplicate set; Published then
// says whether it already reached the channel.
func (s *Store) AddMessage(ctx context.Context, userID, roomID, text, clientMsgID string) (m Message, duplicate, published bool, err error) {
	text, err = NormalizeText(text)
	if err != nil {
		return Message{}, false, false, err
	}
	if n := utf8.RuneCountInString(clientMsgID); n > 64 || !utf8.ValidString(clientMsgID) {
		return Message{}, false, false, invalid("client_msg_id", "client_msg_id must be at most 64 characters")
	}
	link := ""
	if s.cfg.LinksAfter > 0 && HasLink(text) {
		link = "1"
	}
	status, out, err := scriptResult(s.scripts.message.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, roomID,
		text, clientMsgID, s.cfg.MaxMessages, seconds(s.cfg.RoomTTL), link, s.cfg.LinksAfter).Result())
	if err != nil {
		return Message{}, false, false, fmt.Errorf("matchmaker: add message to %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return Message{}, false, false, ErrNotFound
	case "forbidden":
		return Message{}, false, false, ErrNotMember
	case "room_closed":
		return Message{}, false, false, ErrRoomClosed
	case "link_not_allowed":
		return Message{}, false, false, ErrLinkNotAllowed
	case "new", "dup":
		if err := json.Unmarshal([]byte(out[0]), &m); err != nil {
			return Message{}, false, false, fmt.Errorf("matchmaker: add message to %s: %w", roomID, err)
		}
		return m, status == "dup", status == "dup" && out[1] == "1", nil
	}
	return Message{}, false, false, fmt.Errorf("matchmaker: add message to %s: unexpected reply %q", roomID, status)
}

// MarkPublished records the channel position a message was published at.
func (s *Store) MarkPublished(ctx context.Context, roomID, messageID string, offset uint64, epoch string) error {
	k := s.key("r:", roomID, ":p")
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, k, messageID, fmt.Sprintf("%d:%s", offset, epoch))
	pipe.Expire(ctx, k, s.cfg.RoomTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("matchmaker: mark published %s/%s: %w", roomID, messageID, err)
	}
	return nil
}

// ActiveMember returns the user's member id in an active room:
// ErrNotFound, ErrNotMember, ErrRoomClosed.
func (s *Store) ActiveMember(ctx context.Context, userID, roomID string) (string, error) {
	vals, err := s.rdb.HMGet(ctx, s.key("r:", roomID), "state", "a", "b", "ma", "mb").Result()
	if err != nil {
		return "", fmt.Errorf("matchmaker: room %s: %w", roomID, err)
	}
	var member string
	switch {
	case vals[0] == nil:
		return "", ErrNotFound
	case str(vals[1]) == userID:
		member = str(vals[3])
	case str(vals[2]) == userID:
		member = str(vals[4])
	default:
		return "", ErrNotMember
	}
	if RoomState(str(vals[0])) != RoomActive {
		return "", ErrRoomClosed
	}
	return member, nil
}

// Messages returns the newest stored messages of a room, oldest first.
func (s *Store) Messages(ctx context.Context, roomID string, limit int) ([]Message, error) {
	raw, err := s.rdb.LRange(ctx, s.key("r:", roomID, ":m"), int64(-limit), -1).Result()
	if err != nil {
		return nil, fmt.Errorf("matchmaker: messages of %s: %w", roomID, err)
	}
	out := make([]Message, 0, len(raw))
	for _, r := range raw {
		var m Message
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			return nil, fmt.Errorf("matchmaker: messages of %s: %w", roomID, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// Deleted reports what DeleteUser removed.
type Deleted struct {
	UserID string
	// RoomID and MemberID are set when an active room was closed, so the
	// caller tells the partner.
	RoomID, MemberID string
}

// DeleteUser removes a Telegram user's profile, search and room state,
// closing an active room. It returns ErrNoProfile when there is nothing.
func (s *Store) DeleteUser(ctx context.Context, telegramID int64) (Deleted, error) {
	status, out, err := scriptResult(s.scripts.deleteUser.Run(ctx, s.rdb, nil, s.cfg.Prefix,
		strconv.FormatInt(telegramID, 10), seconds(s.cfg.RoomTTL)).Result())
	if err != nil {
		return Deleted{}, fmt.Errorf("matchmaker: delete user: %w", err)
	}
	if status == "none" {
		return Deleted{}, ErrNoProfile
	}
	return Deleted{UserID: out[0], RoomID: out[1], MemberID: out[2]}, nil
}
