package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/platform/config"
)

func TestShardsAreReadAsOperatorsWriteThem(t *testing.T) {
	for _, c := range []struct {
		count, shards string
		want          []int
		err           string
	}{
		{count: "16", shards: "0-3", want: []int{0, 1, 2, 3}},
		{count: "16", shards: "0,2, 5-6", want: []int{0, 2, 5, 6}},
		{count: "4", shards: "", want: nil},
		{count: "", shards: "0-3", err: "needs TICKETIFY_SHARD_COUNT"},
		{count: "4", shards: "3-4", err: "below 4"},
		{count: "4", shards: "2-1", err: "below 4"},
		{count: "0", err: "from 1 to"},
		{count: "100000", err: "from 1 to"},
	} {
		env := map[string]string{"TICKETIFY_SHARD_COUNT": c.count, "TICKETIFY_SHARDS": c.shards}
		cfg, err := config.Load(func(k string) string { return env[k] })
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("count %q shards %q: got %v, want an error saying %q", c.count, c.shards, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(cfg.ShardIDs, c.want) {
			t.Errorf("count %q shards %q: got %v, %v; want %v", c.count, c.shards, cfg.ShardIDs, err, c.want)
		}
	}
}
