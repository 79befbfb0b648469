package blobstore

import (
	"context"
	"fmt"
	"io"
)

// MediaSettings are where media objects live, as the API (which stores and
// serves them) and the bot (which shows a reported photo to operators)
// read them from the environment.
type MediaSettings struct {
	S3Endpoint  string `envconfig:"S3_ENDPOINT"`
	S3AccessKey string `envconfig:"S3_ACCESS_KEY"`
	S3SecretKey string `envconfig:"S3_SECRET_KEY"`
	S3Bucket    string `envconfig:"S3_BUCKET" default:"media"`
	S3Region    string `envconfig:"S3_REGION" default:"us-east-1"`
	S3UseTLS    bool   `envconfig:"S3_USE_TLS" default:"true"`
	// S3ExpireDays is the bucket's backstop lifecycle rule; it must exceed
	// what any object is kept for (a reported photo: the report's 30 days).
	S3ExpireDays int    `envconfig:"S3_EXPIRE_DAYS" default:"31"`
	MediaDir     string `envconfig:"MEDIA_DIR" default:".run/media"`
}

// Validate names the wrong variable.
func (c MediaSettings) Validate() error {
	if c.S3Endpoint == "" {
		if c.MediaDir == "" {
			return fmt.Errorf("MEDIA_DIR: required when S3_ENDPOINT is empty")
		}
		return nil
	}
	err := c.s3().Validate()
	switch {
	case err == nil:
		return nil
	case c.S3AccessKey == "" || c.S3SecretKey == "":
		return fmt.Errorf("S3_ACCESS_KEY, S3_SECRET_KEY: %v", err)
	case c.S3ExpireDays < 0:
		return fmt.Errorf("S3_EXPIRE_DAYS: %v", err)
	case c.S3Bucket == "":
		return fmt.Errorf("S3_BUCKET: %v", err)
	}
	return fmt.Errorf("S3_ENDPOINT: %v", err)
}

func (c MediaSettings) s3() S3Config {
	return S3Config{Endpoint: c.S3Endpoint, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey, Bucket: c.S3Bucket,
		Region: c.S3Region, UseTLS: c.S3UseTLS, ExpireAfterDays: c.S3ExpireDays}
}

// Open opens the store the settings name: S3 when S3_ENDPOINT is set, the
// local directory otherwise. Close it at shutdown.
func (c MediaSettings) Open(ctx context.Context) (Store, io.Closer, error) {
	if c.S3Endpoint != "" {
		s, err := NewS3(ctx, c.s3())
		return s, io.NopCloser(nil), err
	}
	d, err := OpenDir(c.MediaDir)
	if err != nil {
		return nil, nil, err
	}
	return d, d, nil
}
