package ghpackages

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Option configures a Client in NewClient. Options validate their arguments
// and make NewClient return an error instead of panicking.
type Option func(*settings) error

// settings gathers what the options say, for NewClient.
type settings struct {
	token      tokenFunc // nil: no Authorization header
	httpClient *http.Client
	baseURL    string
	userAgent  string
	apiVersion string
	retry      RetryPolicy
	pacing     Pacing
	clock      Clock
	cache      *etagCache
	logger     *slog.Logger
	maxBody    int64
}

// DefaultMaxResponseBytes is the largest 2xx body a Client decodes unless
// WithMaxResponseBytes says otherwise: 32 MiB, far beyond the largest page
// GitHub serves (100 items).
const DefaultMaxResponseBytes = 32 << 20

// WithMaxResponseBytes caps the size of a 2xx body the Client decodes
// (default DefaultMaxResponseBytes); a larger one is not read to its end,
// and the call fails with a *ResponseTooLargeError (ErrResponseTooLarge).
// n must be positive. The cap does not apply to a body Client.Do writes to
// an io.Writer, which streams it, nor to error bodies, of which at most
// 64 KiB are read.
func WithMaxResponseBytes(n int64) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("%w: WithMaxResponseBytes: %d is not positive", ErrInvalidArgument, n)
		}
		s.maxBody = n
		return nil
	}
}

// WithLogger makes the Client log each retry and rate-limit wait (reason,
// request, status and wait; never credentials) to logger at Warn level.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) error {
		if logger == nil {
			return fmt.Errorf("%w: WithLogger: nil logger", ErrInvalidArgument)
		}
		s.logger = logger
		return nil
	}
}

// WithHTTPClient makes the Client send requests through hc, for proxies,
// custom CAs, or a transport that authenticates by itself: any *http.Client
// works, for example one whose Transport is a GitHub App installation
// transport (then give no token option). hc is not modified; its Transport
// is wrapped in a copy.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return fmt.Errorf("%w: WithHTTPClient: nil client", ErrInvalidArgument)
		}
		s.httpClient = hc
		return nil
	}
}

// WithBaseURL sets the REST API root, e.g. "https://HOST/api/v3/" for GitHub
// Enterprise Server. A missing trailing slash is added.
func WithBaseURL(rawURL string) Option {
	return func(s *settings) error {
		if _, err := parseBaseURL(rawURL); err != nil {
			return err
		}
		s.baseURL = rawURL
		return nil
	}
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(ua) == "" {
			return fmt.Errorf("%w: WithUserAgent: empty user agent", ErrInvalidArgument)
		}
		if hasControl(ua) {
			return fmt.Errorf("%w: WithUserAgent: %q contains a control character", ErrInvalidArgument, ua)
		}
		s.userAgent = ua
		return nil
	}
}

// WithAPIVersion sets the X-GitHub-Api-Version header (default
// DefaultAPIVersion).
func WithAPIVersion(version string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(version) == "" {
			return fmt.Errorf("%w: WithAPIVersion: empty version", ErrInvalidArgument)
		}
		if hasControl(version) {
			return fmt.Errorf("%w: WithAPIVersion: %q contains a control character", ErrInvalidArgument, version)
		}
		s.apiVersion = version
		return nil
	}
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: base URL: %v", ErrInvalidArgument, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q must be an absolute http(s) URL", ErrInvalidArgument, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: base URL must not contain credentials", ErrInvalidArgument)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: base URL %q must not have a query or fragment", ErrInvalidArgument, raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hasControl reports whether s holds a byte no HTTP header value may carry
// (an ASCII control character other than tab), which would make every
// request fail in the transport.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}
