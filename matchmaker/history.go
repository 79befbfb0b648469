package matchmaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// HistoryPage is a page of a room's conversation, oldest first.
type HistoryPage struct {
	Messages []Message
	HasMore  bool
	// Offset and Epoch locate, on the room channel, the newest returned
	// message that was published; Epoch is "" when none was.
	Offset uint64
	Epoch  string
}

// MaxHistoryPage is the largest page History returns.
const MaxHistoryPage = 100

// History returns up to limit messages older than before (a message id; ""
// for the newest). Members only: ErrNotFound, ErrNotMember.
func (s *Store) History(ctx context.Context, userID, roomID, before string, limit int) (HistoryPage, error) {
	b := 0
	if before != "" {
		n, err := strconv.Atoi(before)
		if err != nil || n < 1 {
			return HistoryPage{}, invalid("before", "before must be a message id")
		}
		b = n
	}
	if limit < 1 || limit > MaxHistoryPage {
		return HistoryPage{}, invalid("limit", "limit must be between 1 and %d", MaxHistoryPage)
	}
	status, out, err := scriptResult(s.scripts.history.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, roomID, b, limit).Result())
	if err != nil {
		return HistoryPage{}, fmt.Errorf("matchmaker: history of %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return HistoryPage{}, ErrNotFound
	case "forbidden":
		return HistoryPage{}, ErrNotMember
	}
	page := HistoryPage{HasMore: out[0] == "1", Messages: make([]Message, 0, len(out)-2)}
	if off, epoch, ok := strings.Cut(out[1], ":"); ok {
		page.Offset, _ = strconv.ParseUint(off, 10, 64)
		page.Epoch = epoch
	}
	for _, raw := range out[2:] {
		var m Message
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return HistoryPage{}, fmt.Errorf("matchmaker: history of %s: %w", roomID, err)
		}
		page.Messages = append(page.Messages, m)
	}
	return page, nil
}

// Clear closes the room if it is active and deletes it with its messages,
// for both members. It is idempotent: a room already gone is no error.
// member and closed are as for Leave, so the caller tells the partner.
func (s *Store) Clear(ctx context.Context, userID, roomID string) (member string, closed bool, err error) {
	member, closed, err = s.Leave(ctx, userID, roomID, LeaveOptions{})
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	status, _, err := scriptResult(s.scripts.clear.Run(ctx, s.rdb, nil, s.cfg.Prefix, userID, roomID).Result())
	if err != nil {
		return "", false, fmt.Errorf("matchmaker: clear room %s: %w", roomID, err)
	}
	switch status {
	case "forbidden":
		return "", false, ErrNotMember
	case "active": // a racing search cannot reopen a room; treat as closed meanwhile
		return "", false, fmt.Errorf("matchmaker: clear room %s: still active", roomID)
	}
	return member, closed, nil
}
