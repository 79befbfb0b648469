package centrifugo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tetatet/tetatet/matchmaker/coalesce"
)

// batcher sends publications together (matchmaker/coalesce): at most
// lanes calls to Centrifugo carry publications at once, and a publication
// that finds them all busy goes with the next call, in one batch request
// with every other publication that waited meanwhile. A quiet API publishes
// each message at once, on its own; a busy one pays Centrifugo's HTTP round
// trip (request parsing, a write and a read on each side) once per batch.
//
// A batch holds at most one publication per channel and its commands run
// in parallel in Centrifugo; a channel's second publication waits for the
// next batch, so a batch never reorders a channel's publications. (Two on
// different lanes at once are as concurrent as two calls were before
// batching; the Mini App shows a room's messages in id order.)
type batcher struct {
	api   *apiClient
	group coalesce.Group[*pubCall]
}

// pubCall is one publication and its result.
type pubCall struct {
	channel string
	body    []byte // the publish request (JSON)
	pos     Position
	err     error
}

// DefaultLanes is how many calls carry publications at once by default.
const DefaultLanes = 2

// maxBatch bounds the publications of one call.
const maxBatch = 128

func newBatcher(api *apiClient, lanes int) *batcher {
	if lanes <= 0 {
		lanes = DefaultLanes
	}
	b := &batcher{api: api}
	b.group = coalesce.Group[*pubCall]{Lanes: lanes, Max: maxBatch,
		Key: func(c *pubCall) string { return c.channel }, Send: b.send}
	return b
}

// publish sends one publish request (body, to channel) and returns its
// position. ctx bounds the caller's wait; a publication already on its way
// when ctx ends is still made (its idempotency key makes a retry harmless).
func (b *batcher) publish(ctx context.Context, channel string, body []byte) (Position, error) {
	c := &pubCall{channel: channel, body: body}
	if err := b.group.Do(ctx, c); err != nil {
		return Position{}, err
	}
	return c.pos, c.err
}

type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type batchReply struct {
	Replies []struct {
		Error   *apiError `json:"error"`
		Publish *Position `json:"publish"`
	} `json:"replies"`
}

// send makes one call for the batch: "publish" for one publication,
// "batch" for more, and sets each one's result.
func (b *batcher) send(ctx context.Context, batch []*pubCall) {
	if len(batch) == 1 {
		c := batch[0]
		raw, err := b.api.post(ctx, "publish", c.body)
		if err != nil {
			c.err = err
			return
		}
		var rep publishReply
		if err := json.Unmarshal(raw, &rep); err != nil {
			c.err = err
			return
		}
		if rep.Error != nil {
			c.err = fmt.Errorf("error %d %s", rep.Error.Code, rep.Error.Message)
			return
		}
		c.pos = rep.Result
		return
	}
	var body bytes.Buffer
	body.WriteString(`{"commands":[`)
	for i, c := range batch {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(`{"publish":`)
		body.Write(c.body)
		body.WriteByte('}')
	}
	body.WriteString(`],"parallel":true}`)
	raw, err := b.api.post(ctx, "batch", body.Bytes())
	var rep batchReply
	if err == nil {
		err = json.Unmarshal(raw, &rep)
	}
	if err == nil && len(rep.Replies) != len(batch) {
		err = fmt.Errorf("batch of %d answered with %d replies", len(batch), len(rep.Replies))
	}
	for i, c := range batch {
		switch {
		case err != nil:
			c.err = err
		case rep.Replies[i].Error != nil:
			c.err = fmt.Errorf("error %d %s", rep.Replies[i].Error.Code, rep.Replies[i].Error.Message)
		case rep.Replies[i].Publish != nil:
			c.pos = *rep.Replies[i].Publish
		default:
			c.err = fmt.Errorf("batch reply %d holds no publish result", i)
		}
	}
}
