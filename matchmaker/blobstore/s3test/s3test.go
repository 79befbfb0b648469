// Package s3test starts a real SeaweedFS (`weed mini`: master, volume,
// filer and S3 gateway in one process) on free loopback ports for a test,
// with fresh credentials, a fresh data directory and one bucket, and stops
// it when the test ends. It never falls back to a fake: when the binary
// cannot be built the test fails under CI=true and is skipped elsewhere.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// ToolsDir is the SeaweedFS tools module (matchmaker/blobstore/seaweedfs),
// which pins the version and caches the binary in its bin/.
func ToolsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "seaweedfs")
}

// EnsureBinary returns the path of the pinned `weed` binary, building it
// the first time (build.sh in the tools module: about six minutes on two
// cores, then cached in its bin/ and rebuilt only when the pin changes).
// Concurrent callers, in one process or many, wait for a single build.
func EnsureBinary() (string, error) {
	cmd := exec.Command("bash", filepath.Join(ToolsDir(), "build.sh"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("s3test: build weed: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// Options changes the test server. Zero values are fine.
type Options struct {
	// Bucket created at start; default "media".
	Bucket string
}

// Server is a running SeaweedFS with an S3 endpoint.
type Server struct {
	Endpoint  string // 127.0.0.1:port, what minio-go and blobstore.S3Config take
	URL       string // http://127.0.0.1:port
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string // us-east-1
	Dir       string // the data directory (-dir)
	// FilerURL is the filer's HTTP port behind S3 (http://127.0.0.1:port).
	// It answers only requests signed with the JWT keys of the
	// security.toml Start writes, as deploy/ should configure it too:
	// without them the filer serves every object to anyone.
	FilerURL string

	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

// Client is a minio-go client with the server's credentials.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region:       s.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Log returns what weed wrote so far (for failure messages).
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// requireBinary builds or finds weed, failing the test under CI=true and
// skipping it elsewhere when that is impossible.
func requireBinary(t testing.TB) string {
	t.Helper()
	bin, err := EnsureBinary()
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("SeaweedFS is not available (it is built from %s with Go; `make seaweedfs`): %v", ToolsDir(), err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// ports of weed mini set to free ones; every other listener it has is
// switched off (WebDAV, Iceberg, Lance, the legacy admin port).
var portFlags = []string{
	"master.port", "master.port.grpc",
	"volume.port", "volume.port.grpc",
	"filer.port", "filer.port.grpc",
	"s3.port", "s3.port.grpc",
	"admin.port", "admin.port.grpc",
}

// securityTOML makes the volume servers and the filer require a JWT for
// reads and writes (the S3 gateway signs its own), with fresh keys.
func securityTOML() string {
	var b strings.Builder
	for _, section := range []string{"jwt.signing", "jwt.signing.read", "jwt.filer_signing", "jwt.filer_signing.read"} {
		fmt.Fprintf(&b, "[%s]\nkey = %q\n", section, randomHex(24))
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Start runs a fresh `weed mini` and returns once its S3 gateway answers
// signed requests and the bucket exists. It is stopped when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := requireBinary(t)
	if opts.Bucket == "" {
		opts.Bucket = "media"
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a port taken between choosing and binding: try others
		s := &Server{
			AccessKey: "test" + randomHex(8),
			SecretKey: randomHex(20),
			Bucket:    opts.Bucket,
			Region:    "us-east-1",
			Dir:       t.TempDir(),
		}
		if lastErr = s.start(t, bin); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
		s.Stop()
	}
	t.Fatalf("s3test: weed mini did not start: %v", lastErr)
	return nil
}

func (s *Server) start(t testing.TB, bin string) error {
	t.Helper()
	ports := redistest.FreePorts(t, len(portFlags))
	// -logtostderr (a flag of weed itself, before the command): the log
	// goes to s.logPath, not to weed.* files left in the system's /tmp.
	args := []string{"-logtostderr", "mini",
		"-dir=" + s.Dir,
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-bucket=" + s.Bucket,
		"-master.telemetry=false", // never phone home
		"-webdav=false", "-admin.ui=false",
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.port.legacy=0",
		"-master.volumeSizeLimitMB=64", // small volumes for small tests
	}
	for i, f := range portFlags {
		args = append(args, "-"+f+"="+strconv.Itoa(ports[i]))
	}
	s.Endpoint = fmt.Sprintf("127.0.0.1:%d", ports[6])
	s.URL = "http://" + s.Endpoint
	s.FilerURL = fmt.Sprintf("http://127.0.0.1:%d", ports[4])
	s.logPath = filepath.Join(s.Dir, "weed.log")
	if err := os.WriteFile(filepath.Join(s.Dir, "security.toml"), []byte(securityTOML()), 0o600); err != nil {
		return err
	}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = s.Dir // weed reads *.toml (security.toml) from ., $HOME/.seaweedfs and /etc/seaweedfs
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.Dir, // no developer's ~/.seaweedfs
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(s.done) }()

	client, err := minio.New(s.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region:       s.Region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(90 * time.Second) // 5–15 s usually; the machine may be busy
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ok, err := client.BucketExists(ctx, s.Bucket)
		cancel()
		if err == nil && ok {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("weed exited: %v\n%s", cmd.ProcessState, s.Log())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("S3 did not answer on %s (last: ok=%v err=%v)\n%s", s.Endpoint, ok, err, s.Log())
		}
	}
}

// Stop interrupts weed and waits for it (it takes a few seconds to shut
// down its parts), killing it if it is still there after 20 s. Safe to
// call twice.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
