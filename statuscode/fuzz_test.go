package statuscode

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary input to Parse and Explain: they must never
// panic, must fail only with SyntaxError or UnknownError, and every
// interpretation they return must be found again by its own name.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"2148074254", "-2146893042", "0x8009030E", "8009030E", "0X80090322",
		"SEC_E_WRONG_PRINCIPAL", "krb_ap_err_skew", "KRB5KDC_ERR_PREAUTH_FAILED",
		"401.1", "401.99999", "403.1", "5", "0", "-0", "+5", "-", "0x", "0xFFFFFFFF",
		"4294967295", "4294967296", "-2147483648", "-2147483649", "-1765328347",
		"0x80070005", "0xD000006D", " 1326 ", "", ".", "..", "401.", ".1", "ÿ", "\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		if _, err := Parse(input); err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error of type %T", input, err)
			}
		}
		r, err := Explain(input)
		if err != nil {
			var se *SyntaxError
			var ue *UnknownError
			if !errors.As(err, &se) && !errors.As(err, &ue) {
				t.Fatalf("Explain(%q): error of type %T", input, err)
			}
			_ = err.Error()
			return
		}
		if len(r.Interpretations) == 0 {
			t.Fatalf("Explain(%q) succeeded without interpretations", input)
		}
		for _, in := range r.Interpretations {
			back, ok := ByName(in.Name)
			if !ok || back.Family != in.Family || back.Value != in.Value {
				t.Fatalf("Explain(%q) gave %s %#x, which ByName does not find again", input, in.Name, in.Value)
			}
			_ = in.Number()
		}
	})
}
