package blobstore

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// Dir is a Store in a local directory, for `make run` and single-machine
// setups: each object is one file at the key's path, holding a one-line
// header (the content type) and the bytes. Unlike S3, a key cannot be
// both an object and a folder of other keys ("a" and "a/b"); keys of one
// shape (rooms/<room>/<media>) never are. Every file operation goes
// through an os.Root, so even a symlink planted in the directory cannot
// lead outside it; keys are checked by ValidKey first.
type Dir struct {
	root *os.Root
}

const (
	dirMagic = "tetatet-blob 1\n"
	dirTemp  = ".tmp" // not a valid key segment, so never listed or overwritten
)

// OpenDir opens (creating it if needed) a directory store at dir.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	if err := root.MkdirAll(dirTemp, 0o700); err != nil {
		root.Close()
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	return &Dir{root: root}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

func validContentType(ct string) bool {
	if ct == "" || len(ct) > 255 {
		return false
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] > 0x7E {
			return false
		}
	}
	return true
}

// Put writes the object to a temporary file and renames it into place, so
// a reader sees the old object or the new one, never a part.
func (d *Dir) Put(ctx context.Context, key, contentType string, r io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if !validContentType(contentType) {
		return fmt.Errorf("blobstore: put %s: invalid content type %q", key, contentType)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dirTemp, hex.EncodeToString(rnd[:]))
	f, err := d.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("blobstore: put %s: %w", key, err)
	}
	defer d.root.Remove(tmp) // a no-op once renamed
	_, err = io.WriteString(f, dirMagic+contentType+"\n")
	if err == nil {
		var n int64
		n, err = io.CopyN(f, r, size)
		if err == io.EOF {
			err = fmt.Errorf("%d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.place(tmp, key)
	}
	if err != nil {
		return fmt.Errorf("blobstore: put %s: %w", key, err)
	}
	return nil
}

// place renames tmp to key, creating key's folder; once more when a
// Delete next door pruned that folder in between.
func (d *Dir) place(tmp, key string) error {
	for attempt := 0; ; attempt++ {
		if err := d.root.MkdirAll(path.Dir(key), 0o700); err != nil {
			return err
		}
		err := d.root.Rename(tmp, key)
		if err == nil || attempt == 1 || !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
}

// Get opens the object's file and reads its header.
func (d *Dir) Get(ctx context.Context, key string) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := d.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: get %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blobstore: get %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotFound // a folder: a prefix of other keys, not an object
	}
	br := bufio.NewReaderSize(f, 512)
	magic, err1 := br.ReadString('\n')
	ct, err2 := br.ReadString('\n')
	if err1 != nil || err2 != nil || magic != dirMagic {
		f.Close()
		return nil, fmt.Errorf("blobstore: get %s: not an object file", key)
	}
	return &Object{
		Body:        readCloser{br, f},
		ContentType: strings.TrimSuffix(ct, "\n"),
		Size:        st.Size() - int64(len(magic)+len(ct)),
	}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Delete removes the object's file and the folders it leaves empty.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if st, err := d.root.Lstat(key); err == nil && st.IsDir() {
		return nil // a folder is a prefix of other keys, not an object
	}
	if err := d.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: delete %s: %w", key, err)
	}
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if d.root.Remove(dir) != nil { // not empty (or gone): stop
			break
		}
	}
	return nil
}

// List walks the folder the prefix points into.
func (d *Dir) List(ctx context.Context, prefix string) ([]string, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i > 0 {
		start = prefix[:i]
	}
	var keys []string
	err := fs.WalkDir(d.root.FS(), start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == start {
				return fs.SkipAll // nothing under the prefix
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() {
			if p == dirTemp {
				return fs.SkipDir
			}
			return nil
		}
		if e.Type().IsRegular() && ValidKey(p) && strings.HasPrefix(p, prefix) {
			keys = append(keys, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blobstore: list %q: %w", prefix, err)
	}
	slices.Sort(keys)
	return keys, nil
}
