package ghpackagestest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// request is one API call as the router understood it.
type request struct {
	r        *http.Request
	method   string
	segments []string   // unescaped path segments
	token    *TokenSpec // nil: anonymous
	now      time.Time
	header   http.Header
	id       string // X-GitHub-Request-Id
	base     baseURLs
}

func pathEscape(name string) string { return url.PathEscape(name) }

// splitPath unescapes each segment of the raw path on its own, so an escaped
// "/" inside a package name stays inside its segment.
func splitPath(raw string) ([]string, error) {
	raw = strings.Trim(raw, "/")
	if raw == "" {
		return nil, nil
	}
	parts := strings.Split(raw, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		parts[i] = u
	}
	return parts, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.isRegistryRequest(r) {
		if s.reqLog == nil {
			s.serveRegistryRequest(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.serveRegistryRequest(sw, r)
		s.logRequest(r, sw.status, "")
		return
	}
	s.mu.Lock()
	s.requests++
	s.stats.Requests++
	reqID := fmt.Sprintf("FAKE:%04X:%06X", s.requests%0x10000, s.requests)
	f := s.takeFault(r)
	s.mu.Unlock()
	w.Header().Set("X-GitHub-Request-Id", reqID)

	// A delay alone slows the real answer, inside the handler, so the
	// request counts as in flight while it waits; a delay before a failure
	// happens up front, like a failing proxy's.
	var slow time.Duration
	if f != nil {
		if f.before() {
			if !sleep(r.Context(), f.Delay) {
				return
			}
		} else {
			slow = f.Delay
		}
		switch {
		case f.After:
		case f.Drop:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
			s.logRequest(r, 0, "dropped connection")
			return
		case f.Status != 0:
			writeError(w, &apiError{status: f.Status, message: http.StatusText(f.Status), doc: docURL})
			s.logRequest(r, f.Status, fmt.Sprintf("status %d", f.Status))
			return
		}
	}
	rec := &recorder{header: http.Header{"X-Github-Request-Id": {reqID}}, status: http.StatusOK}
	if !s.handle(rec, r, slow) {
		s.logRequest(r, 0, "client went away")
		return
	}
	if f != nil && f.After && (f.Drop || f.Status != 0) {
		s.loseAnswer(w, r, f)
		return
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	body := rec.body
	fault := ""
	if f != nil && f.Delay > 0 {
		fault = "delay " + f.Delay.String()
	}
	if f != nil && f.Truncate && len(body) > 1 {
		s.logRequest(r, rec.status, "truncated body")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		w.Write(body[:len(body)/2])
		if hj, ok := w.(http.Hijacker); ok {
			if conn, buf, err := hj.Hijack(); err == nil {
				buf.Flush()
				conn.Close()
			}
		}
		return
	}
	w.WriteHeader(rec.status)
	w.Write(body)
	s.logRequest(r, rec.status, fault)
}

// recorder buffers a response so faults can cut it.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

// sleep waits d, real time; it reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// handle answers one API request into w, waiting slow before routing once
// the request is admitted. It reports false when the client went away
// during that wait.
func (s *Server) handle(w *recorder, r *http.Request, slow time.Duration) bool {
	escaped, inPrefix := strings.CutPrefix(r.URL.EscapedPath(), s.prefix)
	segs, err := splitPath(escaped)
	if err != nil || !inPrefix || (escaped != "" && escaped[0] != '/') {
		writeErrorRec(w, errNotFound())
		return true
	}
	req := &request{r: r, method: r.Method, segments: segs, header: w.header, id: w.header.Get("X-GitHub-Request-Id"),
		base: s.baseURLs(r)}

	s.mu.Lock()
	req.now = s.now()
	aerr := s.authenticate(req)
	// A bad token still counts against the caller's (anonymous) budget and
	// still gets the rate-limit headers.
	release, limitErr := s.admit(req)
	if aerr == nil {
		aerr = limitErr
	}
	s.mu.Unlock()
	if release != nil && aerr != nil {
		release()
	}
	if aerr != nil {
		writeErrorRec(w, aerr)
		return true
	}
	defer release()
	if !sleep(r.Context(), slow) {
		return false
	}

	s.mu.Lock()
	status, body, aerr := s.route(req)
	s.mu.Unlock()
	if aerr != nil {
		writeErrorRec(w, aerr)
		return true
	}
	w.status = status
	if body == nil {
		return true
	}
	w.header.Set("Content-Type", "application/json; charset=utf-8")
	w.body, _ = json.Marshal(body)
	if r.Method != http.MethodGet || status != http.StatusOK {
		return true
	}
	// Conditional requests, as GitHub serves them: an ETag on every GET,
	// and 304 Not Modified, free of rate-limit cost, when it still matches.
	sum := sha256.Sum256(w.body)
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	w.header.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.status, w.body = http.StatusNotModified, nil
		w.header.Del("Content-Type")
		s.mu.Lock()
		s.stats.NotModified++
		s.refund(req)
		s.mu.Unlock()
	}
	return true
}

func writeErrorRec(w *recorder, e *apiError) {
	for k, v := range e.header {
		w.header.Set(k, v)
	}
	w.header.Set("Content-Type", "application/json; charset=utf-8")
	w.status = e.status
	w.body, _ = json.Marshal(map[string]string{"message": e.message, "documentation_url": e.doc})
}

func writeError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"message": e.message, "documentation_url": e.doc})
}

