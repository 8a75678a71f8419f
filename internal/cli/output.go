package cli

import (
	"encoding/json"
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
const schemaVersion = "ghpkg/v1"

// jsonHelp documents the --json output; 'ghpkg help json' prints it, and a
// test checks that every key the commands emit is listed here.
const jsonHelp = `ghpkg --json output, schema "ghpkg/v1"

Every command prints one JSON object to stdout. Keys are snake_case; times
are RFC 3339; version IDs are 64-bit integers. New keys may be added within
"ghpkg/v1"; none is removed or changes meaning.

Every object:
  schema       "ghpkg/v1"
  command      the command: packages, versions, get, delete, restore, prune, scopes
  owner        {"kind": "org"|"user"|"authenticated", "name": LOGIN (absent for authenticated)}
               (not in scopes)
  type         the package type: npm, maven, rubygems, docker, nuget, container
               (not in a failed command's error object when unknown)

packages:
  packages     [PACKAGE]       GitHub's package objects (id, name, package_type,
                               visibility, version_count, url, html_url,
                               created_at, updated_at, owner, repository)
versions:
  package      the package name
  state        "active" or "deleted"
  versions     [VERSION]       GitHub's version objects (id, name, url,
                               package_html_url, html_url, created_at,
                               updated_at, deleted_at, metadata{package_type,
                               container{tags}, docker{tag}}, ...)
get:
  package      the package name
  info         PACKAGE         (without --id)
  version      VERSION         (with --id)

delete, restore, prune:
  dry_run      true when nothing was changed (prune without --yes)
  plan         (prune only) the plan: owner_kind, owner_name, created_at,
               policy, packages: [{type, name, delete_package,
               package_reason, versions: [{id, name, tags, created_at,
               action: "keep"|"delete", reason}]}]
  report       the run's report, null in a dry run. It is the format
               'ghpkg restore --report FILE' reads back (the whole object or
               just this field): owner_kind, owner_name, started_at,
               finished_at, stopped, items: [{type, package, version_id (absent
               for a whole package), version, tags, action
               ("delete-version"|"delete-package"|"restore-version"|
               "restore-package"), reason, outcome, error, status (the HTTP
               status of an error answer), replayed, at}]
               outcome: deleted, already-gone, retained (GitHub refused: the
               last version, or over 5,000 downloads), failed, not-attempted
               (the run stopped first), restored, expired (past 30 days)
  summary      counts, always all present: planned (deletions planned, or
               operations requested), kept (prune: versions kept), deleted,
               already_gone, retained, failed, not_attempted, restored,
               expired
  stopped      present when the run ended early: {"reason": "rate_limit"|
               "canceled", "message", "done", "left"}. A rate-limit stop exits
               0: rerun to resume.

scopes:
  token_kind   "classic", or "fine-grained" when GitHub reports no classic
               scopes (fine-grained PAT, GitHub App or Actions token)
  token_scopes the classic scopes the token has ([] when not classic)
  commands     [{command, operation ("read"|"delete"|"restore"), needs: [SCOPE],
               missing: [SCOPE], status: "ok"|"missing"|"unknown"}]

A failed command (exit code 1 or 2) that printed nothing else prints:
  error        {"message", "exit_code", "missing_scopes": [SCOPE]}
`

// ownerJSON is an owner in the JSON output.
type ownerJSON struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

func ownerOf(o ghpackages.Owner) *ownerJSON { return &ownerJSON{Kind: o.Kind(), Name: o.Name()} }

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

type packagesOutput struct {
	head
	Packages []*ghpackages.Package `json:"packages"`
}

type versionsOutput struct {
	head
	Package  string                       `json:"package"`
	State    string                       `json:"state"`
	Versions []*ghpackages.PackageVersion `json:"versions"`
}

type getOutput struct {
	head
	Package string                     `json:"package"`
	Info    *ghpackages.Package        `json:"info,omitempty"`
	Version *ghpackages.PackageVersion `json:"version,omitempty"`
}

// runOutput is the result of delete, restore and prune.
type runOutput struct {
	head
	DryRun  bool              `json:"dry_run"`
	Plan    *retention.Plan   `json:"plan,omitempty"`
	Report  *retention.Report `json:"report"`
	Summary summary           `json:"summary"`
	Stopped *stopped          `json:"stopped,omitempty"`
}

// summary counts a run's items by outcome.
type summary struct {
	Planned      int `json:"planned"`
	Kept         int `json:"kept"`
	Deleted      int `json:"deleted"`
	AlreadyGone  int `json:"already_gone"`
	Retained     int `json:"retained"`
	Failed       int `json:"failed"`
	NotAttempted int `json:"not_attempted"`
	Restored     int `json:"restored"`
	Expired      int `json:"expired"`
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
	TokenKind   string             `json:"token_kind"`
	TokenScopes []ghpackages.Scope `json:"token_scopes"`
	Commands    []scopeNeed        `json:"commands"`
}

// scopeNeed is what one command needs of the token.
type scopeNeed struct {
	Command   string               `json:"command"`
	Operation ghpackages.Operation `json:"operation"`
	Needs     []ghpackages.Scope   `json:"needs"`
	Missing   []ghpackages.Scope   `json:"missing"`
	Status    string               `json:"status"`
}

type errorOutputBody struct {
	Message       string             `json:"message"`
	ExitCode      int                `json:"exit_code"`
	MissingScopes []ghpackages.Scope `json:"missing_scopes"`
}

type errorOutput struct {
	head
	Error errorOutputBody `json:"error"`
}

func errorOutputOf(a *app, err error, code int) errorOutput {
	typ, _ := a.packageType()
	missing := missingScopes(err)
	if missing == nil {
		missing = []ghpackages.Scope{}
	}
	return errorOutput{head: a.head(nil, typ), Error: errorOutputBody{Message: err.Error(), ExitCode: code, MissingScopes: missing}}
}

func (a *app) printJSON(v any) error {
	a.printed = true
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) table(header string, rows [][]string) {
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
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
		fmt.Fprintf(a.env.Stderr, "ghpkg: writing the step summary: %v\n", err)
		return
	}
	_, err = io.WriteString(f, md)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(a.env.Stderr, "ghpkg: writing the step summary: %v\n", err)
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
