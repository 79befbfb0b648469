package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tetatet/tetatet/matchmaker"
)

// Notice delivery. The API decides who is told what and queues it on a
// Redis stream; the bot reads it as a member of a consumer group and sends.
const (
	noticeGroup     = "bot"
	noticesInHand   = 32               // read but not yet sent, at most
	noticeReadBlock = 2 * time.Second  // one blocking read of the stream
	chatInterval    = time.Second      // between two notices to one chat
	maxNoticeWait   = 20 * time.Second // one notice in hand, 429 waits included
	maxNoticeAge    = 24 * time.Hour   // older ones are dropped, not sent late
	maxReadBackoff  = 30 * time.Second // between reads while Redis fails
	noticeTimeFmt   = "2006-01-02 15:04 UTC"
)

// noticeSender sends the queued notices: each chat has its own line, so a
// chat that Telegram slows down (429) or that waits for its one-a-second
// turn holds up only itself; all lines share the bot's global pace.
//
// A notice is acknowledged once Telegram took it, refused it for good (the
// user blocked the bot, the chat is gone) or it no longer makes sense. Any
// other failure leaves it unacknowledged: the queue gives it back after
// Config.NoticeRetry, and to another process after Config.NoticeTakeover.
type noticeSender struct {
	b      *Bot
	q      *matchmaker.NoticeQueue
	inHand time.Duration // how long one notice may stay in hand

	mu    sync.Mutex
	held  map[string]bool // stream ids in hand
	chats map[int64]*chatLine
	freed chan struct{} // closed and replaced when a notice leaves hand
	wg    sync.WaitGroup
}

// chatLine is one chat's notices in hand, in order, and its pace.
type chatLine struct {
	queue []matchmaker.Notice
	next  time.Time // the earliest next send to the chat
}

func newNoticeSender(b *Bot) *noticeSender {
	return &noticeSender{
		b: b,
		// Well under the takeover time, so no other process takes over a
		// notice this one still holds.
		inHand: min(maxNoticeWait, b.cfg.NoticeTakeover/2),
		held:   map[string]bool{},
		chats:  map[int64]*chatLine{},
		freed:  make(chan struct{}),
	}
}

// run reads notices until ctx ends and hands them to the chats' lines. A
// send in progress may finish until hctx ends; nothing new starts after ctx.
func (s *noticeSender) run(ctx, hctx context.Context) {
	defer s.wg.Wait()
	var failing bool
	backoff := time.Second
	fail := func(what string, err error) bool {
		if ctx.Err() != nil {
			return false
		}
		if !failing {
			s.b.log.Warn("notices: "+what+" failed, retrying", "err", err)
			failing = true
		}
		if sleep(ctx, backoff) != nil {
			return false
		}
		backoff = min(2*backoff, maxReadBackoff)
		return true
	}
	for s.q == nil {
		q, err := s.b.store.NoticeQueue(ctx, noticeGroup, s.b.cfg.ConsumerName,
			matchmaker.RetryIdle(s.b.cfg.NoticeRetry), matchmaker.TakeoverIdle(s.b.cfg.NoticeTakeover))
		if err != nil {
			if !fail("opening the queue", err) {
				return
			}
			continue
		}
		s.q = q
	}
	s.b.log.Info("notices: consuming", "group", noticeGroup, "consumer", s.b.cfg.ConsumerName)
	for {
		free, ok := s.waitFree(ctx)
		if !ok {
			return
		}
		ns, err := s.read(ctx, free)
		if err != nil {
			if !fail("reading the queue", err) {
				return
			}
			continue
		}
		if failing {
			s.b.log.Info("notices: reading the queue again")
			failing, backoff = false, time.Second
		}
		for _, n := range ns {
			s.take(ctx, hctx, n)
		}
	}
}

