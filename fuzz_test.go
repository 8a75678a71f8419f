package ghpackages

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets run on their seeds (here and in testdata/fuzz) as part of
// every `go test`; run one for real with e.g.
//
//	go test -run '^$' -fuzz FuzzParseLinks -fuzztime 30s .

func FuzzParseLinks(f *testing.F) {
	f.Add(`<https://api.github.com/orgs/o/packages?page=2>; rel="next", <https://api.github.com/orgs/o/packages?page=5>; rel="last"`)
	f.Add(`<https://x/?page=1>; rel=first,<https://x/?page=3>;rel="prev next"`)
	f.Add(`<>; rel="next"`)
	f.Add(`garbage; rel=next`)
	f.Add(`<https://x/?page=-3>; rel="next"; title="a;b"`)
	f.Add(`<https://x/?page=99999999999999999999>; REL="Next"`)
	f.Fuzz(func(t *testing.T, header string) {
		links := parseLinks([]string{header})
		for rel, u := range links {
			if rel != strings.ToLower(rel) || rel == "" {
				t.Fatalf("rel %q not normalised", rel)
			}
			if u == "" || !strings.Contains(header, u) {
				t.Fatalf("link %q for %q is not taken from the header %q", u, rel, header)
			}
			if pageOf(u) < 0 {
				t.Fatalf("negative page from %q", u)
			}
		}
		h := http.Header{}
		h.Add("Link", header)
		r := &Response{Response: &http.Response{Header: h}}
		r.populatePageLinks()
		if r.NextURL != links["next"] || r.LastURL != links["last"] {
			t.Fatalf("Response links disagree with parseLinks")
		}
	})
}

func FuzzErrorBody(f *testing.F) {
	f.Add(404, []byte(`{"message":"Package not found.","documentation_url":"https://docs.github.com/rest"}`), "")
	f.Add(400, []byte(`{"message":"You cannot delete the last tagged version of a package. You must delete the package instead."}`), "")
	f.Add(403, []byte(`{"message":"You have exceeded a secondary rate limit."}`), "60")
	f.Add(422, []byte(`{"message":"Validation Failed","errors":[{"resource":"Package","field":"name","code":"invalid"},"bare string"]}`), "")
	f.Add(502, []byte("<html><body>Bad Gateway</body></html>"), "")
	f.Add(500, []byte(`{"message":"Server Er`), "")
	f.Add(429, []byte{0xff, 0xfe, '\n', 'x'}, "Wed, 21 Oct 2026 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, code int, body []byte, retryAfter string) {
		if code < 400 || code > 599 {
			code = 400 + (abs(code) % 200)
		}
		req := httptest.NewRequestWithContext(context.Background(), "DELETE", "https://api.github.com/orgs/o/packages/container/a%2Fb?token=s3cret", nil)
		h := http.Header{}
		h.Set("X-OAuth-Scopes", "read:packages")
		if retryAfter != "" {
			h.Set("Retry-After", strings.ToValidUTF8(strings.ReplaceAll(retryAfter, "\n", ""), ""))
		}
		resp := newResponse(&http.Response{StatusCode: code, Header: h})
		err := classifyAnswer(req, resp, body, deleteOp(Container, "orgs/o/packages/container/a%2Fb", ""), time.Unix(1800000000, 0))
		msg := err.Error()
		if msg == "" || strings.Contains(msg, "\n") && !strings.Contains(string(body), "\n") {
			t.Fatalf("bad error text %q", msg)
		}
		if !utf8.ValidString(msg) && utf8.Valid(body) {
			t.Fatalf("invalid UTF-8 in %q", msg)
		}
		if strings.Contains(msg, "s3cret") {
			t.Fatalf("query token leaked into %q", msg)
		}
		var apiErr *Error
		if !asError(err, &apiErr) || apiErr.StatusCode != code {
			t.Fatalf("not an *Error with status %d: %T", code, err)
		}
		if code == 404 && !isErr(err, ErrNotFound) {
			t.Fatalf("404 does not match ErrNotFound")
		}
		if isErr(err, ErrForbidden) && isErr(err, ErrRateLimited) {
			t.Fatalf("both forbidden and rate limited")
		}
	})
}

func FuzzParseScopes(f *testing.F) {
	f.Add("repo, read:packages")
	f.Add("")
	f.Add(" , ,write:packages,,")
	f.Add("delete:packages,\tadmin:org")
	f.Fuzz(func(t *testing.T, header string) {
		scopes := ParseScopes(header)
		if scopes == nil {
			t.Fatal("nil scopes for a present header")
		}
		for _, s := range scopes {
			if s == "" || strings.TrimSpace(string(s)) != string(s) || strings.Contains(string(s), ",") {
				t.Fatalf("bad scope %q from %q", s, header)
			}
		}
		again := ParseScopes(joinScopes(scopes))
		if joinScopes(again) != joinScopes(scopes) {
			t.Fatalf("not stable: %q vs %q", again, scopes)
		}
		if m := MissingScopes(scopes, scopes); len(m) != 0 {
			t.Fatalf("scopes miss themselves: %q", m)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}

func asError(err error, target **Error) bool { return errors.As(err, target) }

func isErr(err, target error) bool { return errors.Is(err, target) }
