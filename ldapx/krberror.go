package ldapx

import (
	"errors"
	"regexp"
	"strconv"

	"github.com/jcmturner/gokrb5/v8/messages"
)

// gokrb5 flattens KRB-ERRORs from the KDC into its own krberror.Krberror
// text ("... KRB Error: (24) KDC_ERR_PREAUTH_FAILED ..."), losing the
// struct; the code survives only in that text, which is gokrb5's own
// fixed format from messages.KRBError.Error.
var krbErrorText = regexp.MustCompile(`KRB Error: \((\d+)\)`)

// KRBErrorCode extracts the KRB-ERROR code from an error returned by gokrb5
// or by this package: the messages.KRBError itself where it survives, else
// the code gokrb5 printed into its flattened error text.
func KRBErrorCode(err error) (int32, bool) {
	if err == nil {
		return 0, false
	}
	var v messages.KRBError
	if errors.As(err, &v) {
		return v.ErrorCode, true
	}
	var p *messages.KRBError
	if errors.As(err, &p) && p != nil {
		return p.ErrorCode, true
	}
	m := krbErrorText.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	n, perr := strconv.ParseInt(m[1], 10, 32)
	if perr != nil {
		return 0, false
	}
	return int32(n), true
}
