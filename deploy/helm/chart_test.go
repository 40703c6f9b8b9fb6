// The race detector finds nothing in this single-goroutine test, and
// instrumenting Helm and the Kubernetes modules for it costs minutes of
// compilation on a fresh CI machine: the -race pass of the suite leaves the
// package out, the plain `go test ./...` pass runs it.

//go:build !race

// Package helm tests the rest2mcp Helm chart: it renders the chart with the
// Helm SDK as `helm template` would (no cluster), validates every manifest
// against the Kubernetes API schemas shipped in Go modules, and checks the
// properties the chart promises (security context, probes, replicas, store
// wiring, secrets only by reference).
//
// It is a package of its own so that only it compiles Helm and the
// Kubernetes modules.
package helm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"helm.sh/helm/v4/pkg/strvals"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/applyconfigurations"
	"sigs.k8s.io/yaml"

	"github.com/rest2mcp/rest2mcp/gateway/config"
)

const chartDir = "rest2mcp"

// Paths inside the container; the Dockerfile uses the same ones.
const (
	configDir = "/etc/rest2mcp"
	dataDir   = "/var/lib/rest2mcp"
	cacheDir  = "/var/cache/rest2mcp"
)

// scheme knows exactly the kinds the chart may render: any other kind is a
// test failure, not a silently unchecked manifest.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme,
		networkingv1.AddToScheme, autoscalingv2.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

var (
	// strictDecoder decodes into the k8s.io/api types and fails on unknown
	// or duplicate fields and on values of the wrong type.
	strictDecoder = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	// typeConverter validates objects against the structural schema that
	// client-go generates from the Kubernetes OpenAPI document.
	typeConverter = applyconfigurations.NewTypeConverter(scheme)
)

// fullOverrides switches on every optional part of the chart.
var fullOverrides = []string{
	"ingress.enabled=true",
	"ingress.className=nginx",
	"ingress.hosts[0].host=mcp.example.com",
	"ingress.tls[0].secretName=mcp-example-com-tls",
	"ingress.tls[0].hosts[0]=mcp.example.com",
	"metrics.enabled=true",
	"publicURL=https://mcp.example.com",
	"registry.audiences[0]=api://rest2mcp",
	"secretEnv[0].name=PETSTORE_EXCHANGE_SECRET",
	"secretEnv[0].secretName=rest2mcp-upstream",
	"secretEnv[0].key=petstore-exchange-secret",
	"extraEnv[0].name=REST2MCP_RELOAD_INTERVAL",
	"extraEnv[0].value=30s",
}

// requiredSet are the values every install must give.
var requiredSet = []string{"registry.issuers[0]=https://login.example.com"}

// fullConfig is a gateway configuration with a secret by reference.
const fullConfig = `
config:
  publicURL: https://mcp.example.com
  apis:
    - name: petstore
      spec: petstore.yaml
      upstream: https://petstore.internal.example.com/v1
      auth:
        issuers:
          - issuer: https://login.example.com
      upstreamAuth:
        type: tokenExchange
        tokenURL: https://login.example.com/oauth/token
        clientID: rest2mcp
        clientSecret: {fromEnv: PETSTORE_EXCHANGE_SECRET}
        audience: https://petstore.internal.example.com
specFiles:
  petstore.yaml: |
    openapi: 3.0.3
    info: {title: Petstore, version: "1"}
    paths: {}
`

type renderCase struct {
	name       string
	valueFiles []string
	values     string   // YAML merged after the files
	set        []string // --set style, applied last
	// expectations
	store    string
	replicas int32 // 0: HPA owns the count
	hpa      bool
	ingress  bool
	config   bool
}

func TestChartRendersValidManifests(t *testing.T) {
	cases := []renderCase{
		{name: "defaults", store: "sqlite", replicas: 1},
		{name: "sqlite", valueFiles: []string{"values-sqlite.yaml"}, store: "sqlite", replicas: 1},
		{name: "postgres", valueFiles: []string{"values-postgres.yaml"}, store: "postgres", replicas: 2},
		{
			name: "sqlite-everything", valueFiles: []string{"values-sqlite.yaml"}, values: fullConfig, set: fullOverrides,
			store: "sqlite", replicas: 1, ingress: true, config: true,
		},
		{
			name: "postgres-everything", valueFiles: []string{"values-postgres.yaml"}, values: fullConfig,
			set:   append(slices.Clone(fullOverrides), "autoscaling.enabled=true", "podDisruptionBudget.minAvailable=1"),
			store: "postgres", hpa: true, ingress: true, config: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			manifests, err := render(t, tc.valueFiles, tc.values, slices.Concat(requiredSet, tc.set)...)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			objs := map[string]runtime.Object{} // "Kind/name"
			for name, doc := range manifests {
				obj, err := validateManifest([]byte(doc))
				if err != nil {
					t.Errorf("%s: %v\n%s", name, err, doc)
					continue
				}
				u, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
				key := obj.GetObjectKind().GroupVersionKind().Kind + "/" + (&unstructured.Unstructured{Object: u}).GetName()
				if _, dup := objs[key]; dup {
					t.Errorf("%s rendered twice", key)
				}
				objs[key] = obj
			}
			if t.Failed() {
				t.FailNow()
			}
			checkRelease(t, tc, objs)
		})
	}
}

