package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// HTML writes one self-contained page for people who do not read terminals:
// summary by severity and domain, a drawing of forests, domains and trusts,
// a findings table that filters by severity, check, domain and baseline
// state, and each finding with its explanation, evidence and copyable
// commands. CSS and JavaScript are inline and a Content-Security-Policy
// forbids fetching anything. Every value is escaped by html/template.
type HTML struct{}

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).Parse(htmlSource))

func (HTML) Write(out io.Writer, r *Report) error {
	return htmlTemplate.Execute(out, newHTMLView(r))
}

type htmlView struct {
	R          *Report
	Title      string
	Taken      string
	Generated  string
	Severities []htmlSevCount
	Domains    []domainCount
	SevNames   []string
	CheckIDs   []string
	DomainOpts []string
	Findings   []htmlFinding
	// Blocks are the findings as the page shows them: one article per
	// finding, or per check with many findings of one severity.
	Blocks   []htmlBlock
	Accepted int
	Drawing  svgDrawing
}

type htmlSevCount struct {
	Name  string
	Count int
}

type htmlFinding struct {
	F         checks.Finding
	Anchor    string
	Severity  string // severity or "not-evaluated"
	Baseline  string
	Accept    *Acceptance
	CheckText string // the check's full explanation
	Fixes     []htmlFix
	// Root is the finding this one is linked to (same root cause): the
	// article refers to it instead of repeating why and how to fix; Linked
	// are the findings linked to this one.
	Root   *htmlRef
	Linked []htmlRef
}

// htmlBlock is one finding (Single) or many of one check (Rows).
type htmlBlock struct {
	Single     *htmlFinding
	Rows       []htmlFinding
	CheckID    string
	Title      string
	Severity   string
	Meaning    checks.Meaning
	Why        string
	FixPattern string
}

// htmlRef links to another finding of the page.
type htmlRef struct {
	Anchor      string
	Ref         string // check ID and subject
	Fingerprint string
}

type htmlFix struct {
	ID      string
	Name    string
	Summary string
	Script  string // every step, prose and commands, as shown
	// Commands are the commands alone, what the copy button copies (never
	// a prose line, which a shell would try to run).
	Commands string
}

func newHTMLView(r *Report) htmlView {
	v := htmlView{
		R:         r,
		Title:     "spntrust audit of " + orDash(strings.Join(r.Scope.Domains, ", ")),
		Taken:     r.Collection.FinishedAt.UTC().Format("2006-01-02 15:04:05 MST"),
		Generated: r.GeneratedAt.UTC().Format("2006-01-02 15:04:05 MST"),
		Domains:   domainCounts(r),
		Accepted:  r.AcceptedCount(),
		Drawing:   drawTopology(r.Topology),
	}
	for _, s := range checks.Severities {
		v.Severities = append(v.Severities, htmlSevCount{string(s), r.Summary.BySeverity[string(s)]})
		v.SevNames = append(v.SevNames, string(s))
	}
	v.SevNames = append(v.SevNames, "not-evaluated")
	checkSet, domainSet := map[string]bool{}, map[string]bool{}
	for _, id := range r.Scope.ChecksRun {
		checkSet[id] = true
	}
	for i, f := range r.Findings {
		checkSet[f.CheckID] = true
		domainSet[orDash(f.Domain)] = true
		hf := htmlFinding{
			F:         f,
			Anchor:    fmt.Sprintf("finding-%d", i+1),
			Severity:  severityLabel(f),
			Baseline:  r.BaselineState(f),
			CheckText: checkInfo(f.CheckID).Explanation,
		}
		if r.Baseline != nil {
			if a, ok := r.Baseline.Entries[f.Fingerprint]; ok {
				hf.Accept = &a
			}
		}
		for j, o := range r.ownFixes(f) { // a linked finding: only what its root's fix lacks
			hf.Fixes = append(hf.Fixes, htmlFix{
				ID: fmt.Sprintf("fix-%d-%d", i+1, j+1), Name: o.Name, Summary: o.Summary,
				Script: strings.Join(o.Steps(), "\n"), Commands: strings.Join(o.Commands(), "\n"),
			})
		}
		v.Findings = append(v.Findings, hf)
	}
	anchors := map[string]string{}
	for _, hf := range v.Findings {
		anchors[hf.F.Fingerprint] = hf.Anchor
	}
	for i := range v.Findings {
		hf := &v.Findings[i]
		if root, ok := r.RootOf(hf.F); ok {
			hf.Root = &htmlRef{Anchor: anchors[root.Fingerprint], Ref: causeRef(root), Fingerprint: root.Fingerprint}
		}
		for _, g := range r.ConsequencesOf(hf.F) {
			hf.Linked = append(hf.Linked, htmlRef{Anchor: anchors[g.Fingerprint], Ref: causeRef(g), Fingerprint: g.Fingerprint})
		}
	}
	at := 0
	for _, block := range blocksOf(r.Findings) {
		rows := v.Findings[at : at+len(block)]
		at += len(block)
		if len(block) == 1 {
			v.Blocks = append(v.Blocks, htmlBlock{Single: &rows[0]})
			continue
		}
		first := block[0]
		v.Blocks = append(v.Blocks, htmlBlock{Rows: rows, CheckID: first.CheckID, Title: orDash(checkInfo(first.CheckID).Title),
			Severity: severityLabel(first), Meaning: first.Meaning, Why: blockWhy(first), FixPattern: blockFix(first)})
	}
	v.CheckIDs = sortedKeys(checkSet)
	v.DomainOpts = sortedKeys(domainSet)
	return v
}

