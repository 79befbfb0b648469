package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/lifecycle"
)

// S3Config says where the S3 store is.
type S3Config struct {
	// Endpoint is host[:port], without a scheme (UseTLS picks https).
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	// Region defaults to us-east-1 (what SeaweedFS answers to). Setting it
	// also spares minio-go a location lookup before presigning.
	Region string
	UseTLS bool
	// ExpireAfterDays installs a lifecycle rule that deletes every object
	// of the bucket this many days after it was written: a backstop for
	// objects whose room is gone but whose deletion failed. It replaces
	// the bucket's lifecycle configuration, so the bucket must be ours
	// alone. It must exceed the longest a room's media may live. 0 = no
	// rule (the bucket's lifecycle is left as it is).
	ExpireAfterDays int
	// MaxRetries of one request (minio-go's default is 10, too many for a
	// request path); 0 = 3.
	MaxRetries int
}

// lifecycleRuleID names the backstop rule in the bucket's lifecycle.
const lifecycleRuleID = "tetatet-media-backstop"

// Validate checks the configuration without contacting the store.
func (c S3Config) Validate() error {
	switch {
	case c.Endpoint == "":
		return errors.New("S3 endpoint is empty")
	case strings.Contains(c.Endpoint, "://") || strings.ContainsAny(c.Endpoint, "/?#"):
		return fmt.Errorf("S3 endpoint %q must be host[:port] (no scheme or path; TLS is a separate setting)", c.Endpoint)
	case c.AccessKey == "" || c.SecretKey == "":
		return errors.New("S3 access key and secret key are required")
	case c.Bucket == "":
		return errors.New("S3 bucket is empty")
	case c.ExpireAfterDays < 0:
		return fmt.Errorf("S3 expiry %d days is negative", c.ExpireAfterDays)
	}
	return nil
}

// S3 is a Store in an S3 bucket.
type S3 struct {
	client *minio.Client
	bucket string
}

// NewS3 connects to the store, creates the bucket when it is missing and
// installs the lifecycle backstop (ExpireAfterDays). ctx bounds these
// calls; each later call is bounded by its own ctx.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.UseTLS,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("blobstore: s3 %s: %w", cfg.Endpoint, err)
	}
	s := &S3{client: client, bucket: cfg.Bucket}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blobstore: s3 %s bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	if !exists {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return nil, fmt.Errorf("blobstore: s3 create bucket %s: %w", cfg.Bucket, err)
		}
	}
	if cfg.ExpireAfterDays > 0 {
		lc := lifecycle.NewConfiguration()
		lc.Rules = []lifecycle.Rule{{
			ID:         lifecycleRuleID,
			Status:     "Enabled",
			RuleFilter: lifecycle.Filter{Prefix: ""},
			Expiration: lifecycle.Expiration{Days: lifecycle.ExpirationDays(cfg.ExpireAfterDays)},
		}}
		if err := client.SetBucketLifecycle(ctx, cfg.Bucket, lc); err != nil {
			return nil, fmt.Errorf("blobstore: s3 lifecycle of bucket %s: %w", cfg.Bucket, err)
		}
	}
	return s, nil
}

// ExpireAfterDays reads back the backstop rule's days (0 when there is
// none): what the bucket really has, for tests and start-up checks.
func (s *S3) ExpireAfterDays(ctx context.Context) (int, error) {
	lc, err := s.client.GetBucketLifecycle(ctx, s.bucket)
	if code := minio.ToErrorResponse(err).Code; code == "NoSuchLifecycleConfiguration" {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("blobstore: s3 lifecycle of bucket %s: %w", s.bucket, err)
	}
	for _, r := range lc.Rules {
		if r.ID == lifecycleRuleID && r.Status == "Enabled" {
			return int(r.Expiration.Days), nil
		}
	}
	return 0, nil
}

func (s *S3) Put(ctx context.Context, key, contentType string, r io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if !validContentType(contentType) {
		return fmt.Errorf("blobstore: put %s: invalid content type %q", key, contentType)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("blobstore: s3 put %s: %w", key, err)
	}
	return nil
}

func (s *S3) Get(ctx context.Context, key string) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blobstore: s3 get %s: %w", key, err)
	}
	st, err := obj.Stat() // GetObject is lazy: this sends the request
	if err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("blobstore: s3 get %s: %w", key, err)
	}
	return &Object{Body: obj, ContentType: st.ContentType, Size: st.Size}, nil
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil
		}
		return fmt.Errorf("blobstore: s3 delete %s: %w", key, err)
	}
	return nil
}

func (s *S3) List(ctx context.Context, prefix string) ([]string, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	var keys []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("blobstore: s3 list %q: %w", prefix, obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	slices.Sort(keys)
	return keys, nil
}

// PresignGet signs a GET of the object for expiry (≤ MaxPresignExpiry).
// The URL names the configured Endpoint, so it is only useful to clients
// that can reach that endpoint.
func (s *S3) PresignGet(ctx context.Context, key string, expiry time.Duration) (*url.URL, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if expiry <= 0 || expiry > MaxPresignExpiry {
		return nil, fmt.Errorf("blobstore: presign %s: expiry %v is not in (0, %v]", key, expiry, MaxPresignExpiry)
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, expiry, nil)
	if err != nil {
		return nil, fmt.Errorf("blobstore: s3 presign %s: %w", key, err)
	}
	return u, nil
}
