package mongodb

import (
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// SortedMap is a map stored as a BSON document with its keys in order. The
// driver writes Go maps in Go's random iteration order, so two equal maps
// would make different documents, and a rebuilt projection would never be
// byte-identical to the live one.
type SortedMap[V any] map[string]V

var _ bson.ValueMarshaler = SortedMap[int]{}

// MarshalBSONValue writes the map as a document, keys sorted.
func (m SortedMap[V]) MarshalBSONValue() (byte, []byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d := make(bson.D, 0, len(keys))
	for _, k := range keys {
		d = append(d, bson.E{Key: k, Value: m[k]})
	}
	t, data, err := bson.MarshalValue(d)
	return byte(t), data, err
}
