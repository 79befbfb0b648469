package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/golang-jwt/jwt/v5"
	"github.com/kelseyhightower/envconfig"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tetatet/tetatet/matchmaker/blobstore"
	"github.com/tetatet/tetatet/matchmaker/blobstore/s3test"
)

// The media store of the deployment is SeaweedFS (`weed mini`), built from
// the tools module the tests use. These tests check the compose service
// against the API's and the bot's settings, and run the real binary with the
// service's command and environment the way the image runs it.

// weedJWTKeys maps security.toml's JWT keys, as weed reads them from its
// environment, to the .env secrets compose takes them from.
var weedJWTKeys = map[string]string{
	"WEED_JWT_SIGNING_KEY":            "SEAWEEDFS_JWT_SIGNING_KEY",
	"WEED_JWT_SIGNING_READ_KEY":       "SEAWEEDFS_JWT_SIGNING_READ_KEY",
	"WEED_JWT_FILER_SIGNING_KEY":      "SEAWEEDFS_JWT_FILER_SIGNING_KEY",
	"WEED_JWT_FILER_SIGNING_READ_KEY": "SEAWEEDFS_JWT_FILER_SIGNING_READ_KEY",
}

// weedFlag returns the value of -name=value (or --name=value) in args.
func weedFlag(args []string, name string) (string, bool) {
	for _, a := range args {
		for _, prefix := range []string{"-" + name + "=", "--" + name + "="} {
			if v, ok := strings.CutPrefix(a, prefix); ok {
				return v, true
			}
		}
	}
	return "", false
}

// mustFlag is weedFlag failing the test when the flag is absent.
func mustFlag(t *testing.T, args []string, name string) string {
	t.Helper()
	v, ok := weedFlag(args, name)
	if !ok {
		t.Fatalf("seaweedfs command %q has no -%s=...", args, name)
	}
	return v
}

