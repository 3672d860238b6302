package audit

import (
	"encoding/json"
	"reflect"
	"testing"
)

// PTRs must encode exactly as the map[string][]string it replaced, so
// snapshot files written before and after are the same bytes.
func TestPTRsEncodeAsTheMapTheyReplaced(t *testing.T) {
	maps := []map[string][]string{
		nil,
		{},
		{"10.0.0.5": {"web.corp.example"}},
		{"10.0.0.9": nil, "10.0.0.10": {"a.corp.example", "b.corp.example"}, "2001:db8::1": {}},
		{"<&>\u2028": {"\"quoted\""}}, // escaping is encoding/json's
	}
	for _, m := range maps {
		want, err := json.Marshal(struct {
			PTR map[string][]string `json:"ptr,omitempty"`
		}{m})
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(struct {
			PTR PTRs `json:"ptr,omitempty"`
		}{PTRsOf(m)})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%v:\n got  %s\n want %s", m, got, want)
		}
		var back struct {
			PTR PTRs `json:"ptr"`
		}
		if err := json.Unmarshal(want, &back); err != nil {
			t.Fatal(err)
		}
		if len(m) > 0 && !reflect.DeepEqual(back.PTR, PTRsOf(m)) {
			t.Errorf("%v decoded as %+v", m, back.PTR)
		}
	}
}

func TestPTRsLookupAndUnsortedInput(t *testing.T) {
	p := PTRs{{Addr: "10.0.0.9", Names: []string{"b"}}, {Addr: "10.0.0.10"}} // not sorted
	got, err := json.Marshal(p)
	if err != nil || string(got) != `{"10.0.0.10":null,"10.0.0.9":["b"]}` {
		t.Errorf("unsorted PTRs encode as %s (%v)", got, err)
	}
	sorted := PTRsOf(map[string][]string{"10.0.0.9": {"b"}, "10.0.0.10": nil})
	if names, ok := sorted.Lookup("10.0.0.9"); !ok || !reflect.DeepEqual(names, []string{"b"}) {
		t.Errorf("Lookup(10.0.0.9) = %v, %v", names, ok)
	}
	if names, ok := sorted.Lookup("10.0.0.10"); !ok || names != nil {
		t.Errorf("Lookup(10.0.0.10) = %v, %v; want nil, true (asked, no PTR)", names, ok)
	}
	if _, ok := sorted.Lookup("10.0.0.11"); ok {
		t.Error("an address never asked is found")
	}
	var dup PTRs
	if err := json.Unmarshal([]byte(`{"10.0.0.1":["a"],"10.0.0.1":["b"]}`), &dup); err != nil || len(dup) != 1 || dup[0].Names[0] != "b" {
		t.Errorf("a repeated address must keep the last value, as a map does: %+v (%v)", dup, err)
	}
}
