package ghpackages

import (
	"net/http"
	"slices"
	"strings"
)

// Scope is a classic OAuth / personal-access-token scope.
//
// See https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
type Scope string

// The scopes the Packages API uses.
const (
	ScopeReadPackages   Scope = "read:packages"
	ScopeWritePackages  Scope = "write:packages"
	ScopeDeletePackages Scope = "delete:packages"
	// ScopeRepo is needed as well for every package type but Container,
	// because those packages inherit their repository's permissions.
	ScopeRepo Scope = "repo"
)

// Operation is a kind of Packages API call, for RequiredScopes.
type Operation string

// The operation kinds the Packages API distinguishes for scopes.
const (
	OperationRead    Operation = "read"
	OperationDelete  Operation = "delete"
	OperationRestore Operation = "restore"
)

// RequiredScopes returns the classic scopes GitHub documents for op on a
// package of type typ: read needs read:packages; delete needs read:packages
// and delete:packages; restore needs read:packages and write:packages; and
// every type but Container also needs repo. An unknown op yields nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func RequiredScopes(op Operation, typ PackageType) []Scope {
	var need []Scope
	switch op {
	case OperationRead:
		need = []Scope{ScopeReadPackages}
	case OperationDelete:
		need = []Scope{ScopeReadPackages, ScopeDeletePackages}
	case OperationRestore:
		need = []Scope{ScopeReadPackages, ScopeWritePackages}
	default:
		return nil
	}
	if typ != Container {
		need = append(need, ScopeRepo)
	}
	return need
}

// ParseScopes splits an X-OAuth-Scopes style header ("repo, read:packages")
// into scopes, dropping empty entries. It returns an empty, non-nil slice for
// a header that is present but lists no scope.
func ParseScopes(header string) []Scope {
	scopes := []Scope{}
	for part := range strings.SplitSeq(header, ",") {
		if s := strings.TrimSpace(part); s != "" {
			scopes = append(scopes, Scope(s))
		}
	}
	return scopes
}

// headerScopes parses the named scope header; nil when it is absent.
func headerScopes(h http.Header, name string) []Scope {
	values := h.Values(name)
	if values == nil {
		return nil
	}
	return ParseScopes(strings.Join(values, ","))
}

// impliedBy lists, for a scope, the broader scopes that grant it.
var impliedBy = map[Scope][]Scope{
	ScopeReadPackages: {ScopeWritePackages},
}

// MissingScopes returns the scopes in need that have does not grant, in
// need's order. write:packages grants read:packages.
func MissingScopes(have, need []Scope) []Scope {
	var missing []Scope
	for _, n := range need {
		if slices.Contains(have, n) {
			continue
		}
		granted := false
		for _, broader := range impliedBy[n] {
			if slices.Contains(have, broader) {
				granted = true
				break
			}
		}
		if !granted {
			missing = append(missing, n)
		}
	}
	return missing
}

func joinScopes(scopes []Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
