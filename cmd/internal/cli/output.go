package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// schemaVersion names the --json format. It changes only when a field is
// removed or changes meaning; new fields may be added within a version.
//
// The types below are the format: they are ghpkg's own, filled from the
// SDK's and the retention package's values field by field, so a change of
// a json tag there cannot change ghpkg's output. Golden files in testdata/
// pin every command's document.
const schemaVersion = "ghpkg/v1"

// jsonHelp documents the --json output; 'ghpkg help json' prints it, and a
// test checks that every key the commands emit is listed here.
const jsonHelp = `ghpkg --json output, schema "ghpkg/v1"

Every command prints one JSON object to stdout. Keys are snake_case; times
are RFC 3339 in UTC; version IDs are 64-bit integers; durations are strings
("30d", "12h"). New keys may be added within "ghpkg/v1"; none is removed or
changes meaning.

Every object:
  schema       "ghpkg/v1"
  command      the command: packages, versions, get, delete, restore, prune,
               untag, verify, scopes, version
  owner        {"kind": "org"|"user"|"authenticated", "name": LOGIN (absent
               for authenticated)} (not in scopes and version)
  type         the package type: npm, maven, rubygems, docker, nuget, container

packages:
  packages     [PACKAGE]  PACKAGE: {id, name, package_type, visibility,
               version_count, url, html_url, created_at, updated_at,
               owner: {login, id, type}, repository: {id, name, full_name,
               private, html_url} (absent when not linked)}
versions:
  package      the package name
  state        "active" or "deleted"
  versions     [VERSION]  VERSION: {id, name, tags (always a list), url,
               package_html_url, html_url, license, description, created_at,
               updated_at, deleted_at (deleted versions only), metadata:
               {package_type, container: {tags}, docker: {tag}}}
get:
  package      the package name
  info         PACKAGE (without --id)
  version      VERSION (with --id)

delete, restore, prune, untag:
  dry_run      true when nothing was changed (prune or untag without --yes)
  plan         (prune and untag) {owner_kind, owner_name, created_at,
               warnings (what could not be checked, and what was kept for
               it), untag (untag: the tags asked for), policy, packages:
               [{type, name, withheld (deletions the policy selected but
               withheld: their safety could not be proven), withheld_reason
               (why; absent when withheld is 0), delete_package,
               package_reason, kept_by_reason: {REASON: COUNT}, storage
               ({freed_bytes, kept_bytes}: see STORAGE below), groups (with
               --group-by: [{group, images, kept}]; group "(other tags)"
               holds images with a tag the pattern does not match,
               "(untagged)" untagged images), versions: [{id, name, tags,
               created_at, action: "keep"|"delete"|"untag", reason, untag
               (action untag: the tags it removes; the rest stay),
               placeholder (true: the placeholder of an untag that did not
               finish, deleted to finish it), groups (with --group-by: the
               image's groups), size_bytes (container images: the
               manifest, config and layers; absent when unknown)}]}]}
               STORAGE: bytes the registry can drop (freed_bytes: every
               deleted manifest, and each config or layer only deleted
               manifests of the package reference) and what stays
               (kept_bytes), from the manifests the plan read; null when
               unknown (types other than container, or the registry not
               read). Blobs shared with other packages may stay billed.
               policy: {type, packages, keep_newest, keep_tagged,
               keep_untagged, older_than, all_ages,
               tags: "untagged"|"tagged"|"any", include, exclude, keep_tags,
               keep_names, keep_ids, max_delete, delete_package_when_empty,
               delete_ghost_images, delete_partial_images,
               delete_orphaned_referrers, skip_reference_check, untag,
               group_by ("" or re:REGEXP), grace ("1h", or "off")}
  report       the run's report, null in a dry run. It is the format
               'ghpkg restore --report FILE' reads back (the whole object or
               just this field): {owner_kind, owner_name, started_at,
               finished_at, stopped, items: [ITEM]}
               ITEM: {type, package, repository (untag steps: the registry
               repository), version_id (absent for a whole package),
               version, tags, action ("delete-version"|"delete-package"|
               "restore-version"|"restore-package"|"untag"|
               "delete-placeholder"|"restore-tags"), reason, outcome, error,
               status (HTTP status of an error answer), replayed (a retried
               delete whose first answer was lost), at}
               An "untag" item's tags were removed from the image whose
               digest is its version; "delete-placeholder" deletes the
               placeholder they were moved to (restore never restores it);
               "restore-tags" pushes the image again under the tags.
               outcome:
                 deleted          the delete succeeded (with replayed: a
                                  retry found it gone and a re-read confirmed)
                 already-gone     404, and a re-read confirmed it is gone
                                  while its package is readable
                 gone-unconfirmed 404, and the re-read could not tell gone
                                  from not visible to the token ('restore
                                  --report' restores it)
                 retained         GitHub refused: the last version, or over
                                  5,000 downloads
                 failed           see error (exit code 1)
                 not-attempted    the run stopped first (see stopped)
                 restored         restore brought it back
                 already-active   restore found it active: nothing to do
                 expired          deleted over 30 days ago: not restorable
                 skipped          not deleted: the check just before found
                                  it no longer safe (a tag moved to it, an
                                  image pushed since needs it, or it was
                                  signed or attested since the plan);
                                  untag: every tag moved since the plan;
                                  restore-tags: every tag points elsewhere
                 untagged         untag: the tags were removed
                 healed           restore-version after the deletes: the
                                  final check found a tag that needed this
                                  deleted version (a push the checks could
                                  not see yet) and restored it
                 untag-pending    untag: the tags point at the placeholder,
                                  which was not deleted (the run stopped):
                                  the next untag or prune of the package
                                  finishes it; verify lists them
  summary      counts, always all present: planned (deletions planned, or
               operations requested), kept (prune: versions kept), deleted,
               already_gone, gone_unconfirmed, retained, failed,
               not_attempted, restored, already_active, expired, skipped,
               withheld (prune: deletions the policy selected but the plan
               withheld because their safety could not be proven, e.g. the
               registry could not be read; exit 1 when not 0),
               registry_waits (registry rate limits and errors waited out);
               healed (present when not 0: versions the final check
               restored because a tag needed them);
               and in tags: planned_untags (tags to remove), untagged
               (removed), untag_pending (left on the placeholder); prune:
               storage {freed_bytes, kept_bytes} (see STORAGE), the plan's,
               or with --yes what the run's deletions freed
  verify       (prune --verify) [{package, repository, tags, manifests,
               whole, broken: [{tag, digest, missing: [{digest, via}]}],
               placeholders, error}] as in verify's packages (exit 1
               unless all whole)
  stopped      present when the run ended early: {"reason": "rate_limit"|
               "max_wait"|"canceled", "message", "done", "left"} (exit 1)

verify:
  packages     [{package, repository, tags (checked), manifests (read),
               whole, broken: [{tag, digest, missing: [{digest, via:
               [DIGEST]}]}], placeholders (tags left on the placeholder of
               an untag that did not finish), error (the registry could not
               be read)}]

usage:
  packages     [{type, name, repository, versions, bytes (each blob once;
               null when unknown), by_kind: [ROW] (tagged,
               platform-or-attestation, signature, untagged-orphan, ghost),
               by_age: [ROW] (<1d, <1w, <30d, <90d, older), warning (why
               kinds and sizes are unknown)}], always every row
               ROW: {name, versions, bytes (the row's manifests and each
               blob they list once; null when unknown)}
  versions, bytes  the packages' totals

scopes:
  for          the command whose needs set the exit code ("all" for every one)
  token_kind   "classic", or "unknown" when GitHub reports no classic scopes
               (fine-grained PAT, GitHub App or Actions token)
  token_scopes the classic scopes the token has ([] when unknown)
  commands     [{command, operation ("read"|"delete"|"restore"|"untag"),
               needs: [SCOPE], missing: [SCOPE], status: "ok"|"missing"|
               "unknown"}] (untag: container packages only)

version:
  version, revision, date (the commit's, RFC 3339), go, sdk_version

A failed command (exit code 1 or 2) that printed nothing else prints:
  error        {"message", "exit_code", "missing_scopes": [SCOPE]}
`

