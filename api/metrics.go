package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tetatet/tetatet/matchmaker"
)

// metrics live in a registry per server, so tests can run several servers
// in one process.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	errors      *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	matches     prometheus.Counter
	messages    prometheus.Counter
	reports     *prometheus.CounterVec
	suspensions prometheus.Counter
	shed        prometheus.Counter
}

func newMetrics(store *matchmaker.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tetatet_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tetatet_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tetatet_http_errors_total", Help: "Error responses by error code.",
		}, []string{"code"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tetatet_rate_limited_total", Help: "Requests refused by the per-user rate limit, by action.",
		}, []string{"action"}),
		matches:  prometheus.NewCounter(prometheus.CounterOpts{Name: "tetatet_matches_total", Help: "Rooms created by matching."}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{Name: "tetatet_messages_total", Help: "Chat messages accepted."}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tetatet_reports_total", Help: "Reports filed, by reason.",
		}, []string{"reason"}),
		suspensions: prometheus.NewCounter(prometheus.CounterOpts{Name: "tetatet_suspensions_total", Help: "Users suspended automatically by reports."}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{Name: "tetatet_shed_total",
			Help: "Requests refused with 503 because this process was at MAX_IN_FLIGHT."}),
	}
	for reason := range matchmaker.ReportReasons {
		m.reports.WithLabelValues(reason)
	}
	m.reg.MustRegister(m.reports, m.suspensions)
	if store != nil {
		// Operators ban in the bot; the count lives in Redis, so every API
		// replica reports the same global value (take max, not sum).
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tetatet_bans_total", Help: "Bans by operators, all processes (global; read from Redis).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, _ := store.Counter(ctx, "banned")
			return float64(n)
		}))
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tetatet_outbox_entries", Help: "Cross-slot steps waiting in the outbox (global; read from Redis).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, _ := store.OutboxLen(ctx)
			return float64(n)
		}))
	}
	m.reg.MustRegister(m.requests, m.duration, m.errors, m.rateLimited, m.matches, m.messages, m.shed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// routeOf is the matched route pattern: bounded label values, no ids.
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "other"
}

func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := routeOf(r)
		if route == "/*" {
			route = "static"
		}
		s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(ww.Status())).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