// authenticate resolves the Authorization header. It answers 401 for an
// unknown token; a missing token is allowed here and checked per resource.
func (s *Server) authenticate(req *request) *apiError {
	h := req.r.Header.Get("Authorization")
	if h == "" {
		return nil
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		return errorf(http.StatusUnauthorized, "Bad credentials")
	}
	t, known := s.tokens[strings.TrimSpace(tok)]
	if !known {
		return errorf(http.StatusUnauthorized, "Bad credentials")
	}
	req.token = &t
	if !t.FineGrained && !t.actions() {
		// A classic token gets both headers on every answer; operations
		// needing a scope overwrite the accepted list in authorize.
		req.header.Set("X-OAuth-Scopes", joinScopes(t.Scopes))
		req.header.Set("X-Accepted-OAuth-Scopes", "")
	}
	return nil
}

func joinScopes(scopes []ghpackages.Scope) string {
	parts := make([]string, len(scopes))
	for i, sc := range scopes {
		parts[i] = string(sc)
	}
	return strings.Join(parts, ", ")
}

// authorize checks that the caller may perform op on a package of type typ
// that is public or not.
func (s *Server) authorize(req *request, op ghpackages.Operation, typ ghpackages.PackageType, public bool) *apiError {
	need := ghpackages.RequiredScopes(op, typ)
	if req.token == nil {
		if op == ghpackages.OperationRead && public {
			return nil
		}
		return errorf(http.StatusUnauthorized, "Requires authentication")
	}
	if req.token.FineGrained {
		if op != ghpackages.OperationRead {
			return errorf(http.StatusForbidden, "Resource not accessible by personal access token")
		}
		return nil
	}
	if req.token.actions() {
		// Checked against the package: see reaches.
		return nil
	}
	req.header.Set("X-Accepted-OAuth-Scopes", joinScopes(need))
	if missing := ghpackages.MissingScopes(req.token.Scopes, need); len(missing) > 0 {
		return errorf(http.StatusForbidden, "You need at least %s scope to %s packages.", joinScopes(missing), verb(op))
	}
	return nil
}

func verb(op ghpackages.Operation) string {
	switch op {
	case ghpackages.OperationDelete:
		return "delete"
	case ghpackages.OperationRestore:
		return "restore"
	}
	return "read"
}

