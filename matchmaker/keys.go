package matchmaker

import "strconv"

// Key layout. Every key starts with the prefix (default "tt:") and carries a
// hash tag, so Redis Cluster puts each group below in one slot and every
// script works on one slot. On a single Redis the tags are just characters.
//
//	{mm}          matchmaking: the search index and waiting states, each
//	              user's current room, blocks, cooldowns, suspensions and
//	              bans, reporter counts, the reports stream, match records,
//	              the active-rooms index, the outbox, wishes to meet again
//	              (again.go: an again-room needs both users' states, like a
//	              match) and the operators' record of contact exchanges
//	              (consent.go). Matching must see
//	              the whole queue and both users' safety state at once to be
//	              atomic, mutual and oldest-first, so all of that shares one
//	              slot. Its cost per search is bounded (search.lua), so the
//	              slot's shard carries thousands of searches a second; the
//	              heavy traffic (messages) never touches it.
//	{r:<room>}    one room: its record (with the index of client message
//	              ids, and the contact exchange: consent.go), messages,
//	              evidence kept after a clear. Messages, rate limits, read markers and
//	              typing checks touch only this slot: one round trip each.
//	{u:<user>}    one user's profile.
//	{t:<tg id>}   one Telegram user: the link to the internal id, onboarding
//	              progress in the bot, per-user rate limits.
//	{n}           the bot's notices stream and its cooldowns.
//
// Steps that span slots. A state change that needs more than one slot is
// written first as an intent in {mm}: the {mm} script changes what it owns
// and, in the same atomic step, appends the remaining steps to the outbox
// (outbox.go). The caller then runs those steps at once; every step is
// idempotent (creating a room that exists, closing a closed room, publishing
// with an idempotency key), and every replica's sweeper runs any entry left
// behind by a process that died between the parts. So a leave, a report, a
// suspension or a /delete is either not started or completed, never half
// done. Reads that span slots (a user's current room, then that room) rely
// on rooms only moving forward: active, closed, cleared, gone; a room never
// reopens.
func (s *Store) mmKey() string                { return s.cfg.Prefix + "{mm}" }
func (s *Store) roomKey(roomID string) string { return s.cfg.Prefix + "{r:" + roomID + "}" }
func (s *Store) userKey(userID string) string { return s.cfg.Prefix + "{u:" + userID + "}" }
func (s *Store) tgKey(telegramID int64) string {
	return s.cfg.Prefix + "{t:" + strconv.FormatInt(telegramID, 10) + "}"
}
func (s *Store) noticesKey() string { return s.cfg.Prefix + "{n}" }

// roomKeys are the keys of one room, in the order every room script
// declares them: the record (with the client-id index in it), the message
// list and the evidence kept after a clear.
func (s *Store) roomKeys(roomID string) []string {
	k := s.roomKey(roomID)
	return []string{k, k + ":m", k + ":ev"}
}