// checkRelease asserts the chart's promises on one rendered release.
func checkRelease(t *testing.T, tc renderCase, objs map[string]runtime.Object) {
	t.Helper()
	const full = "gw-rest2mcp"
	var kinds []string
	for k := range objs {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	want := []string{"Deployment/" + full, "PodDisruptionBudget/" + full, "Service/" + full, "ServiceAccount/" + full}
	if tc.store == "sqlite" {
		want = append(want, "PersistentVolumeClaim/"+full+"-data")
	}
	if tc.config {
		want = append(want, "ConfigMap/"+full)
	}
	if tc.hpa {
		want = append(want, "HorizontalPodAutoscaler/"+full)
	}
	if tc.ingress {
		want = append(want, "Ingress/"+full)
	}
	slices.Sort(want)
	if !slices.Equal(kinds, want) {
		t.Fatalf("rendered objects:\n got %v\nwant %v", kinds, want)
	}

	d := objs["Deployment/"+full].(*appsv1.Deployment)
	pod := d.Spec.Template
	podLabels := labels.Set(pod.Labels)
	sel, err := metaSelector(d.Spec.Selector.MatchLabels)
	if err != nil || !sel.Matches(podLabels) {
		t.Errorf("Deployment selector %v does not select its pods %v", d.Spec.Selector, pod.Labels)
	}

	// Replicas and update strategy.
	switch {
	case tc.hpa:
		if d.Spec.Replicas != nil {
			t.Errorf("replicas = %d with an HPA; the HPA must own the count", *d.Spec.Replicas)
		}
		h := objs["HorizontalPodAutoscaler/"+full].(*autoscalingv2.HorizontalPodAutoscaler)
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.ScaleTargetRef.Name != d.Name || h.Spec.ScaleTargetRef.Kind != "Deployment" {
			t.Errorf("HPA %+v: want minReplicas ≥ 2 targeting Deployment %s", h.Spec, d.Name)
		}
	case d.Spec.Replicas == nil || *d.Spec.Replicas != tc.replicas:
		t.Errorf("replicas = %v, want %d", d.Spec.Replicas, tc.replicas)
	}
	wantStrategy := appsv1.RollingUpdateDeploymentStrategyType
	if tc.store == "sqlite" {
		wantStrategy = appsv1.RecreateDeploymentStrategyType
	}
	if d.Spec.Strategy.Type != wantStrategy {
		t.Errorf("strategy = %q, want %q", d.Spec.Strategy.Type, wantStrategy)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil && ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("rolling update maxUnavailable = %v, want 0", ru.MaxUnavailable)
	}

	// Security.
	ps := pod.Spec.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 ||
		ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v: want non-root, a non-zero UID and seccomp RuntimeDefault", ps)
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token; the gateway never calls the Kubernetes API")
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	cs := c.SecurityContext
	if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
		cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
		cs.RunAsNonRoot == nil || !*cs.RunAsNonRoot ||
		cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(cs.Capabilities.Add) > 0 ||
		cs.Privileged != nil && *cs.Privileged {
		t.Errorf("container securityContext = %+v: want read-only root FS, no privilege escalation, non-root, all capabilities dropped", cs)
	}

	// Probes on the gateway's own endpoints, on a declared port.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}, {"startup", c.StartupProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe = %+v, want GET %s", p.name, p.probe, p.path)
			continue
		}
		if _, ok := ports[p.probe.HTTPGet.Port.String()]; !ok {
			t.Errorf("%s probe port %q is not a container port %v", p.name, p.probe.HTTPGet.Port.String(), ports)
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources = %+v: want cpu and memory requests and a memory limit", c.Resources)
	}

	// Listener and environment: secrets only by reference.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if v := env["REST2MCP_LISTEN"].Value; v != fmt.Sprintf("0.0.0.0:%d", ports["http"]) {
		t.Errorf("REST2MCP_LISTEN = %q, want the http container port %d on all interfaces", v, ports["http"])
	}
	if env["REST2MCP_CACHE_DIR"].Value != cacheDir {
		t.Errorf("REST2MCP_CACHE_DIR = %q, want %s", env["REST2MCP_CACHE_DIR"].Value, cacheDir)
	}
	secretish := regexp.MustCompile(`(?i)secret|token|password|store|dsn|key`)
	for _, e := range c.Env {
		if secretish.MatchString(e.Name) && e.ValueFrom == nil {
			t.Errorf("env %s has a literal value; secrets must come from a secretKeyRef", e.Name)
		}
	}
	secretRefs := map[string]string{"REST2MCP_ADMIN_TOKEN": "rest2mcp-admin"}
	if tc.config {
		secretRefs["PETSTORE_EXCHANGE_SECRET"] = "rest2mcp-upstream"
	}
	{
		for name, secret := range secretRefs {
			if ref := env[name].ValueFrom; ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != secret {
				t.Errorf("env %s = %+v, want a secretKeyRef to %s", name, env[name], secret)
			}
		}
	}

	// Store wiring: --data-dir on a volume (SQLite) or REST2MCP_STORE from a Secret (PostgreSQL).
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("volumeMount %s names no volume", m.Name)
		}
		mounts[m.MountPath] = m
	}
	for _, dir := range []string{cacheDir, "/tmp"} {
		if m, ok := mounts[dir]; !ok || m.ReadOnly {
			t.Errorf("%s is not a writable mount (the root filesystem is read-only)", dir)
		}
	}
	args := strings.Join(c.Args, " ")
	if !strings.Contains(args, "--issuer https://login.example.com") {
		t.Errorf("args %q lack --issuer: stored APIs away from loopback need it", args)
	}
	switch tc.store {
	case "sqlite":
		if !strings.Contains(args, "--data-dir "+dataDir) {
			t.Errorf("args %q lack --data-dir %s", args, dataDir)
		}
		m, ok := mounts[dataDir]
		if !ok || m.ReadOnly {
			t.Fatalf("no writable mount at %s", dataDir)
		}
		claim := volumes[m.Name].PersistentVolumeClaim
		if claim == nil || objs["PersistentVolumeClaim/"+claim.ClaimName] == nil {
			t.Errorf("data volume %+v is not the chart's PersistentVolumeClaim", volumes[m.Name])
		}
		if _, ok := env["REST2MCP_STORE"]; ok {
			t.Error("REST2MCP_STORE set with the SQLite store")
		}
	case "postgres":
		if strings.Contains(args, "--data-dir") {
			t.Errorf("args %q: --data-dir with the PostgreSQL store", args)
		}
		ref := env["REST2MCP_STORE"].ValueFrom
		if ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != "rest2mcp-store" || ref.SecretKeyRef.Key != "dsn" {
			t.Errorf("REST2MCP_STORE = %+v, want secretKeyRef rest2mcp-store/dsn", env["REST2MCP_STORE"])
		}
	}
	if tc.config {
		if !strings.Contains(args, "--config "+configDir+"/rest2mcp.yaml") {
			t.Errorf("args %q lack --config", args)
		}
		if m, ok := mounts[configDir]; !ok || !m.ReadOnly || volumes[m.Name].ConfigMap == nil || volumes[m.Name].ConfigMap.Name != full {
			t.Errorf("configuration mount = %+v, want the ConfigMap read-only at %s", m, configDir)
		}
		if pod.Annotations["checksum/config"] == "" {
			t.Error("no checksum/config annotation: a changed configuration would not roll the pods")
		}
	}

	// ConfigMaps: a valid gateway configuration and no secret values.
	for k, o := range objs {
		cm, ok := o.(*corev1.ConfigMap)
		if !ok {
			continue
		}
		for key, data := range cm.Data {
			if strings.Contains(data, "postgres://") || strings.Contains(data, "postgresql://") {
				t.Errorf("%s key %s holds a database DSN", k, key)
			}
		}
		cfg, err := config.Parse([]byte(cm.Data["rest2mcp.yaml"]))
		if err != nil {
			t.Errorf("%s: rest2mcp.yaml is not a valid configuration: %v", k, err)
			continue
		}
		for _, a := range cfg.APIs {
			if a.UpstreamAuth != nil && a.UpstreamAuth.ClientSecret != nil && a.UpstreamAuth.ClientSecret.Value != "" {
				t.Errorf("%s: API %s has a client secret in clear", k, a.Name)
			}
			if _, ok := cm.Data[a.Spec]; !ok {
				t.Errorf("%s: API %s names spec %s, which is not beside the configuration", k, a.Name, a.Spec)
			}
		}
	}

	// Service, PDB and topology spread select the gateway's pods.
	svc := objs["Service/"+full].(*corev1.Service)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("Service %+v does not route to the pods' http port", svc.Spec)
	}
	pdb := objs["PodDisruptionBudget/"+full].(*policyv1.PodDisruptionBudget)
	if s, err := metaSelector(pdb.Spec.Selector.MatchLabels); err != nil || !s.Matches(podLabels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods", pdb.Spec.Selector)
	}
	if (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil) {
		t.Errorf("PodDisruptionBudget %+v: want exactly one of minAvailable, maxUnavailable", pdb.Spec)
	}
	if pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.IntValue() >= int(tc.replicas) && !tc.hpa {
		t.Errorf("PodDisruptionBudget minAvailable %v blocks every voluntary eviction of %d replicas", pdb.Spec.MinAvailable, tc.replicas)
	}
	if len(pod.Spec.TopologySpreadConstraints) == 0 {
		t.Error("no topologySpreadConstraints")
	}
	for _, ts := range pod.Spec.TopologySpreadConstraints {
		if ts.LabelSelector == nil || !labels.SelectorFromSet(ts.LabelSelector.MatchLabels).Matches(podLabels) {
			t.Errorf("topology spread %s does not select the pods", ts.TopologyKey)
		}
	}
	if tc.ingress {
		ing := objs["Ingress/"+full].(*networkingv1.Ingress)
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				if p.Backend.Service == nil || p.Backend.Service.Name != svc.Name || p.Backend.Service.Port.Name != "http" {
					t.Errorf("Ingress path %s routes to %+v, want %s:http", p.Path, p.Backend, svc.Name)
				}
			}
		}
		if ports["metrics"] == 0 || !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "metrics" }) {
			t.Errorf("metrics enabled but no metrics port on the container %v or the Service", ports)
		}
	}
}

