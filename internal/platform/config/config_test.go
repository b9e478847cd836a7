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

func TestTheTransportAndPartitionsAreCheckedWhereTheyEnter(t *testing.T) {
	for _, c := range []struct {
		transport, url, partitions string
		err                        string
	}{
		{},
		{transport: "nats", url: "nats://127.0.0.1:4222", partitions: "8"},
		{transport: "NATS", url: "nats://a:4222, nats://b:4222"},
		{transport: "kafka", err: "TICKETIFY_TRANSPORT"},
		{transport: "nats", err: "TICKETIFY_NATS_URL: required"},
		{transport: "nats", url: "http://127.0.0.1:4222", err: "TICKETIFY_NATS_URL"},
		{transport: "nats", url: "nats://127.0.0.1:99999", err: "TICKETIFY_NATS_URL"},
		{transport: "nats", url: "nats://a:4222,mongodb://b", err: "TICKETIFY_NATS_URL"},
		{partitions: "0", err: "TICKETIFY_PARTITIONS"},
		{partitions: "257", err: "TICKETIFY_PARTITIONS"},
		{partitions: "+3", err: "TICKETIFY_PARTITIONS"},
		{partitions: "abc", err: "TICKETIFY_PARTITIONS"},
	} {
		env := map[string]string{"TICKETIFY_TRANSPORT": c.transport, "TICKETIFY_NATS_URL": c.url, "TICKETIFY_PARTITIONS": c.partitions}
		_, err := config.Load(func(k string) string { return env[k] })
		if c.err == "" && err != nil {
			t.Errorf("%+v: %v", c, err)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%+v: got %v, want an error saying %q", c, err, c.err)
		}
	}
}
