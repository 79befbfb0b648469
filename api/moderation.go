package api

import (
	"net/http"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/privacy"
)

type reportRequest struct {
	Reason  string `json:"reason"`
	Comment string `json:"comment"`
}

type leaveRequest struct {
	Block bool `json:"block"`
}

// postReport closes the room like leave (the partner sees only "left"),
// blocks the pair for good and files the report for operators; enough
// reporters suspend the partner in the same step. It works until the room
// expires, also after either member cleared it.
func (s *Server) postReport(w http.ResponseWriter, r *http.Request) {
	var req reportRequest
	tg, rid, err := s.roomCall(w, r, bodyRequired, &req)
	if err == nil {
		err = matchmaker.ValidateReport(req.Reason, req.Comment)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	res, err := s.store.Report(ctx, tg, rid, req.Reason, req.Comment)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !res.Duplicate {
		s.metrics.reports.WithLabelValues(req.Reason).Inc()
	}
	if !res.SuspendedUntil.IsZero() {
		s.metrics.suspensions.Inc()
	}
	w.WriteHeader(http.StatusNoContent)
}

// privacyTerms are what this deployment's policy quotes.
func (s *Server) privacyTerms() privacy.Terms {
	t := s.store.PrivacyTerms()
	t.RelayHistory = centrifugo.RoomHistoryTTL
	t.Ads = s.cfg.RichAdsPubID != ""
	return t
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.PrivacyPolicyURL != "" {
		http.Redirect(w, r, s.cfg.PrivacyPolicyURL, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(privacy.HTML(s.privacyTerms())))
}