// usesSeaweedFS lists the services whose S3_ENDPOINT names the seaweedfs
// service.
func usesSeaweedFS(p *types.Project) []string {
	var out []string
	for name, s := range p.Services {
		if v := s.Environment["S3_ENDPOINT"]; v != nil {
			if host, _, err := net.SplitHostPort(*v); err == nil && host == "seaweedfs" {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestSeaweedFSService(t *testing.T) {
	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) {
			p := loadStack(t, st.files)
			s, ok := p.Services["seaweedfs"]
			if !ok {
				t.Fatal("no seaweedfs service")
			}
			if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile.seaweedfs" {
				t.Errorf("seaweedfs is not built from deploy/Dockerfile.seaweedfs: %+v", s.Build)
			}
			cmd := s.Command
			if len(cmd) == 0 || cmd[0] != "mini" {
				t.Fatalf("seaweedfs command %q: want `weed mini ...`", cmd)
			}

			// What s3test turns off is off here too.
			for flag, want := range map[string]string{
				"master.telemetry": "false", "webdav": "false", "admin.ui": "false",
				"s3.port.iceberg": "0", "s3.port.lance": "0", "admin.port.legacy": "0",
			} {
				if got, _ := weedFlag(cmd, flag); got != want {
					t.Errorf("seaweedfs -%s=%q, want %s", flag, got, want)
				}
			}

			// Its data directory is a named volume.
			dir := mustFlag(t, cmd, "dir")
			if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
				return v.Type == types.VolumeTypeVolume && v.Target == dir
			}) {
				t.Errorf("seaweedfs -dir=%s is not a named volume (%v)", dir, s.Volumes)
			}

			// The API and the bot talk to its S3 port, in plain HTTP, with
			// the key pair it has, in the bucket it creates, and wait for it.
			s3Port := mustFlag(t, cmd, "s3.port")
			bucket := mustFlag(t, cmd, "bucket")
			if got := usesSeaweedFS(p); !slices.Equal(got, []string{"api", "bot"}) {
				t.Errorf("services using seaweedfs: %v, want api and bot", got)
			}
			for _, svc := range []string{"api", "bot"} {
				if got := env(t, p, svc, "S3_ENDPOINT"); got != "seaweedfs:"+s3Port {
					t.Errorf("%s S3_ENDPOINT = %q, want seaweedfs:%s (-s3.port)", svc, got, s3Port)
				}
				if tls, err := strconv.ParseBool(env(t, p, svc, "S3_USE_TLS")); err != nil || tls {
					t.Errorf("%s S3_USE_TLS = %q, want false: SeaweedFS serves plain HTTP", svc, env(t, p, svc, "S3_USE_TLS"))
				}
				if got := env(t, p, svc, "S3_BUCKET"); got != bucket {
					t.Errorf("%s S3_BUCKET = %q, seaweedfs creates -bucket=%q", svc, got, bucket)
				}
				for appKey, weedKey := range map[string]string{"S3_ACCESS_KEY": "AWS_ACCESS_KEY_ID", "S3_SECRET_KEY": "AWS_SECRET_ACCESS_KEY"} {
					if a, w := env(t, p, svc, appKey), env(t, p, "seaweedfs", weedKey); a != testEnv[appKey] || w != testEnv[appKey] {
						t.Errorf("%s %s = %q, seaweedfs %s = %q, want both %q from %s", svc, appKey, a, weedKey, w, testEnv[appKey], appKey)
					}
				}
				if d, ok := p.Services[svc].DependsOn["seaweedfs"]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("%s does not wait for seaweedfs to be healthy", svc)
				}
			}
			if got, want := env(t, p, "api", "S3_BUCKET"), envDefault(t, &blobstore.MediaSettings{}, "S3_BUCKET"); got != want {
				t.Errorf("compose's S3_BUCKET defaults to %q, the app's to %q", got, want)
			}

			// The JWT keys come from their own secrets, one each.
			seen := map[string]string{}
			for weedKey, envKey := range weedJWTKeys {
				got := env(t, p, "seaweedfs", weedKey)
				if got != testEnv[envKey] {
					t.Errorf("seaweedfs %s = %q, want %s's value", weedKey, got, envKey)
				}
				if other, dup := seen[got]; dup {
					t.Errorf("%s and %s share one value", weedKey, other)
				}
				seen[got] = weedKey
			}

			// The healthcheck asks the S3 port.
			hc := strings.Join(s.HealthCheck.Test, " ")
			if !strings.Contains(hc, "http://127.0.0.1:"+s3Port+"/healthz") {
				t.Errorf("seaweedfs healthcheck %q does not ask S3 (port %s) for /healthz", hc, s3Port)
			}

			// Hardened like our other services.
			if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") || !slices.Contains(s.SecurityOpt, "no-new-privileges:true") || !slices.Contains(s.Tmpfs, "/tmp") {
				t.Errorf("seaweedfs: read_only %v, cap_drop %v, security_opt %v, tmpfs %v; want read_only, ALL, no-new-privileges, /tmp", s.ReadOnly, s.CapDrop, s.SecurityOpt, s.Tmpfs)
			}
			if len(s.Ports) > 0 {
				t.Errorf("seaweedfs publishes %v", s.Ports)
			}

			// Only the processes holding its keys can reach it: its
			// networks are internal, and nothing else is on them.
			for name := range s.Networks {
				if n := p.Networks[name]; !n.Internal {
					t.Errorf("seaweedfs is on network %s, which is not internal", name)
				}
			}
			for name, other := range p.Services {
				if name != "seaweedfs" && shareNetwork(s, other) && !slices.Contains([]string{"api", "bot"}, name) {
					t.Errorf("%s shares a network with seaweedfs; only api and bot may", name)
				}
			}
		})
	}
}

