package blobstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker/blobstore"
	"github.com/tetatet/tetatet/matchmaker/blobstore/s3test"
)

func TestValidKey(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"rooms/r1/m1", true},
		{"rooms/r1/m1.preview", true},
		{"a", true},
		{"A-b_c.9/x", true},
		{"", false},
		{"/etc/passwd", false},
		{"rooms/", false},
		{"rooms//m1", false},
		{"../x", false},
		{"rooms/../../x", false},
		{"rooms/./x", false},
		{".tmp/x", false},
		{"rooms/.hidden", false},
		{`rooms\..\x`, false},
		{"rooms/r 1", false},
		{"rooms/r1/m1\x00", false},
		{"rooms/é", false},
		{strings.Repeat("a", blobstore.MaxKeyLen), true},
		{strings.Repeat("a", blobstore.MaxKeyLen+1), false},
	} {
		if got := blobstore.ValidKey(tc.key); got != tc.ok {
			t.Errorf("ValidKey(%q) = %v, want %v", tc.key, got, tc.ok)
		}
	}
}

// testStore is the contract every Store keeps, run on each implementation.
func testStore(t *testing.T, s blobstore.Store) {
	ctx := context.Background()
	put := func(key, ct, body string) {
		t.Helper()
		if err := s.Put(ctx, key, ct, strings.NewReader(body), int64(len(body))); err != nil {
			t.Fatalf("Put(%s): %v", key, err)
		}
	}
	get := func(key string) (string, string, int64) {
		t.Helper()
		obj, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get(%s): %v", key, err)
		}
		defer obj.Body.Close()
		b, err := io.ReadAll(obj.Body)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		return string(b), obj.ContentType, obj.Size
	}
	list := func(prefix string) []string {
		t.Helper()
		keys, err := s.List(ctx, prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		return keys
	}

	t.Run("put get", func(t *testing.T) {
		photo := string(bytes.Repeat([]byte{0xFF, 0xD8, 0x00, '\n', 0x7F}, 20_000)) // binary, with newlines
		put("rooms/r1/m1", "image/jpeg", photo)
		put("rooms/r1/m1.preview", "image/jpeg", "tiny")
		body, ct, size := get("rooms/r1/m1")
		if body != photo || ct != "image/jpeg" || size != int64(len(photo)) {
			t.Fatalf("got %d bytes %q size %d, want %d bytes image/jpeg", len(body), ct, size, len(photo))
		}
		put("rooms/r1/m1", "audio/ogg", "replaced")
		if body, ct, size := get("rooms/r1/m1"); body != "replaced" || ct != "audio/ogg" || size != 8 {
			t.Fatalf("after overwrite: %q %q %d", body, ct, size)
		}
	})

	t.Run("missing", func(t *testing.T) {
		if _, err := s.Get(ctx, "rooms/r1/nope"); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.Get(ctx, "rooms/r1"); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("Get(a prefix of keys) = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "rooms/r1/nope"); err != nil {
			t.Fatalf("Delete(missing) = %v, want nil", err)
		}
	})

	t.Run("list", func(t *testing.T) {
		put("rooms/r10/m1", "audio/webm", "v")
		put("rooms/r2/m1", "audio/webm", "v")
		if got, want := list("rooms/r1/"), []string{"rooms/r1/m1", "rooms/r1/m1.preview"}; !slices.Equal(got, want) {
			t.Errorf("List(rooms/r1/) = %q, want %q", got, want)
		}
		if got, want := list("rooms/r1"), []string{"rooms/r1/m1", "rooms/r1/m1.preview", "rooms/r10/m1"}; !slices.Equal(got, want) {
			t.Errorf("List(rooms/r1) = %q, want %q", got, want)
		}
		if got, want := list(""), []string{"rooms/r1/m1", "rooms/r1/m1.preview", "rooms/r10/m1", "rooms/r2/m1"}; !slices.Equal(got, want) {
			t.Errorf("List() = %q, want %q", got, want)
		}
		if got := list("rooms/r3/"); len(got) != 0 {
			t.Errorf("List(rooms/r3/) = %q, want none", got)
		}
	})

	t.Run("delete", func(t *testing.T) {
		for _, k := range []string{"rooms/r1/m1", "rooms/r1/m1.preview", "rooms/r10/m1"} {
			if err := s.Delete(ctx, k); err != nil {
				t.Fatalf("Delete(%s): %v", k, err)
			}
		}
		if _, err := s.Get(ctx, "rooms/r1/m1"); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
		}
		if got, want := list(""), []string{"rooms/r2/m1"}; !slices.Equal(got, want) {
			t.Errorf("List() after deletes = %q, want %q", got, want)
		}
	})

	t.Run("delete folder", func(t *testing.T) {
		put("rooms/r7/a", "image/jpeg", "a")
		put("rooms/r7/a.preview", "image/jpeg", "p")
		put("rooms/r70/b", "audio/ogg", "b")
		for _, bad := range []string{"rooms/r7", "", "/", "../"} {
			if _, err := blobstore.DeleteFolder(ctx, s, bad); !errors.Is(err, blobstore.ErrInvalidKey) {
				t.Errorf("DeleteFolder(%q) = %v, want ErrInvalidKey", bad, err)
			}
		}
		n, err := blobstore.DeleteFolder(ctx, s, "rooms/r7/")
		if err != nil || n != 2 {
			t.Fatalf("DeleteFolder(rooms/r7/) = %d, %v; want 2", n, err)
		}
		if got, want := list("rooms/r7"), []string{"rooms/r70/b"}; !slices.Equal(got, want) {
			t.Errorf("after DeleteFolder(rooms/r7/): %q, want %q", got, want)
		}
		if n, err := blobstore.DeleteFolder(ctx, s, "rooms/r7/"); err != nil || n != 0 {
			t.Errorf("DeleteFolder again = %d, %v; want 0, nil", n, err)
		}
		if err := s.Delete(ctx, "rooms/r70/b"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, key := range []string{"../escape", "rooms/../../escape", "/abs", "rooms//x", ".tmp/x", ""} {
			if err := s.Put(ctx, key, "image/jpeg", strings.NewReader("x"), 1); !errors.Is(err, blobstore.ErrInvalidKey) {
				t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.Get(ctx, key); !errors.Is(err, blobstore.ErrInvalidKey) {
				t.Errorf("Get(%q) = %v, want ErrInvalidKey", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blobstore.ErrInvalidKey) {
				t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
			}
		}
		if _, err := s.List(ctx, "../"); !errors.Is(err, blobstore.ErrInvalidKey) {
			t.Errorf("List(../) = %v, want ErrInvalidKey", err)
		}
		if err := s.Put(ctx, "rooms/r2/ct", "text/plain\nX-Evil: 1", strings.NewReader("x"), 1); err == nil {
			t.Error("Put with a newline in the content type succeeded")
		}
	})

	t.Run("short body", func(t *testing.T) {
		if err := s.Put(ctx, "rooms/r2/short", "audio/ogg", strings.NewReader("abc"), 10); err == nil {
			t.Fatal("Put of 3 bytes declared as 10 succeeded")
		}
		if _, err := s.Get(ctx, "rooms/r2/short"); !errors.Is(err, blobstore.ErrNotFound) {
			t.Fatalf("Get after a failed Put = %v, want ErrNotFound", err)
		}
	})
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	s, err := blobstore.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	testStore(t, s)

	t.Run("leaves no empty folders", func(t *testing.T) {
		ctx := context.Background()
		if err := s.Put(ctx, "rooms/gone/m1", "image/jpeg", strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "rooms/gone/m1"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "rooms", "gone")); !os.IsNotExist(err) {
			t.Fatalf("rooms/gone still there after its last object went: %v", err)
		}
		if tmp, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(tmp) != 0 {
			t.Fatalf("temporary files left behind: %v", tmp)
		}
	})
}

// A symlink planted inside the store's directory must not let a key reach
// a file outside it.
func TestDirSymlinkCannotEscape(t *testing.T) {
	ctx := context.Background()
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "rooms")); err != nil {
		t.Fatal(err)
	}
	s, err := blobstore.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(ctx, "rooms/planted", "image/jpeg", strings.NewReader("x"), 1); err == nil {
		t.Error("Put through a symlink out of the store succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !os.IsNotExist(err) {
		t.Errorf("a file was written outside the store: %v", err)
	}
	if obj, err := s.Get(ctx, "rooms/secret"); err == nil {
		obj.Body.Close()
		t.Error("Get through a symlink out of the store succeeded")
	}
	_ = s.Delete(ctx, "rooms/secret") // an error or a no-op; what matters is the file below
	if _, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
		t.Errorf("the file outside the store was touched: %v", err)
	}
}

