package testenv

import "crypto/rand"

// PNGBytes is size random bytes that sniff as a PNG image (its signature
// first): an attachment whose content type is decided by its bytes.
func PNGBytes(size int) []byte {
	b := make([]byte, size)
	_, _ = rand.Read(b)
	copy(b, "\x89PNG\x0D\x0A\x1A\x0A")
	return b
}
