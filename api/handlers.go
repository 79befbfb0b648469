package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// Wire types of the HTTP contract (README "HTTP API").

type configResponse struct {
	CentrifugoWSURL string   `json:"centrifugo_ws_url"`
	PrivacyURL      string   `json:"privacy_url"`
	Interests       []string `json:"interests"`
	// SearchTTLSeconds is SEARCH_TTL, how long a waiting search lasts, in
	// whole seconds rounded up (the waiting screen says it).
	SearchTTLSeconds int64  `json:"search_ttl_s"`
	RichAdsPubID     string `json:"richads_pub_id,omitempty"`
	RichAdsAppID     string `json:"richads_app_id,omitempty"`
}

type meResponse struct {
	Onboarded bool     `json:"onboarded"`
	Nickname  string   `json:"nickname,omitempty"`
	Gender    string   `json:"gender,omitempty"`
	Age       int      `json:"age,omitempty"`
	Interests []string `json:"interests,omitempty"`
	// TeenMode: the user is under 18 and minors mode's stricter rules
	// apply (no links, media, contact exchange or meeting again; a lower
	// message rate).
	TeenMode    bool         `json:"teen_mode,omitempty"`
	Restriction *restriction `json:"restriction,omitempty"`
}

func viewMe(u matchmaker.User) meResponse {
	return meResponse{Onboarded: true, Nickname: u.Nickname, Gender: string(u.Gender), Age: u.Age, Interests: u.Interests,
		TeenMode: u.Age < matchmaker.AdultAge}
}

type restriction struct {
	Code  string `json:"code"`
	Until int64  `json:"until,omitempty"`
}

type profileRequest struct {
	Nickname string `json:"nickname"`
	Gender   string `json:"gender"`
	Age      int    `json:"age"`
	// Interests replace the profile's when present; absent keeps them.
	Interests *[]string `json:"interests"`
}

type searchRequest struct {
	Gender  string `json:"gender"`
	AgeFrom int    `json:"age_from"`
	AgeTo   int    `json:"age_to"`
}

type searchResponse struct {
	State string               `json:"state"`
	Room  *centrifugo.RoomView `json:"room,omitempty"`
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
	ReplyTo     string `json:"reply_to"`
	MediaID     string `json:"media_id"`
	Spoiler     bool   `json:"spoiler"`
}

