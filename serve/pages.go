package serve

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/reports"
)

// page is what the layout needs.
type page struct {
	Title    string
	Location string // the store, password masked
	Version  string
	Now      time.Time
}

func (s *server) newPage(title string) page {
	return page{Title: title, Location: s.Store.Location(), Version: s.Version, Now: s.Now().UTC()}
}

// scopeRuns are the runs of one scope (the forests a run covered, as
// history.Run.Scope names them), oldest first by finish time.
type scopeRuns struct {
	Scope string
	Runs  []history.Run
}

func (sr scopeRuns) latest() history.Run { return sr.Runs[len(sr.Runs)-1] }

// previous is the run before id in the scope, if any.
func (sr scopeRuns) previous(id int64) (history.Run, bool) {
	for i, r := range sr.Runs {
		if r.ID == id && i > 0 {
			return sr.Runs[i-1], true
		}
	}
	return history.Run{}, false
}

// byScope groups runs by scope. Runs are ordered by when the audit
// finished (then by ID), not by when they were recorded: a run imported
// late from an air-gapped forest takes its place in time.
func byScope(runs []history.Run) []scopeRuns {
	idx := map[string]int{}
	var out []scopeRuns
	for _, r := range runs {
		sc := r.Scope()
		i, ok := idx[sc]
		if !ok {
			i = len(out)
			idx[sc] = i
			out = append(out, scopeRuns{Scope: sc})
		}
		out[i].Runs = append(out[i].Runs, r)
	}
	for _, sr := range out {
		sort.SliceStable(sr.Runs, func(i, j int) bool { return runBefore(sr.Runs[i], sr.Runs[j]) })
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Scope < out[j].Scope })
	return out
}

func runBefore(a, b history.Run) bool {
	if !a.FinishedAt.Equal(b.FinishedAt) {
		return a.FinishedAt.Before(b.FinishedAt)
	}
	return a.ID < b.ID
}

// scopeState is a scope's latest run and what changed since the one before.
type scopeState struct {
	Scope    string
	Latest   history.Run
	Runs     int
	Diff     *history.Diff // nil with one run
	Accepted []exception
}

func (s *server) state(ctx context.Context, sr scopeRuns) (scopeState, history.Run, error) {
	st := scopeState{Scope: sr.Scope, Runs: len(sr.Runs)}
	latest, err := s.Store.Run(ctx, sr.latest().ID)
	if err != nil {
		return st, latest, err
	}
	st.Latest = latest
	if prev, ok := sr.previous(latest.ID); ok {
		older, err := s.Store.Run(ctx, prev.ID)
		if err != nil {
			return st, latest, err
		}
		d := history.Compare(older, latest)
		st.Diff = &d
	}
	st.Accepted = s.exceptions(latest)
	return st, latest, nil
}

// exception is a baseline entry covering a finding of a run.
type exception struct {
	RunID    int64
	Finding  history.Finding
	Owner    string
	Reason   string
	Expires  string // YYYY-MM-DD, "" = never
	State    string // at the run: accepted or expired
	DaysLeft int    // from now; negative once expired; only with Expires
	Ends     string // for people: "in 12 days", "expired 3 days ago", "never"
}

