package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// Contact exchange and meet again (matchmaker/consent.go and again.go).
// No answer and no publication here names anything of a partner's Telegram
// account: a username goes from its owner's own init data to the store,
// and from there only to the bot, once both agreed.

// revealView is the room status's "reveal".
type revealView struct {
	Me      bool `json:"me"`
	Partner bool `json:"partner"`
	Done    bool `json:"done"`
	// NeedUsername: the caller agreed but has no username now (removed
	// since); the exchange waits until they set one.
	NeedUsername bool `json:"need_username,omitempty"`
}

// revealEvent is the room channel's "reveal" publication.
type revealEvent struct {
	Type  string `json:"type"`
	From  string `json:"from"`
	State string `json:"state"`
}

type recentResponse struct {
	Rooms []recentRoom `json:"rooms"`
}

type recentRoom struct {
	ID       string                 `json:"id"`
	Partner  centrifugo.PartnerView `json:"partner"`
	ClosedAt int64                  `json:"closed_at"`
	Last     *lastLine              `json:"last"`
	Again    againView              `json:"again"`
}

type lastLine struct {
	Text  string `json:"text"`
	From  string `json:"from"`            // "me" | "partner"
	Media string `json:"media,omitempty"` // "photo" | "voice": the text may be empty
}

// againView is only ever the caller's own wish.
type againView struct {
	Me bool `json:"me"`
}

func (s *Server) postReveal(w http.ResponseWriter, r *http.Request) {
	s.reveal(w, r, matchmaker.RevealOffer)
}

func (s *Server) deleteReveal(w http.ResponseWriter, r *http.Request) {
	s.reveal(w, r, matchmaker.RevealWithdraw)
}

// reveal records the caller's offer (with the username of their own init
// data) or its withdrawal, and tells the room. A retry publishes the same
// event under the same idempotency key, so it lands once.
func (s *Server) reveal(w http.ResponseWriter, r *http.Request, op matchmaker.RevealOp) {
	tg, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	ev, err := s.store.Reveal(ctx, tg, rid, op, identityFrom(ctx).Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.publishReveal(ctx, rid, ev); err != nil {
		s.fail(w, r, err) // recorded; the client retries and the publication follows
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) publishReveal(ctx context.Context, roomID string, ev matchmaker.RevealEvent) error {
	if ev.State == "" {
		return nil
	}
	_, err := s.pub.Publish(ctx, centrifugo.RoomChannel(roomID),
		revealEvent{Type: "reveal", From: ev.From, State: ev.State}, "reveal:"+roomID+":"+ev.Seq)
	return err
}

// revealStatus is the room status's "reveal". While the caller's offer
// stands it presents their username as it is now (they may have removed or
// changed it), which completes the exchange if the partner agreed and both
// have one; and it finishes the follow-ups of an exchange whose caller
// stopped half way.
func (s *Server) revealStatus(r *http.Request, tg int64, room matchmaker.Room, me, partner matchmaker.Member) revealView {
	rv := room.Reveal
	v := revealView{Me: rv.Offered[me.MemberID], Partner: rv.Offered[partner.MemberID], Done: !rv.Done.IsZero(),
		NeedUsername: rv.NoUsername[me.MemberID]}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), opTimeout)
	defer cancel()
	switch {
	case rv.Pending:
		if err := s.store.FinishReveal(ctx, room.ID); err != nil {
			s.log.Warn("finish contact exchange", "room", room.ID, "err", err)
		}
	case v.Me && !v.Done && room.State == matchmaker.RoomActive:
		username := identityFrom(r.Context()).Username
		ev, err := s.store.Reveal(ctx, tg, room.ID, matchmaker.RevealRefresh, username)
		if err != nil {
			if !errors.Is(err, matchmaker.ErrNotAllowed) && !errors.Is(err, matchmaker.ErrRoomClosed) {
				s.log.Warn("refresh contact exchange", "room", room.ID, "err", err)
			}
			return v
		}
		v.NeedUsername = username == ""
		if ev.State == matchmaker.RevealDone {
			v.Partner, v.Done, v.NeedUsername = true, true, false
			if err := s.publishReveal(ctx, room.ID, ev); err != nil {
				s.log.Warn("publish contact exchange", "room", room.ID, "err", err)
			}
		}
	}
	return v
}

// getRecent lists the caller's chats that ended within AGAIN_TTL.
func (s *Server) getRecent(w http.ResponseWriter, r *http.Request) {
	out := recentResponse{Rooms: []recentRoom{}}
	uid, err := s.userID(r)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		writeJSON(w, http.StatusOK, out)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rooms, err := s.store.RecentRooms(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, rr := range rooms {
		v := recentRoom{ID: rr.ID, ClosedAt: rr.ClosedAt.UnixMilli(), Again: againView{Me: rr.Wished},
			Partner: centrifugo.PartnerView{Nickname: rr.Partner.Nickname, Gender: string(rr.Partner.Gender), Age: rr.Partner.Age}}
		if rr.Last != nil {
			v.Last = &lastLine{Text: rr.Last.Text, From: "partner", Media: rr.Last.Media}
			if rr.Last.Mine {
				v.Last.From = "me"
			}
		}
		out.Rooms = append(out.Rooms, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) postAgain(w http.ResponseWriter, r *http.Request) {
	s.again(w, r, (*matchmaker.Store).WishAgain)
}

func (s *Server) deleteAgain(w http.ResponseWriter, r *http.Request) {
	s.again(w, r, (*matchmaker.Store).UnwishAgain)
}

// again records or withdraws the caller's wish to talk again. The answer is
// 204 whether or not the partner wishes it too: a mutual wish shows only as
// the new room, pushed to both.
func (s *Server) again(w http.ResponseWriter, r *http.Request, do func(*matchmaker.Store, context.Context, string, string) error) {
	_, rid, err := s.roomCall(w, r, noBody, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uid, err := s.userID(r)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		err = matchmaker.ErrNotMember // someone without a profile is in no room
	}
	if err == nil {
		err = do(s.store, r.Context(), uid, rid)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
