package matchmaker

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Settings are the store's settings as every process that opens the store
// reads them from the environment (the API and the bot embed them in their
// configuration), so both apply the same room TTL, cap and rules.
type Settings struct {
	RedisURL string `envconfig:"REDIS_URL" default:"redis://127.0.0.1:6379/0"`
	// RedisClusterAddrs, when set, are host:port seeds of a Redis Cluster
	// used instead of REDIS_URL.
	RedisClusterAddrs []string `envconfig:"REDIS_CLUSTER_ADDRS"`
	// RedisPoolSize is the connections per Redis node (0 = go-redis's
	// default, 10 per CPU).
	RedisPoolSize   int           `envconfig:"REDIS_POOL_SIZE" default:"64"`
	SearchTTL       time.Duration `envconfig:"SEARCH_TTL" default:"10m"`
	RematchCooldown time.Duration `envconfig:"REMATCH_COOLDOWN" default:"10m"`
	RoomTTL         time.Duration `envconfig:"ROOM_TTL" default:"24h"`
	RoomMaxMessages int           `envconfig:"ROOM_MAX_MESSAGES" default:"1000"`
	NotifyCooldown  time.Duration `envconfig:"NOTIFY_COOLDOWN" default:"5m"`
	// AwayCheckEvery is how often per room a message asks Centrifugo
	// whether the partner has the room open (for "your partner wrote"):
	// not once per message. Such a notice comes at most this late.
	AwayCheckEvery     time.Duration `envconfig:"AWAY_CHECK_EVERY" default:"30s"`
	ReportsToSuspend   int           `envconfig:"REPORTS_TO_SUSPEND" default:"3"`
	SuspendFor         time.Duration `envconfig:"SUSPEND_FOR" default:"24h"`
	LinksAfterMessages int           `envconfig:"LINKS_AFTER_MESSAGES" default:"3"`
	// Spam across chats (spam.go): the same first message to SPAM_SAME_FIRST
	// partners within SPAM_SAME_FIRST_WINDOW, or SPAM_QUICK_LEAVES rooms
	// within SPAM_QUICK_LEAVES_WINDOW each left within
	// SPAM_QUICK_LEAVE_AFTER of one's first message, puts a user on hold.
	SpamSameFirst         int           `envconfig:"SPAM_SAME_FIRST" default:"5"`
	SpamSameFirstWindow   time.Duration `envconfig:"SPAM_SAME_FIRST_WINDOW" default:"1h"`
	SpamQuickLeaves       int           `envconfig:"SPAM_QUICK_LEAVES" default:"8"`
	SpamQuickLeavesWindow time.Duration `envconfig:"SPAM_QUICK_LEAVES_WINDOW" default:"10m"`
	SpamQuickLeaveAfter   time.Duration `envconfig:"SPAM_QUICK_LEAVE_AFTER" default:"20s"`
	// AgainTTL is how long after a chat ended its members may wish to talk
	// again; a wish lapses when it ends. 0 = the default, 24h.
	AgainTTL time.Duration `envconfig:"AGAIN_TTL" default:"24h"`
}

