package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Limits of the calls to the Bot API.
const (
	callTimeout   = 15 * time.Second // one HTTP call, not counting 429 waits
	maxAttempts   = 3                // first try plus two retries after a 429
	maxRetryAfter = 30 * time.Second // a longer retry_after is not waited for
	globalRate    = 30               // messages a second to all chats together
)

// apiError is a failed Bot API call. Handlers tell it apart from a failure on
// our side (Redis), which the user hears about as "try again later".
type apiError struct {
	method string
	err    error
}

func (e *apiError) Error() string { return fmt.Sprintf("telegram %s: %v", e.method, e.err) }
func (e *apiError) Unwrap() error { return e.err }

// call runs one Bot API call with a deadline. A 429 is retried after the
// retry_after Telegram asks for, at most maxAttempts times in all and never
// for longer than maxRetryAfter or past ctx. Nothing else is retried: a 403
// (the user blocked the bot) or 400 would only fail again.
func (b *Bot) call(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := b.callOnce(ctx, method, fn)
		if err == nil {
			return nil
		}
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || attempt == maxAttempts {
			return &apiError{method: method, err: err}
		}
		wait := time.Duration(tooMany.RetryAfter) * time.Second
		if wait <= 0 {
			wait = time.Second
		}
		if wait > maxRetryAfter {
			return &apiError{method: method, err: err}
		}
		if paced(method) {
			// Flood control holds the bot, not just this chat: every
			// message waits out the same retry_after instead of each chat
			// running into it again.
			b.pace.hold(time.Now().Add(wait))
		}
		b.log.Warn("telegram rate limit, retrying", "method", method, "retry_after", wait, "attempt", attempt)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &apiError{method: method, err: errors.Join(err, ctx.Err())}
		case <-t.C:
		}
	}
}

// callOnce makes one Bot API call with a deadline. A call that puts a
// message in a chat first waits its turn under the global rate.
func (b *Bot) callOnce(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	if paced(method) {
		if err := b.pace.wait(ctx); err != nil {
			return err
		}
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return fn(cctx)
}

// paced: the methods that put a message in a chat, which the global rate
// (and a 429's hold) applies to.
func paced(method string) bool { return method == "sendMessage" || method == "editMessageText" }

// pacer spaces events at least every apart, first come first served.
type pacer struct {
	every time.Duration
	mu    sync.Mutex
	next  time.Time // the earliest free slot
}

func newPacer(every time.Duration) *pacer { return &pacer{every: every} }

// wait blocks until the caller's slot, or until ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	at := time.Now()
	if p.next.After(at) {
		at = p.next
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

// hold keeps every slot until t (a 429's retry_after).
func (p *pacer) hold(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.next) {
		p.next = t
	}
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// send posts a new message; kb may be nil.
func (b *Bot) send(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) error {
	p := &tgbot.SendMessageParams{ChatID: chatID, Text: text}
	if kb != nil {
		p.ReplyMarkup = kb // only when set: a nil pointer in the interface would be sent as "null"
	}
	return b.call(ctx, "sendMessage", func(ctx context.Context) error {
		_, err := b.tg.SendMessage(ctx, p)
		return err
	})
}

// show replaces the message a button sits on with a new view, or posts the
// view as a new message when there is nothing to edit or the edit fails (the
// message is too old, or was deleted).
func (b *Bot) show(ctx context.Context, chatID int64, msgID int, text string, kb *models.InlineKeyboardMarkup) error {
	if msgID != 0 {
		p := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: msgID, Text: text}
		if kb != nil {
			p.ReplyMarkup = kb
		}
		err := b.call(ctx, "editMessageText", func(ctx context.Context) error {
			_, err := b.tg.EditMessageText(ctx, p)
			return err
		})
		if err == nil || isNotModified(err) {
			return nil
		}
		if !errors.Is(err, tgbot.ErrorBadRequest) {
			return err
		}
		b.log.Debug("edit failed, sending a new message", "err", err)
	}
	return b.send(ctx, chatID, text, kb)
}

// answer stops the spinner on a tapped button, optionally with a toast.
func (b *Bot) answer(ctx context.Context, cq *models.CallbackQuery, text string) error {
	return b.call(ctx, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := b.tg.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: text})
		return err
	})
}

