package ghpackages

// The response headers the Client reads, spelled canonically (as
// textproto.CanonicalMIMEHeaderKey spells them): http.Header.Get with
// GitHub's own spelling, "X-GitHub-Request-Id", must build the canonical
// key anew, an allocation per header per response.
const (
	headerRequestID      = "X-Github-Request-Id"
	headerRateLimit      = "X-Ratelimit-Limit"
	headerRateRemaining  = "X-Ratelimit-Remaining"
	headerRateUsed       = "X-Ratelimit-Used"
	headerRateReset      = "X-Ratelimit-Reset"
	headerRateResource   = "X-Ratelimit-Resource"
	headerOAuthScopes    = "X-Oauth-Scopes"
	headerAcceptedScopes = "X-Accepted-Oauth-Scopes"
	headerETag           = "Etag"
	headerLink           = "Link"
	headerAPIVersion     = "X-Github-Api-Version"
)
