package centrifugo

import (
	"context"
	"encoding/json"
)

// PublishBatch sends the publications in one call, as the batcher does
// with publications that waited for a lane, and returns each one's result.
func (p *Publisher) PublishBatch(ctx context.Context, channels []string, data []any, keys []string) ([]Position, []error) {
	batch := make([]*pubCall, len(channels))
	for i, ch := range channels {
		b, err := json.Marshal(data[i])
		if err != nil {
			panic(err)
		}
		body, err := json.Marshal(publishRequest{Channel: ch, Data: b, IdempotencyKey: keys[i]})
		if err != nil {
			panic(err)
		}
		batch[i] = &pubCall{channel: ch, body: body}
	}
	p.batch.send(ctx, batch)
	pos := make([]Position, len(batch))
	errs := make([]error, len(batch))
	for i, c := range batch {
		pos[i], errs[i] = c.pos, c.err
	}
	return pos, errs
}

// MaxBatch is the most publications one call carries.
const MaxBatch = maxBatch