func (s *server) exceptions(run history.Run) []exception {
	var out []exception
	today := s.Now().UTC().Truncate(24 * time.Hour)
	for _, f := range run.Findings {
		if f.Acceptance == nil || f.Status != string(checks.Fail) {
			continue
		}
		e := exception{RunID: run.ID, Finding: f, Owner: f.Acceptance.Owner, Reason: f.Acceptance.Reason,
			Expires: f.Acceptance.Expires, State: f.Baseline, Ends: "never"}
		if e.Expires != "" {
			if last, err := time.Parse("2006-01-02", e.Expires); err == nil {
				e.DaysLeft = int(last.Sub(today).Hours() / 24)
				switch {
				case e.DaysLeft > 1:
					e.Ends = fmt.Sprintf("in %d days", e.DaysLeft)
				case e.DaysLeft == 1:
					e.Ends = "tomorrow"
				case e.DaysLeft == 0:
					e.Ends = "today (last day)"
				case e.DaysLeft == -1:
					e.Ends = "expired yesterday"
				default:
					e.Ends = fmt.Sprintf("expired %d days ago", -e.DaysLeft)
				}
			} else {
				e.Ends = "unreadable date"
			}
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Expires == "") != (b.Expires == "") {
			return a.Expires != "" // dated ones first, soonest first
		}
		if a.Expires != b.Expires {
			return a.Expires < b.Expires
		}
		return a.Finding.Fingerprint < b.Finding.Fingerprint
	})
	return out
}

// forestRow is a forest (or domain) and the latest run that covered it.
type forestRow struct {
	Name     string
	Scope    string
	Run      history.Run
	Failed   int // findings of the run in this domain (domains only)
	Multiple bool
}

type overviewPage struct {
	page
	Scopes     []scopeState
	Forests    []forestRow
	Domains    []forestRow
	Categories []string
	Severities []string
	Trend      chart
	Total      int
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	runs, err := s.Store.Runs(ctx)
	if err != nil {
		s.fail(w, err)
		return
	}
	p := overviewPage{page: s.newPage("Dashboard"), Severities: severityNames(), Total: len(runs)}
	groups := byScope(runs)
	cats := map[string]bool{}
	read := map[int64]history.Run{} // runs read for this page, with findings: each once
	for _, sr := range groups {
		st, latest, err := s.state(ctx, sr)
		if err != nil {
			s.fail(w, err)
			return
		}
		read[latest.ID] = latest
		p.Scopes = append(p.Scopes, st)
		for c := range st.Latest.Summary.ByCategory {
			cats[c] = true
		}
	}
	for c := range cats {
		p.Categories = append(p.Categories, c)
	}
	sort.Strings(p.Categories)
	// Every forest and domain, with the latest run that covered it.
	forests, domains := map[string]forestRow{}, map[string]forestRow{}
	for _, sr := range groups {
		for _, run := range sr.Runs {
			for _, f := range run.Forests {
				if cur, ok := forests[strings.ToLower(f)]; !ok || runBefore(cur.Run, run) {
					forests[strings.ToLower(f)] = forestRow{Name: f, Scope: sr.Scope, Run: run, Multiple: len(run.Forests) > 1}
				}
			}
			for _, d := range run.Domains {
				if cur, ok := domains[strings.ToLower(d)]; !ok || runBefore(cur.Run, run) {
					domains[strings.ToLower(d)] = forestRow{Name: d, Scope: sr.Scope, Run: run}
				}
			}
		}
	}
	for _, f := range forests {
		p.Forests = append(p.Forests, f)
	}
	for key, d := range domains {
		// The domain's findings in its latest run: read once for the page,
		// however many domains that run covers.
		run, ok := read[d.Run.ID]
		if !ok {
			if run, err = s.Store.Run(ctx, d.Run.ID); err != nil {
				s.fail(w, err)
				return
			}
			read[d.Run.ID] = run
		}
		for _, f := range run.Findings {
			if f.Status == string(checks.Fail) && strings.EqualFold(f.Domain, key) {
				d.Failed++
			}
		}
		p.Domains = append(p.Domains, d)
	}
	sort.Slice(p.Forests, func(i, j int) bool { return p.Forests[i].Name < p.Forests[j].Name })
	sort.Slice(p.Domains, func(i, j int) bool { return p.Domains[i].Name < p.Domains[j].Name })
	var lines []series
	for i, sr := range groups {
		se := series{Name: sr.Scope, Class: fmt.Sprintf("line%d", i%8)}
		for _, run := range sr.Runs {
			se.Points = append(se.Points, point{T: run.FinishedAt, V: run.Summary.Failed - run.Summary.Accepted, RunID: run.ID,
				Label: fmt.Sprintf("%s, run %d (%s): %d failed, %d of them accepted", sr.Scope, run.ID, day(run.FinishedAt), run.Summary.Failed, run.Summary.Accepted)})
		}
		lines = append(lines, se)
	}
	p.Trend = newChart("Findings that count (failed, not accepted by a baseline), per run", lines)
	s.render(w, http.StatusOK, "overview", p)
}

