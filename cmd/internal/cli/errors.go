package cli

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/editdistance"
	"github.com/ghpackages/ghpackages-go/retention"
)

// usageError is a mistake in the command line, or a missing token.
type usageError struct{ msg string }

// Error returns the message.
func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCode maps an error found before any change to the exit code: 2 for
// what the user must fix (usage, authentication, scopes, permissions, a
// name that is not found, a host that does not exist), 1 for what may pass
// (server errors, networks, rate limits).
func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.As(err, &ue), errors.Is(err, ghpackages.ErrInvalidArgument), errors.Is(err, retention.ErrInvalidPolicy):
		return ExitUsage
	case errors.Is(err, ghpackages.ErrUnauthorized), errors.Is(err, ghpackages.ErrForbidden), errors.Is(err, ghpackages.ErrNotFound):
		return ExitUsage
	case len(missingScopes(err)) > 0, unknownHost(err) != "":
		return ExitUsage
	}
	return ExitFailed
}

// dialFailure returns the address a connection could not be opened to, if
// that is what err is.
func dialFailure(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Addr != nil {
		return opErr.Addr.String()
	}
	return ""
}

// unknownHost returns the host a DNS lookup found not to exist, if that is
// what err is.
func unknownHost(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return dnsErr.Name
	}
	return ""
}

// missingScopes returns the scopes an error says the token lacks.
func missingScopes(err error) []ghpackages.Scope {
	var se scopeError
	if errors.As(err, &se) {
		return se.missing
	}
	var apiErr *ghpackages.Error
	if errors.As(err, &apiErr) {
		return apiErr.MissingScopes
	}
	return nil
}

// scopeError is a preflight finding that the token lacks scopes.
type scopeError struct {
	what    string
	missing []ghpackages.Scope
}

// Error names the missing scopes.
func (e scopeError) Error() string {
	return fmt.Sprintf("the token lacks the scopes %s needed to %s: %s", scopeList(e.missing), e.what, scopeFix(e.missing))
}

// scopeFix says how to get the missing scopes.
func scopeFix(missing []ghpackages.Scope) string {
	return fmt.Sprintf("add %s to the classic token (GitHub → Settings → Developer settings → Tokens (classic)), or create one with it; 'ghpkg scopes' lists what each command needs",
		scopeList(missing))
}

// scopeAdvice is the advice for an answer that names missing scopes.
func scopeAdvice(missing []ghpackages.Scope) string {
	return fmt.Sprintf("the token lacks the scopes %s: %s", scopeList(missing), scopeFix(missing))
}

// advised marks an error that explain has already annotated.
type advised struct{ err error }

// Error returns the annotated message.
func (e advised) Error() string { return e.err.Error() }

// Unwrap returns the annotated error.
func (e advised) Unwrap() error { return e.err }

// explain adds advice to the errors a user can act on, and rewrites the
// retention package's Go field names into the flags the user typed.
func explain(err error) error {
	var done advised
	if err == nil || errors.As(err, &done) {
		return err
	}
	var advice string
	var se scopeError
	switch {
	case errors.As(err, &se):
		return advised{err}
	case errors.Is(err, retention.ErrInvalidPolicy):
		return advised{errors.New(flagWords(strings.TrimPrefix(err.Error(), retention.ErrInvalidPolicy.Error()+": ")))}
	case errors.Is(err, ghpackages.ErrUnauthorized):
		advice = "the token was refused: check GITHUB_TOKEN, GH_TOKEN or --token-file"
	case len(missingScopes(err)) > 0:
		advice = scopeAdvice(missingScopes(err))
	case errors.Is(err, ghpackages.ErrLastVersion):
		advice = "GitHub refuses to delete a package's last version (for containers, its last tagged version): delete the whole package instead (ghpkg delete PACKAGE --yes, without --id)"
	case errors.Is(err, ghpackages.ErrTooManyDownloads):
		advice = "GitHub refuses to delete a public version downloaded more than 5,000 times, and the API shows no download counts: contact GitHub support to remove it"
	case errors.Is(err, ghpackages.ErrRateLimited):
		advice = "rate limited: run again later to continue"
	case unknownHost(err) != "":
		advice = fmt.Sprintf("the host %s does not exist (DNS): check --base-url (GitHub Enterprise Server: https://HOST/api/v3/)", unknownHost(err))
	case dialFailure(err) != "":
		advice = fmt.Sprintf("could not connect to %s: check --base-url, the network and any proxy (HTTPS_PROXY)", dialFailure(err))
	case errors.Is(err, ghpackages.ErrForbidden):
		advice = "forbidden: with the Actions GITHUB_TOKEN, give this repository access to the package (Package settings → Manage Actions access, role Admin to delete); a fine-grained token needs the Packages permission"
	case errors.Is(err, ghpackages.ErrNotFound) && !hasHint(err):
		advice = "not found, or not visible to the token: GitHub answers 404, not 403, for private packages the token cannot see"
	default:
		return err
	}
	return advised{fmt.Errorf("%w\n%s", err, advice)}
}