func metaSelector(m map[string]string) (labels.Selector, error) {
	if len(m) == 0 {
		return nil, errors.New("empty selector")
	}
	return labels.SelectorFromSet(m), nil
}

// TestChartRefusesBadValues checks that wrong combinations fail the render
// with a message naming the value to change, and render nothing.
func TestChartRefusesBadValues(t *testing.T) {
	cases := []struct {
		name   string
		files  []string
		values string
		set    []string
		want   string
	}{
		{"sqlite with replicas", []string{"values-sqlite.yaml"}, "", []string{"replicaCount=3"}, "store.type sqlite allows one replica"},
		{"sqlite with autoscaling", nil, "", []string{"autoscaling.enabled=true"}, "autoscaling needs store.type postgres"},
		{"sqlite rolling update", nil, "", []string{"strategy.type=RollingUpdate"}, "needs strategy.type Recreate"},
		{"postgres without secret", []string{"values-postgres.yaml"}, "", []string{"store.postgres.existingSecret="}, "store.type postgres needs store.postgres.existingSecret"},
		{"unknown store", nil, "", []string{"store.type=mysql"}, "/store/type"},
		{"misspelled value", nil, "", []string{"replicas=2"}, "replicas"},
		{"wrong type", nil, "", []string{"replicaCount=two"}, "replicaCount"},
		{"secret in clear", nil, "config: {apis: [{name: a, spec: a.yaml, upstreamAuth: {type: static, header: X-Key, value: {value: s3cret}}}]}", nil, "secret in clear"},
		{"client secret in clear", nil, "config: {apis: [{name: a, spec: a.yaml, upstreamAuth: {clientSecret: {value: s3cret}}}]}", nil, "secret in clear"},
		{"listen in config", nil, "config: {listen: 0.0.0.0:9000}", nil, "config.listen"},
		{"ingress without hosts", nil, "", []string{"ingress.enabled=true"}, "ingress.hosts"},
		{"pdb without bounds", nil, "podDisruptionBudget: {maxUnavailable: null}", nil, "podDisruptionBudget.enabled needs"},
		{"incomplete secretEnv", nil, "secretEnv: [{name: X, secretName: s}]", nil, "key"},
		{"no issuer for stored APIs", nil, "", nil, "the stored APIs need a trusted token issuer"},
		{"no admin token", nil, "", []string{"adminToken.existingSecret="}, "adminToken.existingSecret is required"},
		{"store in config", nil, "config: {store: 'postgres://u:p@db/x'}", nil, "config.store"},
		{"spec file named like the configuration", nil, "specFiles: {rest2mcp.yaml: x}", nil, "set config instead"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := slices.Concat(requiredSet, tc.set)
			if tc.name == "no issuer for stored APIs" {
				set = tc.set
			}
			m, err := render(t, tc.files, tc.values, set...)
			if err == nil {
				t.Fatalf("rendered %d manifests, want an error mentioning %q", len(m), tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestValidatorCatchesMistakes proves the manifest validation can fail: each
// manifest has one mistake a cluster would refuse or silently drop.
func TestValidatorCatchesMistakes(t *testing.T) {
	const base = `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: c
          image: i
`
	if _, err := validateManifest([]byte(base)); err != nil {
		t.Fatalf("valid Deployment refused: %v", err)
	}
	cases := map[string]string{
		"misspelled field":     strings.Replace(base, "selector:", "selecter:", 1),
		"unknown nested field": strings.Replace(base, "image: i", "image: i\n          readOnlyRootFS: true", 1),
		"wrong type":           strings.Replace(base, "spec:\n  selector", "spec:\n  replicas: two\n  selector", 1),
		"bad quantity":         strings.Replace(base, "image: i", "image: i\n          resources: {limits: {memory: 512mb}}", 1),
		"duplicate field":      strings.Replace(base, "image: i", "image: i\n          image: j", 1),
		"unknown kind":         strings.Replace(base, "kind: Deployment", "kind: Deploymnet", 1),
		"bad name":             strings.Replace(base, "name: x", "name: X_1", 1),
		"missing image":        strings.Replace(base, "          image: i\n", "", 1),
		"selector mismatch":    strings.Replace(base, "labels: {a: b}", "labels: {a: c}", 1),
		"bad ConfigMap key":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a/b: c}\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := validateManifest([]byte(doc)); err == nil {
				t.Errorf("accepted:\n%s", doc)
			}
		})
	}
}

// TestValuesHoldNoSecrets checks that the shipped value sets reference
// secrets and never carry one (a DSN with a password, a token).
func TestValuesHoldNoSecrets(t *testing.T) {
	creds := regexp.MustCompile(`://[^/\s]*:[^/\s]*@`)
	secretKey := regexp.MustCompile(`(?i)(password|secret|token|dsn)$`)
	files, _ := filepath.Glob(filepath.Join(chartDir, "values*.yaml"))
	if len(files) < 3 {
		t.Fatalf("value files %v, want values.yaml, values-sqlite.yaml and values-postgres.yaml", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walkStrings(v, "", func(path, s string) {
			if creds.MatchString(s) {
				t.Errorf("%s: %s holds credentials in a URL", f, path)
			}
			key := path[strings.LastIndex(path, ".")+1:]
			if key != "existingSecret" && key != "secretName" && secretKey.MatchString(key) && s != "" {
				t.Errorf("%s: %s = %q: secrets are Secret references (existingSecret + key), never values", f, path, s)
			}
		})
	}
}

func walkStrings(v any, path string, f func(path, s string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			walkStrings(e, path+"."+k, f)
		}
	case []any:
		for i, e := range v {
			walkStrings(e, fmt.Sprintf("%s[%d]", path, i), f)
		}
	case string:
		f(path, v)
	}
}

// render renders the chart like `helm template gw rest2mcp -n mcp -f
// files… --set set…`, values YAML merged after the files, and returns the
// manifests by source name (NOTES.txt left out).
func render(t *testing.T, files []string, values string, set ...string) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	vals := map[string]any{}
	for _, f := range files {
		v, err := chartcommon.ReadValuesFile(filepath.Join(chartDir, f))
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		vals = mergeValues(vals, v)
	}
	if values != "" {
		v, err := chartcommon.ReadValues([]byte(values))
		if err != nil {
			t.Fatalf("values: %v", err)
		}
		vals = mergeValues(vals, v)
	}
	for _, s := range set {
		if err := strvals.ParseInto(s, vals); err != nil {
			t.Fatalf("--set %s: %v", s, err)
		}
	}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals,
		chartcommon.ReleaseOptions{Name: "gw", Namespace: "mcp", IsInstall: true}, chartcommon.DefaultCapabilities, false)
	if err != nil {
		return nil, err
	}
	out, err := engine.Engine{Strict: true}.RenderWithContext(context.Background(), ch, top)
	if err != nil {
		return nil, err
	}
	manifests := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(out)) {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		for i, doc := range slices.Sorted(maps.Values(releaseutil.SplitManifests(out[name]))) {
			if strings.TrimSpace(doc) != "" {
				manifests[fmt.Sprintf("%s#%d", name, i)] = doc
			}
		}
	}
	return manifests, nil
}