// route dispatches one authenticated-or-anonymous API request.
func (s *Server) route(req *request) (int, any, *apiError) {
	segs := req.segments
	if len(segs) == 1 && segs[0] == "rate_limit" && req.method == http.MethodGet {
		return http.StatusOK, s.rateLimitBody(req), nil
	}
	if len(segs) == 1 && segs[0] == "user" && req.method == http.MethodGet {
		return s.authenticatedUser(req)
	}
	if len(segs) == 2 && segs[0] == "users" && req.method == http.MethodGet {
		if o := s.owners[lower(segs[1])]; o != nil {
			return http.StatusOK, userJSON(req.base, o), nil
		}
		return 0, nil, errNotFound()
	}
	// Owner prefix: orgs/{org}, users/{username}, or user.
	var o *owner
	var rest []string
	switch {
	case len(segs) >= 2 && segs[0] == "orgs":
		o = s.owners[lower(segs[1])]
		if o != nil && !o.org {
			o = nil
		}
		rest = segs[2:]
	case len(segs) >= 2 && segs[0] == "users":
		o = s.owners[lower(segs[1])]
		rest = segs[2:]
	case len(segs) >= 1 && segs[0] == "user":
		if req.token == nil {
			return 0, nil, errorf(http.StatusUnauthorized, "Requires authentication")
		}
		o = s.owners[lower(req.token.Login)]
		rest = segs[1:]
	default:
		return 0, nil, errNotFound()
	}
	switch {
	case len(rest) == 2 && rest[0] == "docker" && rest[1] == "conflicts" && req.method == http.MethodGet:
		return s.listConflicts(req, o)
	case len(rest) == 1 && rest[0] == "packages" && req.method == http.MethodGet:
		return s.listPackages(req, o)
	case len(rest) < 3 || rest[0] != "packages":
		return 0, nil, errNotFound()
	}
	typ := ghpackages.PackageType(rest[1])
	name := rest[2]
	if !typ.Valid() {
		return 0, nil, errPackageNotFound()
	}
	tail := rest[3:]
	switch {
	case len(tail) == 0 && req.method == http.MethodGet:
		p, err := s.readablePackage(req, o, typ, name)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, packageJSON(req.base, p), nil
	case len(tail) == 0 && req.method == http.MethodDelete:
		return s.deletePackage(req, o, typ, name)
	case len(tail) == 1 && tail[0] == "restore" && req.method == http.MethodPost:
		return s.restorePackage(req, o, typ, name)
	case len(tail) == 1 && tail[0] == "versions" && req.method == http.MethodGet:
		return s.listVersions(req, o, typ, name)
	case len(tail) >= 2 && tail[0] == "versions":
		id, err := strconv.ParseInt(tail[1], 10, 64)
		if err != nil || id <= 0 {
			return 0, nil, errVersionNotFound()
		}
		switch {
		case len(tail) == 2 && req.method == http.MethodGet:
			p, v, aerr := s.readableVersion(req, o, typ, name, id)
			if aerr != nil {
				return 0, nil, aerr
			}
			return http.StatusOK, versionJSON(req.base, p, v, req.now, s.listingLag), nil
		case len(tail) == 2 && req.method == http.MethodDelete:
			return s.deleteVersion(req, o, typ, name, id)
		case len(tail) == 3 && tail[2] == "restore" && req.method == http.MethodPost:
			return s.restoreVersion(req, o, typ, name, id)
		}
	}
	return 0, nil, errNotFound()
}

// readablePackage finds an active package the caller may read.
func (s *Server) readablePackage(req *request, o *owner, typ ghpackages.PackageType, name string) (*pkg, *apiError) {
	var p *pkg
	if o != nil {
		p = s.findPackage(o, typ, name)
	}
	public := p != nil && p.visibility == ghpackages.VisibilityPublic
	if err := s.authorize(req, ghpackages.OperationRead, typ, public); err != nil {
		return nil, err
	}
	if p == nil || (!public && !reaches(req.token, p)) {
		return nil, errPackageNotFound()
	}
	return p, nil
}

// reaches reports whether an Actions token's repository reaches p (the
// package is linked to it); other tokens reach every package.
func reaches(t *TokenSpec, p *pkg) bool {
	if !t.actions() {
		return true
	}
	return strings.EqualFold(t.Repository, p.owner.login+"/"+p.repo)
}

// errIntegration is GitHub's answer to an Actions token calling an
// endpoint it may not use.
func errIntegration() *apiError {
	return errorf(http.StatusForbidden, "Resource not accessible by integration")
}

