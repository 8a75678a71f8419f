package ghpackages

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// Sentinel errors, matched with errors.Is. API errors (*Error) match the
// sentinel of their status or of GitHub's named refusal; see Error.Is.
var (
	// ErrInvalidArgument is returned before any request is sent when an
	// argument or option is invalid (empty owner or name, unknown package
	// type, non-positive ID, page size out of range, …).
	ErrInvalidArgument = errors.New("ghpackages: invalid argument")

	// ErrUnauthorized matches 401 responses: no token, or a bad one.
	ErrUnauthorized = errors.New("ghpackages: unauthorized")

	// ErrForbidden matches 403 responses that are not rate limits: the token
	// lacks a scope or a permission. Never worth retrying.
	ErrForbidden = errors.New("ghpackages: forbidden")

	// ErrNotFound matches 404 responses. GitHub also answers 404, not 403,
	// for private resources the token cannot see, and for deletes the token
	// lacks admin permission for.
	ErrNotFound = errors.New("ghpackages: not found")

	// ErrRateLimited matches primary and secondary rate-limit responses (403
	// or 429). Such errors are *RateLimitError.
	ErrRateLimited = errors.New("ghpackages: rate limited")

	// ErrLastVersion matches GitHub's refusal to delete the last version (for
	// containers, the last tagged version) of a package: delete the package
	// instead, or keep the version.
	ErrLastVersion = errors.New("ghpackages: cannot delete the last version of a package")

	// ErrTooManyDownloads matches GitHub's refusal to delete a public package
	// version with more than 5,000 downloads.
	ErrTooManyDownloads = errors.New("ghpackages: cannot delete a public package version with more than 5000 downloads")

	// ErrListLimit matches the 400 the list-packages endpoints answer when
	// page × per_page exceeds 10,000.
	ErrListLimit = errors.New("ghpackages: page × per_page exceeds 10000")

	// ErrServer matches 5xx responses.
	ErrServer = errors.New("ghpackages: server error")

	// ErrTokenSource matches a failure of the token source given to
	// WithTokenSource (an error, or an empty or malformed token). The
	// request was not sent, and it is not retried.
	ErrTokenSource = errors.New("ghpackages: token source failed")

	// ErrDeleteUnconfirmed matches a DELETE whose outcome is unknown: the
	// first attempt's response was lost (a dropped connection, a 5xx) and
	// the retry was answered 404 Not Found. Either the first attempt
	// deleted it, or the token cannot see it (GitHub answers 404 for both),
	// and nothing this client can read tells the two apart. Such errors are
	// *Error with StatusCode 404, so they match ErrNotFound as well.
	// DeleteVersion checks the package first and returns nil (with
	// Response.Replayed set) when the version is provably gone.
	ErrDeleteUnconfirmed = errors.New("ghpackages: delete not confirmed")

	// ErrRestoreUnconfirmed matches a restore whose outcome is unknown: the
	// first attempt's response was lost and the retry was answered 404 Not
	// Found (GitHub answers 404 to restoring what is already active), and
	// neither the version nor its package reads. Such errors are *Error
	// with StatusCode 404, so they match ErrNotFound as well. Restore and
	// RestoreVersion return nil (with Response.Replayed set) when a read
	// shows the package or version active.
	ErrRestoreUnconfirmed = errors.New("ghpackages: restore not confirmed")

	// ErrRedirect matches a mutation (DELETE, POST, PUT, PATCH, …) answered
	// with a redirect (301, 302, 303, 307 or 308), which the Client never
	// follows: net/http would send a 301, 302 or 303 on as a GET and report
	// that GET's answer. Such errors are *RedirectError. A GET or HEAD
	// follows redirects as net/http does.
	ErrRedirect = errors.New("ghpackages: redirect of a mutation refused")

	// ErrResponseTooLarge matches a 2xx response whose body, to be decoded,
	// is larger than the Client's cap (DefaultMaxResponseBytes, or
	// WithMaxResponseBytes). Such errors are *ResponseTooLargeError.
	ErrResponseTooLarge = errors.New("ghpackages: response body too large")
)

// DecodeError is a 2xx response whose body could not be decoded into the
// value it was meant for. The request was carried out: it is not sent
// again. Err is the decoder's error (or the value's own UnmarshalJSON
// error), which errors.Is and errors.As reach through Unwrap; its type is
// not part of this package's API.
type DecodeError struct {
	// Type is the type of the value the body was decoded into.
	Type reflect.Type
	// StatusCode is the response's status.
	StatusCode int
	// Method and URL identify the request. URL carries no credentials.
	Method string
	URL    string
	// Err is the cause.
	Err error
}

// Error names the request, the status and the type.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("ghpackages: %s %s: decoding %d response into %v: %v", e.Method, e.URL, e.StatusCode, e.Type, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// named is an error of this package that names its request: Client.do
// fills in the method and redacted URL once, as it returns the error. name
// names an error not named yet, and reports whether the error names
// method and url now: false for one named after another request (an
// error of another call, which a token function or a transport returned
// wrapped), which is left as it is.
type named interface{ name(method, url string) bool }

// nameOnce is name for an error whose request fields are *m and *u.
func nameOnce(m, u *string, method, url string) bool {
	if *m == "" && *u == "" {
		*m, *u = method, url
		return true
	}
	return *m == method && *u == url
}

func (e *Error) name(method, url string) bool       { return nameOnce(&e.Method, &e.URL, method, url) }
func (e *DecodeError) name(method, url string) bool { return nameOnce(&e.Method, &e.URL, method, url) }
func (e *RedirectError) name(method, url string) bool {
	return nameOnce(&e.Method, &e.URL, method, url)
}
func (e *ResponseTooLargeError) name(method, url string) bool {
	return nameOnce(&e.Method, &e.URL, method, url)
}

