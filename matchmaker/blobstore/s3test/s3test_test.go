package s3test_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/tetatet/tetatet/matchmaker/blobstore/s3test"
)

func TestEnsureBinaryIsThePinnedBuild(t *testing.T) {
	bin, err := s3test.EnsureBinary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "version") {
		t.Fatalf("%s version: %v %q", bin, err, out)
	}
	again, err := s3test.EnsureBinary()
	if err != nil || again != bin {
		t.Fatalf("second EnsureBinary = %q, %v; want the cached %q", again, err, bin)
	}
}

// Two servers side by side (as parallel test packages run them), each
// with its own bucket, credentials and ports; Stop ends the process.
func TestTwoServersThenStop(t *testing.T) {
	a := s3test.Start(t, s3test.Options{})
	b := s3test.Start(t, s3test.Options{Bucket: "other"})
	if a.Endpoint == b.Endpoint || a.AccessKey == b.AccessKey {
		t.Fatalf("servers share an endpoint or credentials: %s %s", a.Endpoint, b.Endpoint)
	}
	ctx := context.Background()
	if _, err := a.Client(t).PutObject(ctx, a.Bucket, "k", bytes.NewReader([]byte("a")), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatalf("put to a: %v", err)
	}
	if ok, err := b.Client(t).BucketExists(ctx, a.Bucket); err != nil || ok {
		t.Fatalf("b has a's bucket %q: %v %v", a.Bucket, ok, err)
	}
	if _, err := minioWithCreds(t, b.Endpoint, a.AccessKey, a.SecretKey).BucketExists(ctx, b.Bucket); err == nil {
		t.Fatal("a's credentials work on b")
	}

	a.Stop()
	if conn, err := net.Dial("tcp", a.Endpoint); err == nil {
		conn.Close()
		t.Fatalf("S3 port %s still open after Stop", a.Endpoint)
	}
	a.Stop() // twice is fine
	if ok, err := b.Client(t).BucketExists(ctx, b.Bucket); err != nil || !ok {
		t.Fatalf("b after a stopped: %v %v", ok, err)
	}
}

func minioWithCreds(t *testing.T, endpoint, key, secret string) *minio.Client {
	t.Helper()
	s := &s3test.Server{Endpoint: endpoint, AccessKey: key, SecretKey: secret, Region: "us-east-1"}
	return s.Client(t)
}
