package main

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// The -fault and -token flags' little languages. They build the
// ghpackagestest values a Go test would write as literals.

// parseFaultSpec reads a ghpackagestest.Fault as the -fault flag takes
// it: comma-separated KEY=VALUE items and flags,
//
//	status=502,count=3,method=GET,path=/orgs/*/packages/*/*/versions
//	truncate,path=/orgs/octo-org/packages/npm/big/versions
//	drop,prefix=/user/packages
//	delay=2s,count=5
//	after,drop,method=DELETE,prefix=/orgs/octo-org/packages
//	after,status=502,method=POST
//
// with status, drop, truncate, delay and after as in ghpackagestest.Fault (after needs
// status or drop), count (default 1), method, path (a path.Match pattern on
// the escaped path) and prefix (a path prefix).
func parseFaultSpec(spec string) (ghpackagestest.Fault, error) {
	var f ghpackagestest.Fault
	for item := range strings.SplitSeq(spec, ",") {
		key, val, hasVal := strings.Cut(strings.TrimSpace(item), "=")
		var err error
		switch {
		case key == "drop" && !hasVal:
			f.Drop = true
		case key == "truncate" && !hasVal:
			f.Truncate = true
		case key == "after" && !hasVal:
			f.After = true
		case key == "status" && hasVal:
			f.Status, err = strconv.Atoi(val)
			if err == nil && (f.Status < 100 || f.Status > 599) {
				err = fmt.Errorf("not an HTTP status")
			}
		case key == "count" && hasVal:
			f.Count, err = strconv.Atoi(val)
			if err == nil && f.Count < 1 {
				err = fmt.Errorf("want at least 1")
			}
		case key == "delay" && hasVal:
			f.Delay, err = time.ParseDuration(val)
		case key == "method" && hasVal:
			f.Method = strings.ToUpper(val)
		case key == "path" && hasVal:
			f.Path = val
			_, err = path.Match(val, "")
		case key == "prefix" && hasVal:
			f.PathPrefix = val
		default:
			return ghpackagestest.Fault{}, fmt.Errorf("fault %q: unknown item %q (want status=N, drop, truncate, delay=D, after, count=N, method=M, path=PATTERN, prefix=P)", spec, item)
		}
		if err != nil {
			return ghpackagestest.Fault{}, fmt.Errorf("fault %q: %s: %v", spec, key, err)
		}
	}
	if f.Status == 0 && !f.Drop && !f.Truncate && f.Delay == 0 {
		return ghpackagestest.Fault{}, fmt.Errorf("fault %q: says neither status, drop, truncate nor delay", spec)
	}
	if f.After && f.Status == 0 && !f.Drop {
		return ghpackagestest.Fault{}, fmt.Errorf("fault %q: after needs status or drop (what to lose the answer to)", spec)
	}
	return f, nil
}

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

// parseTokenSpec reads a ghpackagestest.TokenSpec as the -token flag
// takes it (after "NAME="):
//
//	read:packages,delete:packages   a classic token with these scopes
//	fine-grained                    a fine-grained token
//	actions:OWNER/REPO              an Actions workflow token of that repository
//	actions:OWNER/REPO:admin        the same, with admin on its packages
//
// Any of them may end in "@LOGIN" to name the token's user. An unknown
// classic scope is an error: GitHub has no such scope.
func parseTokenSpec(spec string) (ghpackagestest.TokenSpec, error) {
	var t ghpackagestest.TokenSpec
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		spec, t.Login = spec[:i], spec[i+1:]
		if t.Login == "" {
			return ghpackagestest.TokenSpec{}, fmt.Errorf("empty login after @")
		}
	}
	switch {
	case spec == "fine-grained":
		t.FineGrained = true
	case strings.HasPrefix(spec, "actions:"):
		repo := strings.TrimPrefix(spec, "actions:")
		repo, t.Admin = strings.CutSuffix(repo, ":admin")
		if o, r, ok := strings.Cut(repo, "/"); !ok || o == "" || r == "" || strings.ContainsAny(r, "/:") {
			return ghpackagestest.TokenSpec{}, fmt.Errorf("actions token %q: want actions:OWNER/REPO or actions:OWNER/REPO:admin", spec)
		}
		t.Repository = repo
	default:
		t.Scopes = ghpackages.ParseScopes(spec)
		for _, sc := range t.Scopes {
			if !slices.Contains(classicScopes, string(sc)) {
				return ghpackagestest.TokenSpec{}, fmt.Errorf("unknown scope %q (classic scopes are like read:packages, delete:packages, repo; or use fine-grained or actions:OWNER/REPO)", sc)
			}
		}
	}
	return t, nil
}

// parseRegistryLimit reads -registry-limit: "N/min" (or "N/m"), N a whole
// number above 0.
func parseRegistryLimit(spec string) (int, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(spec), "/")
	if !ok || (unit != "min" && unit != "m") {
		return 0, fmt.Errorf("registry limit %q: want N/min, e.g. 44000/min", spec)
	}
	v, err := strconv.Atoi(n)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("registry limit %q: N must be a whole number above 0, e.g. 44000/min", spec)
	}
	return v, nil
}
