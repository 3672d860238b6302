package reports

import (
	"bytes"
	"encoding/json"
	"testing"
)

// JSON encodes the findings one by one into the rest of the report; the
// bytes must be exactly what encoding the whole report at once gives.
func TestJSONWritesWhatTheJSONEncoderWrites(t *testing.T) {
	empty := seedReport(t)
	empty.Findings = nil
	none := seedReport(t)
	none.Findings = none.Findings[:0]
	for name, r := range map[string]*Report{"seed": seedReport(t), "rich and hostile": richReport(t), "nil findings": empty, "no findings": none} {
		t.Run(name, func(t *testing.T) {
			var want, got bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			if err := (JSON{}).Write(&got, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("JSON differs from json.Encoder's:\n%s\nwant\n%s", got.String(), want.String())
			}
		})
	}
}