// The external-S3 override removes SeaweedFS and points both processes at
// the S3_ENDPOINT of .env.
func TestExternalS3Override(t *testing.T) {
	e := maps.Clone(testEnv)
	e["S3_ENDPOINT"] = "s3.example.test:443"
	for _, files := range [][]string{{baseFile, externalS3File}, {baseFile, scaleFile, externalS3File}} {
		t.Run(strings.Join(files, "+"), func(t *testing.T) {
			var cfgs []types.ConfigFile
			for _, f := range files {
				cfgs = append(cfgs, configFile(t, f))
			}
			p, err := load(e, cfgs...)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := p.Services["seaweedfs"]; ok {
				t.Error("seaweedfs still runs")
			}
			if _, ok := p.Volumes["seaweedfs-data"]; ok {
				t.Error("the seaweedfs-data volume is still declared")
			}
			if _, ok := p.Networks["media"]; ok {
				t.Error("the media network (SeaweedFS's) is still declared")
			}
			base := loadStack(t, files[:len(files)-1])
			for _, svc := range []string{"api", "bot"} {
				if got := env(t, p, svc, "S3_ENDPOINT"); got != e["S3_ENDPOINT"] {
					t.Errorf("%s S3_ENDPOINT = %q, want .env's", svc, got)
				}
				if got := env(t, p, svc, "S3_USE_TLS"); got != "true" {
					t.Errorf("%s S3_USE_TLS = %q, want TLS by default", svc, got)
				}
				// Everything else the base file waits for, it still waits for.
				want := slices.DeleteFunc(slices.Sorted(maps.Keys(base.Services[svc].DependsOn)), func(s string) bool { return s == "seaweedfs" })
				if got := slices.Sorted(maps.Keys(p.Services[svc].DependsOn)); !slices.Equal(got, want) {
					t.Errorf("%s depends on %v, want %v", svc, got, want)
				}
				// An S3 service off the host needs a way out.
				out := false
				for name := range p.Services[svc].Networks {
					out = out || !p.Networks[name].Internal
				}
				if !out {
					t.Errorf("%s has no network with a route out (%v)", svc, slices.Sorted(maps.Keys(p.Services[svc].Networks)))
				}
			}

			without := maps.Clone(e)
			delete(without, "S3_ENDPOINT")
			if _, err := load(without, cfgs...); err == nil || !strings.Contains(err.Error(), "S3_ENDPOINT") {
				t.Errorf("loaded without S3_ENDPOINT (%v)", err)
			}
		})
	}
}

