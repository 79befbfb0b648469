// Package bot is Tet-a-Tet's Telegram bot, the only process that talks to
// the Bot API. It onboards a user (gender, age, nickname) into the profile
// record the API shares, shows the menu that opens the Mini App, lets the
// user change the profile and deletes it on request, shows the privacy
// policy, delivers the notices the API queues (partner wrote, partner found,
// banned), and gives operators their commands (/reports, /unban, /stats).
//
// Its contract:
//   - profiles are read and written only through matchmaker (one record, one
//     set of rules, the same one GET/PUT /api/me use); conversation progress
//     is kept in Redis too, so a restart loses nothing;
//   - the Mini App URL is FRONT_URL as configured: no user id or name is ever
//     added to it (the Mini App authenticates with init data);
//   - a Telegram id or a message text is logged only at debug level; a
//     notice never quotes a message or says anything about the partner or
//     a reporter;
//   - a notice is sent at most once per id, and none is lost to a restart:
//     it is acknowledged only once Telegram took it, or refused it for good;
//   - operator commands answer only the ids in BOT_ADMIN_IDS, re-checked on
//     every tap; anyone else gets the ordinary answer to an unknown command;
//   - no update, however unexpected, crashes the process or fails loudly: it
//     is answered politely or ignored; a failed send is logged once.
package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/privacy"
)

// Profiles is what the bot needs of the profile store (matchmaker.Store).
type Profiles interface {
	GetUser(ctx context.Context, telegramID int64) (matchmaker.User, error)
	PutProfile(ctx context.Context, telegramID int64, lang string, p matchmaker.Profile) (matchmaker.User, error)
	DeleteUser(ctx context.Context, telegramID int64) (matchmaker.Deleted, error)
	Onboarding(ctx context.Context, telegramID int64) (matchmaker.Onboarding, error)
	PutOnboarding(ctx context.Context, telegramID int64, o matchmaker.Onboarding) error
	ClearOnboarding(ctx context.Context, telegramID int64) error
}

// Moderation is what the operator commands need (matchmaker.Store).
type Moderation interface {
	OldestOpenReport(ctx context.Context) (*matchmaker.StoredReport, error)
	ResolveReport(ctx context.Context, streamID, decision string) (bool, error)
	Restrict(ctx context.Context, userID, code string, until time.Time) error
	Restriction(ctx context.Context, userID string) (*matchmaker.RestrictedError, error)
	Unban(ctx context.Context, userID string) error
	Stats(ctx context.Context) (matchmaker.Stats, error)
	// PrivacyTerms are the store's durations the policy quotes.
	PrivacyTerms() privacy.Terms
	// The review queue: users on hold for spam across chats, or rated
	// down by many partners.
	OldestReview(ctx context.Context) (*matchmaker.Review, error)
	Release(ctx context.Context, userID string) error
	CloseReview(ctx context.Context, userID string) error
	// ReportMedia opens a reported photo or voice message (kept with the report).
	ReportMedia(ctx context.Context, reportID, mediaID string) (matchmaker.MediaObject, error)
}

// Notices opens the queue of notices the API decides on (matchmaker.Store).
type Notices interface {
	NoticeQueue(ctx context.Context, group, consumer string, opts ...matchmaker.NoticeOption) (*matchmaker.NoticeQueue, error)
}

// Store is everything the bot keeps in Redis: matchmaker.Store.
type Store interface {
	Profiles
	Moderation
	Notices
}

// Deps are the bot's outside dependencies. The store announces what it
// does (a ban, a /delete) to the apps in real time when it was built with
// an Announcer (cmd/bot does so when Centrifugo is configured).
type Deps struct {
	Store Store
}

const (
	updateTimeout  = 2 * time.Minute  // one update, 429 waits included
	shutdownGrace  = 10 * time.Second // in-flight updates may finish after a stop
	maxConcurrent  = 64               // handlers running at once
	maxWebhookBody = 1 << 20
)

// allowedUpdates are the update types the bot asks Telegram for. Anything
// else that arrives anyway is ignored.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}

// Bot is the Telegram bot. Create it with New and start it with Run.
type Bot struct {
	cfg      Config
	log      *slog.Logger
	profiles Profiles
	store    Store
	tg       *tgbot.Bot
	pace     *pacer // every message the bot sends, at most 30 a second

	// Set by Run before the first update is handled.
	username string
	seq      *sequencer
}

