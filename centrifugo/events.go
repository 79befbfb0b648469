package centrifugo

// Room channel publications. Every one names its sender by member id only.
const (
	EventMessage = "message"
	EventTyping  = "typing"
	EventLeft    = "left"
)

// RoomEvent is a publication on a room channel.
type RoomEvent struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	From string `json:"from"`
	Text string `json:"text,omitempty"`
	TS   int64  `json:"ts,omitempty"`
}

// Left is the publication that closes a room for the partner.
func Left(member string) RoomEvent { return RoomEvent{Type: EventLeft, From: member} }
