package matchmaker

import "time"

// DieBeforeOutbox makes s stop every run of an outbox entry before its
// first step (on) or carry them out again (off): the process "dies"
// between a matchmaking step and the steps it left for other slots.
func DieBeforeOutbox(s *Store, on bool) { s.dies.Store(on) }

// SetOutboxGrace sets how long an entry waits for its writer before a
// sweeper may run it; the returned function puts the default back.
func SetOutboxGrace(d time.Duration) (restore func()) {
	old := outboxGrace
	outboxGrace = d
	return func() { outboxGrace = old }
}

// LinkPattern is the pattern HasLink applies after its quick check.
var LinkPattern = linkPattern
