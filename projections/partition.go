package projections

import (
	"fmt"
	"hash/fnv"
)

// Partition is the share of the guilds one consumer of a projector applies
// when the projector is split (see PerGuild): the guilds whose hash falls
// in Index of Count. The zero value, and Count 1, is the whole log.
//
// WARNING: PartitionOf is the storage format of every partitioned
// checkpoint: changing it sends guilds to partitions that never saw them.
type Partition struct {
	Index, Count int
}

// Whole is the unsplit log.
var Whole = Partition{Index: 0, Count: 1}

// PartitionOf returns the partition of count that a guild's events go to
// (FNV-1a of its id).
func PartitionOf(guild string, count int) int {
	if count <= 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(guild))
	return int(h.Sum32() % uint32(count))
}

// Split says whether the log is split at all.
func (p Partition) Split() bool { return p.Count > 1 }

// Receives says whether an event of the guild is delivered to this
// partition: its own guilds' events, and every event that belongs to no
// guild (an erasure receipt naming tickets of many servers, a person's
// profile), which every partition receives.
func (p Partition) Receives(guild string) bool {
	return !p.Split() || guild == "" || PartitionOf(guild, p.Count) == p.Index
}

// Owns says whether a document of the guild is this partition's to write.
// A per-guild projector checks it before writing for an event that belongs
// to no guild; documents of no guild are the first partition's.
func (p Partition) Owns(guild string) bool {
	if !p.Split() {
		return true
	}
	if guild == "" {
		return p.Index == 0
	}
	return PartitionOf(guild, p.Count) == p.Index
}

// Group names a partition's consumer group: the projector's own name when
// the log is not split (so that splitting nothing changes nothing stored).
func (p Partition) Group(projector string) string {
	if !p.Split() {
		return projector
	}
	return fmt.Sprintf("%s[%d/%d]", projector, p.Index, p.Count)
}

// PerGuild is a projector that can be split into partitions by guild:
// every document it writes belongs to one guild (or to none, then to the
// first partition), and for an event of no guild it writes only documents
// its Target's Partition owns.
type PerGuild interface {
	Projector
	PerGuild()
}
