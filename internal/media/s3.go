package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Store in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2,
// Backblaze B2…), objects named <prefix><hash>. The client is minio-go;
// its requests go through the transport the caller gives (zapflow's
// outbound guard).
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// ParseS3URL reads ZAPFLOW_MEDIA_S3_URL:
// https://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?region=…&path_style=true]
// (http:// for a server without TLS, such as a local MinIO).
func ParseS3URL(raw string) (endpoint, bucket, prefix, accessKey, secretKey, region string, secure, pathStyle bool, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", "", "", "", "", false, false, errors.New("media: the S3 URL must be https://KEY:SECRET@host/bucket[/prefix]")
	}
	parts := strings.SplitN(strings.Trim(u.Path, "/"), "/", 2)
	if parts[0] == "" {
		return "", "", "", "", "", "", false, false, errors.New("media: the S3 URL names no bucket")
	}
	bucket = parts[0]
	if len(parts) == 2 && parts[1] != "" {
		prefix = strings.Trim(parts[1], "/") + "/"
	}
	accessKey = u.User.Username()
	secretKey, _ = u.User.Password()
	q := u.Query()
	return u.Host, bucket, prefix, accessKey, secretKey, q.Get("region"), u.Scheme == "https", q.Get("path_style") == "true", nil
}

// NewS3 connects to the bucket named by rawURL (see ParseS3URL) and
// checks it exists, so a wrong setting fails at start, not at the first
// customer photo.
func NewS3(ctx context.Context, rawURL string, transport http.RoundTripper) (*S3, error) {
	endpoint, bucket, prefix, ak, sk, region, secure, pathStyle, err := ParseS3URL(rawURL)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupAuto
	if pathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Secure: secure,
		Transport: transport, Region: region, BucketLookup: lookup})
	if err != nil {
		return nil, fmt.Errorf("media: S3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("media: S3 bucket %s: %w", bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("media: S3 bucket %s does not exist", bucket)
	}
	return &S3{client: c, bucket: bucket, prefix: prefix}, nil
}

func (s *S3) key(h string) (string, error) {
	if !validHash(h) {
		return "", fmt.Errorf("media: %q is not a SHA-256", h)
	}
	return path.Join(s.prefix, h[:2], h), nil
}

// Put uploads data under h (an object with the same name holds the same
// bytes, so a second Put only rewrites them).
func (s *S3) Put(ctx context.Context, h string, data []byte) error {
	k, err := s.key(h)
	if err != nil {
		return err
	}
	if Hash(data) != h {
		return fmt.Errorf("media: the bytes do not hash to %s", h)
	}
	if _, err := s.client.PutObject(ctx, s.bucket, k, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return fmt.Errorf("media: S3 put %s: %w", h, err)
	}
	return nil
}

// Get opens the object under h.
func (s *S3) Get(ctx context.Context, h string) (io.ReadCloser, int64, error) {
	k, err := s.key(h)
	if err != nil {
		return nil, 0, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("media: S3 get %s: %w", h, err)
	}
	st, err := obj.Stat()
	if err != nil {
		_ = obj.Close()
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, 0, ErrNotFound
		}
		return nil, 0, fmt.Errorf("media: S3 get %s: %w", h, err)
	}
	return obj, st.Size, nil
}

// Delete removes the object under h.
func (s *S3) Delete(ctx context.Context, h string) error {
	k, err := s.key(h)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("media: S3 delete %s: %w", h, err)
	}
	return nil
}
