package synth

import (
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

func TestGenerateMeetsTheRequestedSizeAndIsValid(t *testing.T) {
	s, st := Generate(Config{Accounts: 3000, SPNs: 10000})
	if st.Accounts != 3000 || st.SPNs != 10000 {
		t.Fatalf("generated %+v, want 3000 accounts and 10000 SPNs", st)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	malformed := 0
	for _, a := range s.Accounts {
		for _, v := range a.SPNs {
			if _, err := spn.Parse(v); err != nil {
				malformed++
			}
		}
	}
	// Only the seeded malformed users (1 in 2000 users, 2 values each).
	if malformed == 0 || malformed > 10 {
		t.Fatalf("%d malformed SPNs, want the few seeded ones", malformed)
	}
	again, _ := Generate(Config{Accounts: 3000, SPNs: 10000})
	if len(again.Accounts) != len(s.Accounts) || again.Accounts[1234].DN != s.Accounts[1234].DN {
		t.Fatal("Generate is not deterministic")
	}
	if _, ok := s.Host("ws000001.corp.example"); !ok {
		t.Fatal("no DNS answer for a computer host")
	}
	_ = audit.DNSOK
}
