// Package blobstore keeps media objects (sanitised photos, previews, voice
// messages) by key, in an S3-compatible object store (S3, through
// minio-go; SeaweedFS in deploy/ and in tests) or in a local directory
// (the `make run` default, when nothing else is configured).
//
// It stores bytes and their content type, nothing else: who uploaded an
// object, which room it belongs to and when it must go are the caller's
// (matchmaker's Redis) business, and so is deleting it. Objects are never
// public: S3 objects are read with the store's credentials or through a
// presigned URL that expires within MaxPresignExpiry.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Store is what the API needs from object storage.
type Store interface {
	// Put stores size bytes read from r under key, replacing any object
	// there. size must be exact.
	Put(ctx context.Context, key, contentType string, r io.Reader, size int64) error
	// Get opens the object at key; the caller closes Body. ErrNotFound
	// when there is none.
	Get(ctx context.Context, key string) (*Object, error)
	// Delete removes the object at key; deleting a missing object is not
	// an error (deletion is retried by sweeps).
	Delete(ctx context.Context, key string) error
	// List returns the keys that start with prefix, in lexical order (for
	// tests and for sweeps that look for leftovers).
	List(ctx context.Context, prefix string) ([]string, error)
}

// Presigner is implemented by stores whose objects can be fetched by the
// client directly through a short-lived signed URL (S3; not the local
// directory, which the API serves itself).
type Presigner interface {
	// PresignGet returns a URL that GETs the object at key until expiry
	// (at most MaxPresignExpiry) has passed. It does not check that the
	// object exists.
	PresignGet(ctx context.Context, key string, expiry time.Duration) (*url.URL, error)
}

// DeleteFolder deletes every object under folder, which must be a valid
// key followed by "/" ("rooms/r1/": a room's media, not also rooms/r10's),
// and returns how many it deleted. It stops at the first error; calling
// it again finishes the job.
func DeleteFolder(ctx context.Context, s Store, folder string) (int, error) {
	if !strings.HasSuffix(folder, "/") || !ValidKey(strings.TrimSuffix(folder, "/")) {
		return 0, fmt.Errorf("%w: folder %q must be a key followed by /", ErrInvalidKey, folder)
	}
	keys, err := s.List(ctx, folder)
	if err != nil {
		return 0, err
	}
	for i, k := range keys {
		if err := s.Delete(ctx, k); err != nil {
			return i, err
		}
	}
	return len(keys), nil
}

// MaxPresignExpiry is the longest a presigned URL may stay valid.
const MaxPresignExpiry = 5 * time.Minute

// Object is an opened object.
type Object struct {
	Body        io.ReadCloser
	ContentType string
	Size        int64
}

var (
	// ErrNotFound: there is no object at the key.
	ErrNotFound = errors.New("blobstore: object not found")
	// ErrInvalidKey: the key is not of the form ValidKey accepts.
	ErrInvalidKey = errors.New("blobstore: invalid key")
)

// MaxKeyLen is the longest key accepted.
const MaxKeyLen = 512

// ValidKey reports whether key may name an object: one or more segments
// separated by "/", each made of ASCII letters, digits, '.', '_' and '-'
// and starting with a letter or a digit (so no empty, "." or ".."
// segment, no leading or trailing slash), at most MaxKeyLen bytes. Keys of
// this form map to the same path in every store and cannot escape the
// local store's directory.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLen {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if !validSegment(seg) {
			return false
		}
	}
	return true
}

func validSegment(seg string) bool {
	if seg == "" || !isAlnum(seg[0]) {
		return false
	}
	for i := 1; i < len(seg); i++ {
		if c := seg[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// validPrefix accepts "" (everything), or a valid key with or without a
// trailing "/" ("rooms/r1/" lists a room; "rooms/r1" also matches r10).
func validPrefix(prefix string) bool {
	if prefix == "" {
		return true
	}
	return ValidKey(strings.TrimSuffix(prefix, "/"))
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

func checkPrefix(prefix string) error {
	if !validPrefix(prefix) {
		return fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
	}
	return nil
}
