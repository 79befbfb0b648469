// Package api is Tet-a-Tet's HTTP API for the Mini App (chi). Every /api/*
// request but /api/config is authenticated by Telegram's signed init data.
//
// The API never trusts a user id sent by the client: who the user is comes
// only from validated init data. Responses and publications name a partner
// only by the per-room member id and the profile the partner chose to show.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// Publisher is what the API needs of Centrifugo's server API.
type Publisher interface {
	// Publish keeps data in the channel's history; key is its idempotency key.
	Publish(ctx context.Context, channel string, data any, key string) (centrifugo.Position, error)
	PublishEphemeral(ctx context.Context, channel string, data any) error
	Members(ctx context.Context, channel string) (map[string]bool, error)
	Top(ctx context.Context, channel string) (centrifugo.Position, error)
	Users(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
}

// Server serves the API.
type Server struct {
	cfg     Config
	store   *matchmaker.Store
	pub     Publisher
	tokens  *centrifugo.Tokens
	log     *slog.Logger
	metrics *metrics
	static  http.Handler
	limits  map[string]matchmaker.Rate
	// inFlight holds a token per request being worked on (MAX_IN_FLIGHT).
	inFlight chan struct{}
	// shedSince counts refusals since shedLogged (Unix ns), the last
	// "shedding load" warning.
	shedSince, shedLogged atomic.Int64
	decoding              chan struct{} // photo decodes at once (decodeSlots)
	online                onlineCache
	initData              initDataCache
}

// Deps are the server's collaborators.
type Deps struct {
	Store     *matchmaker.Store
	Publisher Publisher
	Tokens    *centrifugo.Tokens
	Logger    *slog.Logger
	// Static serves everything outside /api (the built Mini App); nil = 404.
	Static http.Handler
}

// DefaultLimits are the per-user rate limits by action.
var DefaultLimits = map[string]matchmaker.Rate{
	"message":  {Every: 200 * time.Millisecond, Burst: 10}, // 5/s, burst 10
	"typing":   {Every: time.Second, Burst: 2},
	"search":   {Every: 3 * time.Second, Burst: 20}, // 20/min
	"token":    {Every: time.Second, Burst: 20},
	"profile":  {Every: 3 * time.Second, Burst: 10},
	"room":     {Every: 500 * time.Millisecond, Burst: 20},
	"readonly": {Every: 100 * time.Millisecond, Burst: 50},
	"report":   {Every: 144 * time.Minute, Burst: 10}, // 10/day
	"read":     {Every: 200 * time.Millisecond, Burst: 20},
	"media":    {Every: 6 * time.Second, Burst: 10}, // 10/min
}

// New builds a server.
func New(cfg Config, d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Static == nil {
		d.Static = http.NotFoundHandler()
	}
	return &Server{cfg: cfg, store: d.Store, pub: d.Publisher, tokens: d.Tokens, log: d.Logger,
		metrics: newMetrics(d.Store), static: d.Static, limits: DefaultLimits,
		inFlight: make(chan struct{}, max(cfg.MaxInFlight, 1)), decoding: make(chan struct{}, decodeSlots)}
}

// opTimeout bounds a state-changing request's work.
const opTimeout = 10 * time.Second

// carryOut detaches a state-changing request (anything but GET) from its
// client's connection once it is received: its Redis steps and follow-ups
// run to the end, with a deadline of their own, even if the client goes away
// at the wrong moment (a report whose app closed, a search whose searcher
// left: the partner is still told).
func carryOut(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), opTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.recoverer, s.instrument)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed"))
	})

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", s.metrics.handler())
	r.Get("/privacy", s.privacyPage)
	if s.cfg.CentrifugoProxyURL != "" {
		target, _ := url.Parse(s.cfg.CentrifugoProxyURL)
		// No request timeout on this route: it would kill the WebSocket.
		r.Handle("/connection/websocket", httputil.NewSingleHostReverseProxy(target))
	}

	r.Route("/api", func(r chi.Router) {
		r.Use(s.shed)
		r.Get("/config", s.getConfig)
		r.Group(func(r chi.Router) {
			r.Use(carryOut, s.authenticate)
			r.With(s.limit("readonly")).Get("/queue", s.getQueue)
			r.With(s.limit("readonly")).Get("/me", s.getMe)
			r.With(s.limit("profile")).Put("/me", s.putMe)
			r.With(s.limit("search")).Post("/search", s.postSearch)
			r.With(s.limit("readonly")).Get("/search", s.getSearch)
			r.With(s.limit("readonly")).Delete("/search", s.deleteSearch)
			r.With(s.limit("token")).Post("/centrifugo/connection-token", s.connectionToken)
			r.With(s.limit("token")).Post("/centrifugo/subscription-token", s.subscriptionToken)
			r.With(s.limit("readonly")).Get("/media/{id}", s.getMedia)
			r.With(s.limit("readonly")).Get("/rooms/recent", s.getRecent)
			r.Route("/rooms/{id}", func(r chi.Router) {
				r.With(s.limit("readonly")).Get("/", s.getRoom)
				r.With(s.limit("room")).Delete("/", s.deleteRoom)
				r.With(s.limit("readonly")).Get("/messages", s.getMessages)
				// Messages, typing and read markers are rate-limited per
				// member inside their room's script: one round trip each.
				r.Post("/messages", s.postMessage)
				r.Post("/typing", s.postTyping)
				r.Post("/read", s.postRead)
				r.With(s.limit("media")).Post("/media", s.postMedia)
				r.With(s.limit("room")).Post("/leave", s.postLeave)
				r.With(s.limit("room")).Post("/rating", s.postRating)
				r.With(s.limit("report")).Post("/report", s.postReport)
				// Contact exchange and meet again (consent.go).
				r.With(s.limit("room")).Post("/reveal", s.postReveal)
				r.With(s.limit("room")).Delete("/reveal", s.deleteReveal)
				r.With(s.limit("room")).Post("/again", s.postAgain)
				r.With(s.limit("room")).Delete("/again", s.deleteAgain)
			})
		})
	})
	r.Handle("/*", s.withSecurityHeaders(s.static))
	return r
}

