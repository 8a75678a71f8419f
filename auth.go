package ghpackages

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
)

// The auth stage of the request path: the token goes on the one copy of
// each attempt that send makes (sendable); Client.do sends nothing but to
// the API host (sameHost, which reads default ports as the same host). A
// redirect keeps it only while it stays on the API host (NewClient's
// CheckRedirect removes it elsewhere). Nothing else in the package sees or
// stores a token.

// tokenFunc gives the token for one request; ctx is the request's.
type tokenFunc func(ctx context.Context) (string, error)

// WithToken authenticates every request with the given token, sent as
// "Authorization: Bearer <token>". Surrounding whitespace, such as the
// newline ending a token file, is dropped. The token is never logged or
// included in errors.
func WithToken(token string) Option {
	return func(s *settings) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return fmt.Errorf("%w: WithToken: empty token", ErrInvalidArgument)
		}
		if hasControl(token) {
			return fmt.Errorf("%w: WithToken: token contains a control character", ErrInvalidArgument)
		}
		s.token = func(context.Context) (string, error) { return token, nil }
		return nil
	}
}

// WithTokenSource authenticates every request with a token from ts, asked
// anew for each request (so it may refresh, e.g. GitHub App installation
// tokens). Each token is trimmed of surrounding white space and checked as
// WithToken checks its argument. When ts fails, or gives an empty token or
// one with a control character, the request is not sent and not retried:
// the error matches ErrTokenSource and wraps the source's own error.
//
// ts.Token takes no context, so a refresh that hangs holds the request up
// whatever its context says; WithTokenFunc passes the request's context.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *settings) error {
		if ts == nil {
			return fmt.Errorf("%w: WithTokenSource: nil token source", ErrInvalidArgument)
		}
		s.token = func(context.Context) (string, error) {
			tok, err := ts.Token()
			switch {
			case err != nil:
				return "", err
			case tok == nil:
				return "", errors.New("token source returned no token")
			}
			return tok.AccessToken, nil
		}
		return nil
	}
}

// WithTokenFunc authenticates every request with a token from f, called
// anew for each request with that request's context, so a refresh (of a
// GitHub App installation token, say) ends when the request's context
// does: f should return once ctx is done, with ctx.Err() or an error
// wrapping it. Each token is trimmed of surrounding white space and checked
// as WithToken checks its argument. When f fails, or gives an empty token
// or one with a control character, the request is not sent and not
// retried: the error matches ErrTokenSource and wraps f's own error, so
// errors.Is(err, context.DeadlineExceeded) tells a refresh the deadline cut
// short. f may be called from several goroutines at once.
func WithTokenFunc(f func(ctx context.Context) (string, error)) Option {
	return func(s *settings) error {
		if f == nil {
			return fmt.Errorf("%w: WithTokenFunc: nil function", ErrInvalidArgument)
		}
		s.token = f
		return nil
	}
}

// checkedToken asks token for the token of a request with context ctx and
// checks it as WithToken checks its argument. Its errors are
// *tokenSourceError, which the retry stage never retries: the request was
// not sent, and a source that failed once (a revoked App key, a bad refresh
// token) fails the same way again.
func checkedToken(ctx context.Context, token tokenFunc) (string, error) {
	tok, err := token(ctx)
	if err != nil {
		// The source's error is its own; it must not quote a token.
		return "", &tokenSourceError{err: err}
	}
	tok = strings.TrimSpace(tok)
	switch {
	case tok == "":
		return "", &tokenSourceError{err: errors.New("token source returned an empty token")}
	case hasControl(tok):
		return "", &tokenSourceError{err: errors.New("token source returned a token with a control character")}
	}
	return tok, nil
}

// tokenSourceError is a failure to get a token from the token source.
type tokenSourceError struct{ err error }

// Error says the request was not sent and why.
func (e *tokenSourceError) Error() string {
	return "getting a token from the token source (request not sent): " + e.err.Error()
}

// Unwrap returns the source's error.
func (e *tokenSourceError) Unwrap() error { return e.err }

// Is matches ErrTokenSource.
func (e *tokenSourceError) Is(target error) bool { return target == ErrTokenSource }
