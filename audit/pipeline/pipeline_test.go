package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/reports"
)

const seed = "../../testdata/snapshots/seed.json"

func TestSettingsValidateNamesTheFlag(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Settings)
		want   string // "" = valid
	}{
		{"defaults are valid", func(*Settings) {}, ""},
		{"port 0", func(s *Settings) { s.Options.MovePort = 0 }, "--move-port 0"},
		{"port above 65535", func(s *Settings) { s.Options.MovePort = 70000 }, "--move-port 70000"},
		{"zero stale days", func(s *Settings) { s.Options.StaleDays = 0 }, "--stale-days"},
		{"negative password age", func(s *Settings) { s.Options.PasswordAgeDays = -1 }, "--password-age-days"},
		{"functional level 11", func(s *Settings) { s.Options.MinFunctionalLevel = 11 }, "--min-functional-level 11"},
		{"warn above max skew", func(s *Settings) { s.Options.WarnSkew = 10 * time.Minute }, "--warn-skew"},
		{"unknown check", func(s *Settings) { s.Include = []string{"SPN-NOPE"} }, "unknown check ID"},
		{"unknown skipped check", func(s *Settings) { s.Skip = []string{"NOPE"} }, "unknown check ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			tt.change(&s)
			err := s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if code, _ := exitcode.Of(err); err == nil || code != exitcode.Usage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v (exit %d), want a usage error naming %q", err, code, tt.want)
			}
		})
	}
}

func TestSettingsSelectTheChecksThatRun(t *testing.T) {
	s := DefaultSettings()
	s.Include = []string{"spn-user-host-alias", "SPN-DUPLICATE"}
	s.Skip = []string{"SPN-DUPLICATE"}
	list, err := s.Checks()
	if err != nil {
		t.Fatal(err)
	}
	if ids := checks.IDs(list); strings.Join(ids, ",") != "SPN-USER-HOST-ALIAS" {
		t.Errorf("checks = %v", ids)
	}
}

// recorder notes the order the stages ran in.
type recorder struct {
	name  string
	order *[]string
	err   error
}

func (r recorder) Process(_ context.Context, rep *reports.Report) error {
	*r.order = append(*r.order, r.name)
	return r.err
}

func (r recorder) Record(_ context.Context, rep *reports.Report) error {
	*r.order = append(*r.order, r.name)
	return r.err
}

// orderWriter notes when the report was written.
type orderWriter struct{ order *[]string }

func (w orderWriter) Write(out io.Writer, rep *reports.Report) error {
	*w.order = append(*w.order, "write")
	_, err := io.WriteString(out, "report\n")
	return err
}

