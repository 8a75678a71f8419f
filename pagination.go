package ghpackages

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// populatePageLinks fills the pagination fields from the Link header.
func (r *Response) populatePageLinks() {
	links := parseLinks(r.Header.Values("Link"))
	r.NextURL, r.NextPage = links["next"], pageOf(links["next"])
	r.PrevURL, r.PrevPage = links["prev"], pageOf(links["prev"])
	r.FirstURL, r.FirstPage = links["first"], pageOf(links["first"])
	r.LastURL, r.LastPage = links["last"], pageOf(links["last"])
}

// parseLinks parses RFC 8288 Link header values into a map from rel to URL.
// It tolerates extra whitespace, quoted or bare parameters, several rels in
// one parameter, several header lines, and skips entries it cannot read.
// The first link for a rel wins.
func parseLinks(headers []string) map[string]string {
	links := map[string]string{}
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
			var params []string
			params, h = splitLinkParams(h[start+end+1:])
			for _, p := range params {
				key, value, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(key), "rel") {
					continue
				}
				value = strings.Trim(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(value), ",")), `"`)
				for _, rel := range strings.Fields(value) {
					rel = strings.ToLower(rel)
					if _, seen := links[rel]; !seen && target != "" {
						links[rel] = target
					}
				}
			}
		}
	}
	return links
}

// splitLinkParams splits the parameters that follow a link target on ";",
// up to the next link, which starts at the next "<" outside a quoted string
// (a title="<b>" parameter does not start one). It returns the parameters
// and the rest of the header.
func splitLinkParams(s string) (params []string, rest string) {
	inQuote, from := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQuote = !inQuote
		case c == '\\' && inQuote:
			i++ // a quoted-pair: the next byte is literal
		case c == ';' && !inQuote:
			params = append(params, s[from:i])
			from = i + 1
		case c == '<' && !inQuote:
			return append(params, s[from:i]), s[i:]
		}
	}
	return append(params, s[from:]), ""
}

// pageOf returns the page query parameter of a link; 0 when absent.
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

// paginate returns an iterator over every item of a paged list endpoint. The
// first request is built by first; each following page is fetched, lazily,
// from the response's next link exactly as the server sent it. A next link
// off the API's scheme and host is refused, as is one that repeats the page
// just fetched. Each page is decoded into one slice of values, and the
// iterator yields pointers into it; it keeps no page once it has moved on.
func paginate[T any](ctx context.Context, c *Client, first func() (*http.Request, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		var zero *T
		req, err := first()
		// seen holds every page URL fetched, as sent and as linked, so a next
		// link back to any earlier page (not only the last one) ends the walk
		// instead of looping forever.
		seen := map[string]bool{}
		for {
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				yield(zero, err)
				return
			}
			var page []T
			var resp *Response
			if resp, err = c.Do(req, &page); err != nil {
				yield(zero, err)
				return
			}
			for i := range page {
				if !yield(&page[i], nil) {
					return
				}
			}
			if resp.NextURL == "" {
				return
			}
			seen[req.URL.String()] = true
			if seen[resp.NextURL] {
				next, _ := url.Parse(resp.NextURL)
				yield(zero, fmt.Errorf("ghpackages: pagination loop: next link repeats %s, a page already fetched", redactURL(next)))
				return
			}
			seen[resp.NextURL] = true
			req, err = c.NewRequest(req.Context(), http.MethodGet, resp.NextURL, nil)
		}
	}
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