// hasHint reports whether the SDK already explained the error's likely cause.
func hasHint(err error) bool {
	var apiErr *ghpackages.Error
	return errors.As(err, &apiErr) && apiErr.Hint != ""
}

// fieldFlags rewrites retention.Policy's field names, in its validation
// errors and plan reasons, into ghpkg's flags. Longer phrases come first.
var fieldFlags = strings.NewReplacer(
	"set Tags to TaggedOnly or AnyTags", "add --tagged-only or --any-tags",
	"set OlderThan, or DeleteAllMatching to delete regardless of age", "give --older-than AGE, or --all-ages to delete regardless of age",
	"set DeletePackageWhenEmpty", "pass --delete-package-when-empty",
	"DeletePackageWhenEmpty", "--delete-package-when-empty",
	"DeleteGhostImages", "--delete-ghost-images",
	"DeletePartialImages", "--delete-partial-images",
	"DeleteOrphanedReferrers", "--delete-orphaned-referrers",
	"DeleteAllMatching", "--all-ages",
	"SkipReferenceCheck", "--skip-reference-check",
	"(GroupBy)", "(--group-by)",
	"GroupBy", "--group-by",
	"(Grace)", "(--grace)",
	"KeepNewestTagged", "--keep-tagged",
	"KeepNewestUntagged", "--keep-untagged",
	"KeepNewest", "--keep",
	"OlderThan", "--older-than",
	"MaxDelete", "--max-delete",
	"IncludeTags", "--include",
	"ExcludeTags", "--exclude",
	"KeepNames", "--keep-name",
	"KeepTags", "--keep-tag",
	"KeepIDs", "--keep-id",
	"UntaggedOnly", "--untagged-only",
	"TaggedOnly", "--tagged-only",
	"AnyTags", "--any-tags",
	"Untag", "--untag",
	"use ParsePattern", "give a non-empty pattern",
)

// flagWords rewrites Go field names in s into ghpkg's flag names.
func flagWords(s string) string { return fieldFlags.Replace(s) }

func scopeList(scopes []ghpackages.Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// suggestFlag returns "--name" for an unknown flag close to one of cmd's
// flags (a typo or a missing letter), or "".
func suggestFlag(cmd *cobra.Command, err error) string {
	msg := err.Error()
	const prefix = "unknown flag: --"
	i := strings.Index(msg, prefix)
	if i < 0 {
		return ""
	}
	typed := msg[i+len(prefix):]
	if j := strings.IndexAny(typed, " \n"); j >= 0 {
		typed = typed[:j]
	}
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editdistance.Levenshtein(typed, f.Name)
		if d <= 2 || strings.HasPrefix(f.Name, typed) && len(typed) >= 3 {
			cands = append(cands, cand{f.Name, d})
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	if len(cands) == 0 {
		return ""
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].d < cands[j].d })
	return "--" + cands[0].name
}
