package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

type roomStatus struct {
	ID            string                 `json:"id"`
	Channel       string                 `json:"channel"`
	State         string                 `json:"state"`
	Me            string                 `json:"me"`
	Partner       centrifugo.PartnerView `json:"partner"`
	PartnerOnline bool                   `json:"partner_online"`
	CreatedAt     int64                  `json:"created_at"`
	ClosedAt      int64                  `json:"closed_at,omitempty"`
	ClosedBy      string                 `json:"closed_by,omitempty"`
	Cleared       bool                   `json:"cleared,omitempty"`
	Read          readMarkers            `json:"read"`
	// SharedInterests are the interests both members named.
	SharedInterests []string   `json:"shared_interests,omitempty"`
	Reveal          revealView `json:"reveal"`
	// Minors: minors mode applies (never links, photos, voice, contact
	// exchange or meeting again; a lower message rate).
	Minors bool `json:"minors,omitempty"`
	// Unlock is how many messages each side still has to send before
	// links, photos and voice messages are allowed (both 0: allowed).
	Unlock remaining `json:"unlock"`
}

// readMarkers are the newest message each side has seen ("" = none).
type readMarkers struct {
	Me      string `json:"me"`
	Partner string `json:"partner"`
}

// historyMessage is a message as the history answer shows it: the client
// id only on the caller's own messages.
type historyMessage struct {
	ID          string            `json:"id"`
	From        string            `json:"from"`
	Text        string            `json:"text"`
	TS          int64             `json:"ts"`
	ClientMsgID string            `json:"client_msg_id,omitempty"`
	ReplyTo     string            `json:"reply_to,omitempty"`
	Media       *matchmaker.Media `json:"media,omitempty"`
}

type historyResponse struct {
	Messages  []historyMessage     `json:"messages"`
	HasMore   bool                 `json:"has_more"`
	Truncated bool                 `json:"truncated"`
	Stream    *centrifugo.Position `json:"stream"`
}

// getRoom is the room as its member sees it, with whether the partner has
// the room open right now (Centrifugo presence, by member id).
func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	tg, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	room, err := s.store.MemberRoom(r.Context(), tg, rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me, partner, _ := room.SideOf(tg)
	st := roomStatus{ID: room.ID, Channel: centrifugo.RoomChannel(room.ID), State: string(room.State), Me: me.MemberID,
		Partner:   centrifugo.PartnerView{Nickname: partner.Nickname, Gender: string(partner.Gender), Age: partner.Age},
		CreatedAt: room.CreatedAt.UnixMilli(), Cleared: room.Cleared,
		Read:            readMarkers{Me: room.Read[me.MemberID], Partner: room.Read[partner.MemberID]},
		SharedInterests: room.SharedInterests,
		Minors:          me.Age < matchmaker.AdultAge || partner.Age < matchmaker.AdultAge}
	if need := s.cfg.LinksAfterMessages; need > 0 {
		st.Unlock = remaining{Me: max(need-me.Sent, 0), Partner: max(need-partner.Sent, 0)}
	}
	if room.State == matchmaker.RoomClosed {
		st.ClosedAt = room.ClosedAt.UnixMilli()
		switch room.ClosedBy {
		case me.UserID:
			st.ClosedBy = "me"
		case partner.UserID:
			st.ClosedBy = "partner"
		default:
			st.ClosedBy = "system"
		}
	}
	st.Reveal = s.revealStatus(r, tg, room, me, partner)
	if members, err := s.pub.Members(r.Context(), st.Channel); err == nil {
		st.PartnerOnline = members[partner.MemberID]
	} else {
		s.log.Warn("room presence", "room", rid, "err", err)
	}
	writeJSON(w, http.StatusOK, st)
}

// getMessages pages through the conversation kept in Redis. For the newest
// page, stream tells the client where to subscribe from: it is read from
// Centrifugo BEFORE the page, so a message published after that position is
// delivered by recovery and one published before it was stored before it,
// hence is in the page. Under any interleaving nothing falls between the
// two (a message may come both ways; clients drop ids they show).
func (s *Server) getMessages(w http.ResponseWriter, r *http.Request) {
	tg, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.fail(w, r, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: "limit",
				Message: "limit must be a number between 1 and 100"})
			return
		}
		limit = n
	}
	before := r.URL.Query().Get("before")
	var stream *centrifugo.Position
	var topErr error
	if before == "" {
		top, err := s.pub.Top(r.Context(), centrifugo.RoomChannel(rid))
		if err != nil {
			topErr = err
		} else {
			stream = &top
		}
	}
	page, err := s.store.History(r.Context(), tg, rid, before, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if topErr != nil {
		// Without a position the app cannot know what it would miss in an
		// active room; a closed room gets nothing new.
		if room, err := s.store.Room(r.Context(), rid); err != nil || room.State == matchmaker.RoomActive {
			s.fail(w, r, topErr)
			return
		}
	}
	me := ""
	if room, err := s.store.MemberRoom(r.Context(), tg, rid); err == nil {
		m, _, _ := room.SideOf(tg)
		me = m.MemberID
	}
	out := historyResponse{Messages: make([]historyMessage, len(page.Messages)), HasMore: page.HasMore,
		Truncated: page.Truncated, Stream: stream}
	for i, m := range page.Messages {
		out.Messages[i] = historyMessage{ID: m.ID, From: m.From, Text: m.Text, TS: m.TS, ReplyTo: m.ReplyTo, Media: m.Media}
		if m.From == me {
			out.Messages[i].ClientMsgID = m.ClientMsgID
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteRoom clears a conversation for both members: leave if active (the
// partner gets the usual left), then drop it from Redis and Centrifugo.
func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request) {
	tg, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.store.Clear(ctx, tg, rid); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// notifyIfAway queues a "your partner wrote" notice when the partner has no
// live subscription to the room, at most once per room per cooldown. The
// message script asks for this at most once per presence interval per room,
// not once per message. It runs after the response, on its own deadline.
func (s *Server) notifyIfAway(roomID string, partner matchmaker.Member) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	members, err := s.pub.Members(ctx, centrifugo.RoomChannel(roomID))
	if err != nil {
		s.log.Warn("room presence for notice", "room", roomID, "err", err)
		return
	}
	if members[partner.MemberID] {
		return
	}
	if _, err := s.store.NotifyTG(ctx, partner.TelegramID, partner.Lang, matchmaker.NoticePartnerWrote,
		"wrote:"+roomID+":"+partner.MemberID, s.cfg.NotifyCooldown, time.Time{}); err != nil && !errors.Is(err, matchmaker.ErrNoProfile) {
		s.log.Warn("queue notice", "room", roomID, "err", err)
	}
}
