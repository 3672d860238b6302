// Package setspnsim is a stand-in for Windows' setspn.exe, for running the
// generated remediation scripts (fix.cmd, rollback.cmd) under wine's cmd.exe
// without a domain. It keeps one domain's SPN table in a JSON file and
// implements the switches those scripts and an administrator use:
//
//	-L account        list the account's SPNs
//	-S SPN account    add SPN after checking that no account in the table holds it
//	-D SPN account    remove SPN from the account
//	-Q SPN            find the holder of SPN
//	-X                list SPNs held by more than one account
//
// Output follows the layout of setspn's English messages ("Registered
// ServicePrincipalNames for <DN>:", a tab before each SPN, "Checking domain
// <DN>", "Duplicate SPN found, aborting operation!", "Existing SPN found!",
// "No such SPN found.", "Updated object"), which is what the scripts parse.
// Microsoft documents setspn's switches but not its exit codes; this stand-in
// exits 0 on success and 1 when the command fails or -Q finds nothing, which
// is what the scripts' "|| exit /b 1" relies on. The scripts do not trust the
// exit code alone: every change is re-read with -L.
//
// Comparison is case-insensitive (SPNs are, for the KDC and for setspn since
// Windows 10); the table keeps each SPN's case as written.
package setspnsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/internal/atomicfile"
)

// TableEnv names the environment variable holding the table's path.
const TableEnv = "SETSPN_SIM_TABLE"

// DenyEnv lists accounts (comma-separated, as in the table) that the caller
// may read but not change: -S and -D on them fail as with insufficient
// rights, for testing that a script stops at a failing step.
const DenyEnv = "SETSPN_SIM_DENY"

// Table is one domain: its DN, its NetBIOS name and its accounts.
type Table struct {
	DomainDN string    `json:"domainDN"`
	NetBIOS  string    `json:"netbios"`
	Accounts []Account `json:"accounts"`
}

// Account is a user or computer and the SPNs it holds.
type Account struct {
	SAM  string   `json:"sam"` // sAMAccountName; computers end in $
	DN   string   `json:"dn"`
	SPNs []string `json:"spns"`
}

// Load reads a table file.
func Load(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read SPN table: %w", err)
	}
	var t Table
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("parse SPN table %s: %w", path, err)
	}
	if t.DomainDN == "" || t.NetBIOS == "" {
		return nil, fmt.Errorf("SPN table %s: domainDN and netbios are required", path)
	}
	return &t, nil
}

// Save writes the table atomically, accounts and SPNs in a stable order.
func (t *Table) Save(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("encode SPN table: %w", err)
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o600)
}

// find resolves an account argument as setspn does: "DOMAIN\name" or
// "name"; a name without $ is a computer if "name$" exists, else a user.
func (t *Table) find(arg string) (*Account, bool) {
	name := arg
	if i := strings.IndexByte(arg, '\\'); i >= 0 {
		if !strings.EqualFold(arg[:i], t.NetBIOS) {
			return nil, false
		}
		name = arg[i+1:]
	}
	if !strings.HasSuffix(name, "$") {
		for i := range t.Accounts {
			if strings.EqualFold(t.Accounts[i].SAM, name+"$") {
				return &t.Accounts[i], true
			}
		}
	}
	for i := range t.Accounts {
		if strings.EqualFold(t.Accounts[i].SAM, name) {
			return &t.Accounts[i], true
		}
	}
	return nil, false
}

// holders returns the accounts holding spn (case-insensitive).
func (t *Table) holders(spn string) []*Account {
	var out []*Account
	for i := range t.Accounts {
		for _, s := range t.Accounts[i].SPNs {
			if strings.EqualFold(s, spn) {
				out = append(out, &t.Accounts[i])
				break
			}
		}
	}
	return out
}

var errUsage = errors.New("usage")

// Run executes one setspn command line against the table at path and
// returns the exit code.
func Run(args []string, path string, deny []string, stdout, stderr io.Writer) int {
	if path == "" {
		fmt.Fprintf(stderr, "setspn stand-in: %s is not set; point it at the SPN table file\n", TableEnv)
		return 2
	}
	t, err := Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "setspn stand-in: %v\n", err)
		return 2
	}
	// Query modifiers that change nothing here: one table is the whole forest.
	var rest []string
	for _, a := range args {
		switch strings.ToUpper(a) {
		case "-P", "-F", "/P", "/F":
			continue
		}
		rest = append(rest, a)
	}
	if len(rest) == 0 {
		usage(stderr)
		return 1
	}
	sw := strings.ToUpper(rest[0])
	if strings.HasPrefix(sw, "/") {
		sw = "-" + sw[1:] // setspn takes /L as well as -L
	}
	ops := rest[1:]
	changed := false
	code := 0
	switch {
	case sw == "-L" && len(ops) == 1:
		code = t.list(ops[0], stdout)
	case !strings.HasPrefix(sw, "-") && len(rest) == 1: // setspn [-L] account
		code = t.list(rest[0], stdout)
	case sw == "-S" && len(ops) == 2:
		code, changed = t.add(ops[0], ops[1], deny, stdout)
	case sw == "-D" && len(ops) == 2:
		code, changed = t.remove(ops[0], ops[1], deny, stdout)
	case sw == "-Q" && len(ops) == 1:
		code = t.query(ops[0], stdout)
	case sw == "-X" && len(ops) == 0:
		code = t.duplicates(stdout)
	default:
		fmt.Fprintf(stderr, "Invalid command or arguments: %s\n", strings.Join(args, " "))
		usage(stderr)
		return 1
	}
	if changed {
		if err := t.Save(path); err != nil {
			fmt.Fprintf(stderr, "setspn stand-in: %v\n", err)
			return 2
		}
	}
	return code
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Usage: setspn [modifiers switch] [accountname]\n"+
		"  -S SPN accountname   add SPN after verifying no duplicates exist\n"+
		"  -D SPN accountname   delete SPN\n"+
		"  -L accountname       list SPNs registered to the account\n"+
		"  -Q SPN               query for existence of SPN\n"+
		"  -X                   search for duplicate SPNs\n")
}