// requireWeed returns the pinned weed binary, building it the first time;
// it fails the test under CI=true and skips it elsewhere when it cannot.
func requireWeed(t *testing.T) string {
	t.Helper()
	bin, err := s3test.EnsureBinary()
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("SeaweedFS is not available (`make seaweedfs` builds it from %s): %v", s3test.ToolsDir(), err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// dockerfileEntrypoint is the exec-form ENTRYPOINT of a Dockerfile.
func dockerfileEntrypoint(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, in := range readDockerfile(t, name) {
		if in.cmd == "ENTRYPOINT" {
			if err := json.Unmarshal([]byte(strings.Join(in.args, " ")), &out); err != nil {
				t.Fatalf("%s: ENTRYPOINT %v is not the exec form: %v", name, in.args, err)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no ENTRYPOINT", name)
	}
	return out
}

// weedPortFlags are every listener weed mini opens with the compose flags
// (the others are switched off there); the test moves each to a free
// loopback port.
var weedPortFlags = []string{
	"master.port", "master.port.grpc",
	"volume.port", "volume.port.grpc",
	"filer.port", "filer.port.grpc",
	"s3.port", "s3.port.grpc",
	"admin.port", "admin.port.grpc",
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// weedProcess is weed started the way the seaweedfs container starts it.
type weedProcess struct {
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

func (w *weedProcess) log() string {
	b, _ := os.ReadFile(w.logPath)
	return string(b)
}

func startWeed(t *testing.T, bin string, args, environ []string, workdir, logPath string) *weedProcess {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	w := &weedProcess{cmd: exec.Command(bin, args...), done: make(chan struct{}), logPath: logPath}
	w.cmd.Env, w.cmd.Dir = environ, workdir
	w.cmd.Stdout, w.cmd.Stderr = logf, logf
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = w.cmd.Wait(); logf.Close(); close(w.done) }()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// waitHealthy polls the healthcheck URL until it answers 200.
func (w *weedProcess) waitHealthy(t *testing.T, healthURL string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second) // 5–15 s usually; the machine is shared
	for {
		resp, err := http.Get(healthURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-w.done:
			t.Fatalf("weed exited (%v):\n%s", w.cmd.ProcessState, w.log())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck %s never answered 200 (%v):\n%s", healthURL, err, w.log())
		}
	}
}

// listeningPorts returns the TCP ports a process listens on (Linux /proc).
func listeningPorts(t *testing.T, pid int) []int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("listeners of %d: %v", pid, err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil {
			if inode, ok := strings.CutPrefix(link, "socket:["); ok {
				inodes[strings.TrimSuffix(inode, "]")] = true
			}
		}
	}
	var ports []int
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if port, err := strconv.ParseUint(hexPort, 16, 16); err == nil && !slices.Contains(ports, int(port)) {
				ports = append(ports, int(port))
			}
		}
	}
	slices.Sort(ports)
	return ports
}

// signHS256 signs claims as SeaweedFS's guards expect their JWTs.
func signHS256(t *testing.T, key string, claims jwt.MapClaims) string {
	t.Helper()
	claims["exp"] = time.Now().Add(time.Minute).Unix()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get fetches a URL with an optional bearer token.
func get(t *testing.T, rawURL, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// mediaSettings reads blobstore.MediaSettings with envconfig, the way the
// API does at start, from a service's compose environment.
func mediaSettings(t *testing.T, environment types.MappingWithEquals, override map[string]string) blobstore.MediaSettings {
	t.Helper()
	for _, k := range envVars(t, &blobstore.MediaSettings{}) {
		v := environment[k]
		if o, ok := override[k]; ok {
			v = &o
		}
		t.Setenv(k, "") // restored when the test ends
		if v == nil {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, *v)
		}
	}
	var ms blobstore.MediaSettings
	if err := envconfig.Process("", &ms); err != nil {
		t.Fatalf("the API's media settings from compose: %v", err)
	}
	if err := ms.Validate(); err != nil {
		t.Fatalf("the API's media settings from compose: %v", err)
	}
	return ms
}

// TestComposeSeaweedFSRuns runs the real weed with the seaweedfs service's
// command and environment behind the image's ENTRYPOINT, only the data
// directory and the ports moved (each to a free loopback port, listening
// on loopback only). It proves that the JWT keys compose passes as WEED_JWT_*
// take effect (no security.toml anywhere), that the API's own media settings
// from compose store and read objects and install the lifecycle rule, that
// nothing unsigned gets an object from S3, the filer or the volume server,
// and that objects survive a restart on the same data directory.
func TestComposeSeaweedFSRuns(t *testing.T) {
	bin := requireWeed(t)
	p := loadStack(t, []string{baseFile})
	svc := p.Services["seaweedfs"]

	root := t.TempDir()
	dataDir, workdir, home, tmp := filepath.Join(root, "data"), filepath.Join(root, "workdir"), filepath.Join(root, "home"), filepath.Join(root, "tmp")
	for _, d := range []string{dataDir, workdir, home, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// The container's command line: ENTRYPOINT + compose's command.
	entrypoint := dockerfileEntrypoint(t, "Dockerfile.seaweedfs")
	ports := map[string]int{}
	for i, port := range freePorts(t, len(weedPortFlags)) {
		ports[weedPortFlags[i]] = port
	}
	args := slices.Clone(entrypoint[1:])
	for _, a := range svc.Command {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case name == "dir":
			a = "-dir=" + dataDir
		case name == "ip.bind":
			a = "-ip.bind=127.0.0.1" // loopback only, in the test
		case ports[name] != 0:
			continue // set below
		}
		args = append(args, a)
	}
	for _, f := range weedPortFlags {
		args = append(args, fmt.Sprintf("-%s=%d", f, ports[f]))
	}
	// The container's environment: the service's, nothing of ours.
	weedEnv := func(p *types.Project) []string {
		environ := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp}
		for k, v := range p.Services["seaweedfs"].Environment {
			if v != nil {
				environ = append(environ, k+"="+*v)
			}
		}
		return environ
	}
	s3Port, _ := strconv.Atoi(mustFlag(t, svc.Command, "s3.port"))
	healthURL := strings.Replace(svc.HealthCheck.Test[len(svc.HealthCheck.Test)-1],
		fmt.Sprintf("127.0.0.1:%d", s3Port), fmt.Sprintf("127.0.0.1:%d", ports["s3.port"]), 1)
	logPath := filepath.Join(root, "weed.log")

	w := startWeed(t, bin, args, weedEnv(p), workdir, logPath)
	w.waitHealthy(t, healthURL)

	// weed opens no listener but those it was given (WebDAV, Iceberg,
	// Lance and the legacy admin port are off). The admin server may
	// still be starting: it comes up after everything else.
	checkListeners := func(when string) {
		t.Helper()
		for _, port := range listeningPorts(t, w.cmd.Process.Pid) {
			if !slices.Contains(slices.Collect(maps.Values(ports)), port) {
				t.Errorf("%s, weed listens on port %d, which it was not given (%v)", when, port, ports)
			}
		}
	}
	checkListeners("once healthy")

	// The API's media settings as compose gives them, S3_ENDPOINT moved
	// to the test port.
	endpoint := fmt.Sprintf("127.0.0.1:%d", ports["s3.port"])
	ms := mediaSettings(t, p.Services["api"].Environment, map[string]string{"S3_ENDPOINT": endpoint})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// -bucket created it before anyone asked.
	client, err := minio.New(endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(ms.S3AccessKey, ms.S3SecretKey, ""), Region: ms.S3Region,
		BucketLookup: minio.BucketLookupPath, MaxRetries: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		ok, err := client.BucketExists(ctx, ms.S3Bucket)
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bucket %s (-bucket) does not exist: %v %v\n%s", ms.S3Bucket, ok, err, w.log())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The API's store: open (lifecycle rule included), put, get, list.
	store, closer, err := ms.Open(ctx)
	if err != nil {
		t.Fatalf("open the API's store: %v\n%s", err, w.log())
	}
	defer closer.Close()
	if s3, ok := store.(*blobstore.S3); !ok {
		t.Fatalf("compose's settings open a %T, not S3", store)
	} else if days, err := s3.ExpireAfterDays(ctx); err != nil || days != ms.S3ExpireDays || days == 0 {
		t.Errorf("lifecycle backstop: %d days (%v), want S3_EXPIRE_DAYS=%d", days, err, ms.S3ExpireDays)
	}
	photo := make([]byte, 3000)
	_, _ = rand.Read(photo)
	const key = "rooms/r1/p1"
	if err := store.Put(ctx, key, "image/jpeg", bytes.NewReader(photo), int64(len(photo))); err != nil {
		t.Fatalf("put: %v\n%s", err, w.log())
	}
	readBack := func(store blobstore.Store, what string) {
		t.Helper()
		obj, err := store.Get(ctx, key)
		if err != nil {
			t.Fatalf("get %s: %v\n%s", what, err, w.log())
		}
		got, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil || !bytes.Equal(got, photo) || obj.ContentType != "image/jpeg" {
			t.Fatalf("get %s: %d bytes, %q, %v; want the %d bytes put", what, len(got), obj.ContentType, err, len(photo))
		}
	}
	readBack(store, "with the compose credentials")

	// No one without the key pair gets anything from S3.
	for name, creds := range map[string]*credentials.Credentials{
		"anonymous":        credentials.NewStaticV4("", "", ""),
		"wrong secret key": credentials.NewStaticV4(ms.S3AccessKey, "not-the-secret", ""),
	} {
		c, err := minio.New(endpoint, &minio.Options{Creds: creds, Region: ms.S3Region, BucketLookup: minio.BucketLookupPath, MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.StatObject(ctx, ms.S3Bucket, key, minio.StatObjectOptions{}); err == nil {
			t.Errorf("S3 %s: stat succeeded", name)
		}
		for obj := range c.ListObjects(ctx, ms.S3Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				t.Errorf("S3 %s: listed %q", name, obj.Key)
			}
		}
	}
	if status, _ := get(t, "http://"+endpoint+"/"+ms.S3Bucket+"/"+key, ""); status != http.StatusForbidden {
		t.Errorf("plain GET of the object from S3: %d, want 403", status)
	}

	// The filer behind S3 answers only requests signed with compose's
	// filer keys: unsigned or wrongly signed reads and writes are refused,
	// a read signed with WEED_JWT_FILER_SIGNING_READ_KEY works (so that
	// variable, not some default, is the key in force).
	filer := fmt.Sprintf("http://127.0.0.1:%d/buckets/%s/%s", ports["filer.port"], ms.S3Bucket, key)
	if status, body := get(t, filer, ""); status != http.StatusUnauthorized {
		t.Errorf("unsigned GET from the filer: %d %.80q, want 401", status, body)
	}
	if status, _ := get(t, filer, signHS256(t, "not-the-key-0123456789", jwt.MapClaims{})); status != http.StatusUnauthorized {
		t.Errorf("GET from the filer signed with another key: %d, want 401", status)
	}
	filerRead := env(t, p, "seaweedfs", "WEED_JWT_FILER_SIGNING_READ_KEY")
	if status, body := get(t, filer, signHS256(t, filerRead, jwt.MapClaims{})); status != http.StatusOK || !bytes.Equal(body, photo) {
		t.Errorf("GET from the filer signed with the compose read key: %d, %d bytes; want 200 and the object", status, len(body))
	}
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://127.0.0.1:%d/buckets/%s/planted", ports["filer.port"], ms.S3Bucket), strings.NewReader("x"))
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned PUT to the filer: %d, want 401", resp.StatusCode)
		}
	}
	if keys, err := store.List(ctx, ""); err != nil || !slices.Equal(keys, []string{key}) {
		t.Errorf("bucket holds %v (%v), want only %s", keys, err, key)
	}

	// So does the volume server holding the bytes, with the volume keys.
	status, meta := get(t, filer+"?metadata=true", signHS256(t, filerRead, jwt.MapClaims{}))
	var entry struct {
		Chunks []struct {
			FileID string `json:"file_id"`
		} `json:"chunks"`
	}
	if err := json.Unmarshal(meta, &entry); status != http.StatusOK || err != nil || len(entry.Chunks) == 0 {
		t.Fatalf("filer metadata of %s: %d %v %.300s", key, status, err, meta)
	}
	fid := entry.Chunks[0].FileID
	volume := fmt.Sprintf("http://127.0.0.1:%d/%s", ports["volume.port"], fid)
	if status, _ := get(t, volume, ""); status != http.StatusUnauthorized {
		t.Errorf("unsigned GET of chunk %s from the volume server: %d, want 401", fid, status)
	}
	if resp, err := http.Post(volume, "image/jpeg", strings.NewReader("overwritten")); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned POST of chunk %s to the volume server: %d, want 401", fid, resp.StatusCode)
		}
	}
	volumeRead := env(t, p, "seaweedfs", "WEED_JWT_SIGNING_READ_KEY")
	if status, _ := get(t, volume, signHS256(t, volumeRead, jwt.MapClaims{"fid": fid})); status != http.StatusOK {
		t.Errorf("GET of chunk %s signed with the compose volume read key: %d, want 200", fid, status)
	}

	checkListeners("a few seconds later")

	// SIGTERM, as `docker compose stop` sends it: weed exits within the
	// service's stop_grace_period. Then every key is rotated in .env, as
	// deploy/README.md describes, and weed recreated on the same volume:
	// the objects are all there for the new S3 key pair, and the old pair
	// no longer works (SeaweedFS keeps the identity it takes from the
	// environment nowhere else).
	grace := 10 * time.Second
	if svc.StopGracePeriod != nil {
		grace = time.Duration(*svc.StopGracePeriod)
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(grace):
		t.Errorf("weed still runs %v after SIGTERM (stop_grace_period): docker would kill it", grace)
		_ = w.cmd.Process.Kill()
		<-w.done
	}
	rotated := maps.Clone(testEnv)
	for _, k := range append(slices.Collect(maps.Values(weedJWTKeys)), "S3_ACCESS_KEY", "S3_SECRET_KEY") {
		rotated[k] = "rotated-" + rotated[k]
	}
	p2, err := load(rotated, configFile(t, baseFile))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p2.Services["seaweedfs"].Command, svc.Command) {
		t.Fatalf("the seaweedfs command depends on a secret: %q", p2.Services["seaweedfs"].Command)
	}
	w = startWeed(t, bin, args, weedEnv(p2), workdir, logPath)
	w.waitHealthy(t, healthURL)
	ms2 := mediaSettings(t, p2.Services["api"].Environment, map[string]string{"S3_ENDPOINT": endpoint})
	store2, closer2, err := ms2.Open(ctx)
	if err != nil {
		t.Fatalf("open the API's store with the rotated keys: %v\n%s", err, w.log())
	}
	defer closer2.Close()
	readBack(store2, "after a restart with rotated keys")
	if _, err := client.StatObject(ctx, ms.S3Bucket, key, minio.StatObjectOptions{}); err == nil {
		t.Error("the S3 key pair from before the rotation still works")
	}
	if status, _ := get(t, filer, signHS256(t, filerRead, jwt.MapClaims{})); status != http.StatusUnauthorized {
		t.Errorf("GET from the filer signed with the filer read key from before the rotation: %d, want 401", status)
	}

	// What weed wrote elsewhere than -dir: in the container only /data is
	// writable (and /tmp, a tmpfs, for its sockets).
	log := w.log()
	if strings.Contains(log, "Failed to load IAM configuration") {
		t.Errorf("weed could not load its IAM configuration:\n%s", log)
	}
	for _, d := range []string{workdir, home} {
		if entries, _ := os.ReadDir(d); len(entries) > 0 {
			t.Errorf("weed wrote %v into %s", entries, d)
		}
	}
	if entries, _ := os.ReadDir(tmp); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "weed.") }) {
		t.Errorf("weed wrote log files into TMPDIR (%v); the ENTRYPOINT's -logtostderr should keep them in the container log", entries)
	}
}
