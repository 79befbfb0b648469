package api_test

import (
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
)

// forgedSubscriptionToken is a well-formed token signed with the wrong secret.
func forgedSubscriptionToken(t *testing.T, channel string) string {
	t.Helper()
	tok, _, err := centrifugo.NewTokens("not-the-server-secret-0123456789abcdef", time.Hour).Subscription("eve", "", channel, "m", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