func (t *Table) notFound(account string, w io.Writer) int {
	fmt.Fprintf(w, "FindDomainForAccount: Call to DsGetDcNameWithAccountW failed with return value 0x00000525\nUnable to locate account %s\n", account)
	return 1
}

func (t *Table) list(account string, w io.Writer) int {
	a, ok := t.find(account)
	if !ok {
		return t.notFound(account, w)
	}
	fmt.Fprintf(w, "Registered ServicePrincipalNames for %s:\n", a.DN)
	for _, s := range a.SPNs {
		fmt.Fprintf(w, "\t%s\n", s)
	}
	return 0
}

func denied(deny []string, a *Account, netbios string) bool {
	for _, d := range deny {
		d = strings.TrimSpace(d)
		if strings.EqualFold(d, a.SAM) || strings.EqualFold(d, netbios+`\`+a.SAM) {
			return true
		}
	}
	return false
}

func (t *Table) add(spn, account string, deny []string, w io.Writer) (int, bool) {
	a, ok := t.find(account)
	if !ok {
		return t.notFound(account, w), false
	}
	fmt.Fprintf(w, "Checking domain %s\n", t.DomainDN)
	if hs := t.holders(spn); len(hs) > 0 {
		for _, h := range hs {
			fmt.Fprintf(w, "%s\n\t%s\n", h.DN, spn)
		}
		fmt.Fprint(w, "\nDuplicate SPN found, aborting operation!\n")
		return 1, false
	}
	fmt.Fprintf(w, "\nRegistering ServicePrincipalNames for %s\n\t%s\n", a.DN, spn)
	if denied(deny, a, t.NetBIOS) {
		fmt.Fprintf(w, "Failed to assign SPN on account '%s', error 0x2098/8344 -> Insufficient access rights to perform the operation.\n", a.DN)
		return 1, false
	}
	a.SPNs = append(a.SPNs, spn)
	fmt.Fprint(w, "Updated object\n")
	return 0, true
}

func (t *Table) remove(spn, account string, deny []string, w io.Writer) (int, bool) {
	a, ok := t.find(account)
	if !ok {
		return t.notFound(account, w), false
	}
	fmt.Fprintf(w, "Unregistering ServicePrincipalNames for %s\n\t%s\n", a.DN, spn)
	idx := -1
	for i, s := range a.SPNs {
		if strings.EqualFold(s, spn) {
			idx = i
			break
		}
	}
	if idx < 0 {
		fmt.Fprintf(w, "Failed to remove SPN on account '%s', error 0x2 -> the SPN is not registered on this account.\n", a.DN)
		return 1, false
	}
	if denied(deny, a, t.NetBIOS) {
		fmt.Fprintf(w, "Failed to remove SPN on account '%s', error 0x2098/8344 -> Insufficient access rights to perform the operation.\n", a.DN)
		return 1, false
	}
	a.SPNs = append(a.SPNs[:idx], a.SPNs[idx+1:]...)
	fmt.Fprint(w, "Updated object\n")
	return 0, true
}

func (t *Table) query(spn string, w io.Writer) int {
	fmt.Fprintf(w, "Checking domain %s\n", t.DomainDN)
	hs := t.holders(spn)
	if len(hs) == 0 {
		fmt.Fprint(w, "\nNo such SPN found.\n")
		return 1
	}
	for _, h := range hs {
		fmt.Fprintf(w, "%s\n", h.DN)
		for _, s := range h.SPNs {
			fmt.Fprintf(w, "\t%s\n", s)
		}
	}
	fmt.Fprint(w, "\nExisting SPN found!\n")
	return 0
}

func (t *Table) duplicates(w io.Writer) int {
	fmt.Fprintf(w, "Checking domain %s\n", t.DomainDN)
	type group struct {
		spn string
		dns []string
	}
	byKey := map[string]*group{}
	var keys []string
	for _, a := range t.Accounts {
		seen := map[string]bool{}
		for _, s := range a.SPNs {
			k := strings.ToLower(s)
			if seen[k] {
				continue
			}
			seen[k] = true
			g := byKey[k]
			if g == nil {
				g = &group{spn: s}
				byKey[k] = g
				keys = append(keys, k)
			}
			g.dns = append(g.dns, a.DN)
		}
	}
	sort.Strings(keys)
	n := 0
	for _, k := range keys {
		g := byKey[k]
		if len(g.dns) < 2 {
			continue
		}
		n++
		fmt.Fprintf(w, "%s is registered on these accounts:\n", g.spn)
		for _, dn := range g.dns {
			fmt.Fprintf(w, "\t%s\n", dn)
		}
		fmt.Fprintln(w)
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "found %d group%s of duplicate SPNs.\n", n, plural)
	return 0
}
