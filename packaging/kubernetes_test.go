package packaging

import (
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// manifests decodes each document of a YAML stream into the Kubernetes API
// type its kind names, strictly: a field the API does not have, a field
// given twice or a value of the wrong type is an error, as the API server's
// strict field validation would say. (kubectl --dry-run=client needs a
// server to map kinds, so it cannot check these files offline.)
type manifests struct {
	secrets    map[string]*corev1.Secret
	configMaps map[string]*corev1.ConfigMap
	cronJobs   []*batchv1.CronJob
	namespaces []string
}

func decodeManifests(data []byte) (*manifests, error) {
	m := &manifests{secrets: map[string]*corev1.Secret{}, configMaps: map[string]*corev1.ConfigMap{}}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, err
		}
		var err error
		switch head.APIVersion + " " + head.Kind {
		case " ":
			continue // comments only
		case "v1 Namespace":
			var ns corev1.Namespace
			err = yaml.UnmarshalStrict([]byte(doc), &ns)
			m.namespaces = append(m.namespaces, ns.Name)
		case "v1 Secret":
			var s corev1.Secret
			err = yaml.UnmarshalStrict([]byte(doc), &s)
			m.secrets[s.Name] = &s
		case "v1 ConfigMap":
			var c corev1.ConfigMap
			err = yaml.UnmarshalStrict([]byte(doc), &c)
			m.configMaps[c.Name] = &c
		case "batch/v1 CronJob":
			var c batchv1.CronJob
			err = yaml.UnmarshalStrict([]byte(doc), &c)
			m.cronJobs = append(m.cronJobs, &c)
		default:
			return nil, &unknownKind{head.APIVersion, head.Kind}
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

type unknownKind struct{ apiVersion, kind string }

func (e *unknownKind) Error() string { return "unexpected " + e.apiVersion + " " + e.kind }

// secretKeys are the keys a Secret defines (data and stringData).
func secretKeys(s *corev1.Secret) map[string]string {
	keys := map[string]string{}
	for k, v := range s.Data {
		keys[k] = string(v)
	}
	for k, v := range s.StringData {
		keys[k] = v
	}
	return keys
}

func TestKubernetesCronJobAndSecretsAreValid(t *testing.T) {
	data, err := os.ReadFile("kubernetes/spntrust-cronjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeManifests(data)
	if err != nil {
		t.Fatalf("kubernetes/spntrust-cronjob.yaml: %v", err)
	}
	// The decoder is strict: a misspelt field fails it.
	if _, err := decodeManifests([]byte(strings.Replace(string(data), "restartPolicy:", "restartPolicyy:", 1))); err == nil || !strings.Contains(err.Error(), "restartPolicyy") {
		t.Errorf("a misspelt field was not refused: %v", err)
	}
	if len(m.cronJobs) != 1 {
		t.Fatalf("%d CronJobs, want 1", len(m.cronJobs))
	}
	cj := m.cronJobs[0]
	if f := strings.Fields(cj.Spec.Schedule); len(f) != 5 {
		t.Errorf("schedule %q is not a five-field cron expression", cj.Spec.Schedule)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q: two audits of one forest at once should not run", cj.Spec.ConcurrencyPolicy)
	}
	job := cj.Spec.JobTemplate.Spec
	if job.BackoffLimit == nil || *job.BackoffLimit != 0 {
		t.Error("backoffLimit is not 0: a run that found problems (exit 1) would be retried")
	}
	pod := job.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q, want Never", pod.RestartPolicy)
	}
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 || sc.FSGroup == nil {
		t.Errorf("the pod does not run as a non-root user with an fsGroup (to read its Secret files): %+v", sc)
	}
	for _, ns := range []string{cj.Namespace} {
		if !contains(m.namespaces, ns) {
			t.Errorf("namespace %q is not in the file", ns)
		}
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image == "" || len(c.Args) == 0 || c.Args[0] != "audit" {
		t.Errorf("container %q: image %q, args %v", c.Name, c.Image, c.Args)
	}
	csc := c.SecurityContext
	if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		csc.Capabilities == nil || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("the container is not locked down (no privilege escalation, read-only root, no capabilities): %+v", csc)
	}

	// Every mount is a volume; every Secret and key a volume or the
	// environment names is in the file; every file an argument names is
	// in a mount that provides it.
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	files := map[string]bool{} // paths the mounts provide
	for _, vm := range c.VolumeMounts {
		v, ok := volumes[vm.Name]
		if !ok {
			t.Errorf("volumeMount %q names no volume", vm.Name)
			continue
		}
		switch {
		case v.Secret != nil:
			s, ok := m.secrets[v.Secret.SecretName]
			if !ok {
				t.Errorf("volume %q: Secret %q is not in the file", v.Name, v.Secret.SecretName)
				continue
			}
			if !vm.ReadOnly {
				t.Errorf("the Secret volume %q is mounted writable", v.Name)
			}
			keys := secretKeys(s)
			for _, it := range v.Secret.Items {
				if _, ok := keys[it.Key]; !ok {
					t.Errorf("volume %q: Secret %q has no key %q", v.Name, s.Name, it.Key)
				}
				files[path.Join(vm.MountPath, it.Path)] = true
			}
		case v.ConfigMap != nil:
			cm, ok := m.configMaps[v.ConfigMap.Name]
			if !ok {
				t.Errorf("volume %q: ConfigMap %q is not in the file", v.Name, v.ConfigMap.Name)
				continue
			}
			for k := range cm.Data {
				files[path.Join(vm.MountPath, k)] = true
			}
		case v.EmptyDir != nil:
			files[vm.MountPath+"/"] = true
		}
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	hist, ok := env["SPNTRUST_HISTORY"]
	if !ok || hist.ValueFrom == nil || hist.ValueFrom.SecretKeyRef == nil || hist.Value != "" {
		t.Fatalf("SPNTRUST_HISTORY does not come from a Secret: %+v", hist)
	}
	ref := hist.ValueFrom.SecretKeyRef
	histURL, ok := secretKeys(m.secrets[ref.Name])[ref.Key]
	if m.secrets[ref.Name] == nil || !ok {
		t.Fatalf("SPNTRUST_HISTORY: Secret %q key %q is not in the file", ref.Name, ref.Key)
	}
	u, err := url.Parse(histURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("SPNTRUST_HISTORY %q is not a postgres:// URL (%v)", histURL, err)
	}
	if _, has := u.User.Password(); has || u.Query().Has("password") {
		t.Errorf("SPNTRUST_HISTORY carries its password in the URL; it belongs in the passfile")
	}
	if pf := u.Query().Get("passfile"); !files[pf] {
		t.Errorf("SPNTRUST_HISTORY's passfile %q is not a mounted file (%v)", pf, files)
	}
	if k := env["KRB5_CONFIG"].Value; k != "" && !files[k] {
		t.Errorf("KRB5_CONFIG %q is not a mounted file", k)
	}
	var keytab string
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--password=") || strings.HasPrefix(a, "--pass=") {
			t.Errorf("a password on the command line: %s", a)
		}
		if v, ok := strings.CutPrefix(a, "--keytab="); ok {
			keytab = v
		}
		if v, ok := strings.CutPrefix(a, "--output="); ok {
			_, p, _ := strings.Cut(v, "=")
			if !files[path.Dir(p)+"/"] {
				t.Errorf("%s: %s is not in a writable volume", a, path.Dir(p))
			}
		}
	}
	if keytab == "" || !files[keytab] {
		t.Errorf("--keytab %q is not a file mounted from the credentials Secret (%v)", keytab, files)
	}

	// The arguments are spntrust's: run them with the files moved to a
	// temporary directory.
	bin := buildSpntrust(t)
	root := t.TempDir()
	var args []string
	for _, a := range c.Args {
		for f := range files {
			if strings.HasPrefix(f, "/") {
				a = strings.ReplaceAll(a, path.Dir(f), root+path.Dir(f))
			}
		}
		args = append(args, a)
	}
	for f := range files {
		p := root + f
		if strings.HasSuffix(f, "/") {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(path.Dir(p), 0o755)
		os.WriteFile(p, []byte("placeholder\n"), 0o600)
	}
	runArgs(t, bin, nil, args)
}
