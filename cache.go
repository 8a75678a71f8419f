package ghpackages

import (
	"container/list"
	"fmt"
	"net/http"
	"sync"
)

// The conditional-request stage of the request path: a GET whose answer the
// caller reads is sent with If-None-Match when a body for its URL is cached
// (send.go's sendable adds it), and a 304 answer is served from the cache
// (send.go).

// WithETagCache keeps the bodies of up to maxEntries GET responses, and at
// most maxBytes of them in all, with their ETags. A repeated GET of the same
// URL then sends If-None-Match; when GitHub answers 304 Not Modified (which
// costs no rate-limit quota) the cached body is decoded instead, and
// Response.FromCache is set. The least recently used entries are dropped
// first. Responses larger than maxBytes/4 are not cached.
//
// See https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
func WithETagCache(maxEntries int, maxBytes int64) Option {
	return func(s *settings) error {
		if maxEntries <= 0 || maxBytes <= 0 {
			return fmt.Errorf("%w: WithETagCache: sizes must be positive", ErrInvalidArgument)
		}
		s.cache = newETagCache(maxEntries, maxBytes)
		return nil
	}
}

// cacheHit is what the cache holds for one request: the key its answer is
// kept under (empty when its answer is not cached at all) and, when a body
// is cached, that body and its ETag.
type cacheHit struct {
	key  string
	etag string
	body []byte
}

// lookup returns the cache's entry for req, whose answer is decoded into v:
// only a GET whose body the caller reads is cached. A nil cache (no
// WithETagCache) caches nothing.
func (c *etagCache) lookup(req *http.Request, v any) cacheHit {
	if c == nil || v == nil || req.Method != http.MethodGet {
		return cacheHit{}
	}
	h := cacheHit{key: req.URL.String()}
	h.etag, h.body, _ = c.get(h.key)
	return h
}

// keep stores body, the answer to h's request, under its ETag (none: the
// entry is dropped).
func (c *etagCache) keep(h cacheHit, etag string, body []byte) {
	if c == nil || h.key == "" {
		return
	}
	c.put(h.key, etag, body)
}

// etagCache is a size-bounded LRU of GET bodies keyed by URL.
type etagCache struct {
	maxEntries int
	maxBytes   int64

	mu    sync.Mutex
	bytes int64
	order *list.List // of *cacheEntry, most recent first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key  string
	etag string
	body []byte
}

func newETagCache(maxEntries int, maxBytes int64) *etagCache {
	return &etagCache{maxEntries: maxEntries, maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *etagCache) get(key string) (etag string, body []byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return "", nil, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.etag, e.body, true
}

func (c *etagCache) put(key, etag string, body []byte) {
	if etag == "" || int64(len(body)) > c.maxBytes/4 {
		c.remove(key)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, etag: etag, body: body})
	c.bytes += int64(len(body))
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		c.removeLocked(c.order.Back().Value.(*cacheEntry).key)
	}
}

func (c *etagCache) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
}

// removeLocked drops key's entry; c.mu is held.
func (c *etagCache) removeLocked(key string) {
	if el, ok := c.byKey[key]; ok {
		c.bytes -= int64(len(el.Value.(*cacheEntry).body))
		c.order.Remove(el)
		delete(c.byKey, key)
	}
}