// privacyTerms are what this deployment's policy quotes: the API serves the
// same text at /privacy.
func (b *Bot) privacyTerms() privacy.Terms {
	t := b.store.PrivacyTerms()
	t.RelayHistory = centrifugo.RoomHistoryTTL
	t.Ads = b.cfg.RichAdsPubID != ""
	return t
}

// New builds the bot without touching the network.
func New(cfg Config, deps Deps, log *slog.Logger) (*Bot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Store == nil {
		return nil, errors.New("bot: no store")
	}
	cfg = cfg.withDefaults()
	b := &Bot{cfg: cfg, log: log, profiles: deps.Store, store: deps.Store, pace: newPacer(time.Second / globalRate)}
	tg, err := tgbot.New(cfg.Token,
		tgbot.WithSkipGetMe(), // Run calls getMe, with a deadline and a clear error
		tgbot.WithServerURL(strings.TrimRight(cfg.APIURL, "/")),
		tgbot.WithHTTPClient(cfg.PollTimeout, pollPacer{next: &http.Client{Timeout: cfg.PollTimeout + callTimeout}, log: log}),
		tgbot.WithAllowedUpdates(allowedUpdates),
		tgbot.WithNotAsyncHandlers(), // the sequencer below owns concurrency
		tgbot.WithMiddlewares(b.sequenced),
		tgbot.WithDefaultHandler(b.onOther),
		tgbot.WithErrorsHandler(b.clientError),
		tgbot.WithDebugHandler(func(format string, args ...any) { log.Debug(fmt.Sprintf(format, args...)) }),
	)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	b.tg = tg
	b.routes()
	return b, nil
}

// Run receives and handles updates until ctx is cancelled: by long polling,
// or as a webhook server when BOT_WEBHOOK_URL is set. It fails fast when
// Telegram rejects the token or the webhook. After ctx ends it lets updates
// in progress finish for a short grace period.
func (b *Bot) Run(ctx context.Context) error {
	var me *models.User
	err := b.call(ctx, "getMe", func(ctx context.Context) (err error) {
		me, err = b.tg.GetMe(ctx)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return fmt.Errorf("bot: Telegram rejected TELEGRAM_BOT_TOKEN: %w", err)
		}
		return fmt.Errorf("bot: %w", err)
	}
	b.username = me.Username

	hctx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	b.seq = newSequencer(hctx, maxConcurrent, func(v any) {
		b.log.Error("update handler panicked", "panic", fmt.Sprint(v))
	})

	// Receiving (updates and notices) ends with ctx, or when the receive
	// loop fails; what is in hand may finish until hctx ends.
	rctx, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()
	noticesDone := make(chan struct{})
	go func() {
		defer close(noticesDone)
		newNoticeSender(b).run(rctx, hctx)
	}()

	b.setCommands(rctx)
	if b.cfg.Webhook() {
		err = b.runWebhook(rctx)
	} else {
		err = b.runPolling(rctx)
	}
	stopReceiving()

	drained := make(chan struct{})
	go func() { b.seq.wait(); <-noticesDone; close(drained) }()
	select {
	case <-drained:
	case <-time.After(shutdownGrace):
		b.log.Warn("stopping updates still in progress")
		hardStop()
		<-drained
	}
	return err
}

func (b *Bot) runPolling(ctx context.Context) error {
	// getUpdates does not work while a webhook is set.
	err := b.call(ctx, "deleteWebhook", func(ctx context.Context) error {
		_, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	b.log.Info("bot receiving updates by long polling")
	b.tg.Start(ctx)
	return nil
}

func (b *Bot) runWebhook(ctx context.Context) error {
	u, _ := url.Parse(b.cfg.WebhookURL) // validated
	path := u.Path
	if path == "" {
		path = "/"
	}
	hook := b.webhookHandler()
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == path && r.Method == http.MethodPost:
				hook.ServeHTTP(w, r)
			case r.URL.Path == "/healthz" && r.Method == http.MethodGet:
				w.WriteHeader(http.StatusOK)
			default:
				http.NotFound(w, r)
			}
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", b.cfg.WebhookAddr)
	if err != nil {
		return fmt.Errorf("bot: webhook listen on BOT_WEBHOOK_ADDR: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}

	// Listening first: Telegram may deliver as soon as setWebhook returns.
	err = b.call(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := b.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            b.cfg.WebhookURL,
			SecretToken:    b.cfg.WebhookSecret,
			AllowedUpdates: allowedUpdates,
		})
		return err
	})
	if err != nil {
		stop()
		return fmt.Errorf("bot: %w", err)
	}
	b.log.Info("bot receiving updates by webhook", "addr", ln.Addr().String(), "path", path)

	select {
	case <-ctx.Done():
		stop()
		return nil
	case err := <-served:
		return fmt.Errorf("bot: webhook server: %w", err)
	}
}