// read is one blocking read of the queue that a stop does not wait for:
// the Redis client does not cut a blocking command short when its context
// ends. Whatever an abandoned read returns stays unacknowledged and is read
// again after a restart, or by another process.
func (s *noticeSender) read(ctx context.Context, count int) ([]matchmaker.Notice, error) {
	type result struct {
		ns  []matchmaker.Notice
		err error
	}
	done := make(chan result, 1)
	go func() {
		ns, err := s.q.Read(ctx, count, noticeReadBlock)
		done <- result{ns, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		return r.ns, r.err
	}
}

// waitFree waits until fewer than noticesInHand notices are in hand and
// says how many more may be taken.
func (s *noticeSender) waitFree(ctx context.Context) (int, bool) {
	for {
		s.mu.Lock()
		free, freed := noticesInHand-len(s.held), s.freed
		s.mu.Unlock()
		if free > 0 {
			return free, true
		}
		select {
		case <-ctx.Done():
			return 0, false
		case <-freed:
		}
	}
}

// take puts a notice in its chat's line, starting the line when it has
// none. A notice already in hand (the queue gives back one that waits
// long) is skipped.
func (s *noticeSender) take(ctx, hctx context.Context, n matchmaker.Notice) {
	s.mu.Lock()
	if s.held[n.StreamID] {
		s.mu.Unlock()
		return
	}
	s.held[n.StreamID] = true
	line, running := s.chats[n.TelegramID]
	if !running {
		line = &chatLine{}
		s.chats[n.TelegramID] = line
	}
	line.queue = append(line.queue, n)
	s.mu.Unlock()
	if !running {
		s.wg.Add(1)
		go s.serve(ctx, hctx, n.TelegramID, line)
	}
}

// serve sends a chat's notices one by one, each at its chat's pace, and
// ends when the line stays empty until the pace allows the next send (so
// a notice arriving meanwhile still waits its turn).
func (s *noticeSender) serve(ctx, hctx context.Context, chat int64, line *chatLine) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		wait := time.Until(line.next)
		s.mu.Unlock()
		stopped := sleep(ctx, wait) != nil
		s.mu.Lock()
		if stopped || len(line.queue) == 0 {
			// Left unacknowledged if stopped: read again later.
			for _, n := range line.queue {
				s.releaseLocked(n)
			}
			delete(s.chats, chat)
			s.mu.Unlock()
			return
		}
		n := line.queue[0]
		line.queue = line.queue[1:]
		s.mu.Unlock()

		s.deliver(ctx, hctx, line, n)

		s.mu.Lock()
		s.releaseLocked(n)
		s.mu.Unlock()
	}
}

func (s *noticeSender) releaseLocked(n matchmaker.Notice) {
	delete(s.held, n.StreamID)
	close(s.freed)
	s.freed = make(chan struct{})
}

func (s *noticeSender) pace(line *chatLine, d time.Duration) {
	s.mu.Lock()
	line.next = time.Now().Add(d)
	s.mu.Unlock()
}

