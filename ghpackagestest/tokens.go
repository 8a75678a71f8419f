package ghpackagestest

import (
	"fmt"
	"slices"
	"strings"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// classicScopes are the scopes a classic personal access token can have.
var classicScopes = []string{
	"repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events",
	"workflow", "write:packages", "read:packages", "delete:packages",
	"admin:org", "write:org", "read:org", "manage_runners:org",
	"admin:public_key", "write:public_key", "read:public_key",
	"admin:repo_hook", "write:repo_hook", "read:repo_hook", "admin:org_hook",
	"gist", "notifications", "user", "read:user", "user:email", "user:follow",
	"delete_repo", "write:discussion", "read:discussion",
	"admin:enterprise", "manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise",
	"audit_log", "read:audit_log", "codespace", "codespace:secrets", "copilot", "manage_billing:copilot",
	"project", "read:project", "admin:gpg_key", "write:gpg_key", "read:gpg_key",
	"admin:ssh_signing_key", "write:ssh_signing_key", "read:ssh_signing_key",
}

// ParseTokenSpec reads a token description as cmd/ghpackages-fake's
// -token flag takes it (after "NAME="):
//
//	read:packages,delete:packages   a classic token with these scopes
//	fine-grained                    a fine-grained token
//	actions:OWNER/REPO              an Actions workflow token of that repository
//	actions:OWNER/REPO:admin        the same, with admin on its packages
//
// Any of them may end in "@LOGIN" to name the token's user. An unknown
// classic scope is an error: GitHub has no such scope.
func ParseTokenSpec(spec string) (TokenSpec, error) {
	var t TokenSpec
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		spec, t.Login = spec[:i], spec[i+1:]
		if t.Login == "" {
			return TokenSpec{}, fmt.Errorf("empty login after @")
		}
	}
	switch {
	case spec == "fine-grained":
		t.FineGrained = true
	case strings.HasPrefix(spec, "actions:"):
		repo := strings.TrimPrefix(spec, "actions:")
		repo, t.Admin = strings.CutSuffix(repo, ":admin")
		if o, r, ok := strings.Cut(repo, "/"); !ok || o == "" || r == "" || strings.ContainsAny(r, "/:") {
			return TokenSpec{}, fmt.Errorf("actions token %q: want actions:OWNER/REPO or actions:OWNER/REPO:admin", spec)
		}
		t.Repository = repo
	default:
		t.Scopes = ghpackages.ParseScopes(spec)
		for _, sc := range t.Scopes {
			if !slices.Contains(classicScopes, string(sc)) {
				return TokenSpec{}, fmt.Errorf("unknown scope %q (classic scopes are like read:packages, delete:packages, repo; or use fine-grained or actions:OWNER/REPO)", sc)
			}
		}
	}
	return t, nil
}
