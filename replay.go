package ghpackages

import (
	"context"
	"errors"
	"net/http"
)

// The replay stage of the request path. A request sent again after its
// earlier attempt's answer was lost (a dropped connection, a 5xx) may have
// been carried out twice over; for a DELETE or a restore, GitHub's answer to
// the resend is then 404 (nothing left to delete, nothing deleted to
// restore), which says the same as "the token cannot see it". Such an
// answer is settled here, by reading what the request acted on:
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

// settleReplay returns what the resend of req answered with err (a 404,
// matching ErrNotFound) means, by the table above; resp is its response.
func (c *Client) settleReplay(req *http.Request, ep endpoint, resp *Response, err error) error {
	resp.Replayed = true
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return err
	}
	restore := ep.op == OperationRestore
	if restore {
		apiErr.kind, apiErr.Hint = ErrRestoreUnconfirmed, hintRestoreUnconfirmed
	} else {
		apiErr.kind, apiErr.Hint = ErrDeleteUnconfirmed, hintDeleteUnconfirmed
	}
	ctx := req.Context()
	if ep.version != "" {
		switch c.reads(ctx, ep, ep.version) {
		case readsOK:
			if restore {
				return nil
			}
			apiErr.kind, apiErr.Hint = nil, hintStillExists
			return err
		case readsFailed:
			return err
		}
		if c.reads(ctx, ep, ep.pkg) != readsOK {
			return err
		}
		if restore {
			apiErr.kind, apiErr.Hint = nil, hintNotActive
			return err
		}
		return nil
	}
	if restore && ep.pkg != "" && c.reads(ctx, ep, ep.pkg) == readsOK {
		return nil
	}
	return err
}

// readOutcome is what a settling read found.
type readOutcome int

const (
	readsOK       readOutcome = iota // 2xx: it exists, and the token sees it
	readsNotFound                    // 404: gone, or not visible
	readsFailed                      // anything else: nothing learnt
)

// reads GETs path (escaped, relative to the base URL), a package or version
// of ep's type, without decoding the answer.
func (c *Client) reads(ctx context.Context, ep endpoint, path string) readOutcome {
	_, err := c.call(ctx, readOp(ep.typ), http.MethodGet, path, nil, nil)
	switch {
	case err == nil:
		return readsOK
	case errors.Is(err, ErrNotFound):
		return readsNotFound
	}
	return readsFailed
}
