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
// after a failed attempt, or else why not:
//
//   - its body, if any, must be rewindable (see rewindable): sending a
//     consumed body again would send an empty or partial one;
//   - unless GitHub refused it (refused: a rate limit, which carries nothing
//     out), the failed attempt may have been carried out, so the operation
//     must be idempotent (ep.idempotent): sending it twice must leave what
//     sending it once does.
func mayResend(req *http.Request, ep endpoint, refused bool) string {
	switch {
	case !rewindable(req):
		return "the request body cannot be rewound; build the request with NewRequest, or set GetBody"
	case !refused && !ep.idempotent:
		// Not "it may have been carried out": a refused connection (cut)
		// carried nothing out, but is not resent either.
		return "a " + req.Method + " request is not idempotent: after a failure other than a rate limit it is not sent again, lest it be carried out twice"
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
