package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Containerfile instruction, continuation lines joined.
type instruction struct {
	op, args string
}

func readContainerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	cont := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cont == "") {
			continue
		}
		line = cont + line
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`) + " "
			continue
		}
		cont = ""
		op, args, _ := strings.Cut(line, " ")
		out = append(out, instruction{strings.ToUpper(op), strings.TrimSpace(args)})
	}
	return out
}

// The image build is not run here (no container engine reaches a registry
// for the base images); what can be checked without one is: the file's
// stages, the final image's user and entry point, and the build stage's
// build command, run here, giving a static binary.
func TestContainerfileBuildsAStaticBinaryForANonRootImage(t *testing.T) {
	ins := readContainerfile(t, "container/Containerfile")
	args := map[string]string{}
	var stages [][]instruction
	for _, in := range ins {
		switch in.op {
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			if _, seen := args[k]; !seen || v != "" {
				args[k] = v
			}
		case "FROM":
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) != 2 {
		t.Fatalf("%d stages, want 2 (build, runtime)", len(stages))
	}
	build, final := stages[0], stages[1]
	if !regexp.MustCompile(`^\$\{GO_IMAGE\} AS build$`).MatchString(build[0].args) {
		t.Errorf("build stage FROM %s", build[0].args)
	}
	// The builder's Go is the module's.
	gomod, _ := os.ReadFile("../go.mod")
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goVer == nil || !strings.Contains(args["GO_IMAGE"], "golang:"+string(goVer[1])) {
		t.Errorf("GO_IMAGE %q is not golang:%s (go.mod)", args["GO_IMAGE"], goVer[1])
	}
	if rt := args["RUNTIME_IMAGE"]; !strings.HasPrefix(rt, "gcr.io/distroless/static") && rt != "scratch" {
		t.Errorf("RUNTIME_IMAGE %q: want a minimal static base (distroless static or scratch)", rt)
	}
	var user, entry string
	copied := false
	for _, in := range final {
		switch in.op {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = in.args
		case "COPY", "ADD":
			if in.args == "--from=build /out/spntrust "+installedBinary {
				copied = true
			} else {
				t.Errorf("the runtime image takes more than the binary: %s %s", in.op, in.args)
			}
		case "ENV":
			if regexp.MustCompile(`(?i)password|secret|keytab`).MatchString(in.args) {
				t.Errorf("a credential in the image's environment: ENV %s", in.args)
			}
		}
	}
	if !copied {
		t.Errorf("the runtime image does not copy the binary to %s", installedBinary)
	}
	if u, _, _ := strings.Cut(user, ":"); user == "" || u == "0" || u == "root" {
		t.Errorf("USER %q: the image must run as a non-root user", user)
	}
	if entry != `["`+installedBinary+`"]` {
		t.Errorf("ENTRYPOINT %s, want [%q]", entry, installedBinary)
	}

	// The build stage's build command, as the build runs it (in the
	// context's root, with the module already downloaded), gives a static
	// binary; /out is a temporary directory here.
	var run string
	for _, in := range build {
		if in.op == "RUN" && strings.Contains(in.args, "make build") {
			run = in.args
		}
	}
	if run == "" {
		t.Fatal("the build stage has no RUN ... make build: the image would not be built as make build builds")
	}
	needTool(t, "make")
	out := t.TempDir()
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(run, "/out", out))
	cmd.Dir = ".."
	gobin := filepath.Dir(goTool())
	cmd.Env = append(os.Environ(), "PATH="+gobin+":"+os.Getenv("PATH"), "SOURCE_DATE_EPOCH=1764633600", "VERSION=", "COMMIT=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the build stage's %q: %v\n%s", run, err, b)
	}
	bin := filepath.Join(out, "spntrust")
	isStatic(t, bin)
	if v, err := exec.Command(bin, "version").Output(); err != nil || !strings.Contains(string(v), "built:    2025-12-02T00:00:00Z") {
		t.Errorf("the built binary's version: %v\n%s", err, v)
	}
	t.Log("the image itself is not built by this test: see README.md, Scheduled runs, Container")
}
