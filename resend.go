package ghpackages

import (
	"fmt"
	"net/http"
)

// The one rule for sending a request again, whatever the reason (a
// transient failure, a rate limit): the retry stage (retry.go) decides
// whether a resend is worth a wait; this file decides whether the request
// may be sent again at all. What a resend sends is send.go's (sendable).

// mayResend returns "" when req, of the operation ep, may be sent again
// after a failed attempt that ended with verdict v, or else why not:
//
//   - its body, if any, must be rewindable (see rewindable): sending a
//     consumed body again would send an empty or partial one;
//   - unless GitHub refused it (refused: a rate limit, which carries nothing
//     out), the operation must be idempotent (ep.idempotent): sending it
//     twice must leave what sending it once does. The reason says the
//     attempt may have been carried out only when it may (v is ambiguous),
//     not after a refused connection.
func mayResend(req *http.Request, ep endpoint, refused bool, v verdict) string {
	switch {
	case !rewindable(req):
		return "the request body cannot be rewound; build the request with NewRequest, or set GetBody"
	case !refused && !ep.idempotent && v == ambiguous:
		return "a " + req.Method + " request may have been carried out, and sending it twice may not be safe"
	case !refused && !ep.idempotent:
		return "a " + req.Method + " request is not idempotent: it is sent again only after a rate limit"
	}
	return ""
}

// rewindable reports whether req's body, if any, can be sent again: it has
// none, or GetBody gives a fresh copy of it (NewRequest sets GetBody).
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// notResent is err, which the retry stage would have waited out, returned
// because mayResend said why the request cannot be sent again.
func notResent(err error, why string) error {
	return fmt.Errorf("%w (not resent: %s)", err, why)
}
