package ldapx_test

import (
	"encoding/hex"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // the NT hash is MD4
)

// ntHashHex is the NT hash of pw in lower-case hex, the form a leak would
// most likely take.
func ntHashHex(pw string) string {
	h := md4.New()
	for _, r := range utf16.Encode([]rune(pw)) {
		h.Write([]byte{byte(r), byte(r >> 8)})
	}
	return hex.EncodeToString(h.Sum(nil))
}