// mergeValues merges src into dst as successive -f files do: maps merge
// key by key, anything else is replaced.
func mergeValues(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if vm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = mergeValues(dm, vm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// validateManifest checks one manifest three ways: against the structural
// schema generated from the Kubernetes OpenAPI document (unknown fields,
// types), by strict decoding into the k8s.io/api types (duplicate fields,
// quantities, int-or-string), and by the checks the API server would make
// that neither covers (names, required fields, selectors).
func validateManifest(doc []byte) (runtime.Object, error) {
	var u unstructured.Unstructured
	if err := yaml.Unmarshal(doc, &u.Object); err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	gvk := u.GroupVersionKind()
	if !scheme.Recognizes(gvk) {
		return nil, fmt.Errorf("kind %s is not one the chart may render", gvk)
	}
	if _, err := typeConverter.ObjectToTyped(&u); err != nil {
		return nil, fmt.Errorf("%s does not match the Kubernetes schema: %w", gvk.Kind, err)
	}
	obj, _, err := strictDecoder.Decode(doc, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: strict decode: %w", gvk.Kind, err)
	}
	if errs := validation.IsDNS1123Subdomain(u.GetName()); len(errs) > 0 {
		return nil, fmt.Errorf("%s name %q: %s", gvk.Kind, u.GetName(), strings.Join(errs, "; "))
	}
	for k, v := range u.GetLabels() {
		if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
			return nil, fmt.Errorf("%s label %s=%s: %s", gvk.Kind, k, v, strings.Join(errs, "; "))
		}
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		if err := checkDeployment(o); err != nil {
			return nil, err
		}
	case *corev1.ConfigMap:
		for k := range o.Data {
			if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
				return nil, fmt.Errorf("ConfigMap key %q: %s", k, strings.Join(errs, "; "))
			}
		}
	}
	return obj, nil
}

