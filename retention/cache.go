package retention

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// ManifestCache keeps registry manifests on disk between runs, by digest.
// A manifest's content never changes for its digest, so an entry never
// goes stale: a second plan of an unchanged repository reads no manifest
// from the registry (on ghcr.io every manifest GET counts as a download
// of the version). Give it to NewRegistryResolver (RegistryConfig.Cache).
//
// Each entry is a file holding the manifest exactly as the registry sent
// it (and its media type), named by its digest, and it is hashed again
// before every use: a corrupt, partial or foreign file is ignored, never
// trusted, and rewritten from the registry. Files are written whole under
// a temporary name and renamed into place, so runs that share a directory
// (concurrently or not) cannot corrupt it. The cache says what a
// manifest contains, never that the registry still has it: the planner
// uses an entry for a digest the package's listing or a tag vouches for,
// and asks the registry (a HEAD) about any other.
//
// A ManifestCache is safe for concurrent use.
type ManifestCache struct {
	dir string
	// hits, misses and rejected count lookups: found and valid, absent,
	// and present but not valid (ignored, to be rewritten).
	hits, misses, rejected atomic.Int64
}

// OpenManifestCache returns the cache in dir, creating the directory
// (readable by its owner only) if needed.
func OpenManifestCache(dir string) (*ManifestCache, error) {
	if dir == "" {
		return nil, errors.New("retention: manifest cache: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("retention: manifest cache %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("retention: manifest cache: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("retention: manifest cache: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("retention: manifest cache %s is not a directory", abs)
	}
	return &ManifestCache{dir: abs}, nil
}

// Dir returns the cache's directory (absolute).
func (c *ManifestCache) Dir() string { return c.dir }

// CacheStats counts a ManifestCache's lookups.
type CacheStats struct {
	// Hits found a valid entry; Misses found none; Rejected found a file
	// that did not hash to its digest or could not be read as a manifest
	// (it was ignored, and is rewritten when the manifest is read).
	Hits, Misses, Rejected int64
}

// Stats returns the lookups so far.
func (c *ManifestCache) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Rejected: c.rejected.Load()}
}

// cacheMagic starts every entry, before its media type line.
const cacheMagic = "ghpackages-manifest v1\n"

// path is digest's file: sha256/ab/cdef… under the directory.
func (c *ManifestCache) path(digest string) (string, bool) {
	if !validDigest(digest) {
		return "", false
	}
	hex := digest[len("sha256:"):]
	return filepath.Join(c.dir, "sha256", hex[:2], hex[2:]), true
}

// get returns the cached manifest digest, if a valid entry holds it.
func (c *ManifestCache) get(digest string) (Manifest, bool) {
	if c == nil {
		return Manifest{}, false
	}
	p, ok := c.path(digest)
	if !ok {
		return Manifest{}, false
	}
	raw, err := readEntry(p)
	if errors.Is(err, fs.ErrNotExist) {
		c.misses.Add(1)
		return Manifest{}, false
	}
	if err != nil {
		c.rejected.Add(1) // not a regular file, too large, or unreadable: rewritten by put
		return Manifest{}, false
	}
	m, ok := decodeEntry(raw, digest)
	if !ok {
		c.rejected.Add(1)
		return Manifest{}, false
	}
	c.hits.Add(1)
	return m, true
}

// maxEntry bounds what is read of an entry: the largest manifest a
// registry accepts (4 MiB), its media type line and the magic.
const maxEntry = 4<<20 + 512

// errNotEntry is a cache path that holds something other than a regular
// file of at most maxEntry bytes: a FIFO, a device, a socket, a symlink
// or a directory. Such a path is ignored, never read from, and replaced
// by the next put.
var errNotEntry = errors.New("not a regular file of at most 4 MiB")

// readEntry reads the entry at p, if p is a regular file of at most
// maxEntry bytes. It never follows a symlink (Lstat first; O_NOFOLLOW
// where the system has it), never blocks on a FIFO (O_NONBLOCK, and the
// opened file is checked again to be regular), and never reads more than
// maxEntry+1 bytes, whatever the file claims.
func readEntry(p string) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxEntry {
		return nil, errNotEntry
	}
	f, err := os.OpenFile(p, entryOpenFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, errNotEntry // swapped between the Lstat and the open
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxEntry+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxEntry {
		return nil, errNotEntry
	}
	return raw, nil
}

// decodeEntry checks an entry against digest and parses it.
func decodeEntry(raw []byte, digest string) (Manifest, bool) {
	rest, ok := bytes.CutPrefix(raw, []byte(cacheMagic))
	if !ok {
		return Manifest{}, false
	}
	mediaType, body, ok := bytes.Cut(rest, []byte("\n"))
	if !ok || len(mediaType) > 256 || bytes.ContainsAny(mediaType, " \t\r") || sha256Hex(body) != digest {
		return Manifest{}, false
	}
	m, err := parseManifest(body)
	if err != nil {
		return Manifest{}, false
	}
	if m.MediaType == "" {
		m.MediaType = string(mediaType)
	}
	return m, true
}

// put stores body, the manifest digest as the registry sent it with its
// media type, unless a valid entry already holds it. Errors are ignored:
// a cache that cannot be written costs registry reads, nothing else.
func (c *ManifestCache) put(digest, mediaType string, body []byte) {
	if c == nil || sha256Hex(body) != digest {
		return
	}
	p, ok := c.path(digest)
	if !ok {
		return
	}
	if raw, err := readEntry(p); err == nil {
		if _, ok := decodeEntry(raw, digest); ok {
			return
		}
	}
	mediaType = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, mediaType)
	if len(mediaType) > 256 {
		mediaType = ""
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(append([]byte(cacheMagic+mediaType+"\n"), body...))
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), p) != nil {
		os.Remove(f.Name())
	}
}