// RedirectError is a mutation answered with a redirect, refused rather than
// followed (see ErrRedirect). It matches ErrRedirect.
type RedirectError struct {
	// Method and URL identify the request. URL carries no credentials.
	Method string
	URL    string
	// StatusCode is the redirect's status: 301, 302, 303, 307 or 308.
	StatusCode int
	// Location is the redirect's Location header, as sent but without
	// credentials (user information, a token or access_token query
	// parameter), as every URL of this package's errors.
	Location string
}

// Error names the request, the status and where it pointed.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("ghpackages: %s %s: %d redirect to %q refused: a %s is never sent on to another URL", e.Method, e.URL, e.StatusCode, e.Location, e.Method)
}

// Is matches ErrRedirect.
func (e *RedirectError) Is(target error) bool { return target == ErrRedirect }

// ResponseTooLargeError is a 2xx response whose body is larger than the
// Client's cap (see ErrResponseTooLarge). It matches ErrResponseTooLarge.
type ResponseTooLargeError struct {
	// Method and URL identify the request. URL carries no credentials.
	Method string
	URL    string
	// StatusCode is the response's status.
	StatusCode int
	// Limit is the cap, in bytes.
	Limit int64
}

// Error names the request and the cap.
func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("ghpackages: %s %s: %d response body larger than %d bytes (see WithMaxResponseBytes)", e.Method, e.URL, e.StatusCode, e.Limit)
}

// Is matches ErrResponseTooLarge.
func (e *ResponseTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// Error is a non-2xx response from the API. Use errors.As to get one, and
// errors.Is with the sentinel errors to classify it.
type Error struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Method and URL identify the request. URL carries no credentials.
	Method string
	URL    string
	// Message is GitHub's message, or a summary of a non-JSON body.
	Message string
	// DocumentationURL is GitHub's documentation_url, when sent.
	DocumentationURL string
	// Errors is GitHub's detail list, when sent.
	Errors []ErrorDetail
	// RequestID is GitHub's X-GitHub-Request-Id.
	RequestID string
	// MissingScopes are the classic scopes the operation needs that the
	// token lacks; set on 401/403/404 when the response reported the token's
	// scopes (X-OAuth-Scopes).
	MissingScopes []Scope
	// Hint is this library's explanation of a likely cause, when it has one.
	Hint string
	// Response is the response, with its body already consumed.
	Response *Response

	kind error // the sentinel this error matches, if any
}

// ErrorDetail is one entry of an error response's "errors" list.
type ErrorDetail struct {
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
}

// UnmarshalJSON accepts both detail objects and the bare strings some
// endpoints send.
func (d *ErrorDetail) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*d = ErrorDetail{Message: s}
		return nil
	}
	type plain ErrorDetail
	return json.Unmarshal(b, (*plain)(d))
}

// Error renders the error on one line: request, status, message, and what
// is known of the cause.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ghpackages: %s %s: %d", e.Method, e.URL, e.StatusCode)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(oneLine(e.Message))
	}
	for _, d := range e.Errors {
		switch {
		case d.Message != "":
			fmt.Fprintf(&b, "; %s", oneLine(d.Message))
		case d.Code != "":
			fmt.Fprintf(&b, "; %s %s %s", oneLine(d.Resource), oneLine(d.Field), oneLine(d.Code))
		}
	}
	if len(e.MissingScopes) > 0 {
		fmt.Fprintf(&b, " (token lacks scopes needed for this operation: %s)", joinScopes(e.MissingScopes))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// lineBreaks turns the line breaks a JSON message may carry into spaces, so
// Error stays on one line.
var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func oneLine(s string) string { return lineBreaks.Replace(s) }

// Is reports whether e matches target: ErrUnauthorized (401), ErrForbidden
// (403 but not a rate limit), ErrNotFound (404), ErrServer (5xx),
// ErrRateLimited, ErrLastVersion, ErrTooManyDownloads or ErrListLimit.
func (e *Error) Is(target error) bool {
	if target == nil {
		return false
	}
	if e.kind != nil && target == e.kind {
		return true
	}
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden && e.kind != ErrRateLimited
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// RateLimitError is a primary or secondary rate-limit response. It matches
// ErrRateLimited, and unwraps to the *Error with the response details.
type RateLimitError struct {
	Err *Error
	// Rate is the rate-limit state the response reported.
	Rate Rate
	// RetryAfter is the Retry-After the response asked for; 0 when absent,
	// and for "Retry-After: 0", which the Client reads as "retry now".
	RetryAfter time.Duration
	// Secondary is true for a secondary (abuse) limit, false for the primary
	// hourly budget.
	Secondary bool

	retryAfterSent bool // a Retry-After header was sent (it may say 0)
}

// Error describes the limit and when it ends.
func (e *RateLimitError) Error() string {
	kind := "primary"
	if e.Secondary {
		kind = "secondary"
	}
	s := e.Err.Error()
	switch {
	case e.RetryAfter > 0:
		s += fmt.Sprintf(" (%s rate limit; retry after %s)", kind, e.RetryAfter)
	case !e.Rate.Reset.IsZero():
		s += fmt.Sprintf(" (%s rate limit; resets at %s)", kind, e.Rate.Reset.UTC().Format(time.RFC3339))
	default:
		s += fmt.Sprintf(" (%s rate limit)", kind)
	}
	return s
}

// Unwrap returns the underlying *Error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }
