package eventstore

// Checkpoint is where a consumer stands in a topic's log: the next record
// to deliver is record Index of the commit at Position. Event is the global
// position of the last record it acknowledged (0: none). A consumer that has
// consumed nothing stands at Checkpoint{Position: 1}.
type Checkpoint struct {
	Position int64 // commit position, from 1
	Index    int
	Event    int64
}
