package matchmaker

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// HistoryPage is a page of a room's conversation, oldest first.
type HistoryPage struct {
	Messages []Message
	HasMore  bool
	// Truncated: the page reaches the oldest message kept, and older ones
	// were dropped (MaxMessages).
	Truncated bool
}

// MaxHistoryPage is the largest page History returns.
const MaxHistoryPage = 100

// History returns up to limit messages older than before (a message id; ""
// for the newest). Members only: ErrNotFound, ErrNotMember.
func (s *Store) History(ctx context.Context, telegramID int64, roomID, before string, limit int) (HistoryPage, error) {
	if before != "" && !validMessageID(before) {
		return HistoryPage{}, invalid("before", "before must be a message id")
	}
	if limit < 1 || limit > MaxHistoryPage {
		return HistoryPage{}, invalid("limit", "limit must be between 1 and %d", MaxHistoryPage)
	}
	status, out, err := scriptResult(s.runRoom(ctx, historyScript, roomID,
		strconv.FormatInt(telegramID, 10), before, limit).Result())
	if err != nil {
		return HistoryPage{}, fmt.Errorf("matchmaker: history of %s: %w", roomID, err)
	}
	switch status {
	case "not_found":
		return HistoryPage{}, ErrNotFound
	case "forbidden":
		return HistoryPage{}, ErrNotMember
	}
	page := HistoryPage{HasMore: out[0] == "1", Truncated: out[1] == "1", Messages: make([]Message, 0, len(out)-2)}
	for _, raw := range out[2:] {
		var m Message
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return HistoryPage{}, fmt.Errorf("matchmaker: history of %s: %w", roomID, err)
		}
		page.Messages = append(page.Messages, m)
	}
	return page, nil
}