// svgDrawing is the laid-out topology: forests as columns of domain boxes,
// trusts as lines between them. Layout is computed here so the template
// only prints numbers.
type svgDrawing struct {
	Width, Height int
	Forests       []svgBox
	Domains       []svgBox
	Edges         []svgEdge
	Empty         bool
}

type svgBox struct {
	X, Y, W, H int
	Label      string
	Sub        string
	Seen       bool
}

type svgEdge struct {
	Path       string
	LX, LY     int
	Label      string
	Kind       string // CSS class: within-forest, forest, external, realm, other
	ArrowStart bool   // the far end trusts the near end... see drawTopology
	ArrowEnd   bool
	Disabled   bool
	Title      string
}

const (
	svgMargin   = 20
	svgColW     = 240
	svgColGap   = 140
	svgBoxW     = 200
	svgBoxH     = 54
	svgRowGap   = 46
	svgForestTp = 40 // room for the forest label
)

// drawTopology lays the topology out. An arrow points from the trusting
// domain to the trusted one (A → B: A trusts B, so B's users can be
// authenticated for A's resources); a two-way trust has arrows at both ends.
// A trust both sides hold (two trustedDomain objects) is drawn once.
func drawTopology(t Topology) svgDrawing {
	d := svgDrawing{Empty: len(t.Forests) == 0}
	centers := map[string][2]int{}
	column := map[string]int{}
	maxRows := 1
	for i, f := range t.Forests {
		if len(f.Domains) > maxRows {
			maxRows = len(f.Domains)
		}
		x := svgMargin + i*(svgColW+svgColGap)
		rows := len(f.Domains)
		if rows == 0 {
			rows = 1
		}
		label := "forest " + f.Root
		if !f.Seen {
			label = "outside the snapshot: " + f.Root
		} else if f.FunctionalLevel > 0 {
			label += fmt.Sprintf(" (level %d)", f.FunctionalLevel)
		}
		d.Forests = append(d.Forests, svgBox{
			X: x, Y: svgMargin, W: svgColW, H: svgForestTp + rows*(svgBoxH+svgRowGap) - svgRowGap + 20,
			Label: label, Seen: f.Seen,
		})
		for j, dom := range f.Domains {
			bx := x + (svgColW-svgBoxW)/2
			by := svgMargin + svgForestTp + j*(svgBoxH+svgRowGap)
			sub := dom.NetBIOSName
			if dom.Seen {
				sub = strings.TrimSpace(fmt.Sprintf("%s · %d %s · level %d", dom.NetBIOSName, dom.DCs, plural(dom.DCs, "DC", "DCs"), dom.FunctionalLevel))
				sub = strings.TrimPrefix(sub, "· ")
			} else if sub == "" {
				sub = "not audited"
			}
			d.Domains = append(d.Domains, svgBox{X: bx, Y: by, W: svgBoxW, H: svgBoxH, Label: dom.DNSName, Sub: sub, Seen: dom.Seen})
			key := strings.ToLower(dom.DNSName)
			centers[key] = [2]int{bx + svgBoxW/2, by + svgBoxH/2}
			column[key] = i
		}
	}
	n := len(t.Forests)
	if n == 0 {
		n = 1
	}
	d.Width = 2*svgMargin + n*svgColW + (n-1)*svgColGap
	d.Height = 2*svgMargin + svgForestTp + maxRows*(svgBoxH+svgRowGap) - svgRowGap + 20

	forestBottom := d.Height - svgMargin
	lowest := d.Height
	drawn := map[string]bool{}
	trusts := append([]TopologyTrust(nil), t.Trusts...)
	sort.SliceStable(trusts, func(i, j int) bool { return strings.ToLower(trusts[i].From) < strings.ToLower(trusts[j].From) })
	for _, tr := range trusts {
		a, b := strings.ToLower(tr.From), strings.ToLower(tr.To)
		pair := a + "\x00" + b
		if b < a {
			pair = b + "\x00" + a
		}
		if drawn[pair] {
			continue
		}
		ca, okA := centers[a]
		cb, okB := centers[b]
		if !okA || !okB || a == b {
			continue
		}
		drawn[pair] = true
		e := svgEdge{Kind: edgeClass(tr.Kind), Label: tr.Kind + ", " + tr.Direction}
		switch tr.Direction {
		case "outbound": // From trusts To: arrow at To.
			e.ArrowEnd = true
		case "inbound": // To trusts From: arrow at From.
			e.ArrowStart = true
		case "bidirectional":
			e.ArrowStart, e.ArrowEnd = true, true
		default:
			e.Disabled = true
		}
		transitive := "non-transitive"
		if tr.Transitive {
			transitive = "transitive"
		}
		e.Title = fmt.Sprintf("%s → %s: %s trust, %s, %s (trustType %s; attributes %s), as recorded by %s",
			tr.From, tr.To, tr.Kind, tr.Direction, transitive, tr.Type, orDash(strings.Join(tr.Attributes, ", ")), tr.From)
		x1, y1 := clipToBox(ca, cb)
		x2, y2 := clipToBox(cb, ca)
		if column[a] == column[b] {
			// Same column: bow the line out to the right so it does not run
			// through the boxes between.
			bow := svgColW/2 + 30
			cx := (x1+x2)/2 + bow
			cy := (y1 + y2) / 2
			x1, x2 = ca[0]+svgBoxW/2, cb[0]+svgBoxW/2
			y1, y2 = ca[1], cb[1]
			e.Path = fmt.Sprintf("M %d %d Q %d %d %d %d", x1, y1, cx, cy, x2, y2)
			e.LX, e.LY = (x1+x2)/4+cx/2+4, cy
		} else if diff := column[a] - column[b]; diff > 1 || diff < -1 {
			// Columns apart: run below the forests so the line does not
			// cross the columns between.
			x1, y1 = ca[0], ca[1]+svgBoxH/2+4
			x2, y2 = cb[0], cb[1]+svgBoxH/2+4
			cy := forestBottom + 50 + 16*len(d.Edges)
			e.Path = fmt.Sprintf("M %d %d C %d %d %d %d %d %d", x1, y1, x1, cy, x2, cy, x2, y2)
			e.LX, e.LY = (x1+x2)/2, (y1+y2)/8+cy*3/4-6
			if cy+20 > lowest {
				lowest = cy + 20
			}
		} else {
			e.Path = fmt.Sprintf("M %d %d L %d %d", x1, y1, x2, y2)
			e.LX, e.LY = (x1+x2)/2, (y1+y2)/2-8
		}
		d.Edges = append(d.Edges, e)
	}
	d.Height = lowest
	if w := maxLabelX(d.Edges); w > d.Width {
		d.Width = w
	}
	return d
}

// clipToBox returns where the line from the centre of box a towards b
// leaves a's box, plus a small gap for the arrow head.
func clipToBox(a, b [2]int) (int, int) {
	dx, dy := float64(b[0]-a[0]), float64(b[1]-a[1])
	hw, hh := float64(svgBoxW)/2+4, float64(svgBoxH)/2+4
	t := math.Inf(1)
	if dx != 0 {
		t = math.Min(t, hw/math.Abs(dx))
	}
	if dy != 0 {
		t = math.Min(t, hh/math.Abs(dy))
	}
	if math.IsInf(t, 1) {
		return a[0], a[1]
	}
	return a[0] + int(math.Round(t*dx)), a[1] + int(math.Round(t*dy))
}

func maxLabelX(es []svgEdge) int {
	m := 0
	for _, e := range es {
		if x := e.LX + 8*len(e.Label)/2 + svgMargin; x > m {
			m = x
		}
	}
	return m
}

// edgeClass groups trust kinds for the drawing's colours.
func edgeClass(kind string) string {
	switch kind {
	case "parent-child", "tree-root", "shortcut":
		return "within-forest"
	case "forest", "external", "realm":
		return kind
	}
	return "other"
}
