// Package discord is Ticketify's Discord adapter on disgo: interactions (the
// signed HTTP endpoint and the gateway, through the same handlers) become use
// cases of internal/app; gateway facts (messages, deleted channels, members
// leaving, the bot joining or removed) become events; and a reactor turns
// events into Discord side effects (channels, permissions, messages).
package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config configures the adapter.
type Config struct {
	// Token is the bot token (DISCORD_TOKEN). Without it the gateway and
	// every REST side effect are off.
	Token string
	// PublicKey verifies signed interactions (DISCORD_PUBLIC_KEY, hex).
	PublicKey string
	// APIURL is Discord's REST base (DISCORD_API_URL).
	APIURL string
	// GatewayURL is the gateway (DISCORD_GATEWAY_URL).
	GatewayURL string
	// AckAfter is how long an interaction may run before it is deferred, well
	// inside Discord's 3 seconds. Default 2s.
	AckAfter time.Duration
	// DeleteClosedAfter is how long a closed ticket's channel stays; 0 keeps it
	// (locked) forever. The adapter takes it as given: the program's default
	// (24h) is TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER's, in internal/platform/config.
	DeleteClosedAfter time.Duration
	// DashboardURL is linked from /privacy.
	DashboardURL string
	// Clock is the time signed interactions' timestamps are checked
	// against; default time.Now.
	Clock func() time.Time
	// ShardCount is the bot's total number of gateway shards; 0 asks
	// Discord for its recommendation (GET /gateway/bot) when connecting.
	ShardCount int
	// ShardIDs are the shards this process runs; none: all of them.
	ShardIDs []int
}

// Defaults for Config.
const (
	DefaultAPIURL     = "https://discord.com/api/v10"
	DefaultGatewayURL = "wss://gateway.discord.gg"
)

func (c *Config) setDefaults() {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.GatewayURL == "" {
		c.GatewayURL = DefaultGatewayURL
	}
	if c.AckAfter <= 0 {
		c.AckAfter = 2 * time.Second
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// Enabled reports whether anything Discord is configured.
func (c Config) Enabled() bool { return c.Token != "" || c.PublicKey != "" }

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.PublicKey != "" {
		if _, err := c.publicKey(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Token != "" && strings.Count(c.Token, ".") < 2 {
		errs = append(errs, errors.New("DISCORD_TOKEN does not look like a bot token"))
	}
	if c.AckAfter >= 3*time.Second {
		errs = append(errs, errors.New("interactions must be acknowledged within Discord's 3 seconds"))
	}
	return errors.Join(errs...)
}

func (c Config) publicKey() (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(c.PublicKey))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("DISCORD_PUBLIC_KEY must be %d bytes of hex", ed25519.PublicKeySize)
	}
	return b, nil
}
