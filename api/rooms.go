package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

type roomStatus struct {
	ID            string      `json:"id"`
	Channel       string      `json:"channel"`
	State         string      `json:"state"`
	Me            string      `json:"me"`
	Partner       partnerView `json:"partner"`
	PartnerOnline bool        `json:"partner_online"`
	CreatedAt     int64       `json:"created_at"`
	ClosedAt      int64       `json:"closed_at,omitempty"`
	ClosedBy      string      `json:"closed_by,omitempty"`
}

type historyResponse struct {
	Messages []matchmaker.Message `json:"messages"`
	HasMore  bool                 `json:"has_more"`
	Stream   centrifugo.Position  `json:"stream"`
}

// getRoom is the room as its member sees it, with whether the partner has
// the room open right now (Centrifugo presence, by member id).
func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	uid, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	room, err := s.store.MemberRoom(r.Context(), uid, rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me, partner, _ := room.Side(uid)
	st := roomStatus{ID: room.ID, Channel: centrifugo.RoomChannel(room.ID), State: string(room.State), Me: me.MemberID,
		Partner:   partnerView{Nickname: partner.Nickname, Gender: string(partner.Gender), Age: partner.Age},
		CreatedAt: room.CreatedAt.UnixMilli()}
	if room.State == matchmaker.RoomClosed {
		st.ClosedAt = room.ClosedAt.UnixMilli()
		switch room.ClosedBy {
		case uid:
			st.ClosedBy = "me"
		case partner.UserID:
			st.ClosedBy = "partner"
		default:
			st.ClosedBy = "system"
		}
	}
	if members, err := s.pub.Members(r.Context(), st.Channel); err == nil {
		st.PartnerOnline = members[partner.MemberID]
	} else {
		s.log.Warn("room presence", "room", rid, "err", err)
	}
	writeJSON(w, http.StatusOK, st)
}

// getMessages pages through the conversation kept in Redis. stream tells the
// client where to subscribe from so it gets exactly what came later.
func (s *Server) getMessages(w http.ResponseWriter, r *http.Request) {
	uid, rid, err := s.roomCall(w, r, noBody, nil)
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
	page, err := s.store.History(r.Context(), uid, rid, r.URL.Query().Get("before"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stream := centrifugo.Position{Offset: page.Offset, Epoch: page.Epoch}
	// After a Centrifugo restart the stored positions belong to an old
	// epoch; then the channel's current top is where "later" begins.
	if top, err := s.pub.Top(r.Context(), centrifugo.RoomChannel(rid)); err != nil {
		s.log.Warn("room stream top", "room", rid, "err", err)
	} else if top.Epoch != page.Epoch {
		stream = top
	}
	writeJSON(w, http.StatusOK, historyResponse{Messages: page.Messages, HasMore: page.HasMore, Stream: stream})
}

// deleteRoom clears a conversation for both members: leave if active (the
// partner gets the usual left), then drop it from Redis and Centrifugo.
func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request) {
	uid, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	member, closed, err := s.store.Clear(r.Context(), uid, rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	channel := centrifugo.RoomChannel(rid)
	if closed {
		if _, err := s.pub.Publish(r.Context(), channel, centrifugo.Left(member)); err != nil {
			s.log.Warn("publish left", "room", rid, "err", err)
		}
	}
	if err := s.pub.RemoveHistory(r.Context(), channel); err != nil {
		s.fail(w, r, err) // the Redis side is gone; a retry removes the rest
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// notifyIfAway queues a "your partner wrote" notice when the partner has no
// live subscription to the room, at most once per room per cooldown. It runs
// after the response, on its own deadline.
func (s *Server) notifyIfAway(roomID, senderID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	room, err := s.store.Room(ctx, roomID)
	if err != nil {
		return
	}
	_, partner, err := room.Side(senderID)
	if err != nil {
		return
	}
	members, err := s.pub.Members(ctx, centrifugo.RoomChannel(roomID))
	if err != nil {
		s.log.Warn("room presence for notice", "room", roomID, "err", err)
		return
	}
	if members[partner.MemberID] {
		return
	}
	if _, err := s.store.Notify(ctx, partner.UserID, matchmaker.NoticePartnerWrote, "wrote:"+roomID+":"+partner.MemberID,
		s.cfg.NotifyCooldown, time.Time{}); err != nil {
		s.log.Warn("queue notice", "room", roomID, "err", err)
	}
}

// notifyMatchedIfAway tells a matched user through the bot when their Mini
// App is closed (nobody on their personal channel).
func (s *Server) notifyMatchedIfAway(roomID, userID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	online, err := s.pub.Online(ctx, s.tokens.PersonalChannel(userID))
	if err != nil {
		s.log.Warn("personal presence for notice", "err", err)
		return
	}
	if online {
		return
	}
	if _, err := s.store.Notify(ctx, userID, matchmaker.NoticePartnerFound, "found:"+roomID, time.Hour, time.Time{}); err != nil {
		s.log.Warn("queue notice", "room", roomID, "err", err)
	}
}
