package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidID is wrapped by every identifier parse error.
var ErrInvalidID = errors.New("invalid id")

// snowflakeKind names the Discord object a Snowflake identifies.
type snowflakeKind interface{ kindName() string }

type (
	guildKind   struct{}
	userKind    struct{}
	channelKind struct{}
	roleKind    struct{}
	messageKind struct{}
)

func (guildKind) kindName() string   { return "guild" }
func (userKind) kindName() string    { return "user" }
func (channelKind) kindName() string { return "channel" }
func (roleKind) kindName() string    { return "role" }
func (messageKind) kindName() string { return "message" }

// Snowflake is a Discord identifier of one kind of object. The zero value is
// not a valid identifier. Snowflakes travel as decimal strings, as Discord's
// own JSON does.
type Snowflake[K snowflakeKind] uint64

// GuildID identifies a Discord server.
type GuildID = Snowflake[guildKind]

// UserID identifies a Discord user.
type UserID = Snowflake[userKind]

// ChannelID identifies a Discord channel (text channel or category).
type ChannelID = Snowflake[channelKind]

// RoleID identifies a Discord role.
type RoleID = Snowflake[roleKind]

// MessageID identifies a Discord message.
type MessageID = Snowflake[messageKind]

func parseSnowflake[K snowflakeKind](s string) (Snowflake[K], error) {
	var k K
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%w: %s id %q is not a Discord snowflake", ErrInvalidID, k.kindName(), s)
	}
	return Snowflake[K](v), nil
}

// ParseGuildID parses a guild snowflake.
func ParseGuildID(s string) (GuildID, error) { return parseSnowflake[guildKind](s) }

// ParseUserID parses a user snowflake.
func ParseUserID(s string) (UserID, error) { return parseSnowflake[userKind](s) }

// ParseChannelID parses a channel snowflake.
func ParseChannelID(s string) (ChannelID, error) { return parseSnowflake[channelKind](s) }

// ParseRoleID parses a role snowflake.
func ParseRoleID(s string) (RoleID, error) { return parseSnowflake[roleKind](s) }

// ParseMessageID parses a message snowflake.
func ParseMessageID(s string) (MessageID, error) { return parseSnowflake[messageKind](s) }

// String returns the decimal form Discord uses.
func (s Snowflake[K]) String() string { return strconv.FormatUint(uint64(s), 10) }

// IsZero reports whether s is the (invalid) zero identifier.
func (s Snowflake[K]) IsZero() bool { return s == 0 }

// MarshalText encodes s as its decimal string, and the (invalid) zero id as
// the empty string, which UnmarshalText reads back as zero.
func (s Snowflake[K]) MarshalText() ([]byte, error) {
	if s == 0 {
		return []byte{}, nil
	}
	return strconv.AppendUint(nil, uint64(s), 10), nil
}

// UnmarshalText decodes a decimal string; the empty string decodes to zero so
// optional fields round-trip.
func (s *Snowflake[K]) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = 0
		return nil
	}
	v, err := parseSnowflake[K](string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// TicketID identifies a ticket. It is minted by the application (a ULID: 26
// Crockford base32 characters, time-ordered) and never reused.
type TicketID string

// ParseTicketID validates the form of a ticket id.
func ParseTicketID(s string) (TicketID, error) {
	if len(s) != 26 {
		return "", fmt.Errorf("%w: ticket id %q must be 26 characters", ErrInvalidID, s)
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789ABCDEFGHJKMNPQRSTVWXYZ", r) {
			return "", fmt.Errorf("%w: ticket id %q has character %q", ErrInvalidID, s, r)
		}
	}
	return TicketID(s), nil
}

// String returns the id.
func (id TicketID) String() string { return string(id) }

// IsZero reports whether id is empty.
func (id TicketID) IsZero() bool { return id == "" }
