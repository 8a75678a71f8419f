package ghpackagestest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// WithRequestLog writes one JSON object per answered request to w, one a
// line, for tests in any language to assert on:
//
//	{"time":"2026-11-24T12:00:00Z","method":"GET","path":"/orgs/octo-org/packages","query":"package_type=container","token_name":"ci","status":200}
//
// time is the server's clock; path is the escaped path as sent (registry
// requests under /v2/ included); token_name is the TokenSpec.Name of the
// token the request carried, or that a registry token was issued for ("" for none,
// an anonymous registry token or an unnamed token, "unknown" for a token
// the server does not accept; the token string itself is never written);
// status is the status answered, 0 when the connection was dropped; fault,
// when present, names the injected fault ("status 502", "dropped
// connection", "truncated body", "delay 2s"). Writes are serialized. A
// nil w is invalid.
func WithRequestLog(w io.Writer) Option {
	return func(s *Server) {
		if w == nil {
			s.invalid("WithRequestLog: nil writer")
			return
		}
		s.reqLog = w
	}
}

// LogEntry is one line of the request log (WithRequestLog), to decode it
// with; the fields are described there.
type LogEntry struct {
	// Time is the server's clock when the request was answered.
	Time time.Time `json:"time"`
	// Method is the request's method.
	Method string `json:"method"`
	// Path is the request's escaped path.
	Path string `json:"path"`
	// Query is the request's raw query, without "?".
	Query string `json:"query"`
	// TokenName is the name (TokenSpec.Name) of the token the request
	// carried: "" for none or an unnamed one, "unknown" for a token the
	// server does not accept. Never the token itself.
	TokenName string `json:"token_name"`
	// Status is the status answered, 0 when the connection was dropped.
	Status int `json:"status"`
	// Fault names the injected fault, if any.
	Fault string `json:"fault,omitempty"`
}

// logRequest writes r's log line, if the server keeps a log.
func (s *Server) logRequest(r *http.Request, status int, fault string) {
	if s.reqLog == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := LogEntry{Time: s.now(), Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		TokenName: s.tokenName(r), Status: status, Fault: fault}
	line, _ := json.Marshal(e)
	s.reqLog.Write(append(line, '\n'))
}

// tokenName names the token of r for the log; s.mu is held.
func (s *Server) tokenName(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return ""
	}
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if strings.EqualFold(scheme, "basic") {
		raw, err := base64.StdEncoding.DecodeString(tok)
		if err != nil {
			return "unknown"
		}
		_, tok, _ = strings.Cut(string(raw), ":")
	}
	if api, ok := s.regTokens[tok]; ok {
		// A registry token names the API token it was issued for.
		if api == "" {
			return ""
		}
		tok = api
	}
	t, ok := s.tokens[tok]
	if !ok {
		return "unknown"
	}
	return t.Name
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records status and sends it.
func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// baseURLs are where the fake's url and html_url fields point: the
// fake's own scheme and host, so link-following clients stay on it.
type baseURLs struct {
	api string // the REST base, without a trailing slash
	web string // the "github.com" of the fake
}

// baseURLs derives the URLs from the request's host.
func (s *Server) baseURLs(r *http.Request) baseURLs {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	web := scheme + "://" + r.Host
	return baseURLs{api: web + s.prefix, web: web}
}