// ownerJSON is an owner in the JSON output.
type ownerJSON struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

func ownerOf(o ghpackages.Owner) *ownerJSON {
	return &ownerJSON{Kind: string(o.Kind()), Name: o.Name()}
}

// head is the part of every JSON document that says what it is.
type head struct {
	Schema  string     `json:"schema"`
	Command string     `json:"command"`
	Owner   *ownerJSON `json:"owner,omitempty"`
	Type    string     `json:"type,omitempty"`
}

func (a *app) head(owner *ownerJSON, typ ghpackages.PackageType) head {
	return head{Schema: schemaVersion, Command: a.name, Owner: owner, Type: string(typ)}
}

// accountJSON is a package's owner.
type accountJSON struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

// repositoryJSON is the repository a package is linked to.
type repositoryJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Private  bool   `json:"private"`
	HTMLURL  string `json:"html_url"`
}

// packageJSON is a package.
type packageJSON struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name"`
	PackageType  string          `json:"package_type"`
	Visibility   string          `json:"visibility"`
	VersionCount int64           `json:"version_count"`
	URL          string          `json:"url"`
	HTMLURL      string          `json:"html_url"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Owner        *accountJSON    `json:"owner,omitempty"`
	Repository   *repositoryJSON `json:"repository,omitempty"`
}

func packageOf(p *ghpackages.Package) packageJSON {
	out := packageJSON{ID: p.ID, Name: p.Name, PackageType: string(p.PackageType), Visibility: string(p.Visibility),
		VersionCount: p.VersionCount, URL: p.URL, HTMLURL: p.HTMLURL, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	if p.Owner != nil {
		out.Owner = &accountJSON{Login: p.Owner.Login, ID: p.Owner.ID, Type: p.Owner.Type}
	}
	if r := p.Repository; r != nil {
		out.Repository = &repositoryJSON{ID: r.ID, Name: r.Name, FullName: r.FullName, Private: r.Private, HTMLURL: r.HTMLURL}
	}
	return out
}

// metadataJSON is a version's type-specific metadata.
type metadataJSON struct {
	PackageType string         `json:"package_type"`
	Container   *containerJSON `json:"container,omitempty"`
	Docker      *dockerJSON    `json:"docker,omitempty"`
}

type containerJSON struct {
	Tags []string `json:"tags"`
}

type dockerJSON struct {
	Tag []string `json:"tag"`
}

// versionJSON is a package version.
type versionJSON struct {
	ID             int64         `json:"id"`
	Name           string        `json:"name"`
	Tags           []string      `json:"tags"`
	URL            string        `json:"url"`
	PackageHTMLURL string        `json:"package_html_url"`
	HTMLURL        string        `json:"html_url,omitempty"`
	License        string        `json:"license,omitempty"`
	Description    string        `json:"description,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	DeletedAt      *time.Time    `json:"deleted_at,omitempty"`
	Metadata       *metadataJSON `json:"metadata,omitempty"`
}