// listConflicts answers the docker-migration conflicts endpoints. Their
// descriptions ask only read:packages of a classic token (not the per-type
// rule of the package endpoints, so no repo), and list the packages
// "readable by the requesting user": an anonymous caller sees the public
// ones, except under /user, which needs a token.
func (s *Server) listConflicts(req *request, o *owner) (int, any, *apiError) {
	switch {
	case req.token == nil && req.segments[0] == "user":
		return 0, nil, errorf(http.StatusUnauthorized, "Requires authentication")
	case req.token.actions():
		return 0, nil, errIntegration()
	case req.token != nil && !req.token.FineGrained:
		need := []ghpackages.Scope{ghpackages.ScopeReadPackages}
		req.header.Set("X-Accepted-OAuth-Scopes", joinScopes(need))
		if missing := ghpackages.MissingScopes(req.token.Scopes, need); len(missing) > 0 {
			return 0, nil, errorf(http.StatusForbidden, "You need at least %s scope to read packages.", joinScopes(missing))
		}
	}
	out := []any{}
	if o != nil {
		for _, p := range s.packages {
			if p.owner == o && p.conflict && p.deletedAt == nil && (req.token != nil || p.visibility == ghpackages.VisibilityPublic) {
				out = append(out, packageJSON(req.base, p))
			}
		}
	}
	return http.StatusOK, paginate(req, out), nil
}

func (s *Server) readableVersion(req *request, o *owner, typ ghpackages.PackageType, name string, id int64) (*pkg, *version, *apiError) {
	p, err := s.readablePackage(req, o, typ, name)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range p.versions {
		if v.id == id && v.deletedAt == nil && v.listed(req.now) {
			return p, v, nil
		}
	}
	return nil, nil, errVersionNotFound()
}

// paging reads page and per_page as GitHub does: defaults 1 and 30, per_page
// capped at 100, nonsense treated as the default.
func paging(q url.Values) (page, perPage int) {
	page, perPage = 1, 30
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	return page, perPage
}

// paginate slices items for the request's page and sets the Link header
// the way GitHub formats it: absolute URLs on the request's host, the
// client's query kept in its order with page replaced, rel prev, next, last
// and first in that order, and no header when everything fits on one page.
func paginate[T any](req *request, items []T) []T {
	page, perPage := paging(req.r.URL.Query())
	last := max(1, (len(items)+perPage-1)/perPage)
	scheme := "http"
	if req.r.TLS != nil {
		scheme = "https"
	}
	link := func(n int, rel string) string {
		u := url.URL{Scheme: scheme, Host: req.r.Host, Path: req.r.URL.Path, RawPath: req.r.URL.RawPath, RawQuery: withPage(req.r.URL.RawQuery, n)}
		return "<" + u.String() + `>; rel="` + rel + `"`
	}
	var links []string
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		req.header.Set("Link", strings.Join(links, ", "))
	}
	start := (page - 1) * perPage
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+perPage, len(items))]
}

// withPage returns rawQuery with its page parameter set to n, keeping the
// other parameters in the client's order (page is appended when absent).
func withPage(rawQuery string, n int) string {
	page := "page=" + strconv.Itoa(n)
	var parts []string
	set := false
	for _, kv := range strings.Split(rawQuery, "&") {
		switch {
		case kv == "":
		case kv == "page" || strings.HasPrefix(kv, "page="):
			if !set {
				parts, set = append(parts, page), true
			}
		default:
			parts = append(parts, kv)
		}
	}
	if !set {
		parts = append(parts, page)
	}
	return strings.Join(parts, "&")
}

