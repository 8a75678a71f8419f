package ghpackagestest

import (
	"net/http"
	"strconv"
	"time"
)

// WithRegistryLatency makes every registry request (WithRegistry or
// WithRawRegistry) take at least d of real time before it is
// answered, as a registry across the internet does: ghcr.io is some 20 ms
// away from a GitHub-hosted runner. It makes the cost of a client's
// registry requests show in its run time. A negative d is invalid.
func WithRegistryLatency(d time.Duration) Option {
	return func(s *Server) {
		if d < 0 {
			s.invalid("WithRegistryLatency: negative latency %v", d)
			return
		}
		s.regLatency = d
	}
}

// WithListingLag makes the REST API show what a registry push changed
// only d after the push, on the server's Clock, as GitHub's package
// listing lags ghcr.io: a version a push created is missing from the
// version listing and from a read by its ID (404) until then, and a tag a
// push moved stays, in the REST answers, on the version it was on (the
// registry's own tag list and manifests change at once). Versions added
// with AddVersion or a seed, deletes and restores are not delayed. A
// negative d is invalid.
func WithListingLag(d time.Duration) Option {
	return func(s *Server) {
		if d < 0 {
			s.invalid("WithListingLag: negative lag %v", d)
			return
		}
		s.listingLag = d
	}
}

// WithRegistryLimit makes the registry answer 429 TOOMANYREQUESTS, with
// Retry-After (the whole seconds until a request leaves the window),
// once perMinute manifest requests (GET or HEAD of /v2/…/manifests/…)
// were answered within the last minute of the server's Clock, as ghcr.io
// does past about 44,000 a minute. Refused requests do not count. 0 means
// no limit (the default); a negative limit is invalid.
func WithRegistryLimit(perMinute int) Option {
	return func(s *Server) {
		if perMinute < 0 {
			s.invalid("WithRegistryLimit: negative limit %d", perMinute)
			return
		}
		s.regLimit = perMinute
	}
}

// isManifestRead reports whether r reads a manifest.
func isManifestRead(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	_, _, ok := manifestPath(r.URL.Path)
	return ok
}

// serveRegistryRequest answers one registry request: after the latency,
// and within the limit, of WithRegistryLatency and WithRegistryLimit.
func (s *Server) serveRegistryRequest(w http.ResponseWriter, r *http.Request) {
	manifest := isManifestRead(r)
	s.mu.Lock()
	s.stats.RegistryRequests++
	if manifest {
		s.stats.RegistryManifests++
	}
	latency := s.regLatency
	s.mu.Unlock()
	if !sleep(r.Context(), latency) {
		return
	}
	if manifest {
		if wait, limited := s.registryAdmit(); limited {
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			registryError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "retry-after: "+strconv.Itoa(wait)+"s, allowed: "+strconv.Itoa(s.regLimit)+"/minute")
			return
		}
	}
	s.registry.ServeHTTP(w, r)
}

// registryAdmit counts a manifest request against WithRegistryLimit's
// window; past the limit it reports the seconds to wait instead.
func (s *Server) registryAdmit() (retryAfter int, limited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.regLimit <= 0 {
		return 0, false
	}
	now := s.clock.Now()
	drop := 0
	for drop < len(s.regStamps) && !s.regStamps[drop].Add(time.Minute).After(now) {
		drop++
	}
	s.regStamps = s.regStamps[drop:]
	if len(s.regStamps) >= s.regLimit {
		s.stats.RegistryLimited++
		wait := s.regStamps[0].Add(time.Minute).Sub(now)
		return max(1, int((wait+time.Second-1)/time.Second)), true
	}
	s.regStamps = append(s.regStamps, now)
	return 0, false
}