type scopePage struct {
	page
	Scope      string
	State      scopeState
	Runs       []history.Run // newest first
	Severities []string
	Categories []string
	Trend      chart
}

func (s *server) scope(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("scope")
	runs, err := s.Store.Runs(ctx)
	if err != nil {
		s.fail(w, err)
		return
	}
	var sr *scopeRuns
	for _, g := range byScope(runs) {
		if g.Scope == name {
			sr = &g
			break
		}
	}
	if sr == nil {
		s.fail(w, fmt.Errorf("no runs of %q recorded: %w", name, errNotFound))
		return
	}
	st, _, err := s.state(ctx, *sr)
	if err != nil {
		s.fail(w, err)
		return
	}
	p := scopePage{page: s.newPage(name), Scope: name, State: st, Severities: severityNames()}
	cats := map[string]bool{}
	for i := len(sr.Runs) - 1; i >= 0; i-- {
		p.Runs = append(p.Runs, sr.Runs[i])
		for c := range sr.Runs[i].Summary.ByCategory {
			cats[c] = true
		}
	}
	for c := range cats {
		p.Categories = append(p.Categories, c)
	}
	sort.Strings(p.Categories)
	var ss []series
	for _, sev := range checks.Severities {
		se := series{Name: string(sev), Class: "sev-" + string(sev)}
		for _, run := range sr.Runs {
			n := run.Summary.BySeverity[string(sev)]
			se.Points = append(se.Points, point{T: run.FinishedAt, V: n, RunID: run.ID,
				Label: fmt.Sprintf("run %d (%s): %d %s", run.ID, day(run.FinishedAt), n, sev)})
		}
		ss = append(ss, se)
	}
	p.Trend = newChart("Failed findings by severity, per run", ss)
	s.render(w, http.StatusOK, "scope", p)
}

// findingsPerPage bounds the run page's findings table; the rest are on
// further pages.
const findingsPerPage = 200

type runPage struct {
	page
	Run        history.Run
	Scope      string
	Previous   *history.Run
	Diff       *history.Diff
	Accepted   []exception
	Severities []string
	Categories []string
	// The findings table: the findings of Filter (a severity, or "" for
	// all failed), page Page of Pages.
	Filter      string
	Findings    []history.Finding
	Shown       int
	Page, Pages int
	PageLinks   []pageLink
	Counts      []filterLink
	Downloads   []downloadLink
}

type pageLink struct {
	N       int
	Href    string
	Current bool
}

type filterLink struct {
	Name    string
	N       int
	Href    string
	Current bool
}

type downloadLink struct{ Format, Href, File string }

