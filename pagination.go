package ghpackages

import (
	"context"
	"fmt"
	"hash/maphash"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// populatePageLinks fills the pagination fields from the Link header: a
// relative target is resolved against the URL of the request that got r
// (RFC 3986), when r has one.
func (r *Response) populatePageLinks() {
	headers := r.Header[headerLink]
	if len(headers) == 0 {
		return
	}
	var base *url.URL
	if r.Request != nil {
		base = r.Request.URL
	}
	eachLink(headers, func(rel, target string) {
		var u *string
		var page *int
		switch rel {
		case "next":
			u, page = &r.NextURL, &r.NextPage
		case "prev":
			u, page = &r.PrevURL, &r.PrevPage
		case "first":
			u, page = &r.FirstURL, &r.FirstPage
		case "last":
			u, page = &r.LastURL, &r.LastPage
		default:
			return
		}
		if *u == "" { // the first link for a rel wins
			*u, *page = resolveLink(base, target), pageOf(target)
		}
	})
}

// eachLink calls f with the lower-cased rel and the target of every link
// with a non-empty target in the Link header values, in order (a link with
// several rels once for each).
func eachLink(headers []string, f func(rel, target string)) {
	for _, h := range headers {
		for len(h) > 0 {
			start := strings.IndexByte(h, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(h[start:], '>')
			if end < 0 {
				break
			}
			target := strings.TrimSpace(h[start+1 : start+end])
			rest := h[start+end+1:]
			h = ""
			for {
				p, more, next := nextLinkParam(rest)
				if key, value, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(key), "rel") && target != "" {
					value = strings.Trim(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(value), ",")), `"`)
					for rel := range strings.FieldsSeq(value) {
						f(strings.ToLower(rel), target)
					}
				}
				if !more {
					h = next
					break
				}
				rest = next
			}
		}
	}
}

// nextLinkParam returns the first ";"-separated parameter of s, which
// follows a link target, up to the next link. more reports whether another
// parameter of the same link follows, in rest; otherwise rest is the rest of
// the header from the next link on (which starts at the next "<" outside a
// quoted string: a title="<b>" parameter does not start one).
func nextLinkParam(s string) (param string, more bool, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQuote = !inQuote
		case c == '\\' && inQuote:
			i++ // a quoted-pair: the next byte is literal
		case c == ';' && !inQuote:
			return s[:i], true, s[i+1:]
		case c == '<' && !inQuote:
			return s[:i], false, s[i:]
		}
	}
	return s, false, ""
}

// pageOf returns the page query parameter of a link; 0 when absent or not
// a page number.
func pageOf(link string) int {
	if link == "" {
		return 0
	}
	u, err := url.Parse(link)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(u.Query().Get("page"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// perPageOf returns the page size a list request asks for: its per_page
// parameter when plain, else GitHub's default of 30.
func perPageOf(rawQuery string) int {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if k, v, _ := strings.Cut(pair, "="); k == "per_page" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= maxPerPage {
				return n
			}
			break
		}
	}
	return 30
}

// maxEmptyPages is how many empty pages in a row, each linking a next one,
// an iterator follows before it fails: a server that keeps linking pages
// with nothing on them would otherwise be followed until the context ends.
const maxEmptyPages = 3

// paginate returns an iterator over every item of a paged list endpoint. The
// first request is built by first; each following page is fetched, lazily,
// from the response's next link (Response.NextURL: as the server sent it, a
// relative one resolved against the URL of the page that sent it). A next
// link off the API's scheme, host and port is refused, as is one that
// repeats a page already fetched, and the walk fails after maxEmptyPages
// empty pages in a row that still link a next one. Each page is decoded into one slice of values, and the
// iterator yields pointers into it; it keeps no page once it has moved on.
func paginate[T any](ctx context.Context, c *Client, ep endpoint, first func() (*http.Request, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		var zero *T
		req, err := first()
		// seen holds every page URL fetched, as sent and as linked, so a next
		// link back to any earlier page (not only the last one) ends the walk
		// instead of looping forever. It keeps 64-bit hashes, not the URLs, so
		// a long walk holds 16 bytes a page rather than two URLs; two URLs of
		// one walk share a hash with a chance of about pages²/2⁶⁵.
		seed := maphash.MakeSeed()
		seen := map[uint64]struct{}{}
		saw := func(u string) bool {
			_, ok := seen[maphash.String(seed, u)]
			return ok
		}
		see := func(u string) { seen[maphash.String(seed, u)] = struct{}{} }
		size := 0  // the last page's length: the next page's likely length
		empty := 0 // empty pages in a row
		if req != nil {
			size = perPageOf(req.URL.RawQuery)
		}
		for {
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				yield(zero, err)
				return
			}
			// A fresh slice for each page: the caller may keep the items.
			page := make([]T, 0, size)
			var resp *Response
			if resp, err = c.do(req, ep, &page); err != nil {
				yield(zero, err)
				return
			}
			size = len(page)
			for i := range page {
				if !yield(&page[i], nil) {
					return
				}
			}
			if resp.NextURL == "" {
				return
			}
			if len(page) == 0 {
				empty++
			} else {
				empty = 0
			}
			if empty >= maxEmptyPages {
				yield(zero, fmt.Errorf("ghpackages: pagination stopped: %d empty pages in a row, each linking another (last %s)", empty, redactURL(req.URL)))
				return
			}
			nextURL := resp.NextURL // absolute, or unreadable (newRequest refuses it)
			see(req.URL.String())
			if saw(nextURL) {
				next, _ := url.Parse(nextURL)
				yield(zero, fmt.Errorf("ghpackages: pagination loop: next link repeats %s, a page already fetched", redactURL(next)))
				return
			}
			see(nextURL)
			req, err = c.newRequest(req.Context(), http.MethodGet, nextURL, nil, nil)
		}
	}
}

// resolveLink returns the URL a Link target names: link itself, exactly as
// sent, when it is absolute (or base is nil, or link does not parse); else
// link resolved against base, the URL of the page that sent it (RFC 3986).
func resolveLink(base *url.URL, link string) string {
	if base == nil || strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://") {
		return link // absolute: the common case, not parsed
	}
	ref, err := url.Parse(link)
	if err != nil || ref.IsAbs() {
		return link
	}
	return base.ResolveReference(ref).String()
}

// Collect drains seq into a slice. It stops at the first error and returns it
// with the items gathered so far.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for item, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, item)
	}
	return out, nil
}