func TestS3(t *testing.T) {
	srv := s3test.Start(t, s3test.Options{Bucket: "media"})
	ctx := context.Background()
	cfg := blobstore.S3Config{
		Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket, Region: srv.Region,
	}
	s, err := blobstore.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s)

	body := "a voice message"
	if err := s.Put(ctx, "rooms/r9/v1", "audio/ogg", strings.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	objectURL := srv.URL + "/" + srv.Bucket + "/rooms/r9/v1"

	t.Run("anonymous GET is refused", func(t *testing.T) {
		for _, tc := range []struct{ url, secret string }{
			{objectURL, body},
			{srv.URL + "/" + srv.Bucket + "/", "rooms/r9"},            // listing (path style)
			{srv.URL + "/" + srv.Bucket + "?list-type=2", "rooms/r9"}, // listing, v2
			{srv.URL + "/", srv.Bucket},                               // the buckets
		} {
			resp, err := http.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || strings.Contains(string(b), tc.secret) {
				t.Errorf("anonymous GET %s: %d %q, want 403 without %q", tc.url, resp.StatusCode, b, tc.secret)
			}
		}
	})

	t.Run("the filer behind S3 refuses anonymous reads", func(t *testing.T) {
		resp, err := http.Get(srv.FilerURL + "/buckets/" + srv.Bucket + "/rooms/r9/v1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(b), body) {
			t.Fatalf("anonymous filer GET: %d %q, want 401", resp.StatusCode, b)
		}
	})

	t.Run("wrong secret is refused", func(t *testing.T) {
		bad := cfg
		bad.SecretKey = "not-the-secret"
		if _, err := blobstore.NewS3(ctx, bad); err == nil {
			t.Fatal("NewS3 with a wrong secret succeeded")
		}
	})

	t.Run("presigned GET works, then expires", func(t *testing.T) {
		if _, err := s.PresignGet(ctx, "rooms/r9/v1", blobstore.MaxPresignExpiry+time.Second); err == nil {
			t.Error("PresignGet longer than MaxPresignExpiry succeeded")
		}
		u, err := s.PresignGet(ctx, "rooms/r9/v1", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		signedAt := time.Now()
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != body {
			t.Fatalf("presigned GET: %d %q, want 200 %q", resp.StatusCode, b, body)
		}
		time.Sleep(time.Until(signedAt.Add(4 * time.Second))) // past the expiry (S3 times have 1 s resolution)
		resp, err = http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || strings.Contains(string(b), body) {
			t.Fatalf("expired presigned GET: %d %q, want 403", resp.StatusCode, b)
		}
	})

	t.Run("bucket is created, lifecycle backstop installed", func(t *testing.T) {
		other := cfg
		other.Bucket, other.ExpireAfterDays = "media-other", 3
		s2, err := blobstore.NewS3(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := srv.Client(t).BucketExists(ctx, "media-other"); err != nil || !ok {
			t.Fatalf("bucket media-other exists = %v, %v; want it created", ok, err)
		}
		if days, err := s2.ExpireAfterDays(ctx); err != nil || days != 3 {
			t.Fatalf("lifecycle backstop = %d days, %v; want 3", days, err)
		}
		if days, err := s.ExpireAfterDays(ctx); err != nil || days != 0 {
			t.Fatalf("bucket without ExpireAfterDays has a %d-day rule (%v)", days, err)
		}
		// Opening it again (every API start) keeps one rule, with the new days.
		other.ExpireAfterDays = 5
		if s2, err = blobstore.NewS3(ctx, other); err != nil {
			t.Fatal(err)
		}
		if days, err := s2.ExpireAfterDays(ctx); err != nil || days != 5 {
			t.Fatalf("lifecycle backstop after reopening = %d days, %v; want 5", days, err)
		}
		if err := s2.Put(ctx, "rooms/x/y", "image/jpeg", strings.NewReader("x"), 1); err != nil {
			t.Fatalf("Put into the created bucket: %v", err)
		}
		if keys, err := s.List(ctx, "rooms/x/"); err != nil || len(keys) != 0 {
			t.Fatalf("buckets are not separate: %q %v", keys, err)
		}
	})
}

func TestS3ConfigValidate(t *testing.T) {
	good := blobstore.S3Config{Endpoint: "s3.example.com:443", AccessKey: "k", SecretKey: "s", Bucket: "media"}
	for _, tc := range []struct {
		name string
		edit func(*blobstore.S3Config)
		want string
	}{
		{"good", func(*blobstore.S3Config) {}, ""},
		{"scheme", func(c *blobstore.S3Config) { c.Endpoint = "https://s3.example.com" }, "host[:port]"},
		{"path", func(c *blobstore.S3Config) { c.Endpoint = "s3.example.com/media" }, "host[:port]"},
		{"no endpoint", func(c *blobstore.S3Config) { c.Endpoint = "" }, "endpoint"},
		{"no secret", func(c *blobstore.S3Config) { c.SecretKey = "" }, "secret"},
		{"no bucket", func(c *blobstore.S3Config) { c.Bucket = "" }, "bucket"},
		{"negative expiry", func(c *blobstore.S3Config) { c.ExpireAfterDays = -1 }, "negative"},
	} {
		c := good
		tc.edit(&c)
		err := c.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
}
