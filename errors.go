package ghpackages

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
)

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
	// RetryAfter is the Retry-After the response asked for; 0 when absent.
	RetryAfter time.Duration
	// Secondary is true for a secondary (abuse) limit, false for the primary
	// hourly budget.
	Secondary bool
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
