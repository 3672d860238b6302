package labenv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// Entry is one object read from a DC's database: lower-cased attribute
// name → values; "dn" holds the DN.
type Entry map[string][]string

// First returns the first value of attr, or "".
func (e Entry) First(attr string) string {
	if v := e[strings.ToLower(attr)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// LDBSearch reads objects straight from the DC's sam.ldb with ldbsearch —
// the DC's own view, independent of any LDAP client under test. scope is
// base, one or sub.
func (d DC) LDBSearch(base, scope, filter string, attrs ...string) ([]Entry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"-H", d.SamLDB(), "-b", base, "-s", scope, filter}, attrs...)
	out, err := exec.CommandContext(ctx, "ldbsearch", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("ldbsearch %s %s %q: %w", d.Domain, base, filter, err)
	}
	return ParseLDIF(out)
}

// SPNHolders returns every SPN holder of the DC's domain as lower-cased DN →
// sorted servicePrincipalName values.
func (d DC) SPNHolders() (map[string][]string, error) {
	entries, err := d.LDBSearch(d.BaseDN(), "sub", "(servicePrincipalName=*)", "servicePrincipalName")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range entries {
		v := append([]string(nil), e["serviceprincipalname"]...)
		sort.Strings(v)
		out[strings.ToLower(e.First("dn"))] = v
	}
	return out, nil
}

// ParseLDIF reads ldbsearch's LDIF output: folded lines joined, base64
// ("attr:: ...") values decoded, comments and referrals skipped.
func ParseLDIF(out []byte) ([]Entry, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, " ") && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read LDIF: %w", err)
	}
	var res []Entry
	var cur Entry
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "#") || l == "":
			continue
		case strings.HasPrefix(l, "dn: "):
			cur = Entry{"dn": {l[4:]}}
			res = append(res, cur)
			continue
		case cur == nil:
			continue // referrals before any entry
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		if strings.HasPrefix(v, ": ") {
			b, err := base64.StdEncoding.DecodeString(v[2:])
			if err != nil {
				return nil, fmt.Errorf("LDIF base64 value of %s: %w", k, err)
			}
			v = string(b)
		} else {
			v = strings.TrimPrefix(v, " ")
		}
		k = strings.ToLower(k)
		cur[k] = append(cur[k], v)
	}
	return res, nil
}