// deliver sends one notice, or decides it never will be. Waits for a 429
// end with ctx; the send itself and the bookkeeping after it may run on
// until hctx ends, so a notice Telegram took is marked sent.
func (s *noticeSender) deliver(ctx, hctx context.Context, line *chatLine, n matchmaker.Notice) {
	log := s.b.log.With("kind", string(n.Kind))
	nctx, cancel := context.WithTimeout(hctx, s.inHand)
	defer cancel()
	done := func(outcome string) {
		if err := s.q.Ack(nctx, n); err != nil {
			log.Warn("notice handled but not acknowledged: it may be handled again", "outcome", outcome, "err", err)
		}
	}

	if n.TelegramID == 0 {
		log.Warn("notice without a chat dropped")
		done("invalid")
		return
	}
	if at, ok := streamTime(n.StreamID); ok && time.Since(at) > maxNoticeAge {
		log.Info("notice too old, dropped", "age", time.Since(at).Round(time.Minute))
		done("expired")
		return
	}
	if !n.Until.IsZero() && n.Until.Before(time.Now()) {
		log.Info("notice of a restriction that already ended, dropped")
		done("expired")
		return
	}
	text, kb, ok := s.b.noticeMessage(n)
	if !ok {
		log.Warn("notice of an unknown kind dropped")
		done("unknown")
		return
	}
	if sent, err := s.q.Sent(nctx, n); err != nil {
		log.Warn("notice not sent: cannot check whether it went out already", "err", err)
		return
	} else if sent {
		log.Debug("notice already sent", "tg_id", n.TelegramID)
		done("duplicate")
		return
	}

	params := &tgbot.SendMessageParams{ChatID: n.TelegramID, Text: text}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	for {
		err := s.b.callOnce(nctx, "sendMessage", func(ctx context.Context) error {
			_, err := s.b.tg.SendMessage(ctx, params)
			return err
		})
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case err == nil:
			s.pace(line, chatInterval)
			if err := s.q.MarkSent(nctx, n); err != nil {
				log.Warn("notice sent but not recorded: it may be sent again", "err", err)
			}
			done("sent")
			log.Info("notice sent")
			log.Debug("notice sent", "tg_id", n.TelegramID)
			return
		case errors.As(err, &tooMany):
			wait := max(time.Duration(tooMany.RetryAfter)*time.Second, time.Second)
			s.pace(line, wait)
			if deadline, _ := nctx.Deadline(); time.Now().Add(wait).After(deadline) {
				log.Warn("telegram rate limit on a notice, trying again later", "retry_after", wait)
				return
			}
			log.Warn("telegram rate limit on a notice, waiting", "retry_after", wait)
			if sleep(ctx, wait) != nil {
				return
			}
		case errors.Is(err, tgbot.ErrorForbidden):
			log.Info("notice not delivered: the user blocked the bot or the chat is gone")
			done("forbidden")
			return
		case errors.Is(err, tgbot.ErrorBadRequest):
			// The chat does not exist, or Telegram will never take this
			// message: trying again cannot help.
			log.Warn("notice refused by telegram, dropped", "err", errKind(err))
			done("refused")
			return
		default:
			s.pace(line, chatInterval)
			if ctx.Err() == nil {
				log.Warn("notice not sent, trying again later", "err", errKind(err))
			}
			return
		}
	}
}

// noticeMessage is what a notice says, in the user's language. "Partner
// wrote", "partner found" and "again" come with the button that opens the
// Mini App; none quotes a message or says anything about the partner. Only
// a contact exchange both agreed to gives the partner's t.me link. A ban or
// suspension says until when, never why in the reporters' words.
func (b *Bot) noticeMessage(n matchmaker.Notice) (string, *models.InlineKeyboardMarkup, bool) {
	t := textsFor(n.Lang)
	open := keyboard(row(b.openButton(t)))
	until := n.Until.UTC().Format(noticeTimeFmt)
	switch n.Kind {
	case matchmaker.NoticePartnerWrote:
		return t.NoticeWrote, open, true
	case matchmaker.NoticePartnerFound:
		return t.NoticeFound, open, true
	case matchmaker.NoticeAgain:
		return t.NoticeAgain, open, true
	case matchmaker.NoticeContact:
		if !matchmaker.ValidUsername(n.Contact) {
			return "", nil, false
		}
		return fmt.Sprintf(t.NoticeContact, "https://t.me/"+n.Contact), nil, true
	case matchmaker.NoticeBanned:
		if n.Until.IsZero() {
			return t.NoticeBannedForever, nil, true
		}
		return fmt.Sprintf(t.NoticeBanned, until), nil, true
	case matchmaker.NoticeSuspended:
		if n.Until.IsZero() { // a suspension always ends; be safe anyway
			return t.NoticeBannedForever, nil, true
		}
		return fmt.Sprintf(t.NoticeSuspended, until), nil, true
	}
	return "", nil, false
}

// streamTime is when a stream entry was added (its id is "<ms>-<seq>").
func streamTime(id string) (time.Time, bool) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}