type messageResponse struct {
	ID          string `json:"id"`
	TS          int64  `json:"ts"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
}

type readRequest struct {
	UpTo string `json:"up_to"`
}

type ratingRequest struct {
	Value string `json:"value"`
}

func viewSearch(sr matchmaker.Search, userID string) searchResponse {
	resp := searchResponse{State: string(sr.State)}
	if sr.Room != nil {
		resp.Room = centrifugo.ViewRoom(*sr.Room, userID)
	}
	return resp
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	privacyURL := s.cfg.PrivacyPolicyURL
	if privacyURL == "" {
		privacyURL = "/privacy"
	}
	writeJSON(w, http.StatusOK, configResponse{CentrifugoWSURL: s.cfg.CentrifugoWSURL, PrivacyURL: privacyURL, Interests: matchmaker.Interests,
		SearchTTLSeconds: int64((s.cfg.SearchTTL + time.Second - 1) / time.Second),
		RichAdsPubID:     s.cfg.RichAdsPubID, RichAdsAppID: s.cfg.RichAdsAppID})
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
	resp := viewMe(u)
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
	p := matchmaker.Profile{Nickname: req.Nickname, Gender: matchmaker.Gender(req.Gender), Age: req.Age}
	if req.Interests != nil {
		p.Interests = *req.Interests
	} else if cur, err := s.store.GetUser(r.Context(), id.TelegramID); err == nil {
		p.Interests = cur.Interests
	} else if !errors.Is(err, matchmaker.ErrNoProfile) {
		s.fail(w, r, err)
		return
	}
	u, err := s.store.PutProfile(r.Context(), id.TelegramID, id.Lang, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewMe(u))
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
	ctx := r.Context()
	sr, err := s.store.Search(ctx, uid, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sr.Fresh {
		s.metrics.matches.Inc()
	}
	writeJSON(w, http.StatusOK, viewSearch(sr, uid))
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
		ctx := r.Context()
		err = s.store.CancelSearch(ctx, uid)
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

// roomCall does what every /api/rooms/{id} endpoint starts with: the room
// id from the path and the body into req. Who calls is the Telegram id of
// the init data: rooms know their members' Telegram ids, so a room call
// needs no lookup (someone without a profile is in no room, and a user who
// deleted their data is forgotten by their rooms).
func (s *Server) roomCall(w http.ResponseWriter, r *http.Request, body int, req any) (tg int64, rid string, err error) {
	if rid, err = roomID(r); err != nil {
		return 0, "", err
	}
	switch body {
	case bodyRequired:
		err = decode(w, r, req)
	case bodyOptional:
		err = decodeOptional(w, r, req)
	default:
		err = drain(w, r)
	}
	return identityFrom(r.Context()).TelegramID, rid, err
}

// roomID reads {id} from the path; a malformed one is simply unknown.
func roomID(r *http.Request) (string, error) {
	id := chi.URLParam(r, "id")
	if !roomIDPattern.MatchString(id) {
		return "", errorf(http.StatusNotFound, "not_found", "room not found")
	}
	return id, nil
}

// postMessage stores a message and publishes it: one Redis round trip
// (membership, rate limit, duplicate check and append in one script) and
// one publication, whose idempotency key makes a retry safe. The message is
// accepted (201) only once it is on the channel.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	var req messageRequest
	tg, rid, err := s.roomCall(w, r, bodyRequired, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	st, err := s.store.AddMessage(ctx, tg, rid, matchmaker.NewMessage{Text: req.Text, ClientMsgID: req.ClientMsgID, ReplyTo: req.ReplyTo,
		MediaID: req.MediaID, Spoiler: req.Spoiler})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := st.Message
	// A retry publishes again under the same key: if the first publish
	// landed, Centrifugo keeps the first and adds nothing.
	if _, err := s.pub.Publish(ctx, centrifugo.RoomChannel(rid), centrifugo.MessageEvent(msg), centrifugo.MessageKey(rid, msg)); err != nil {
		s.fail(w, r, err) // stored; the client retries with the same client_msg_id
		return
	}
	if !st.Duplicate {
		s.metrics.messages.Inc()
	}
	if st.CheckAway {
		go s.notifyIfAway(rid, st.Partner)
	}
	if st.First {
		// Spam across chats looks at first messages, off the message path.
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, err := s.store.RecordFirstMessage(ctx, st.SenderID, st.PartnerID, rid, msg.Text); err != nil {
				s.log.Warn("first message", "room", rid, "err", err)
			}
		}()
	}
	writeJSON(w, http.StatusCreated, messageResponse{ID: msg.ID, TS: msg.TS, ClientMsgID: msg.ClientMsgID})
}

func (s *Server) postTyping(w http.ResponseWriter, r *http.Request) {
	tg, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.store.Act(r.Context(), tg, rid, matchmaker.ActionTyping, s.limits["typing"], "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ev := centrifugo.RoomEvent{Type: centrifugo.EventTyping, From: a.Member}
	if err := s.pub.PublishEphemeral(r.Context(), centrifugo.RoomChannel(rid), ev); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// postRead moves the caller's read marker and tells the partner (their
// app shows ✓✓). The marker is kept with the room, so a reopened app sees
// it in GET /api/rooms/{id}; the publication is not kept in history.
func (s *Server) postRead(w http.ResponseWriter, r *http.Request) {
	var req readRequest
	tg, rid, err := s.roomCall(w, r, bodyRequired, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.store.Act(r.Context(), tg, rid, matchmaker.ActionRead, s.limits["read"], req.UpTo)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Changed {
		ev := centrifugo.RoomEvent{Type: centrifugo.EventRead, From: a.Member, UpTo: a.Read}
		if err := s.pub.PublishEphemeral(r.Context(), centrifugo.RoomChannel(rid), ev); err != nil {
			s.log.Warn("publish read marker", "room", rid, "err", err) // kept; the partner sees it on reopening
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// postRating takes a member's private answer to "How was it?" after a
// chat ended; nobody sees it (operators see the share of 👍, and review
// users many partners rated down).
func (s *Server) postRating(w http.ResponseWriter, r *http.Request) {
	var req ratingRequest
	tg, rid, err := s.roomCall(w, r, bodyRequired, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.Rate(r.Context(), tg, rid, matchmaker.Rating(req.Value)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postLeave(w http.ResponseWriter, r *http.Request) {
	var req leaveRequest
	tg, rid, err := s.roomCall(w, r, bodyOptional, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.store.Leave(ctx, tg, rid, matchmaker.LeaveOptions{Block: req.Block}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