func (s *Server) listPackages(req *request, o *owner) (int, any, *apiError) {
	q := req.r.URL.Query()
	typ := ghpackages.PackageType(q.Get("package_type"))
	if !typ.Valid() {
		return 0, nil, errorf(http.StatusBadRequest, "Invalid package_type: must be one of npm, maven, rubygems, docker, nuget, container.")
	}
	vis := ghpackages.Visibility(q.Get("visibility"))
	if vis != "" && !vis.Valid() {
		return 0, nil, errorf(http.StatusBadRequest, "Invalid visibility.")
	}
	if page, perPage := paging(q); page*perPage > 10000 {
		return 0, nil, errorf(http.StatusBadRequest, msgListLimit)
	}
	if req.token.actions() {
		return 0, nil, errIntegration()
	}
	if req.token != nil {
		if err := s.authorize(req, ghpackages.OperationRead, typ, true); err != nil {
			return 0, nil, err
		}
	} else if req.segments[0] == "orgs" {
		return 0, nil, errorf(http.StatusUnauthorized, "Requires authentication")
	}
	var out []any
	if o != nil {
		for _, p := range s.packages {
			if p.owner != o || p.typ != typ || p.deletedAt != nil {
				continue
			}
			if req.token == nil && p.visibility != ghpackages.VisibilityPublic {
				continue
			}
			if vis != "" && p.visibility != vis && !(vis == ghpackages.VisibilityPrivate && p.visibility == ghpackages.VisibilityInternal) {
				continue
			}
			out = append(out, packageJSON(req.base, p))
		}
	} else if req.segments[0] != "user" {
		return 0, nil, errNotFound()
	}
	return http.StatusOK, paginate(req, nonNil(out)), nil
}

func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func (s *Server) listVersions(req *request, o *owner, typ ghpackages.PackageType, name string) (int, any, *apiError) {
	p, err := s.readablePackage(req, o, typ, name)
	if err != nil {
		return 0, nil, err
	}
	state := ghpackages.VersionState(req.r.URL.Query().Get("state"))
	if state == "" {
		state = ghpackages.StateActive
	}
	if !state.Valid() {
		return 0, nil, errorf(http.StatusBadRequest, "Invalid state: must be active or deleted.")
	}
	var vs []*version
	for _, v := range p.versions {
		switch {
		case state == ghpackages.StateActive && v.deletedAt == nil && v.listed(req.now):
			vs = append(vs, v)
		case state == ghpackages.StateDeleted && v.deletedAt != nil && req.now.Sub(*v.deletedAt) <= restoreWindow:
			vs = append(vs, v)
		}
	}
	sortNewestFirst(vs)
	out := make([]any, 0, len(vs))
	for _, v := range paginate(req, vs) {
		out = append(out, versionJSON(req.base, p, v, req.now, s.listingLag))
	}
	return http.StatusOK, out, nil
}

// mutable finds the package a delete or restore acts on (find picks the
// active or the deleted one) and checks permission: the operation's scopes,
// and (modelled simply) that the package belongs to an org or to the token's
// user. GitHub answers 404, not 403, when the token may not administer it.
func (s *Server) mutable(req *request, op ghpackages.Operation, o *owner, typ ghpackages.PackageType, name string,
	find func(*owner, ghpackages.PackageType, string) *pkg) (*pkg, *apiError) {
	var p *pkg
	if o != nil {
		p = find(o, typ, name)
	}
	if err := s.authorize(req, op, typ, false); err != nil {
		return nil, err
	}
	switch {
	case p == nil:
		return nil, errPackageNotFound()
	case req.token.actions():
		// A workflow token administers only what its repository reaches,
		// and only with admin; GitHub answers 404 otherwise.
		if !req.token.Admin || !reaches(req.token, p) {
			return nil, errPackageNotFound()
		}
	case !p.owner.org && lower(p.owner.login) != lower(req.token.Login):
		return nil, errPackageNotFound()
	}
	return p, nil
}

func (s *Server) deletePackage(req *request, o *owner, typ ghpackages.PackageType, name string) (int, any, *apiError) {
	p, err := s.mutable(req, ghpackages.OperationDelete, o, typ, name, s.findPackage)
	if err != nil {
		return 0, nil, err
	}
	if p.visibility == ghpackages.VisibilityPublic {
		for _, v := range p.versions {
			if v.downloads > downloadLimit {
				return 0, nil, errorf(http.StatusBadRequest, msgTooManyDownloads)
			}
		}
	}
	at := req.now
	p.deletedAt = &at
	s.stats.Deletes++
	return http.StatusNoContent, nil, nil
}

