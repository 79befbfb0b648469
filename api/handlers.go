package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// Wire types of the HTTP contract (README "HTTP API").

type configResponse struct {
	CentrifugoWSURL string `json:"centrifugo_ws_url"`
	PrivacyURL      string `json:"privacy_url"`
	RichAdsPubID    string `json:"richads_pub_id,omitempty"`
	RichAdsAppID    string `json:"richads_app_id,omitempty"`
}

type meResponse struct {
	Onboarded   bool         `json:"onboarded"`
	Nickname    string       `json:"nickname,omitempty"`
	Gender      string       `json:"gender,omitempty"`
	Age         int          `json:"age,omitempty"`
	Restriction *restriction `json:"restriction,omitempty"`
}

type restriction struct {
	Code  string `json:"code"`
	Until int64  `json:"until,omitempty"`
}

type profileRequest struct {
	Nickname string `json:"nickname"`
	Gender   string `json:"gender"`
	Age      int    `json:"age"`
}

type searchRequest struct {
	Gender  string `json:"gender"`
	AgeFrom int    `json:"age_from"`
	AgeTo   int    `json:"age_to"`
}

type partnerView struct {
	Nickname string `json:"nickname"`
	Gender   string `json:"gender"`
	Age      int    `json:"age"`
}

// roomView is a room as one member sees it.
type roomView struct {
	ID      string      `json:"id"`
	Channel string      `json:"channel"`
	Me      string      `json:"me"`
	Partner partnerView `json:"partner"`
}

type searchResponse struct {
	State string    `json:"state"`
	Room  *roomView `json:"room,omitempty"`
}

type personalEvent struct {
	Type string    `json:"type"`
	Room *roomView `json:"room,omitempty"`
}

type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"`
}

// session is the app's id for one launch (see centrifugo.Tokens.Subject);
// empty is a session too.
type connectionRequest struct {
	Session string `json:"session"`
}

type subscriptionRequest struct {
	Channel string `json:"channel"`
	Session string `json:"session"`
}

var sessionPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{0,64}$`)

func validSession(s string) error {
	if !sessionPattern.MatchString(s) {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: "session",
			Message: "session must be at most 64 characters of A-Z a-z 0-9 _ -"}
	}
	return nil
}

type messageRequest struct {
	Text        string `json:"text"`
	ClientMsgID string `json:"client_msg_id"`
}

type messageResponse struct {
	ID string `json:"id"`
	TS int64  `json:"ts"`
}

func viewRoom(room matchmaker.Room, userID string) *roomView {
	me, partner, err := room.Side(userID)
	if err != nil {
		return nil
	}
	return &roomView{ID: room.ID, Channel: centrifugo.RoomChannel(room.ID), Me: me.MemberID,
		Partner: partnerView{Nickname: partner.Nickname, Gender: string(partner.Gender), Age: partner.Age}}
}

func viewSearch(sr matchmaker.Search, userID string) searchResponse {
	resp := searchResponse{State: string(sr.State)}
	if sr.Room != nil {
		resp.Room = viewRoom(*sr.Room, userID)
	}
	return resp
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	privacyURL := s.cfg.PrivacyPolicyURL
	if privacyURL == "" {
		privacyURL = "/privacy"
	}
	writeJSON(w, http.StatusOK, configResponse{CentrifugoWSURL: s.cfg.CentrifugoWSURL, PrivacyURL: privacyURL,
		RichAdsPubID: s.cfg.RichAdsPubID, RichAdsAppID: s.cfg.RichAdsAppID})
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	u, err := s.store.GetUser(r.Context(), identityFrom(r.Context()).TelegramID)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		writeJSON(w, http.StatusOK, meResponse{Onboarded: false})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := meResponse{Onboarded: true, Nickname: u.Nickname, Gender: string(u.Gender), Age: u.Age}
	re, err := s.store.Restriction(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if re != nil {
		resp.Restriction = &restriction{Code: re.Code}
		if !re.Until.IsZero() {
			resp.Restriction.Until = re.Until.UnixMilli()
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) putMe(w http.ResponseWriter, r *http.Request) {
	var req profileRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id := identityFrom(r.Context())
	u, err := s.store.PutProfile(r.Context(), id.TelegramID, id.Lang,
		matchmaker.Profile{Nickname: req.Nickname, Gender: matchmaker.Gender(req.Gender), Age: req.Age})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, meResponse{Onboarded: true, Nickname: u.Nickname, Gender: string(u.Gender), Age: u.Age})
}

// userID resolves the caller's internal id; ErrNoProfile without a profile.
func (s *Server) userID(r *http.Request) (string, error) {
	return s.store.UserID(r.Context(), identityFrom(r.Context()).TelegramID)
}

func (s *Server) postSearch(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	f := matchmaker.Filter{Gender: matchmaker.Gender(req.Gender), AgeFrom: req.AgeFrom, AgeTo: req.AgeTo}
	if err := f.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	uid, err := s.userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sr, err := s.store.Search(r.Context(), uid, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sr.Fresh {
		s.metrics.matches.Inc()
		s.tellMatched(r.Context(), *sr.Room, uid)
	}
	writeJSON(w, http.StatusOK, viewSearch(sr, uid))
}

// tellMatched pushes the match to the partner who was waiting. If the push
// fails the partner still finds the room through GET /api/search.
func (s *Server) tellMatched(ctx context.Context, room matchmaker.Room, userID string) {
	_, partner, _ := room.Side(userID)
	ev := personalEvent{Type: "matched", Room: viewRoom(room, partner.UserID)}
	if _, err := s.pub.Publish(ctx, s.tokens.PersonalChannel(partner.UserID), ev); err != nil {
		s.log.Warn("push match to partner", "room", room.ID, "err", err)
	}
	go s.notifyMatchedIfAway(room.ID, partner.UserID)
}

func (s *Server) getSearch(w http.ResponseWriter, r *http.Request) {
	uid, err := s.userID(r)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		writeJSON(w, http.StatusOK, searchResponse{State: string(matchmaker.Idle)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sr, err := s.store.CurrentSearch(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewSearch(sr, uid))
}

func (s *Server) deleteSearch(w http.ResponseWriter, r *http.Request) {
	uid, err := s.userID(r)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err == nil {
		err = s.store.CancelSearch(r.Context(), uid)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) connectionToken(w http.ResponseWriter, r *http.Request) {
	var req connectionRequest
	err := decodeOptional(w, r, &req)
	if err == nil {
		err = validSession(req.Session)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uid, err := s.userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tok, exp, err := s.tokens.Connection(uid, req.Session, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp.Unix()})
}

// subscriptionToken grants a room channel only to a member of the room the
// caller is in right now.
func (s *Server) subscriptionToken(w http.ResponseWriter, r *http.Request) {
	var req subscriptionRequest
	err := decode(w, r, &req)
	if err == nil {
		err = validSession(req.Session)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uid, err := s.userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	roomID := centrifugo.RoomID(req.Channel)
	if roomID == "" {
		s.fail(w, r, errForbidden)
		return
	}
	sr, err := s.store.CurrentSearch(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sr.State != matchmaker.Matched || sr.Room.ID != roomID {
		s.fail(w, r, errForbidden)
		return
	}
	me, _, _ := sr.Room.Side(uid)
	tok, exp, err := s.tokens.Subscription(uid, req.Session, req.Channel, me.MemberID, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp.Unix()})
}

var roomIDPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

// Room request bodies: what roomCall reads.
const (
	noBody       = iota // any body is drained, within the size limit
	bodyRequired        // one JSON object
	bodyOptional        // one JSON object, or nothing
)

// roomCall does what every /api/rooms/{id} endpoint starts with: the room id
// from the path, the body into req, and the caller's user id. Someone
// without a profile is a member of no room (403).
func (s *Server) roomCall(w http.ResponseWriter, r *http.Request, body int, req any) (uid, rid string, err error) {
	if rid, err = roomID(r); err != nil {
		return "", "", err
	}
	switch body {
	case bodyRequired:
		err = decode(w, r, req)
	case bodyOptional:
		err = decodeOptional(w, r, req)
	default:
		err = drain(w, r)
	}
	if err != nil {
		return "", "", err
	}
	uid, err = s.userID(r)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		err = matchmaker.ErrNotMember
	}
	return uid, rid, err
}

// roomID reads {id} from the path; a malformed one is simply unknown.
func roomID(r *http.Request) (string, error) {
	id := chi.URLParam(r, "id")
	if !roomIDPattern.MatchString(id) {
		return "", errorf(http.StatusNotFound, "not_found", "room not found")
	}
	return id, nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	var req messageRequest
	uid, rid, err := s.roomCall(w, r, bodyRequired, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg, dup, published, err := s.store.AddMessage(r.Context(), uid, rid, req.Text, req.ClientMsgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !published {
		// Stored but not yet on the channel (new, or an earlier publish
		// failed): publish now. On failure the client retries with the same
		// client_msg_id and lands here again; clients drop duplicate ids.
		pos, err := s.pub.Publish(r.Context(), centrifugo.RoomChannel(rid), centrifugo.RoomEvent{
			Type: centrifugo.EventMessage, ID: msg.ID, From: msg.From, Text: msg.Text, TS: msg.TS})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.store.MarkPublished(r.Context(), rid, msg.ID, pos.Offset, pos.Epoch); err != nil {
			s.log.Warn("mark published", "room", rid, "err", err)
		}
		if !dup {
			s.metrics.messages.Inc()
			go s.notifyIfAway(rid, uid)
		}
	}
	writeJSON(w, http.StatusCreated, messageResponse{ID: msg.ID, TS: msg.TS})
}

func (s *Server) postTyping(w http.ResponseWriter, r *http.Request) {
	uid, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	member, err := s.store.ActiveMember(r.Context(), uid, rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ev := centrifugo.RoomEvent{Type: centrifugo.EventTyping, From: member}
	if err := s.pub.PublishEphemeral(r.Context(), centrifugo.RoomChannel(rid), ev); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postLeave(w http.ResponseWriter, r *http.Request) {
	var req leaveRequest
	uid, rid, err := s.roomCall(w, r, bodyOptional, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	member, closed, err := s.store.Leave(r.Context(), uid, rid, matchmaker.LeaveOptions{Block: req.Block})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if closed {
		s.publishLeft(r.Context(), rid, member)
	}
	w.WriteHeader(http.StatusNoContent)
}

func itoa(n int) string { return strconv.Itoa(n) }

func tgKey(id int64) string { return "t" + strconv.FormatInt(id, 10) }