// setMenuButton makes the chat's menu button open the Mini App.
func (b *Bot) setMenuButton(ctx context.Context, chatID int64, t *texts) error {
	return b.call(ctx, "setChatMenuButton", func(ctx context.Context) error {
		_, err := b.tg.SetChatMenuButton(ctx, &tgbot.SetChatMenuButtonParams{
			ChatID: chatID,
			MenuButton: models.MenuButtonWebApp{
				Type:   models.MenuButtonTypeWebApp,
				Text:   t.MenuButton,
				WebApp: models.WebAppInfo{URL: b.cfg.FrontURL},
			},
		})
		return err
	})
}

func isNotModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

// logFailure logs a handler's error once, at a level that matches whose
// fault it is: a user who blocked the bot is routine, a rate limit is
// Telegram's pushback, anything else is ours.
func (b *Bot) logFailure(err error, kind string) {
	var tooMany *tgbot.TooManyRequestsError
	b.log.Debug("update failed", "update", kind, "err", err)
	switch {
	case errors.Is(err, tgbot.ErrorForbidden):
		b.log.Info("telegram refused the chat (bot blocked or chat gone)", "update", kind)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		b.log.Warn("update handling cut short", "update", kind, "err", errKind(err))
	case errors.As(err, &tooMany):
		b.log.Warn("telegram rate limit not cleared, update dropped", "update", kind, "err", errKind(err))
	default:
		b.log.Error("update failed", "update", kind, "err", errKind(err))
	}
}

// errKind describes an error for a log line above debug. A failed Bot API
// call is named by its method and its kind only: what Telegram sent back (a
// description, or a body that failed to decode) can hold chat ids, names and
// messages, and is logged at debug, where the caller logs err itself.
func errKind(err error) string {
	var ae *apiError
	if !errors.As(err, &ae) {
		if strings.Contains(err.Error(), "error decode") { // the library's own, with the body
			return "malformed response from telegram"
		}
		return err.Error() // ours (Redis): no user data
	}
	var tooMany *tgbot.TooManyRequestsError
	var migrate *tgbot.MigrateError
	var netErr net.Error
	what := "failed"
	switch {
	case errors.As(err, &tooMany):
		what = fmt.Sprintf("too many requests (retry after %d s)", tooMany.RetryAfter)
	case errors.Is(err, tgbot.ErrorForbidden):
		what = "forbidden"
	case errors.Is(err, tgbot.ErrorBadRequest):
		what = "bad request"
	case errors.Is(err, tgbot.ErrorUnauthorized):
		what = "unauthorized"
	case errors.Is(err, tgbot.ErrorNotFound):
		what = "not found"
	case errors.Is(err, tgbot.ErrorConflict):
		what = "conflict"
	case errors.As(err, &migrate):
		what = "chat migrated"
	case errors.Is(err, context.DeadlineExceeded):
		what = "timed out"
	case errors.Is(err, context.Canceled):
		what = "cancelled"
	case errors.As(err, &netErr):
		what = "network error"
	case strings.Contains(err.Error(), "error decode"):
		what = "malformed response"
	}
	return "telegram " + ae.method + ": " + what
}

// pollPacer makes the library's getUpdates loop honour a 429's retry_after:
// the loop itself only backs off by a fixed schedule, so the pacer holds the
// 429 answer back for retry_after (bounded, cancelled with the request)
// before handing it on. Every other method passes straight through; call
// handles their 429s.
type pollPacer struct {
	next tgbot.HttpClient
	log  *slog.Logger
}

func (p pollPacer) Do(req *http.Request) (*http.Response, error) {
	res, err := p.next.Do(req)
	if err != nil || res.StatusCode != http.StatusTooManyRequests || !strings.HasSuffix(req.URL.Path, "/getUpdates") {
		return res, err
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	var r struct {
		Parameters struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	_ = json.Unmarshal(body, &r)
	wait := min(max(time.Duration(r.Parameters.RetryAfter)*time.Second, time.Second), maxRetryAfter)
	p.log.Warn("telegram rate limit on getUpdates, pausing", "retry_after", wait)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-req.Context().Done():
	case <-t.C:
	}
	return res, nil
}