// webhookHandler accepts an update only with Telegram's secret-token header;
// anything else is refused before it is read.
func (b *Bot) webhookHandler() http.Handler {
	secret := []byte(b.cfg.WebhookSecret)
	var lastRefusal atomic.Int64 // unix seconds of the last warning
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if subtle.ConstantTimeCompare(got, secret) != 1 {
			// Worth a warning (a rotated secret?), but a scanner must not
			// flood the log: at most one a minute.
			now := time.Now().Unix()
			if last := lastRefusal.Load(); now-last >= 60 && lastRefusal.CompareAndSwap(last, now) {
				b.log.Warn("webhook calls without the right secret token refused", "remote", r.RemoteAddr)
			}
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		var upd models.Update
		if err := json.Unmarshal(body, &upd); err != nil {
			b.log.Warn("webhook update is not valid JSON")
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		// Queues the update and returns: Telegram wants a quick 200.
		b.tg.ProcessUpdate(r.Context(), &upd)
		w.WriteHeader(http.StatusOK)
	})
}

// sequenced is the middleware that hands every update to the sequencer, keyed
// by its sender, so a user's updates are handled in order.
func (b *Bot) sequenced(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(_ context.Context, tg *tgbot.Bot, upd *models.Update) {
		b.seq.do(senderOf(upd), func(ctx context.Context) { next(ctx, tg, upd) })
	}
}

func senderOf(u *models.Update) int64 {
	switch {
	case u.Message != nil && u.Message.From != nil:
		return u.Message.From.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil && u.EditedMessage.From != nil:
		return u.EditedMessage.From.ID
	}
	return 0
}

// setCommands fills the command list in Telegram's "/" menu, in both
// languages; operators' chats also list their commands, which nobody else
// sees. It is cosmetic: a failure is logged, not fatal.
func (b *Bot) setCommands(ctx context.Context) {
	for lang, t := range catalog {
		code := lang
		if lang == "en" {
			code = "" // the default for every language but Russian
		}
		cmds := []models.BotCommand{
			{Command: "start", Description: t.CmdStart},
			{Command: "help", Description: t.CmdHelp},
			{Command: "privacy", Description: t.CmdPrivacy},
			{Command: "delete", Description: t.CmdDelete},
		}
		b.setCommandList(ctx, cmds, nil, code)
		admin := append(slices.Clip(cmds),
			models.BotCommand{Command: "reports", Description: t.CmdReports},
			models.BotCommand{Command: "review", Description: t.CmdReview},
			models.BotCommand{Command: "stats", Description: t.CmdStats},
			models.BotCommand{Command: "unban", Description: t.CmdUnban},
		)
		for _, id := range b.cfg.AdminIDs {
			b.setCommandList(ctx, admin, &models.BotCommandScopeChat{ChatID: id}, code)
		}
	}
}

func (b *Bot) setCommandList(ctx context.Context, cmds []models.BotCommand, scope models.BotCommandScope, lang string) {
	p := &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}
	if scope != nil {
		p.Scope = scope // only when set: a nil pointer in the interface would be sent as "null"
	}
	err := b.call(ctx, "setMyCommands", func(ctx context.Context) error {
		_, err := b.tg.SetMyCommands(ctx, p)
		return err
	})
	if err != nil && ctx.Err() == nil {
		// An operator who never opened the bot has no chat yet: harmless.
		b.log.Warn("could not set the command list", "lang", lang, "operator", scope != nil, "err", errKind(err))
		b.log.Debug("could not set the command list", "err", err)
	}
}

// clientError receives the library's own errors (mostly failed getUpdates,
// which it retries with a back-off). They are warnings; a response body that
// failed to decode may hold users' messages, so it is shown only at debug.
func (b *Bot) clientError(err error) {
	b.log.Debug("telegram client", "err", err)
	if strings.Contains(err.Error(), "error decode") {
		b.log.Warn("telegram client: malformed response")
		return
	}
	b.log.Warn("telegram client", "err", errKind(&apiError{method: "getUpdates", err: err}))
}
