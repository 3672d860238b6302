package checks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The complete findings of Run(All()) on generated estates (titles,
// evidence, remediation, fingerprints), as indented JSON, by SHA-256. They
// pin the output of every check while the code that computes it changes for
// speed or memory (issue 10): the hashes were taken with the code before the
// index was made compact, and must not move.
//
// When a check's output changes on purpose (or internal/synth does), review
// the difference and record the new hashes, which a failing run prints:
//
//	SPNTRUST_FINDINGS_OUT=/tmp/old go test ./checks -run TestRunAllFindingsOnGeneratedEstates   # before the change
//	SPNTRUST_FINDINGS_OUT=/tmp/new go test ./checks -run TestRunAllFindingsOnGeneratedEstates   # after
//	diff -r /tmp/old /tmp/new
var synthFindingsSHA256 = map[int]string{
	10_000: "b3102ca4026998d36642a174af0394766bfb022b4dbabc5311fe29ea4e6e263d",
	30_000: "4ef648ca579bd5cfe526d965cdfef90d6184fd755df8b1dfe701d00e4c82b284",
}

func TestRunAllFindingsOnGeneratedEstatesAreUnchanged(t *testing.T) {
	out := os.Getenv("SPNTRUST_FINDINGS_OUT")
	for _, n := range []int{10_000, 30_000} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", " ")
		if err := enc.Encode(Run(synthSnapshot(t, n), All(), Options{})); err != nil {
			t.Fatal(err)
		}
		if out != "" {
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("findings-%d.json", n)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sum := sha256.Sum256(buf.Bytes())
		if got := hex.EncodeToString(sum[:]); got != synthFindingsSHA256[n] {
			t.Errorf("findings on %d SPNs changed: sha256 %s, recorded %s (see the comment above to review and record)", n, got, synthFindingsSHA256[n])
		}
	}
}
