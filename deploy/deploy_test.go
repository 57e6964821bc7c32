// Package deploy_test validates the deployment files without a container
// engine or a cluster: every YAML document parses, docker-compose.yml has the
// services the architecture names and a configuration storeconfig accepts,
// every REMITFLOW_* and PARTNERSIM_* variable the files set is documented in
// .env.example (and every storeconfig variable is), the Kubernetes objects
// are well-formed with probes, resources and secret references, and the
// Dockerfile builds static binaries into a non-root image.
package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/remitflow/remitflow/adapters/storeconfig"
)

// obj is a decoded YAML mapping.
type obj = map[string]any

// decodeAll parses every document of a YAML file.
func decodeAll(t *testing.T, path string) []obj {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []obj
	for {
		var d obj
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func get(o any, path ...string) any {
	for _, k := range path {
		m, ok := o.(obj)
		if !ok {
			return nil
		}
		o = m[k]
	}
	return o
}

func str(o any, path ...string) string {
	s, _ := get(o, path...).(string)
	return s
}

func list(o any, path ...string) []any {
	l, _ := get(o, path...).([]any)
	return l
}

// environment returns a compose service's environment, map or list form.
func environment(svc any) map[string]string {
	env := map[string]string{}
	switch e := get(svc, "environment").(type) {
	case obj:
		for k, v := range e {
			env[k] = fmt.Sprint(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(fmt.Sprint(kv), "=")
			env[k] = v
		}
	}
	return env
}

func hasKey(m any, k string) bool {
	o, ok := m.(obj)
	if !ok {
		return false
	}
	_, ok = o[k]
	return ok
}

func TestEveryYAMLFileParses(t *testing.T) {
	files := yamlFiles(t)
	for _, want := range []string{"docker-compose.yml", "k8s/remitflow.yaml", "k8s/relay.yaml", "k8s/partnersim.yaml", "k8s/configmap.yaml"} {
		if !slices.Contains(files, filepath.FromSlash(want)) {
			t.Errorf("deploy/%s is missing", want)
		}
	}
	for _, f := range files {
		if docs := decodeAll(t, f); len(docs) == 0 {
			t.Errorf("%s has no YAML documents", f)
		}
	}
}

// documented returns the variables .env.example lists ("NAME=" or
// "# NAME="), with the value shown.
func documented(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^#?\s*([A-Z][A-Z0-9_]*)=(.*)$`)
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := re.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			vars[m[1]] = m[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vars
}

func TestEnvExampleDocumentsStoreconfig(t *testing.T) {
	doc := documented(t)
	for _, v := range storeconfig.Vars() {
		got, ok := doc[v.Name]
		if !ok {
			t.Errorf(".env.example does not document %s", v.Name)
			continue
		}
		if got != v.Default {
			t.Errorf(".env.example shows %s=%q, storeconfig's default is %q", v.Name, got, v.Default)
		}
	}
}

// checkVarsKnown reports REMITFLOW_* and PARTNERSIM_* variables that neither
// storeconfig nor .env.example knows.
func checkVarsKnown(t *testing.T, where string, names []string) {
	t.Helper()
	doc := documented(t)
	known := map[string]bool{}
	for _, v := range storeconfig.Vars() {
		known[v.Name] = true
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "REMITFLOW_") && !strings.HasPrefix(n, "PARTNERSIM_") {
			continue
		}
		if _, ok := doc[n]; !ok && !known[n] {
			t.Errorf("%s sets %s, which neither storeconfig nor .env.example documents", where, n)
		}
	}
}

func TestCompose(t *testing.T) {
	docs := decodeAll(t, "docker-compose.yml")
	if len(docs) != 1 {
		t.Fatalf("docker-compose.yml has %d documents, want 1", len(docs))
	}
	services, _ := get(docs[0], "services").(obj)
	for _, name := range []string{"esdb-1", "esdb-2", "esdb-3", "kafka", "remitflow-1", "remitflow-2", "partnersim"} {
		if services[name] == nil {
			t.Errorf("compose lacks service %s", name)
		}
	}

	// EventStoreDB: a 3-node cluster whose nodes gossip with the two others.
	nodeIPs := map[string]string{}
	for _, name := range []string{"esdb-1", "esdb-2", "esdb-3"} {
		svc := services[name]
		if img := str(svc, "image"); !strings.HasPrefix(img, "eventstore/eventstore:24.") {
			t.Errorf("%s image %q, want eventstore/eventstore:24.x", name, img)
		}
		env := environment(svc)
		if env["EVENTSTORE_CLUSTER_SIZE"] != "3" {
			t.Errorf("%s EVENTSTORE_CLUSTER_SIZE = %q, want 3", name, env["EVENTSTORE_CLUSTER_SIZE"])
		}
		if env["EVENTSTORE_ADVERTISE_HOST_TO_CLIENT_AS"] != name {
			t.Errorf("%s advertises %q to clients, want its service name", name, env["EVENTSTORE_ADVERTISE_HOST_TO_CLIENT_AS"])
		}
		nodeIPs[name] = env["EVENTSTORE_REPLICATION_IP"]
		if ip := str(svc, "networks", "remitflow", "ipv4_address"); ip != nodeIPs[name] {
			t.Errorf("%s replication IP %q, network address %q", name, nodeIPs[name], ip)
		}
		if get(svc, "healthcheck", "test") == nil {
			t.Errorf("%s has no healthcheck (the replicas wait for it)", name)
		}
	}
	for _, name := range []string{"esdb-1", "esdb-2", "esdb-3"} {
		seeds := strings.Split(environment(services[name])["EVENTSTORE_GOSSIP_SEED"], ",")
		var want []string
		for _, other := range []string{"esdb-1", "esdb-2", "esdb-3"} {
			if other != name {
				want = append(want, nodeIPs[other]+":2113")
			}
		}
		if !slices.Equal(seeds, want) {
			t.Errorf("%s gossip seeds %q, want %q", name, seeds, want)
		}
	}

	// Kafka in KRaft mode.
	kenv := environment(services["kafka"])
	if roles := kenv["KAFKA_PROCESS_ROLES"]; !strings.Contains(roles, "broker") || !strings.Contains(roles, "controller") {
		t.Errorf("kafka KAFKA_PROCESS_ROLES = %q, want broker and controller (KRaft)", roles)
	}
	for _, k := range []string{"KAFKA_NODE_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_CONTROLLER_LISTENER_NAMES", "CLUSTER_ID"} {
		if kenv[k] == "" {
			t.Errorf("kafka lacks %s", k)
		}
	}
	if strings.Contains(fmt.Sprint(get(services["kafka"], "environment")), "ZOOKEEPER") {
		t.Error("kafka is configured with ZooKeeper")
	}

	// The replicas: `serve` on EventStoreDB, configuration accepted by
	// storeconfig, hosts that are compose services, one relay.
	relays := 0
	for _, name := range []string{"remitflow-1", "remitflow-2"} {
		svc := services[name]
		if cmd := list(svc, "command"); len(cmd) == 0 || cmd[0] != "serve" {
			t.Errorf("%s command %v, want serve", name, cmd)
		}
		env := environment(svc)
		cfg, err := storeconfig.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Errorf("%s: storeconfig rejects its environment: %v", name, err)
			continue
		}
		if cfg.Store != storeconfig.StoreEventStoreDB || !strings.HasPrefix(cfg.ESDBURL, "esdb+discover://") {
			t.Errorf("%s store %s at %q, want eventstoredb via esdb+discover://", name, cfg.Store, cfg.ESDBURL)
		}
		hosts := strings.Split(strings.TrimPrefix(strings.SplitN(cfg.ESDBURL, "?", 2)[0], "esdb+discover://"), ",")
		for _, h := range hosts {
			if host, _, _ := strings.Cut(h, ":"); services[host] == nil {
				t.Errorf("%s: ESDB host %q is not a compose service", name, host)
			}
		}
		for _, b := range cfg.KafkaBrokers {
			host, port, _ := strings.Cut(b, ":")
			if services[host] == nil || !strings.Contains(kenv["KAFKA_ADVERTISED_LISTENERS"], "//"+b) {
				t.Errorf("%s: broker %s is not an advertised listener of a compose service (port %s)", name, b, port)
			}
		}
		if cfg.RelayActive() {
			relays++
		}
		deps, _ := get(svc, "depends_on").(obj)
		for dep := range deps {
			if services[dep] == nil {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
		}
		for _, dep := range []string{"esdb-1", "kafka", "partnersim"} {
			if deps[dep] == nil {
				t.Errorf("%s does not depend on %s", name, dep)
			}
		}
		if sim := env["REMITFLOW_PARTNERSIM_URL"]; !strings.Contains(sim, "//partnersim:") {
			t.Errorf("%s REMITFLOW_PARTNERSIM_URL = %q, want the partnersim service", name, sim)
		}
	}
	if relays != 1 {
		t.Errorf("%d replicas run the Kafka relay, want exactly 1", relays)
	}
	// State outside the event store must be shared by the replicas: one
	// pickup-code secret, one PII key directory on one volume.
	for _, name := range []string{"remitflow-1", "remitflow-2"} {
		env := environment(services[name])
		if env["REMITFLOW_PICKUP_SECRET"] == "" || env["REMITFLOW_PII_DIR"] == "" {
			t.Errorf("%s: REMITFLOW_PICKUP_SECRET and REMITFLOW_PII_DIR must be set explicitly for several replicas", name)
		}
		shared := false
		for _, v := range list(services[name], "volumes") {
			src, dst, _ := strings.Cut(fmt.Sprint(v), ":")
			shared = shared || (dst == env["REMITFLOW_PII_DIR"] && hasKey(get(docs[0], "volumes"), src))
		}
		if !shared {
			t.Errorf("%s: the PII directory %q is not on a named volume", name, env["REMITFLOW_PII_DIR"])
		}
	}
	if ep := list(services["partnersim"], "entrypoint"); len(ep) == 0 || ep[0] != "/usr/local/bin/partnersim" {
		t.Errorf("partnersim entrypoint %v", ep)
	}

	var names []string
	for _, svc := range services {
		for k := range environment(svc) {
			names = append(names, k)
		}
	}
	checkVarsKnown(t, "docker-compose.yml", names)
}

// k8sObjects returns every Kubernetes object under k8s/.
func k8sObjects(t *testing.T) []obj {
	t.Helper()
	var objs []obj
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		objs = append(objs, decodeAll(t, f)...)
	}
	return objs
}

func labelsMatch(selector, labels any) bool {
	sel, _ := selector.(obj)
	lab, _ := labels.(obj)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if lab[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetes(t *testing.T) {
	objs := k8sObjects(t)
	kinds := map[string][]obj{}
	for _, o := range objs {
		kind, api, name := str(o, "kind"), str(o, "apiVersion"), str(o, "metadata", "name")
		if kind == "" || api == "" || name == "" {
			t.Errorf("object without kind, apiVersion or metadata.name: %v", o)
			continue
		}
		kinds[kind] = append(kinds[kind], o)
		if kind == "Secret" && (get(o, "data") != nil || get(o, "stringData") != nil) {
			t.Errorf("Secret %s carries values; reference secrets, never commit them", name)
		}
	}
	for _, k := range []string{"Deployment", "Service", "ConfigMap", "PodDisruptionBudget"} {
		if len(kinds[k]) == 0 {
			t.Errorf("no %s in deploy/k8s", k)
		}
	}

	var cm obj
	for _, c := range kinds["ConfigMap"] {
		if str(c, "metadata", "name") == "remitflow-config" {
			cm = c
		}
	}
	if cm == nil {
		t.Fatal("ConfigMap remitflow-config is missing")
	}
	cmData := map[string]string{}
	for k, v := range get(cm, "data").(obj) {
		cmData[k] = fmt.Sprint(v)
	}

	var names []string
	for k := range cmData {
		names = append(names, k)
	}
	deployments := map[string]obj{}
	for _, d := range kinds["Deployment"] {
		name := str(d, "metadata", "name")
		deployments[name] = d
		if !labelsMatch(get(d, "spec", "selector", "matchLabels"), get(d, "spec", "template", "metadata", "labels")) {
			t.Errorf("Deployment %s: selector does not match its pod labels", name)
		}
		if get(d, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
			t.Errorf("Deployment %s does not require a non-root user", name)
		}
		for _, c := range list(d, "spec", "template", "spec", "containers") {
			cname := str(c, "name")
			ready, live := str(c, "readinessProbe", "httpGet", "path"), str(c, "livenessProbe", "httpGet", "path")
			wantReady := "/readyz"
			if name == "partnersim" {
				wantReady = "/healthz"
			}
			if ready != wantReady || live != "/healthz" {
				t.Errorf("%s/%s probes: readiness %q liveness %q, want %s and /healthz", name, cname, ready, live, wantReady)
			}
			for _, r := range []string{"requests", "limits"} {
				for _, res := range []string{"cpu", "memory"} {
					if get(c, "resources", r, res) == nil {
						t.Errorf("%s/%s has no resources.%s.%s", name, cname, r, res)
					}
				}
			}
			env := map[string]string{}
			for _, ef := range list(c, "envFrom") {
				if ref := str(ef, "configMapRef", "name"); ref != "" {
					if ref != "remitflow-config" {
						t.Errorf("%s/%s uses unknown ConfigMap %s", name, cname, ref)
					}
					for k, v := range cmData {
						env[k] = v
					}
				}
			}
			for _, e := range list(c, "env") {
				n := str(e, "name")
				names = append(names, n)
				if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil {
					if str(ref, "name") == "" || str(ref, "key") == "" {
						t.Errorf("%s/%s: %s has an incomplete secretKeyRef", name, cname, n)
					}
					env[n] = "from-secret"
					continue
				}
				if strings.Contains(n, "PASSWORD") || strings.Contains(n, "SECRET") || strings.HasSuffix(n, "_KEY") {
					t.Errorf("%s/%s: %s is set in plain text; use a secretKeyRef", name, cname, n)
				}
				env[n] = str(e, "value")
			}
			if name == "partnersim" {
				continue
			}
			if args := list(c, "args"); len(args) == 0 || args[0] != "serve" {
				t.Errorf("%s/%s args %v, want serve", name, cname, args)
			}
			cfg, err := storeconfig.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if err != nil {
				t.Errorf("%s/%s: storeconfig rejects its environment: %v", name, cname, err)
				continue
			}
			if want := name == "remitflow-relay"; cfg.RelayActive() != want {
				t.Errorf("%s runs the relay: %v, want %v", name, cfg.RelayActive(), want)
			}
		}
	}
	for _, want := range []string{"remitflow", "remitflow-relay", "partnersim"} {
		if deployments[want] == nil {
			t.Errorf("Deployment %s is missing", want)
		}
	}
	claims := map[string]obj{}
	for _, c := range kinds["PersistentVolumeClaim"] {
		claims[str(c, "metadata", "name")] = c
	}
	for name, d := range deployments {
		for _, v := range list(d, "spec", "template", "spec", "volumes") {
			if claim := str(v, "persistentVolumeClaim", "claimName"); claim != "" {
				c := claims[claim]
				if c == nil {
					t.Errorf("Deployment %s mounts missing claim %s", name, claim)
				} else if r, _ := get(d, "spec", "replicas").(int); r > 1 && !slices.Contains(list(c, "spec", "accessModes"), any("ReadWriteMany")) {
					t.Errorf("claim %s is shared by %d replicas of %s but not ReadWriteMany", claim, r, name)
				}
			}
		}
	}
	if str(deployments["remitflow-relay"], "spec", "strategy", "type") != "Recreate" || get(deployments["remitflow-relay"], "spec", "replicas") != 1 {
		t.Error("remitflow-relay must run one replica with the Recreate strategy")
	}
	if r, _ := get(deployments["remitflow"], "spec", "replicas").(int); r < 2 {
		t.Errorf("remitflow runs %d replicas, want at least 2", r)
	}

	// Services and PodDisruptionBudgets select existing pods.
	for _, kind := range []string{"Service", "PodDisruptionBudget"} {
		for _, o := range kinds[kind] {
			sel := get(o, "spec", "selector")
			if kind == "PodDisruptionBudget" {
				sel = get(o, "spec", "selector", "matchLabels")
			}
			matched := false
			for _, d := range deployments {
				matched = matched || labelsMatch(sel, get(d, "spec", "template", "metadata", "labels"))
			}
			if !matched {
				t.Errorf("%s %s selects no Deployment's pods", kind, str(o, "metadata", "name"))
			}
		}
	}
	for _, want := range []string{"remitflow", "partnersim"} {
		found := false
		for _, s := range kinds["Service"] {
			found = found || str(s, "metadata", "name") == want
		}
		if !found {
			t.Errorf("Service %s is missing", want)
		}
	}
	checkVarsKnown(t, "deploy/k8s", names)
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	var exposes string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, strings.Join(f[1:], " "))
		case "USER":
			users = append(users, f[1])
		case "EXPOSE":
			exposes += " " + strings.Join(f[1:], " ")
		}
	}
	s := string(b)
	if len(froms) < 2 || !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("FROM lines %q: want a multi-stage build starting from golang:1.26", froms)
	}
	if last := froms[len(froms)-1]; !strings.Contains(last, "distroless") && !strings.HasPrefix(last, "scratch") {
		t.Errorf("final stage %q, want distroless or scratch", last)
	}
	if !strings.Contains(s, "CGO_ENABLED=0") {
		t.Error("Dockerfile does not build with CGO_ENABLED=0")
	}
	for _, cmd := range []string{"./cmd/remitflow", "./cmd/partnersim"} {
		if !strings.Contains(s, cmd) {
			t.Errorf("Dockerfile does not build %s", cmd)
		}
	}
	if len(users) == 0 || users[len(users)-1] == "root" || strings.HasPrefix(users[len(users)-1], "0") {
		t.Errorf("USER lines %q, want a non-root user last", users)
	}
	if !strings.Contains(exposes, "8080") {
		t.Errorf("EXPOSE%s, want 8080", exposes)
	}
	for _, cmd := range []string{"cmd/remitflow", "cmd/partnersim"} {
		if _, err := os.Stat(filepath.Join("..", cmd)); err != nil {
			t.Logf("%s is not in this tree yet: %v", cmd, err)
		}
	}
}
