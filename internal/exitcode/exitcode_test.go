package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOfMapsEachErrorToItsCode(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   int
		wantSilent bool
	}{
		{"no error is OK", nil, OK, true},
		{"findings are silent: the report said it", ErrFindings, Findings, true},
		{"wrapped findings too", fmt.Errorf("audit: %w", ErrFindings), Findings, true},
		{"a usage error", Usagef("--fail-on: unknown severity %q", "severe"), Usage, false},
		{"bad input exits as usage", Input(errors.New("read snap.json: no such file")), Usage, false},
		{"an incomplete audit", IncompleteErr(errors.New("no DC answered")), Incomplete, false},
		{"a wrapped incomplete audit keeps its code", fmt.Errorf("collect: %w", IncompleteErr(errors.New("refused"))), Incomplete, false},
		{"anything else (cobra's errors) is usage", errors.New(`unknown flag: --bogus`), Usage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, silent := Of(tt.err)
			if code != tt.wantCode || silent != tt.wantSilent {
				t.Errorf("Of(%v) = %d, %v; want %d, %v", tt.err, code, silent, tt.wantCode, tt.wantSilent)
			}
		})
	}
}