func TestRunOrdersProcessorsWritersRecordersAndExitStatus(t *testing.T) {
	tests := []struct {
		name      string
		failOn    checks.Severity
		procErr   error
		wantOrder string
		wantErr   error
	}{
		{"no fail-on: everything runs, no error", "", nil, "mark write record", nil},
		{"fail-on high: findings fail after writing and recording", checks.High, nil, "mark write record", exitcode.ErrFindings},
		{"fail-on critical: the high finding does not fail", checks.Critical, nil, "mark write record", nil},
		{"a failing processor stops before anything is written", "", errors.New("boom"), "mark", errors.New("boom")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var order []string
			var out bytes.Buffer
			p := &Pipeline{
				Source: File{Path: seed}, Settings: DefaultSettings(), Tool: "test",
				Now:        func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) },
				Processors: []Processor{recorder{name: "mark", order: &order, err: tt.procErr}},
				Outputs:    []Output{{Writer: orderWriter{&order}, Format: "test"}},
				Recorders:  []Recorder{recorder{name: "record", order: &order}},
				FailOn:     tt.failOn, Stdout: &out,
			}
			_, err := p.Run(context.Background())
			if got := strings.Join(order, " "); got != tt.wantOrder {
				t.Errorf("stages ran %q, want %q", got, tt.wantOrder)
			}
			switch {
			case tt.wantErr == nil && err != nil, tt.wantErr != nil && (err == nil || err.Error() != tt.wantErr.Error()):
				t.Errorf("Run error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestEvaluateSavesTheSnapshotAndNamesItsOrigin(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "copy.json")
	var log bytes.Buffer
	ev, err := (&Pipeline{Source: File{Path: seed}, Settings: DefaultSettings(), SaveSnapshot: saved, Log: &log}).Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ev.Origin != seed || len(ev.Findings) == 0 || len(ev.Checks) != len(checks.Applicable(checks.All(), ev.Snapshot)) {
		t.Errorf("evaluation: origin %q, %d findings, %d checks", ev.Origin, len(ev.Findings), len(ev.Checks))
	}
	for _, c := range ev.Checks {
		if c.Area == "SERVICE" {
			t.Errorf("%s ran over an audit's snapshot, which declares no service", c.ID)
		}
	}
	if st, err := os.Stat(saved); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("saved snapshot: %v %v", st, err)
	}
	if !strings.Contains(log.String(), "snapshot saved to "+saved) {
		t.Errorf("log %q", log.String())
	}
}

func TestSourcesMapTheirErrorsToExitCodes(t *testing.T) {
	snap, err := audit.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		src      Source
		wantCode int
		origin   string
	}{
		{"a missing file is bad input", File{Path: "/nonexistent.json"}, exitcode.Usage, ""},
		{"a collection that fails is incomplete", Live{Collector: CollectorFunc(func(context.Context) (*audit.Snapshot, error) {
			return nil, errors.New("dc1: connection refused")
		})}, exitcode.Incomplete, ""},
		{"a usage error while connecting keeps its code", Live{Collector: CollectorFunc(func(context.Context) (*audit.Snapshot, error) {
			return nil, exitcode.Usagef("--password-file: no such file")
		})}, exitcode.Usage, ""},
		{"a live snapshot is named by its target", Live{Collector: CollectorFunc(func(context.Context) (*audit.Snapshot, error) {
			return snap, nil
		})}, exitcode.OK, "collected now from corp.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.src.Snapshot(context.Background())
			if code, _ := exitcode.Of(err); code != tt.wantCode {
				t.Fatalf("error %v: exit %d, want %d", err, code, tt.wantCode)
			}
			if tt.origin != "" && tt.src.Origin(s) != tt.origin {
				t.Errorf("origin %q, want %q", tt.src.Origin(s), tt.origin)
			}
		})
	}
}

func TestSelectKeepsNamedFindingsOnce(t *testing.T) {
	all := []checks.Finding{
		{CheckID: "SPN-DUPLICATE", Fingerprint: "aaaa", Status: checks.Fail},
		{CheckID: "SPN-DUPLICATE", Fingerprint: "bbbb", Status: checks.Fail},
		{CheckID: "SPN-USER-HOST-ALIAS", Fingerprint: "cccc", Status: checks.Fail},
	}
	tests := []struct {
		name    string
		names   []string
		want    string
		wantErr string
	}{
		{"no names keep all", nil, "aaaa bbbb cccc", ""},
		{"a check ID keeps its findings", []string{"spn-duplicate"}, "aaaa bbbb", ""},
		{"a fingerprint and its check keep it once", []string{"AAAA", "SPN-DUPLICATE"}, "aaaa bbbb", ""},
		{"a typo lists the findings", []string{"dddd"}, "", "--finding dddd matches no finding; the findings are: aaaa (SPN-DUPLICATE)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(all, tt.names)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Select = %v, want error %q", err, tt.wantErr)
				}
				return
			}
			var fps []string
			for _, f := range got {
				fps = append(fps, f.Fingerprint)
			}
			if strings.Join(fps, " ") != tt.want {
				t.Errorf("Select = %v, want %s", fps, tt.want)
			}
		})
	}
}