// Run does the background work of one replica until ctx ends (the store's
// sweep: expired searches, outbox entries left behind, active rooms that
// expired). Every replica may run it; each piece of work is done once.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.store.Sweep(ctx, s.log)
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether Redis and Centrifugo answer, tersely: the reasons
// (with internal addresses) go to the log, not to whoever asks.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"redis": "ok", "centrifugo": "ok"}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		checks["redis"], status = "unavailable", http.StatusServiceUnavailable
		s.log.Warn("readyz: redis", "err", err)
	}
	if err := s.pub.Ping(ctx); err != nil {
		checks["centrifugo"], status = "unavailable", http.StatusServiceUnavailable
		s.log.Warn("readyz: centrifugo", "err", err)
	}
	writeJSON(w, status, checks)
}

// shed bounds the requests this process works on at once. A request that
// finds every slot taken waits a moment for one, then is refused with 503
// and Retry-After: past saturation the API answers at once instead of
// queueing work it cannot do in time. Nothing is lost: a refused request
// did nothing, and clients retry (messages with the same client_msg_id).
func (s *Server) shed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.inFlight <- struct{}{}:
		default:
			t := time.NewTimer(shedWait)
			select {
			case s.inFlight <- struct{}{}:
				t.Stop()
			case <-t.C:
				s.refuseBusy(w)
				return
			}
		}
		defer func() { <-s.inFlight }()
		if r.ContentLength != 0 {
			// The body must arrive in time, or the slot is held for ever.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.BodyReadTimeout))
		}
		next.ServeHTTP(w, r)
	})
}

// shedWait is how long a request waits for a slot before it is shed.
const shedWait = 20 * time.Millisecond

// busyBody is the answer to a shed request, made once.
var busyBody = []byte(`{"error":{"code":"unavailable","message":"the service is busy; retry in 1 s"}}` + "\n")

// refuseBusy answers a shed request: 503 with Retry-After, counted in
// tetatet_shed_total. No log line per refusal (under overload it would be
// CPU the process does not have): one warning at most every shedLogEvery
// says how many were shed since the last.
func (s *Server) refuseBusy(w http.ResponseWriter) {
	s.metrics.shed.Inc()
	s.metrics.errors.WithLabelValues("unavailable").Inc()
	n := s.shedSince.Add(1)
	now := time.Now().UnixNano()
	if last := s.shedLogged.Load(); now-last >= int64(shedLogEvery) && s.shedLogged.CompareAndSwap(last, now) {
		s.shedSince.Add(-n)
		s.log.Warn("shedding load: the process is at MAX_IN_FLIGHT", "refused", n, "max_in_flight", cap(s.inFlight))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(busyBody)
}

const shedLogEvery = 10 * time.Second

// recoverer turns a panic into a logged 500 with the error body.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "route", routeOf(r), "panic", v)
				writeJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Code: "internal", Message: "internal error"}})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limit applies the per-user rate limit of an action.
func (s *Server) limit(action string) func(http.Handler) http.Handler {
	rate := s.limits[action]
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := identityFrom(r.Context())
			ok, retry, err := s.store.Allow(r.Context(), action, id.TelegramID, rate)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if !ok {
				s.metrics.rateLimited.WithLabelValues(action).Inc()
				s.fail(w, r, &matchmaker.RateLimitedError{RetryAfter: retry})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