func (s *server) run(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := runID(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	run, err := s.Store.Run(ctx, id)
	if err != nil {
		s.fail(w, err)
		return
	}
	runs, err := s.Store.Runs(ctx)
	if err != nil {
		s.fail(w, err)
		return
	}
	p := runPage{page: s.newPage(fmt.Sprintf("Run %d", id)), Run: run, Scope: run.Scope(), Severities: severityNames()}
	for _, g := range byScope(runs) {
		if g.Scope != p.Scope {
			continue
		}
		if prev, ok := g.previous(id); ok {
			older, err := s.Store.Run(ctx, prev.ID)
			if err != nil {
				s.fail(w, err)
				return
			}
			d := history.Compare(older, run)
			p.Previous, p.Diff = &prev, &d
		}
	}
	p.Accepted = s.exceptions(run)
	for c := range run.Summary.ByCategory {
		p.Categories = append(p.Categories, c)
	}
	sort.Strings(p.Categories)

	q := r.URL.Query()
	p.Filter = q.Get("severity")
	if p.Filter != "" && p.Filter != string(checks.NotEvaluated) {
		if _, err := checks.ParseSeverity(p.Filter); err != nil {
			s.fail(w, fmt.Errorf("severity %q: %w (use one of critical, high, medium, low, info, not-evaluated)", p.Filter, errNotFound))
			return
		}
	}
	base := "/runs/" + strconv.FormatInt(id, 10)
	var list []history.Finding
	counts := map[string]int{}
	failed := 0
	for _, f := range run.Findings {
		key := f.Severity
		if f.Status != string(checks.Fail) {
			key = string(checks.NotEvaluated)
		} else {
			failed++
		}
		counts[key]++
		if (p.Filter == "" && f.Status == string(checks.Fail)) || p.Filter == key {
			list = append(list, f)
		}
	}
	p.Counts = append(p.Counts, filterLink{Name: "all failed", N: failed, Href: base + "#findings", Current: p.Filter == ""})
	for _, name := range append(severityNames(), string(checks.NotEvaluated)) {
		p.Counts = append(p.Counts, filterLink{Name: name, N: counts[name], Href: base + "?severity=" + url.QueryEscape(name) + "#findings", Current: p.Filter == name})
	}
	history.SortFindings(list)
	p.Shown = len(list)
	p.Pages = (len(list) + findingsPerPage - 1) / findingsPerPage
	if p.Pages == 0 {
		p.Pages = 1
	}
	p.Page = 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > p.Pages {
			s.fail(w, fmt.Errorf("page %q: %w (this list has %d)", v, errNotFound, p.Pages))
			return
		}
		p.Page = n
	}
	lo := (p.Page - 1) * findingsPerPage
	hi := min(lo+findingsPerPage, len(list))
	p.Findings = list[lo:hi]
	if p.Pages > 1 {
		for n := 1; n <= p.Pages; n++ {
			v := url.Values{}
			if p.Filter != "" {
				v.Set("severity", p.Filter)
			}
			v.Set("page", strconv.Itoa(n))
			p.PageLinks = append(p.PageLinks, pageLink{N: n, Href: base + "?" + v.Encode() + "#findings", Current: n == p.Page})
		}
	}
	for _, f := range reports.FormatNames() {
		if dl, ok := downloads[f]; ok {
			p.Downloads = append(p.Downloads, downloadLink{Format: f, Href: base + "/report/" + f, File: fmt.Sprintf("spntrust-run-%d%s", id, dl.ext)})
		}
	}
	s.render(w, http.StatusOK, "run", p)
}

type findingPage struct {
	page
	Run       history.Run
	Scope     string
	Finding   checks.Finding
	Recorded  *history.Finding // the run's row: baseline state, acceptance
	Exception *exception
}

func (s *server) finding(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := runID(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	fp := r.PathValue("fp")
	f, err := s.Store.Finding(ctx, id, fp)
	if err != nil {
		s.fail(w, err)
		return
	}
	// The run's header and this finding's row only: a run has thousands.
	run, err := s.Store.RunInfo(ctx, id)
	if err != nil {
		s.fail(w, err)
		return
	}
	row, err := s.Store.RecordedFinding(ctx, id, fp)
	if err != nil {
		s.fail(w, err)
		return
	}
	p := findingPage{page: s.newPage(f.CheckID + " " + f.Subject), Run: run, Scope: run.Scope(), Finding: f, Recorded: &row}
	run.Findings = []history.Finding{row}
	if ex := s.exceptions(run); len(ex) == 1 {
		p.Exception = &ex[0]
	}
	s.render(w, http.StatusOK, "finding", p)
}

func severityNames() []string {
	out := make([]string, len(checks.Severities))
	for i, s := range checks.Severities {
		out[i] = string(s)
	}
	return out
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
