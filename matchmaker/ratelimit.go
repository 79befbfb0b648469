package matchmaker

import (
	"context"
	"fmt"
	"time"
)

// Rate is a limit: one event per Every on average, up to Burst at once.
type Rate struct {
	Every time.Duration
	Burst int
}

// Allow counts one event of action for a Telegram user against rate. The
// count lives in Redis, so the limit holds across every API replica. When
// the event is refused it returns false and how long to wait. (Messages,
// typing and read markers are limited inside their room's script instead,
// in the same round trip as the action.)
func (s *Store) Allow(ctx context.Context, action string, telegramID int64, rate Rate) (bool, time.Duration, error) {
	res, err := rateLimitScript.Run(ctx, s.rdb, []string{s.tgKey(telegramID) + ":rl"}, action,
		rate.Every.Milliseconds(), rate.Burst).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("matchmaker: rate limit %s: %w", action, err)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, time.Duration(res[1]) * time.Millisecond, nil
}
