package ghpackages

import (
	"errors"
	"net/http"
)

// Replays. A request sent again after its
// earlier attempt's answer was lost (a dropped connection, a 5xx) may have
// been carried out twice over; for a DELETE or a restore, GitHub's answer to
// the resend is then 404 (nothing left to delete, nothing deleted to
// restore), which says the same as "the token cannot see it". Such an
// answer comes back from Client.do unconfirmed (unconfirmed, below), and
// the methods that delete and restore settle it by reading what the request
// acted on (settle, packages.go):
//
//	operation        reads                                 outcome
//	delete version   the version reads                     not deleted: a plain 404 ("still exists")
//	                 the version 404s, its package reads   deleted: nil
//	                 nothing reads                         ErrDeleteUnconfirmed
//	delete package   (a deleted package and an invisible one both read 404)
//	                                                       ErrDeleteUnconfirmed
//	restore version  the version reads                     restored: nil
//	                 the version 404s, its package reads   not restored: a plain 404 ("not active")
//	                 nothing reads                         ErrRestoreUnconfirmed
//	restore package  the package reads                     restored: nil
//	                 it does not                           ErrRestoreUnconfirmed
//	raw DELETE (Do)  (nothing known to read)               ErrDeleteUnconfirmed
//
// Response.Replayed is set in every case.

// replays reports whether req, answered 404 on a resend after a lost
// answer, needs settling: a DELETE or a restore.
func replays(req *http.Request, ep endpoint) bool {
	return req.Method == http.MethodDelete || ep.op == OperationRestore
}

// Hints of the replay outcomes.
const (
	hintDeleteUnconfirmed  = "the first attempt's response was lost and the retry found nothing: it was deleted, perhaps by the first attempt, or the token cannot see it"
	hintRestoreUnconfirmed = "the first attempt's response was lost and the retry found nothing to restore: it was restored, perhaps by the first attempt, or the token cannot see it"
	hintStillExists        = "the version still exists: GitHub answers 404 when the token lacks admin permission on the package"
	hintNotActive          = "the version is not active: the restore did not take effect; GitHub answers 404 when the token lacks admin permission on the package or the version cannot be restored"
)

// unconfirmed is the error of a, the attempt whose 404 answered a
// resend after a lost answer: the *Error comes to match
// ErrDeleteUnconfirmed or ErrRestoreUnconfirmed, and Response.Replayed is
// set. A raw DELETE (Client.Do) ends there; the typed delete and restore
// methods go on to settle it by reading (settle, packages.go).
func unconfirmed(ep endpoint, a attempt) error {
	a.resp.Replayed = true
	var apiErr *Error
	if errors.As(a.err, &apiErr) {
		if ep.op == OperationRestore {
			apiErr.kind, apiErr.Hint = ErrRestoreUnconfirmed, hintRestoreUnconfirmed
		} else {
			apiErr.kind, apiErr.Hint = ErrDeleteUnconfirmed, hintDeleteUnconfirmed
		}
	}
	return a.err
}