// checkDeployment makes the API server's checks that decoding leaves out.
func checkDeployment(d *appsv1.Deployment) error {
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
		return errors.New("Deployment needs spec.selector.matchLabels")
	}
	if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		return fmt.Errorf("Deployment selector %v does not match the template labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return errors.New("Deployment has no containers")
	}
	volumes := map[string]bool{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if errs := validation.IsDNS1123Label(v.Name); len(errs) > 0 || volumes[v.Name] {
			return fmt.Errorf("volume name %q: invalid or duplicate", v.Name)
		}
		volumes[v.Name] = true
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "" || c.Image == "" {
			return fmt.Errorf("container %q needs a name and an image", c.Name)
		}
		for _, p := range c.Ports {
			if errs := validation.IsValidPortName(p.Name); len(errs) > 0 {
				return fmt.Errorf("container %s port name %q: %s", c.Name, p.Name, strings.Join(errs, "; "))
			}
		}
		for _, e := range c.Env {
			if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
				return fmt.Errorf("container %s env %q: %s", c.Name, e.Name, strings.Join(errs, "; "))
			}
			if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && (r.SecretKeyRef.Name == "" || r.SecretKeyRef.Key == "") {
				return fmt.Errorf("container %s env %s: secretKeyRef needs a name and a key", c.Name, e.Name)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				return fmt.Errorf("container %s mounts unknown volume %q", c.Name, m.Name)
			}
		}
	}
	return nil
}

// TestChartInsecureNoAuth checks the one way to run stored APIs without an
// issuer: an explicit insecureNoAuth, passed to the gateway as its flag.
func TestChartInsecureNoAuth(t *testing.T) {
	m, err := render(t, nil, "", "insecureNoAuth=true")
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var found bool
	for _, doc := range m {
		obj, err := validateManifest([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := obj.(*appsv1.Deployment); ok {
			found = true
			if args := d.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--insecure-no-auth") || slices.Contains(args, "--issuer") {
				t.Errorf("args %v: want --insecure-no-auth and no --issuer", args)
			}
		}
	}
	if !found {
		t.Fatal("no Deployment rendered")
	}
}