func (s *Server) restorePackage(req *request, o *owner, typ ghpackages.PackageType, name string) (int, any, *apiError) {
	p, err := s.mutable(req, ghpackages.OperationRestore, o, typ, name, s.findDeletedPackage)
	if err != nil {
		return 0, nil, err
	}
	if req.now.Sub(*p.deletedAt) > restoreWindow {
		return 0, nil, errPackageNotFound()
	}
	if s.findPackage(o, typ, name) != nil {
		return 0, nil, errorf(http.StatusForbidden, "The package name is in use by another package and cannot be restored.")
	}
	for _, v := range p.versions {
		// Deleted with its last version: restore that version too.
		if v.deletedWithPackage {
			v.deletedAt, v.deletedWithPackage = nil, false
		}
	}
	p.deletedAt = nil
	s.stats.Restores++
	return http.StatusNoContent, nil, nil
}

func (s *Server) deleteVersion(req *request, o *owner, typ ghpackages.PackageType, name string, id int64) (int, any, *apiError) {
	p, err := s.mutable(req, ghpackages.OperationDelete, o, typ, name, s.findPackage)
	if err != nil {
		return 0, nil, err
	}
	active := p.activeVersions()
	i := slices.IndexFunc(active, func(v *version) bool { return v.id == id })
	if i < 0 {
		return 0, nil, errVersionNotFound()
	}
	v := active[i]
	if len(active) == 1 && typ == ghpackages.NPM && s.npmLastVersionDeletes {
		if p.visibility == ghpackages.VisibilityPublic && v.downloads > downloadLimit {
			return 0, nil, errorf(http.StatusBadRequest, msgTooManyDownloads)
		}
		// The version and the package go together; restoring the package
		// brings the version back.
		at := req.now
		v.deletedAt, p.deletedAt = &at, &at
		v.deletedWithPackage = true
		s.stats.Deletes++
		return http.StatusNoContent, nil, nil
	}
	if len(active) == 1 {
		if typ == ghpackages.Container {
			return 0, nil, errorf(http.StatusBadRequest, msgLastTaggedVersion)
		}
		return 0, nil, errorf(http.StatusBadRequest, msgLastVersion)
	}
	if typ == ghpackages.Container && len(v.tags) > 0 {
		tagged := 0
		for _, a := range active {
			if len(a.tags) > 0 {
				tagged++
			}
		}
		if tagged == 1 {
			return 0, nil, errorf(http.StatusBadRequest, msgLastTaggedVersion)
		}
	}
	if p.visibility == ghpackages.VisibilityPublic && v.downloads > downloadLimit {
		return 0, nil, errorf(http.StatusBadRequest, msgTooManyDownloads)
	}
	at := req.now
	v.deletedAt = &at
	s.stats.Deletes++
	return http.StatusNoContent, nil, nil
}

// restoreTags drops from a container version just restored the tags
// another active version of p carries now: a tag names one image, and a
// push that moved it while v was deleted keeps it. The REST API shows
// the change at once (restores are not delayed by WithListingLag).
func restoreTags(p *pkg, v *version, now time.Time, lag time.Duration) {
	if p.typ != ghpackages.Container && p.typ != ghpackages.Docker {
		return
	}
	taken := map[string]bool{}
	for _, a := range p.versions {
		if a != v && a.deletedAt == nil {
			for _, t := range a.tags {
				taken[t] = true
			}
		}
	}
	if kept := slices.DeleteFunc(slices.Clone(v.tags), func(t string) bool { return taken[t] }); len(kept) != len(v.tags) {
		v.setTags(kept, now.Add(-lag), lag)
	}
}

func (s *Server) restoreVersion(req *request, o *owner, typ ghpackages.PackageType, name string, id int64) (int, any, *apiError) {
	p, err := s.mutable(req, ghpackages.OperationRestore, o, typ, name, s.findPackage)
	if err != nil {
		return 0, nil, err
	}
	for _, v := range p.versions {
		if v.id != id {
			continue
		}
		if v.deletedAt == nil || req.now.Sub(*v.deletedAt) > restoreWindow {
			break
		}
		v.deletedAt, v.deletedWithPackage = nil, false
		restoreTags(p, v, req.now, s.listingLag)
		s.stats.Restores++
		return http.StatusNoContent, nil, nil
	}
	return 0, nil, errVersionNotFound()
}