// Validate fails fast, naming the variable that is wrong.
func (c Settings) Validate() error {
	if len(c.RedisClusterAddrs) == 0 {
		u, err := url.Parse(c.RedisURL)
		if err != nil || !(u.Scheme == "redis" || u.Scheme == "rediss" || u.Scheme == "unix" && u.Path != "") {
			return fmt.Errorf("REDIS_URL: want redis://host:port/db (or unix:///path/to/redis.sock?db=N), got %q", c.RedisURL)
		}
	}
	for _, a := range c.RedisClusterAddrs {
		if !strings.Contains(a, ":") || strings.Contains(a, "/") {
			return fmt.Errorf("REDIS_CLUSTER_ADDRS: want host:port[,host:port...], got %q", a)
		}
	}
	if c.RedisPoolSize < 0 {
		return fmt.Errorf("REDIS_POOL_SIZE: must not be negative")
	}
	for name, d := range map[string]time.Duration{
		"SEARCH_TTL": c.SearchTTL, "ROOM_TTL": c.RoomTTL, "NOTIFY_COOLDOWN": c.NotifyCooldown, "SUSPEND_FOR": c.SuspendFor,
		"AWAY_CHECK_EVERY": c.AwayCheckEvery,
	} {
		if d <= 0 {
			return fmt.Errorf("%s: must be positive", name)
		}
	}
	if c.RematchCooldown < 0 {
		return fmt.Errorf("REMATCH_COOLDOWN: must not be negative")
	}
	if c.RoomMaxMessages < 10 || c.RoomMaxMessages > 100_000 {
		return fmt.Errorf("ROOM_MAX_MESSAGES: must be between 10 and 100000")
	}
	if c.ReportsToSuspend < 1 {
		return fmt.Errorf("REPORTS_TO_SUSPEND: must be at least 1")
	}
	if c.AgainTTL < 0 {
		return fmt.Errorf("AGAIN_TTL: must not be negative")
	}
	if c.SpamSameFirst < 0 || c.SpamQuickLeaves < 0 {
		return fmt.Errorf("SPAM_SAME_FIRST, SPAM_QUICK_LEAVES: must not be negative")
	}
	if c.SpamSameFirstWindow < 0 || c.SpamQuickLeavesWindow < 0 || c.SpamQuickLeaveAfter < 0 {
		return fmt.Errorf("SPAM_SAME_FIRST_WINDOW, SPAM_QUICK_LEAVES_WINDOW, SPAM_QUICK_LEAVE_AFTER: must not be negative")
	}
	if c.LinksAfterMessages < 0 {
		return fmt.Errorf("LINKS_AFTER_MESSAGES: must not be negative (0 turns the rule off)")
	}
	return nil
}

// StoreConfig is the store configuration these settings imply.
func (c Settings) StoreConfig() Config {
	cooldown := c.RematchCooldown
	if cooldown == 0 {
		cooldown = -1 // REMATCH_COOLDOWN=0 turns the cooldown off
	}
	return Config{SearchTTL: c.SearchTTL, RematchCooldown: cooldown, RoomTTL: c.RoomTTL, MaxMessages: c.RoomMaxMessages,
		LinksAfter: c.LinksAfterMessages, NotifyCooldown: c.NotifyCooldown, PresenceEvery: c.AwayCheckEvery, AgainTTL: c.AgainTTL,
		Moderation: ModerationConfig{ReportsToSuspend: c.ReportsToSuspend, SuspendFor: c.SuspendFor},
		Spam: SpamConfig{SameFirst: c.SpamSameFirst, SameFirstWindow: c.SpamSameFirstWindow, QuickLeaves: c.SpamQuickLeaves,
			QuickLeavesWindow: c.SpamQuickLeavesWindow, QuickLeaveAfter: c.SpamQuickLeaveAfter}}
}

// Connect opens the Redis the settings name: a Redis Cluster when
// REDIS_CLUSTER_ADDRS is set, else the single Redis of REDIS_URL. The store
// runs the same on both.
//
// Both speak RESP2 (RedisProtocol).
func (c Settings) Connect() (redis.UniversalClient, error) {
	if len(c.RedisClusterAddrs) > 0 {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.RedisClusterAddrs, PoolSize: c.RedisPoolSize,
			PoolTimeout: time.Second, Protocol: RedisProtocol}), nil
	}
	opt, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if c.RedisPoolSize > 0 {
		opt.PoolSize = c.RedisPoolSize
	}
	opt.PoolTimeout = time.Second
	opt.Protocol = RedisProtocol
	return redis.NewClient(opt), nil
}

// RedisProtocol is the protocol version the store's clients speak: RESP2.
// go-redis defaults to RESP3, and with it checks every connection for
// push notifications before each command; the store uses no RESP3 feature
// (no client-side caching, no pub/sub on these clients), and the check was
// 3% of the API's CPU per message in perf at 1,000 msg/s. The test helpers
// in redistest speak the same.
const RedisProtocol = 2
