package centrifugo_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

// TestMessageEventAlwaysHasText: a photo without a caption is published
// with "text":"" (the README's shape, and the history API's); typing and
// left carry no text.
func TestMessageEventAlwaysHasText(t *testing.T) {
	raw, err := json.Marshal(centrifugo.MessageEvent(matchmaker.Message{ID: "1", From: "m", TS: 1,
		Media: &matchmaker.Media{ID: "x", Kind: "photo"}}))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if v, ok := m["text"]; !ok || v != "" || m["type"] != "message" || m["media"] == nil {
		t.Fatalf("caption-less photo = %s", raw)
	}
	if raw, _ := json.Marshal(centrifugo.Left("m")); strings.Contains(string(raw), "text") {
		t.Fatalf("left = %s", raw)
	}
}