func versionOf(v *ghpackages.PackageVersion) versionJSON {
	out := versionJSON{ID: v.ID, Name: v.Name, Tags: nonNil(v.Tags()), URL: v.URL, PackageHTMLURL: v.PackageHTMLURL, HTMLURL: v.HTMLURL,
		License: v.License, Description: v.Description, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	if v.DeletedAt != nil {
		d := v.DeletedAt.UTC()
		out.DeletedAt = &d
	}
	if m := v.Metadata; m != nil {
		out.Metadata = &metadataJSON{PackageType: string(m.PackageType)}
		if m.Container != nil {
			out.Metadata.Container = &containerJSON{Tags: nonNil(m.Container.Tags)}
		}
		if m.Docker != nil {
			out.Metadata.Docker = &dockerJSON{Tag: nonNil(m.Docker.Tags)}
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type packagesOutput struct {
	head
	Packages []packageJSON `json:"packages"`
}

type versionsOutput struct {
	head
	Package  string        `json:"package"`
	State    string        `json:"state"`
	Versions []versionJSON `json:"versions"`
}

type getOutput struct {
	head
	Package string       `json:"package"`
	Info    *packageJSON `json:"info,omitempty"`
	Version *versionJSON `json:"version,omitempty"`
}

// policyJSON is a prune's policy, in the flags' terms.
type policyJSON struct {
	Type                    string   `json:"type"`
	Packages                []string `json:"packages"`
	KeepNewest              int      `json:"keep_newest"`
	KeepTagged              int      `json:"keep_tagged"`
	KeepUntagged            int      `json:"keep_untagged"`
	OlderThan               string   `json:"older_than,omitempty"`
	AllAges                 bool     `json:"all_ages"`
	Tags                    string   `json:"tags"`
	Include                 []string `json:"include"`
	Exclude                 []string `json:"exclude"`
	KeepTags                []string `json:"keep_tags"`
	KeepNames               []string `json:"keep_names"`
	KeepIDs                 []int64  `json:"keep_ids"`
	MaxDelete               int      `json:"max_delete"`
	DeletePackageWhenEmpty  bool     `json:"delete_package_when_empty"`
	DeleteGhostImages       bool     `json:"delete_ghost_images"`
	DeletePartialImages     bool     `json:"delete_partial_images"`
	DeleteOrphanedReferrers bool     `json:"delete_orphaned_referrers"`
	SkipReferenceCheck      bool     `json:"skip_reference_check"`
	Untag                   bool     `json:"untag"`
	GroupBy                 string   `json:"group_by"`
	Grace                   string   `json:"grace"`
}

// decisionJSON is the plan for one version.
type decisionJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Tags        []string  `json:"tags"`
	CreatedAt   time.Time `json:"created_at"`
	Action      string    `json:"action"`
	Reason      string    `json:"reason"`
	Untag       []string  `json:"untag,omitempty"`
	Placeholder bool      `json:"placeholder,omitempty"`
	Groups      []string  `json:"groups,omitempty"`
	// SizeBytes is the version's size in the registry; absent when
	// unknown (see retention.Storage).
	SizeBytes *int64 `json:"size_bytes,omitempty"`
}

// groupJSON counts a --group-by group's images and those kept.
type groupJSON struct {
	Group  string `json:"group"`
	Images int    `json:"images"`
	Kept   int    `json:"kept"`
}

// packagePlanJSON is the plan for one package.
type packagePlanJSON struct {
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Withheld       int            `json:"withheld"`
	WithheldReason string         `json:"withheld_reason,omitempty"`
	DeletePackage  bool           `json:"delete_package"`
	PackageReason  string         `json:"package_reason,omitempty"`
	KeptByReason   map[string]int `json:"kept_by_reason"`
	// Storage is what the package's plan frees and keeps, in bytes (null:
	// unknown).
	Storage  retention.Storage `json:"storage"`
	Groups   []groupJSON       `json:"groups,omitempty"`
	Versions []decisionJSON    `json:"versions"`
}

// planJSON is a prune's (or untag's) plan.
type planJSON struct {
	OwnerKind string            `json:"owner_kind"`
	OwnerName string            `json:"owner_name,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	Warnings  []string          `json:"warnings"`
	Untag     []string          `json:"untag,omitempty"`
	Policy    policyJSON        `json:"policy"`
	Packages  []packagePlanJSON `json:"packages"`
}

// untags counts the tags the plan removes.
func (p *planJSON) untags() int {
	n := 0
	for _, pp := range p.Packages {
		for _, v := range pp.Versions {
			n += len(v.Untag)
		}
	}
	return n
}

// deletes counts the deletions planned (a whole package counts once; a
// placeholder left by an interrupted untag counts with the tags it
// removes, not here).
func (p *planJSON) deletes() int {
	n := 0
	for _, pp := range p.Packages {
		if pp.DeletePackage {
			n++
			continue
		}
		for _, v := range pp.Versions {
			if v.Action == "delete" && !v.Placeholder {
				n++
			}
		}
	}
	return n
}

// itemJSON is one operation of a run.
type itemJSON struct {
	Type       string            `json:"type"`
	Package    string            `json:"package"`
	Repository string            `json:"repository,omitempty"`
	VersionID  int64             `json:"version_id,omitempty"`
	Version    string            `json:"version,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Action     string            `json:"action"`
	Reason     string            `json:"reason,omitempty"`
	Outcome    retention.Outcome `json:"outcome"`
	Error      string            `json:"error,omitempty"`
	Status     int               `json:"status,omitempty"`
	Replayed   bool              `json:"replayed,omitempty"`
	At         time.Time         `json:"at"`

	// err is the error behind Error, for classification; not written.
	err error
}

// reportJSON is a run's report: the format 'restore --report' reads back.
type reportJSON struct {
	OwnerKind  string     `json:"owner_kind"`
	OwnerName  string     `json:"owner_name,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt time.Time  `json:"finished_at"`
	Stopped    string     `json:"stopped,omitempty"`
	Items      []itemJSON `json:"items"`
}

func reportOf(r *retention.Report) *reportJSON {
	out := &reportJSON{OwnerKind: string(r.OwnerKind), OwnerName: r.OwnerName, StartedAt: r.StartedAt.UTC(), FinishedAt: r.FinishedAt.UTC(),
		Stopped: r.Stopped, Items: make([]itemJSON, 0, len(r.Items))}
	for _, it := range r.Items {
		ij := itemJSON{Type: string(it.Type), Package: it.Package, Repository: it.Repository, VersionID: it.VersionID, Version: it.Version, Tags: it.Tags,
			Action: string(it.Step), Reason: flagWords(it.Reason), Outcome: it.Outcome, Error: it.Error, Status: it.Status,
			Replayed: it.Replayed, err: it.Err}
		if !it.At.IsZero() {
			ij.At = it.At.UTC()
		}
		if advice := itemAdvice(it.Err, it.Package); advice != "" && ij.Outcome == retention.OutcomeFailed {
			ij.Error = firstLine(ij.Error) + "\n" + advice
		}
		out.Items = append(out.Items, ij)
	}
	return out
}

// itemAdvice is what to do about an item's error, naming its package.
func itemAdvice(err error, pkg string) string {
	switch {
	case err == nil:
		return ""
	case len(missingScopes(err)) > 0:
		return scopeAdvice(missingScopes(err))
	case errors.Is(err, ghpackages.ErrForbidden):
		return fmt.Sprintf("the token may not change %s: with the Actions GITHUB_TOKEN, give this repository access to the package "+
			"(Package settings → Manage Actions access → Add repository, role Admin); fine-grained and App tokens cannot delete package versions", pkg)
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return "the token was refused: check GITHUB_TOKEN, GH_TOKEN or --token-file"
	}
	return ""
}

// retentionReport converts a report read back from JSON into the
// retention package's form, for retention.Restore.
func (r *reportJSON) retentionReport() *retention.Report {
	out := &retention.Report{OwnerKind: ghpackages.OwnerKind(r.OwnerKind), OwnerName: r.OwnerName, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Stopped: r.Stopped}
	for _, it := range r.Items {
		outcome := it.Outcome
		if outcome == retention.OutcomeAlreadyGone && it.Replayed {
			outcome = retention.OutcomeDeleted
		}
		ri := retention.Item{Type: ghpackages.PackageType(it.Type), Package: it.Package, Repository: it.Repository, VersionID: it.VersionID, Version: it.Version,
			Tags: it.Tags, Reason: it.Reason, Outcome: outcome, Error: it.Error, Status: it.Status, Replayed: it.Replayed, At: it.At}
		switch step := retention.Step(it.Action); {
		case step == retention.StepUntag, step == retention.StepDeletePlaceholder, step == retention.StepRestoreTags, step == retention.StepRestoreVersion, step == retention.StepRestorePackage:
			ri.Step = step
		case it.VersionID == 0:
			ri.Step = retention.StepDeletePackage
		default:
			ri.Step = retention.StepDeleteVersion
		}
		out.Items = append(out.Items, ri)
	}
	return out
}

// runOutput is the result of delete, restore and prune.
type runOutput struct {
	head
	DryRun  bool         `json:"dry_run"`
	Plan    *planJSON    `json:"plan,omitempty"`
	Report  *reportJSON  `json:"report"`
	Summary summary      `json:"summary"`
	Stopped *stopped     `json:"stopped,omitempty"`
	Verify  []verifyJSON `json:"verify,omitempty"`
}

// summary counts a run's items by outcome.
type summary struct {
	Planned         int `json:"planned"`
	Kept            int `json:"kept"`
	Deleted         int `json:"deleted"`
	AlreadyGone     int `json:"already_gone"`
	GoneUnconfirmed int `json:"gone_unconfirmed"`
	Retained        int `json:"retained"`
	Failed          int `json:"failed"`
	NotAttempted    int `json:"not_attempted"`
	Restored        int `json:"restored"`
	AlreadyActive   int `json:"already_active"`
	Expired         int `json:"expired"`
	Skipped         int `json:"skipped"`
	// Healed counts the versions Apply's final check restored because a
	// tag needed them (present when not 0).
	Healed   int `json:"healed,omitempty"`
	Withheld int `json:"withheld"`
	// RegistryWaits counts the times the container registry's rate limit
	// or a transient error was waited out (a request sent again).
	RegistryWaits int `json:"registry_waits"`
	// Tags, not versions: planned for removal, removed, and left on an
	// untag placeholder.
	PlannedUntags int `json:"planned_untags"`
	Untagged      int `json:"untagged"`
	UntagPending  int `json:"untag_pending"`
	// Storage (prune) is what the plan frees and keeps in the registry,
	// or after --yes what the run freed: {freed_bytes, kept_bytes}, null
	// when unknown.
	Storage *retention.Storage `json:"storage,omitempty"`
}

// stopped says why a run ended before its last item.
type stopped struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Done    int    `json:"done"`
	Left    int    `json:"left"`
}

type scopesOutput struct {
	head
	For         string      `json:"for"`
	TokenKind   string      `json:"token_kind"`
	TokenScopes []string    `json:"token_scopes"`
	Commands    []scopeNeed `json:"commands"`
}

// scopeNeed is what one command needs of the token.
type scopeNeed struct {
	Command   string   `json:"command"`
	Operation string   `json:"operation"`
	Needs     []string `json:"needs"`
	Missing   []string `json:"missing"`
	Status    string   `json:"status"`
}

type versionOutput struct {
	head
	Version    string `json:"version"`
	Revision   string `json:"revision,omitempty"`
	Date       string `json:"date,omitempty"`
	Go         string `json:"go"`
	SDKVersion string `json:"sdk_version"`
}

type errorOutputBody struct {
	Message       string   `json:"message"`
	ExitCode      int      `json:"exit_code"`
	MissingScopes []string `json:"missing_scopes"`
}

type errorOutput struct {
	head
	Error errorOutputBody `json:"error"`
}

func scopeStrings(scopes []ghpackages.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return out
}

func errorOutputOf(a *app, err error, code int) errorOutput {
	return errorOutput{head: a.head(nil, a.packageType()), Error: errorOutputBody{Message: err.Error(), ExitCode: code, MissingScopes: scopeStrings(missingScopes(err))}}
}

// printJSON writes v to stdout as one indented JSON document, in one
// write, so that a failed write is reported rather than half-done.
func (a *app) printJSON(v any) error {
	a.printed = true
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = a.env.Stdout.Write(append(raw, '\n'))
	return err
}

// jsonLost reports a --json document of a command that changes nothing
// which stdout would not take (a closed pipe): exit 1, said on whatever
// stream still works.
func (a *app) jsonLost(err error) int {
	a.lastWords(fmt.Sprintf("ghpkg %s: exit 1: writing the --json output failed: %v", a.name, err))
	return ExitFailed
}

func (a *app) table(header string, rows [][]string) {
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// warnf prints a warning on stderr.
func (a *app) warnf(format string, args ...any) {
	a.note(fmt.Sprintf("ghpkg %s: warning: %s", a.name, fmt.Sprintf(format, args...)))
}

// mdCell makes s safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " ")
}

// markdownTable renders a GitHub-flavoured Markdown table.
func markdownTable(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("|")
	for _, h := range header {
		b.WriteString(" " + mdCell(h) + " |")
	}
	b.WriteString("\n|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// appendSummary appends Markdown to the GitHub Actions step summary, when
// running in Actions.
func (a *app) appendSummary(md string) {
	path := a.env.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		a.warnf("writing the step summary: %v", err)
		return
	}
	_, err = io.WriteString(f, md)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.warnf("writing the step summary: %v", err)
	}
}

// age renders how long ago t was: "3d", "5h", "12m".
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", max(0, int(d.Minutes())))
}

// short abbreviates a digest to "sha256:" and 12 hex digits.
func short(name string) string {
	if strings.HasPrefix(name, "sha256:") && len(name) > 19 {
		return name[:19]
	}
	return name
}

func tagsOf(tags []string) string {
	if len(tags) == 0 {
		return "-"
	}
	return strings.Join(tags, ",")
}
