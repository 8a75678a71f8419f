package cli

import (
	"errors"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// valuesRule is the rule every flag follows, as 'ghpkg help prune' prints
// it; docs/ghpkg.md repeats it word for word (a test checks). New flags follow
// it: a flag that takes an exact value refuses pattern syntax, a flag that
// takes a pattern says PATTERN in its help, and a value that matches
// nothing is a warning.
const valuesRule = `Exact values and patterns:
  Only --include, --exclude and prune's PACKAGE arguments take patterns:
  a glob that matches the whole tag or name (* and ? stop at /),
  re:REGEXP (unanchored unless anchored), or glob:GLOB; --group-by takes
  re:REGEXP only, with one capture group.
  Every other value is exact and refuses pattern syntax (* ? [ re: glob:),
  naming the flag to use instead: --keep-tag (a tag; --exclude takes tag
  patterns), --keep-name (a whole version name: for containers the full
  sha256 digest, never shortened as the tables print it), --keep-id (the
  tables' ID column), --org/--user/--owner (one login), --registry (a
  host), the TAGs of untag (tags; prune --untag --include takes
  patterns) and the PACKAGE of every other command (one name).
  One value per flag: repeat the flag; a list in one value is refused.
  An --include entry or a PACKAGE pattern that matches nothing is a
  warning (in the text, and in the --json plan's warnings); a protective
  value that matches nothing refuses a --yes run (below).`

// patternChars are the characters that make a value a glob.
const patternChars = "*?["

// isPatternSyntax reports whether v is written as a pattern.
func isPatternSyntax(v string) bool {
	return strings.ContainsAny(v, patternChars) || strings.HasPrefix(v, "re:") || strings.HasPrefix(v, "glob:")
}

// checkKeepTag refuses a --keep-tag value that cannot be an exact tag as
// the user meant it.
func checkKeepTag(v string) error {
	t := strings.TrimSpace(v)
	switch {
	case t == "":
		return usagef("--keep-tag: empty value (give a tag, e.g. --keep-tag latest)")
	case isPatternSyntax(t):
		return usagef("--keep-tag %q is a pattern, but --keep-tag takes exact tags: to keep every version with a tag matching it, use --exclude %q", v, t)
	case strings.HasPrefix(t, "sha256:"):
		return usagef("--keep-tag %q is a digest, not a tag: use --keep-name with the full digest, or --keep-id with the version's ID", v)
	case strings.Contains(t, ","):
		return usagef("--keep-tag %q holds several tags: repeat the flag (--keep-tag %s)", v, strings.Join(strings.Split(t, ","), " --keep-tag "))
	case strings.Contains(t, ":") || strings.Contains(t, "@"):
		i := strings.LastIndexAny(t, ":@")
		return usagef("--keep-tag %q is an image reference, and tags hold no %q: give just the tag (--keep-tag %s)", v, t[i:i+1], t[i+1:])
	case strings.ContainsAny(t, " \t"):
		return usagef("--keep-tag %q: tags hold no spaces; repeat the flag for several tags", v)
	}
	return nil
}

// checkKeepName refuses a --keep-name value that would silently match
// nothing: a pattern, a digest shortened as the tables print it, a tag.
func checkKeepName(v string, typ ghpackages.PackageType) error {
	n := strings.TrimSpace(v)
	hexPart, isDigest := strings.CutPrefix(n, "sha256:")
	switch {
	case n == "":
		return usagef("--keep-name: empty value (give a version name, for containers the full sha256 digest)")
	case isPatternSyntax(n):
		return usagef("--keep-name %q is a pattern, but --keep-name takes exact version names: to keep versions by tag pattern use --exclude PATTERN, or list them with --keep-id ID", v)
	case isDigest && len(hexPart) < 64 && isHex(hexPart):
		return usagef("--keep-name %q is a shortened digest (the tables print 12 hex digits): give the full digest ('ghpkg versions PACKAGE --json' lists names), or --keep-id with the ID column", v)
	case isDigest && (len(hexPart) != 64 || !isHex(hexPart)):
		return usagef("--keep-name %q is not a sha256 digest (sha256: and 64 hex digits)", v)
	case strings.Contains(n, ","):
		return usagef("--keep-name %q holds several names: repeat the flag", v)
	case typ == ghpackages.Container && !isDigest:
		return usagef("--keep-name %q: container version names are digests (sha256:…); to keep a version by tag use --keep-tag %s", v, n)
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return s != ""
}

// checkPatternValue refuses a --include, --exclude or PACKAGE value that
// is written as a list, or as an image reference, which as a pattern
// would match nothing.
func checkPatternValue(flag, v string, isPackage bool) error {
	if strings.HasPrefix(v, "re:") {
		return nil
	}
	glob := strings.TrimPrefix(v, "glob:")
	switch {
	case strings.Contains(glob, ","):
		what := "pattern"
		if isPackage {
			what = "package name or pattern"
		}
		return usagef("%s %q holds several values: give one %s per argument, repeating the flag", flag, v, what)
	case isPackage && (strings.HasPrefix(glob, "ghcr.io/") || strings.HasPrefix(glob, "docker.pkg.github.com/")):
		rest := glob[strings.Index(glob, "/")+1:]
		owner, name, _ := strings.Cut(rest, "/")
		return usagef("PACKAGE %q is an image reference: give the package name and the owner apart (%s --owner %s)", v, orText(name, "NAME"), orText(owner, "OWNER"))
	case isPackage && (strings.Contains(glob, ":") || strings.Contains(glob, "@")):
		i := strings.IndexAny(glob, ":@")
		return usagef("PACKAGE %q names a tag or digest, but prune takes package names: give %s, and select tags with --include/--exclude/--keep-tag", v, glob[:i])
	}
	return nil
}

// checkPackageName refuses a PACKAGE argument of a command that takes an
// exact name (all but prune) when it is written as a pattern, a list or an
// image reference, which would only ever be "not found".
func checkPackageName(cmd, v string) error {
	switch {
	case isPatternSyntax(v):
		return usagef("PACKAGE %q is a pattern, but %s takes exact package names: 'ghpkg prune' takes patterns, and 'ghpkg packages' lists the names", v, cmd)
	case strings.TrimSpace(v) == "":
		return usagef("PACKAGE: empty name")
	}
	return checkPatternValue("PACKAGE", v, true)
}

// checkLogin refuses an owner flag's value that cannot be one login: a
// pattern, a list, a path or a URL.
func checkLogin(flag, v string) error {
	switch {
	case v == "":
		return nil
	case isPatternSyntax(v):
		return usagef("%s %q is a pattern, but %s takes one login: patterns select packages (ghpkg prune 'team/*')", flag, v, flag)
	case strings.Contains(v, "://"):
		return usagef("%s %q is a URL: give just the login (and --base-url for GitHub Enterprise Server)", flag, v)
	case strings.Contains(v, "/"):
		owner, pkg, _ := strings.Cut(v, "/")
		return usagef("%s %q holds a package: give the login (%s %s) and the package apart (%s)", flag, v, flag, owner, pkg)
	case strings.ContainsAny(v, ", "):
		return usagef("%s %q: one login per run", flag, v)
	}
	return nil
}

// checkRegistry refuses a --registry value that is not a host[:port].
func checkRegistry(v string) error {
	switch {
	case v == "":
		return nil
	case strings.Contains(v, "://"):
		return usagef("--registry %q is a URL: give the host, e.g. --registry %s", v, strings.SplitN(strings.SplitN(v, "://", 2)[1], "/", 2)[0])
	case isPatternSyntax(v):
		return usagef("--registry %q is a pattern, but --registry takes one host, e.g. --registry ghcr.io", v)
	case strings.Contains(v, "/"):
		return usagef("--registry %q holds a path: give the host only, e.g. --registry %s (the repository comes from --org and PACKAGE)", v, strings.SplitN(v, "/", 2)[0])
	}
	return nil
}

// olderThanValue parses --older-than, refusing what cannot be meant: a
// negative age, an age of 0 (which would delete regardless of age: that
// is --all-ages), and anything ParseAge cannot read.
func olderThanValue(s string) (time.Duration, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, usagef("--older-than %s: an age cannot be negative (want e.g. 30d, 2w, 12h)", s)
	}
	d, err := ageValue("--older-than", s)
	var ue usageError
	if errors.As(err, &ue) {
		return 0, err
	}
	if err != nil {
		if n, nerr := strconv.Atoi(strings.TrimSpace(s)); nerr == nil {
			return 0, usagef("--older-than %q has no unit: write %dd for days, %dh for hours", s, n, n)
		}
		return 0, usagef("--older-than %q: want an age such as 30d, 2w, 12h or 90min", s)
	}
	if d == 0 {
		return 0, usagef("--older-than %s is an age of zero, which would delete regardless of age: give a positive age such as 30d, or --all-ages if you mean any age", s)
	}
	return d, nil
}
