package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tetatet/tetatet/bot/privacy"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

type reportRequest struct {
	Reason  string `json:"reason"`
	Comment string `json:"comment"`
}

type leaveRequest struct {
	Block bool `json:"block"`
}

func (s *Server) moderation() matchmaker.ModerationConfig {
	return matchmaker.ModerationConfig{ReportsToSuspend: s.cfg.ReportsToSuspend, SuspendFor: s.cfg.SuspendFor}
}

// postReport closes the room like leave (the partner sees only "left"),
// blocks the pair for good and files the report for operators.
func (s *Server) postReport(w http.ResponseWriter, r *http.Request) {
	var req reportRequest
	uid, rid, err := s.roomCall(w, r, bodyRequired, &req)
	if err == nil {
		err = matchmaker.ValidateReport(req.Reason, req.Comment)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.store.Report(r.Context(), uid, rid, req.Reason, req.Comment, s.moderation())
	if err != nil && !errors.Is(err, matchmaker.ErrDuplicate) {
		s.fail(w, r, err)
		return
	}
	if res.Closed {
		s.publishLeft(r.Context(), rid, res.Member)
	}
	if err == nil {
		s.metrics.reports.WithLabelValues(req.Reason).Inc()
	}
	if !res.SuspendedUntil.IsZero() {
		s.metrics.suspensions.Inc()
		if err := s.Restrict(r.Context(), res.ReportedID, matchmaker.Suspended, res.SuspendedUntil); err != nil {
			s.log.Warn("suspend", "err", err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// Restrict suspends or bans a user and tells everyone concerned: the
// partner of an open room gets the usual "left", the user's app gets
// "restricted" on the personal channel, and the bot tells the user.
func (s *Server) Restrict(ctx context.Context, userID, code string, until time.Time) error {
	ended, err := s.store.Restrict(ctx, userID, code, until)
	if err != nil {
		return err
	}
	kind := matchmaker.NoticeSuspended
	if code == matchmaker.Banned {
		kind = matchmaker.NoticeBanned
	}
	_, nerr := s.store.Notify(ctx, userID, kind, "", 0, until)
	return errors.Join(nerr, centrifugo.AnnounceRestriction(ctx, s.pub, s.tokens, userID, code, until, ended.RoomID, ended.Member))
}

func (s *Server) publishLeft(ctx context.Context, roomID, member string) {
	if _, err := s.pub.Publish(ctx, centrifugo.RoomChannel(roomID), centrifugo.Left(member)); err != nil {
		// The room is closed in Redis either way; the partner learns it
		// from the 409 on their next message.
		s.log.Warn("publish left", "room", roomID, "err", err)
	}
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.PrivacyPolicyURL != "" {
		http.Redirect(w, r, s.cfg.PrivacyPolicyURL, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(privacy.HTML()))
}
