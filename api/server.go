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
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// Publisher is what the API needs of Centrifugo's server API.
type Publisher interface {
	Publish(ctx context.Context, channel string, data any) (centrifugo.Position, error)
	PublishEphemeral(ctx context.Context, channel string, data any) error
	Members(ctx context.Context, channel string) (map[string]bool, error)
	Online(ctx context.Context, channel string) (bool, error)
	Top(ctx context.Context, channel string) (centrifugo.Position, error)
	RemoveHistory(ctx context.Context, channel string) error
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
		metrics: newMetrics(d.Store), static: d.Static, limits: DefaultLimits}
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
		r.Get("/config", s.getConfig)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate)
			r.With(s.limit("readonly")).Get("/me", s.getMe)
			r.With(s.limit("profile")).Put("/me", s.putMe)
			r.With(s.limit("search")).Post("/search", s.postSearch)
			r.With(s.limit("readonly")).Get("/search", s.getSearch)
			r.With(s.limit("readonly")).Delete("/search", s.deleteSearch)
			r.With(s.limit("token")).Post("/centrifugo/connection-token", s.connectionToken)
			r.With(s.limit("token")).Post("/centrifugo/subscription-token", s.subscriptionToken)
			r.Route("/rooms/{id}", func(r chi.Router) {
				r.With(s.limit("readonly")).Get("/", s.getRoom)
				r.With(s.limit("room")).Delete("/", s.deleteRoom)
				r.With(s.limit("readonly")).Get("/messages", s.getMessages)
				r.With(s.limit("message")).Post("/messages", s.postMessage)
				r.With(s.limit("typing")).Post("/typing", s.postTyping)
				r.With(s.limit("room")).Post("/leave", s.postLeave)
				r.With(s.limit("report")).Post("/report", s.postReport)
			})
		})
	})
	r.Handle("/*", s.withSecurityHeaders(s.static))
	return r
}

// Run does the background work of one replica until ctx ends: expiring
// searches that waited too long and telling their users. Every replica may
// run it; each expiry is handled once.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.expireSearches(ctx)
		}
	}
}

func (s *Server) expireSearches(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ids, err := s.store.ExpireSearches(ctx, 200)
	if err != nil {
		s.log.Warn("expire searches", "err", err)
		return
	}
	for _, id := range ids {
		if _, err := s.pub.Publish(ctx, s.tokens.PersonalChannel(id), personalEvent{Type: "search_expired"}); err != nil {
			s.log.Warn("tell search expired", "err", err)
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"redis": "ok", "centrifugo": "ok"}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		checks["redis"], status = err.Error(), http.StatusServiceUnavailable
	}
	if err := s.pub.Ping(ctx); err != nil {
		checks["centrifugo"], status = err.Error(), http.StatusServiceUnavailable
	}
	writeJSON(w, status, checks)
}

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
			ok, retry, err := s.store.Allow(r.Context(), action, tgKey(id.TelegramID), rate)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if !ok {
				s.metrics.rateLimited.WithLabelValues(action).Inc()
				secs := int(retry.Seconds() + 0.999)
				if secs < 1 {
					secs = 1
				}
				e := errorf(http.StatusTooManyRequests, "rate_limited", "too many requests; retry in %d s", secs)
				e.Header = http.Header{"Retry-After": {itoa(secs)}}
				s.fail(w, r, e)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
