package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// The undo record is a journal. Before the first change of delete,
// restore, prune --yes or untag --yes, ghpkg creates it (the --report file,
// or a file in the user's state directory, whose path it prints) and
// writes a first line with the owner and, for prune and untag, the plan.
// Every request that changes something (DELETE, PUT, POST, PATCH, to the
// API or the registry) appends an "intent" line before it is sent and a
// "done" line once it is answered; every finished item appends an "item"
// line. Each append is flushed to disk (fsync) before ghpkg goes on. At the
// end, the file is replaced (atomically) by the run's report. So a run
// stopped at any point, even by SIGKILL, leaves either the report or a
// journal that 'ghpkg restore --report' and 'ghpkg verify --report' read:
// an intent without its answer is "may have been done", settled by reading
// the version (as Apply settles a lost answer).

// journalSchema names the journal's format (JSON Lines).
const journalSchema = "ghpkg/journal/v1"

// journalKeep is how long journals in the state directory are kept:
// GitHub's restore window.
const journalKeep = 30 * 24 * time.Hour

// journalMaybe starts the error of an item read back from an intent whose
// answer the journal does not hold.
const journalMaybe = "may have been done"

// journalStopped is the "stopped" of a report read back from a journal.
const journalStopped = "the run did not finish: this is its journal, read back (requests sent without an answer recorded are \"" + journalMaybe + "\")"

// journalLine is one line of a journal; J says which kind.
type journalLine struct {
	J string `json:"j"`
	// start
	Schema    string    `json:"schema,omitempty"`
	Command   string    `json:"command,omitempty"`
	OwnerKind string    `json:"owner_kind,omitempty"`
	OwnerName string    `json:"owner_name,omitempty"`
	Plan      *planJSON `json:"plan,omitempty"`
	// intent and done
	Seq    int    `json:"seq,omitempty"`
	Method string `json:"method,omitempty"`
	URL    string `json:"url,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// item
	Item *itemJSON `json:"item,omitempty"`
	At   time.Time `json:"at"`
}

// journal appends to a run's journal file.
type journal struct {
	mu   sync.Mutex
	f    journalFile
	off  int64 // where the last whole line ends
	path string
	seq  int
	now  func() time.Time
}

// journalFile is what a journal writes to: an *os.File, opened without
// O_APPEND so that a torn line can be cut off.
type journalFile interface {
	io.WriteSeeker
	Sync() error
	Truncate(size int64) error
	Close() error
}

// append writes l as one line and flushes it to disk. A write that fails
// part-way (a full disk) is cut back to the last whole line, so that the
// next line, once there is room, starts on a line of its own instead of
// being glued to a torn one (and lost with it when the journal is read).
func (j *journal) append(l journalLine) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return err
	}
	n, err := j.f.Write(append(raw, '\n'))
	if err != nil {
		if n > 0 {
			if terr := j.f.Truncate(j.off); terr == nil {
				_, _ = j.f.Seek(j.off, io.SeekStart)
			}
		}
		return err
	}
	j.off += int64(n)
	return j.f.Sync()
}

// intent records a request about to be sent and returns its number.
func (j *journal) intent(method, u string) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq, j.append(journalLine{J: "intent", Seq: j.seq, Method: method, URL: u, At: j.now().UTC()})
}

// done records the answer to request seq (or the error that stood for it).
func (j *journal) done(seq, status int, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := journalLine{J: "done", Seq: seq, Status: status, At: j.now().UTC()}
	if err != nil {
		l.Error = err.Error()
	}
	_ = j.append(l)
}

// item records a finished item.
func (j *journal) item(it itemJSON) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.append(journalLine{J: "item", Item: &it, At: j.now().UTC()})
}

// close closes the file; the final report then replaces it.
func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
}

// stateDir is where journals live without --report: $XDG_STATE_HOME/ghpkg,
// or ~/.local/state/ghpkg.
func (e *Env) stateDir() (string, error) {
	if e.StateDir != nil {
		return e.StateDir()
	}
	if d := e.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ghpkg"), nil
	}
	home := e.Getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(home, ".local", "state", "ghpkg"), nil
}

// beginJournal creates the run's journal before its first change: at path
// (--report), or in the state directory's runs/ (printing where), holding
// the owner and the plan. Failing, nothing has changed: a usage error
// (exit 2) names the path.
func (a *app) beginJournal(path string, owner ghpackages.Owner, plan *planJSON) error {
	now := a.env.Now().UTC()
	printed := false
	if path == "" {
		var err error
		if path, err = a.newJournalFile(now); err != nil {
			return err
		}
		printed = true
	} else if err := reportPathError(path); err != nil {
		return err
	}
	head := journalLine{J: "start", Schema: journalSchema, Command: a.name, OwnerKind: string(owner.Kind()), OwnerName: owner.Name(), Plan: plan, At: now}
	j, err := createJournal(path, head, a.env.Now)
	if err != nil {
		if printed {
			return usagef("the undo journal %s cannot be written (%v): pass --report FILE to keep it elsewhere", path, errText(err))
		}
		return usagef("--report %s cannot be written: %v", path, errText(err))
	}
	a.jr.Store(j)
	switch {
	case printed && a.name == "restore":
		a.note(fmt.Sprintf("ghpkg %s: journal: %s (the record of this run, kept 30 days)", a.name, path))
	case printed:
		a.note(fmt.Sprintf("ghpkg %s: undo journal: %s ('ghpkg restore --report %s' undoes this run, even if it is stopped; kept 30 days)", a.name, path, path))
	}
	return nil
}

// createJournal creates the journal at path holding its start line,
// flushed to disk, in one step: the line is written to a new file beside
// path, which is then renamed over it. So path holds either what it held
// before (an earlier run's report, which a kill at this point must not
// leave empty) or the journal, never an empty or torn start.
func createJournal(path string, head journalLine, now func() time.Time) (*journal, error) {
	// A file made read-only is kept (the rename would replace it whatever
	// its mode, and root writes it whatever its mode).
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o222 == 0 {
		return nil, errors.New("the file is read-only (" + info.Mode().Perm().String() + "): make it writable, or give another path")
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	j := &journal{f: f, path: path, now: now}
	err = j.append(head)
	if err == nil {
		err = f.Chmod(0o600)
	}
	// Closed before the rename: Windows renames no open file.
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	// Opened again to go on after the start line (without O_APPEND, so
	// that a torn line can be cut off).
	if j.f, err = openJournalAt(path, j.off); err != nil {
		return nil, err
	}
	return j, nil
}

// openJournalAt opens the journal at path for writing at off.
func openJournalAt(path string, off int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// newJournalFile creates a new journal file in the state directory's
// runs/, removing the journals there older than journalKeep; when the
// state directory cannot be written (a read-only HOME), in the temporary
// directory, with a warning. Neither: a usage error.
func (a *app) newJournalFile(now time.Time) (string, error) {
	pattern := fmt.Sprintf("%s-%s-*.json", a.name, now.Format("20060102T150405Z"))
	base, err := a.env.stateDir()
	if err == nil {
		dir := filepath.Join(base, "runs")
		if err = os.MkdirAll(dir, 0o700); err == nil {
			// File times are the wall clock's, whatever Env.Now says.
			pruneJournals(dir, time.Now())
			var f *os.File
			if f, err = os.CreateTemp(dir, pattern); err == nil {
				f.Close()
				return f.Name(), nil
			}
		}
	}
	f, terr := os.CreateTemp("", "ghpkg-"+pattern)
	if terr != nil {
		return "", usagef("the undo journal cannot be written in the state directory (%v) nor in %s (%v): set XDG_STATE_HOME to a writable directory, or pass --report FILE",
			errText(err), os.TempDir(), errText(terr))
	}
	f.Close()
	a.warnf("the state directory cannot hold the undo journal (%v): it is in %s instead, and not removed after 30 days", errText(err), os.TempDir())
	return f.Name(), nil
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// pruneJournals removes journals older than journalKeep from dir.
func pruneJournals(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > journalKeep {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// endJournal closes the journal and replaces it by the run's final report
// (rescued elsewhere if that fails); it returns the journal's path and
// whether the report was written there. Without a journal it does nothing.
func (a *app) endJournal(rep *reportJSON) (string, bool) {
	j := a.jr.Swap(nil)
	if j == nil {
		return "", true
	}
	j.close()
	if raw, err := os.ReadFile(j.path); err == nil {
		mayHaveBeenDone(rep, raw)
	}
	return j.path, a.writeReport(j.path, rep)
}

// mayHaveBeenDone marks the deletes of rep that the run reports
// not-attempted (it was stopped: a signal, --max-wait) although the
// journal shows their request went out without an answer:
// gone-unconfirmed, which restore --report settles by reading.
func mayHaveBeenDone(rep *reportJSON, journalRaw []byte) {
	read, err := journalReport(journalRaw)
	if err != nil {
		return
	}
	for _, m := range read.Items {
		if !strings.HasPrefix(m.Error, journalMaybe) || !strings.HasPrefix(m.Action, "delete-") || m.Action == string(retention.StepDeletePlaceholder) {
			continue
		}
		for i := range rep.Items {
			it := &rep.Items[i]
			if it.Package == m.Package && it.VersionID == m.VersionID && strings.HasPrefix(it.Action, "delete-") && it.Outcome == retention.OutcomeNotAttempted {
				it.Outcome = retention.OutcomeGoneUnconfirmed
				it.Error = journalMaybe + ": the request was sent and the run stopped before its answer (" + orText(firstLine(it.Error), "none") + ")"
			}
		}
	}
}

// journalItem records a finished item, if a journal is open.
func (a *app) journalItem(it itemJSON) {
	if j := a.jr.Load(); j != nil {
		j.item(it)
	}
}

// itemOf is a retention item in the report's form.
func itemOf(it retention.Item) itemJSON {
	ij := itemJSON{Type: string(it.Type), Package: it.Package, Repository: it.Repository, VersionID: it.VersionID, Version: it.Version, Tags: it.Tags,
		Action: string(it.Step), Reason: flagWords(it.Reason), Outcome: it.Outcome, Error: it.Error, Status: it.Status, Replayed: it.Replayed, err: it.Err}
	if !it.At.IsZero() {
		ij.At = it.At.UTC()
	}
	return ij
}

// journalTransport records every request that changes something in the
// run's journal, when one is open: its intent before it is sent (a request
// whose intent cannot be recorded is not sent), its answer after.
type journalTransport struct {
	next http.RoundTripper
	a    *app
}

// RoundTrip records and sends req.
func (t journalTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	j := t.a.jr.Load()
	if j == nil || !changes(req.Method) {
		return t.next.RoundTrip(req)
	}
	seq, err := j.intent(req.Method, req.URL.String())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("not sent: the undo journal %s could not be written: %w", j.path, err)
	}
	resp, err := t.next.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	j.done(seq, status, err)
	return resp, err
}

// changes reports whether a request of method may change something.
func changes(method string) bool {
	switch method {
	case http.MethodDelete, http.MethodPut, http.MethodPost, http.MethodPatch:
		return true
	}
	return false
}

// isJournal reports whether raw is a journal rather than a report.
func isJournal(raw []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte(`{"j":"start"`))
}

var (
	// apiTarget matches the API paths that change a package or version.
	apiTarget = regexp.MustCompile(`/packages/([^/]+)/([^/]+)(?:/versions/([0-9]+))?(/restore)?$`)
	// registryTag matches a registry manifest push under a tag.
	registryTag = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)
)

// journalReport reads a journal, cut anywhere (a torn last line is
// ignored), back into a report: the items it recorded, and for each
// change request no item accounts for, an item from the request: deleted
// when it was answered 2xx, gone-unconfirmed when answered 404 or never
// answered ("may have been done": restore settles it by reading), failed
// otherwise.
func journalReport(raw []byte) (*reportJSON, error) {
	var head *journalLine
	var items []itemJSON
	type req struct {
		line    journalLine
		status  int
		errText string
		done    bool
	}
	var reqs []*req
	bySeq := map[int]*req{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	for sc.Scan() {
		var l journalLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue // torn
		}
		switch l.J {
		case "start":
			if head == nil {
				head = &l
			}
		case "intent":
			r := &req{line: l}
			reqs = append(reqs, r)
			bySeq[l.Seq] = r
		case "done":
			if r := bySeq[l.Seq]; r != nil {
				r.done, r.status, r.errText = true, l.Status, l.Error
			}
		case "item":
			if l.Item != nil {
				items = append(items, *l.Item)
			}
		}
	}
	if head == nil || head.Schema != journalSchema {
		return nil, errors.New("not a ghpkg journal (no start line)")
	}
	rep := &reportJSON{OwnerKind: head.OwnerKind, OwnerName: head.OwnerName, StartedAt: head.At, FinishedAt: head.At, Stopped: journalStopped, Items: items}
	covered := func(match func(it itemJSON) bool) bool { return slices.ContainsFunc(rep.Items, match) }
	// Requests to the same target merge: the best-known outcome wins.
	type target struct {
		it    itemJSON
		ok    bool // some attempt was answered 2xx
		maybe bool // some attempt was never answered
		nf    bool // some attempt was answered 404
		last  req
	}
	var order []string
	targets := map[string]*target{}
	for _, r := range reqs {
		u, err := url.Parse(r.line.URL)
		if err != nil {
			continue
		}
		it, ok := journalTarget(head, r.line.Method, u)
		if !ok {
			continue
		}
		it.At = r.line.At
		key := it.Action + " " + it.Package + " " + strconv.FormatInt(it.VersionID, 10) + " " + strings.Join(it.Tags, ",")
		t := targets[key]
		if t == nil {
			t = &target{it: it}
			targets[key] = t
			order = append(order, key)
		}
		switch {
		case r.done && r.status >= 200 && r.status < 300:
			t.ok = true
		case !r.done || r.status == 0:
			t.maybe = true
		case r.status == http.StatusNotFound:
			t.nf = true
		}
		t.last = *r
	}
	untags := map[string]int{}
	for _, key := range order {
		t := targets[key]
		it := t.it
		switch it.Action {
		case string(retention.StepDeleteVersion), string(retention.StepDeletePackage), string(retention.StepDeletePlaceholder):
			// An item the run stopped before is no answer: its request
			// may have gone out all the same.
			if covered(func(x itemJSON) bool {
				return x.VersionID == it.VersionID && x.Package == it.Package && strings.HasPrefix(x.Action, "delete-") && x.Outcome != retention.OutcomeNotAttempted
			}) {
				continue
			}
		case string(retention.StepUntag):
			if covered(func(x itemJSON) bool {
				return x.Action == it.Action && x.Version == it.Version && slices.Contains(x.Tags, it.Tags[0])
			}) {
				continue
			}
		default:
			if covered(func(x itemJSON) bool {
				return x.Action == it.Action && x.Package == it.Package && x.VersionID == it.VersionID
			}) {
				continue
			}
		}
		switch {
		case it.Action == string(retention.StepUntag):
			it.Outcome = retention.OutcomeUntagPending
			if !t.ok {
				it.Error = journalMaybe + ": the tag's move to the placeholder was sent, its answer not recorded"
			}
		case t.ok:
			it.Outcome = retention.OutcomeDeleted
			if strings.HasPrefix(it.Action, "restore-") {
				it.Outcome = retention.OutcomeRestored
			}
		case t.maybe:
			it.Outcome = retention.OutcomeGoneUnconfirmed
			it.Error = journalMaybe + ": the request was sent and the run stopped before its answer was recorded"
		case t.nf:
			it.Outcome = retention.OutcomeGoneUnconfirmed
			it.Error = "404 (from the journal: not re-read)"
			it.Status = http.StatusNotFound
		default:
			it.Outcome = retention.OutcomeFailed
			it.Status = t.last.status
			it.Error = fmt.Sprintf("answered %d (from the journal)", t.last.status)
		}
		if strings.HasPrefix(it.Action, "restore-") && it.Outcome == retention.OutcomeGoneUnconfirmed {
			it.Outcome = retention.OutcomeNotAttempted
		}
		if it.Action == string(retention.StepUntag) {
			// Tags moved off the same image make one item.
			k := it.Repository + "@" + it.Version + "#" + it.Error
			if i, ok := untags[k]; ok {
				rep.Items[i].Tags = append(rep.Items[i].Tags, it.Tags...)
				continue
			}
			untags[k] = len(rep.Items)
		}
		rep.Items = append(rep.Items, it)
	}
	if rep.Items == nil {
		rep.Items = []itemJSON{}
	}
	return rep, nil
}

// journalTarget turns a change request into the item it acts on, using
// the plan (when the journal has one) for what the URL does not say.
func journalTarget(head *journalLine, method string, u *url.URL) (itemJSON, bool) {
	path := u.EscapedPath()
	if m := registryTag.FindStringSubmatch(path); m != nil && method == http.MethodPut {
		repo, tag := m[1], m[2]
		if strings.HasPrefix(tag, "sha256:") || head.Plan == nil {
			return itemJSON{}, false
		}
		// The repository is OWNER/NAME: the package is the one named by
		// all of it after the owner (app is not team/app).
		_, pkg, _ := strings.Cut(repo, "/")
		for _, pp := range head.Plan.Packages {
			if pkg != strings.ToLower(pp.Name) {
				continue
			}
			for _, v := range pp.Versions {
				if slices.Contains(v.Untag, tag) {
					return itemJSON{Type: pp.Type, Package: pp.Name, Repository: repo, Version: v.Name, Tags: []string{tag}, Action: string(retention.StepUntag)}, true
				}
			}
		}
		return itemJSON{}, false
	}
	m := apiTarget.FindStringSubmatch(path)
	if m == nil {
		return itemJSON{}, false
	}
	name, err := url.PathUnescape(m[2])
	if err != nil {
		return itemJSON{}, false
	}
	it := itemJSON{Type: m[1], Package: name}
	if m[3] != "" {
		it.VersionID, _ = strconv.ParseInt(m[3], 10, 64)
	}
	switch {
	case m[4] != "" && method == http.MethodPost && it.VersionID != 0:
		it.Action = string(retention.StepRestoreVersion)
	case m[4] != "" && method == http.MethodPost:
		it.Action = string(retention.StepRestorePackage)
	case method == http.MethodDelete && it.VersionID == 0:
		it.Action = string(retention.StepDeletePackage)
	case method == http.MethodDelete:
		it.Action = string(retention.StepDeleteVersion)
		if head.Plan != nil {
			it.Action = string(retention.StepDeletePlaceholder)
			for _, pp := range head.Plan.Packages {
				if pp.Name != name {
					continue
				}
				for _, v := range pp.Versions {
					if v.ID == it.VersionID {
						it.Version, it.Tags, it.Reason = v.Name, v.Tags, v.Reason
						if !v.Placeholder && v.Action == string(retention.ActionDelete) {
							it.Action = string(retention.StepDeleteVersion)
						}
					}
				}
			}
		}
	default:
		return itemJSON{}, false
	}
	return it, true
}

// dropJournal closes the journal and leaves it as it is: the record of a
// run that ended in an error.
func (a *app) dropJournal() {
	if j := a.jr.Swap(nil); j != nil {
		j.close()
	}
}

// reportLost turns a run's exit code into 1 when its report could not be
// written where the journal was (the report was rescued elsewhere, and
// the message said where).
func (a *app) reportLost(code int, path string, reported, flag bool) int {
	if reported {
		return code
	}
	what := "report file"
	if flag {
		what = "--report file"
	}
	a.lastWords(fmt.Sprintf("ghpkg %s: exit 1: the %s %s could not be written (see above for where the report is)", a.name, what, path))
	return max(code, ExitFailed)
}

// lastWords prints a line that must reach the user: on stderr, or on
// stdout when stderr cannot be written.
func (a *app) lastWords(line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.breakLocked()
	if _, err := fmt.Fprintln(a.env.Stderr, line); err != nil {
		fmt.Fprintln(a.env.Stdout, line)
	}
}

// settle reads each item a journal left "may have been done" (a delete
// sent without its answer recorded): a version or package that is still
// active was not deleted (not-attempted); one that is gone stays
// gone-unconfirmed, for restore. It returns one line per item settled.
func (a *app) settle(ctx context.Context, c *ghpackages.Client, rep *reportJSON) []string {
	owner, err := ghpackages.ParseOwner(ghpackages.OwnerKind(rep.OwnerKind), rep.OwnerName)
	if err != nil {
		return nil
	}
	api := c.Packages(owner)
	var lines []string
	for i := range rep.Items {
		it := &rep.Items[i]
		if !strings.HasPrefix(it.Error, journalMaybe) || (it.Action != string(retention.StepDeleteVersion) && it.Action != string(retention.StepDeletePackage)) {
			continue
		}
		exists, _, err := a.lookup(ctx, api, ghpackages.PackageType(it.Type), it.Package, it.VersionID)
		switch {
		case err != nil:
			lines = append(lines, fmt.Sprintf("%s: %s; reading it failed: %v", describe(*it), journalMaybe, firstLine(err.Error())))
		case exists:
			it.Outcome, it.Error = retention.OutcomeNotAttempted, journalMaybe+", and was not: it is still there"
			lines = append(lines, fmt.Sprintf("%s: the stopped run's delete did not happen: it is still there", describe(*it)))
		default:
			it.Error = journalMaybe + ", and was: it is gone"
			lines = append(lines, fmt.Sprintf("%s: the stopped run's delete happened: it is gone (restore --report restores it)", describe(*it)))
		}
	}
	return lines
}

// openReport reads a report or journal from path ("-": stdin).
func (a *app) openReport(path string) (*reportJSON, error) {
	var in io.Reader = a.env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, usagef("reading --report: %v", err)
		}
		defer f.Close()
		in = f
	}
	rep, err := readReport(in)
	if err != nil {
		return nil, usagef("--report %s: %v", path, err)
	}
	return rep, nil
}

// reportOwner is the owner of a report; flagged is the owner the flags
// name, which must be the report's when --org, --user or --owner is given.
func (a *app) reportOwner(path string, rep *reportJSON, flagged ghpackages.Owner) (ghpackages.Owner, error) {
	owner, err := ghpackages.ParseOwner(ghpackages.OwnerKind(rep.OwnerKind), rep.OwnerName)
	if err != nil {
		return owner, usagef("--report %s: %v", path, err)
	}
	if a.org == "" && a.user == "" && a.ownerLogin == "" {
		return owner, nil
	}
	if !strings.EqualFold(flagged.Name(), owner.Name()) || (a.ownerLogin == "" && flagged.Kind() != owner.Kind()) {
		return owner, usagef("--report %s is a run of %s %s, not of %s %s: drop --%s, or give the report of that owner's run",
			path, owner.Kind(), orText(owner.Name(), "(the token's account)"), flagged.Kind(), flagged.Name(), flagName(a))
	}
	return owner, nil
}

// flagName is the owner flag given.
func flagName(a *app) string {
	switch {
	case a.org != "":
		return "org"
	case a.user != "":
		return "user"
	}
	return "owner"
}

// reportPackages are the distinct packages of typ a report's items name.
func reportPackages(rep *reportJSON, typ ghpackages.PackageType) []string {
	var out []string
	for _, it := range rep.Items {
		if ghpackages.PackageType(it.Type) == typ && !slices.Contains(out, it.Package) {
			out = append(out, it.Package)
		}
	}
	return out
}

// restoreTargets checks, before any change, that a report's owner exists
// and that each package it would restore into exists, or was deleted
// whole by the run (and is restored whole): exit 2 otherwise.
func (a *app) restoreTargets(ctx context.Context, c *ghpackages.Client, owner ghpackages.Owner, path string, rep *reportJSON) error {
	if owner.Name() != "" {
		_, _, err := c.ResolveOwner(ctx, owner.Name())
		switch {
		case errors.Is(err, ghpackages.ErrNotFound):
			return usagef("--report %s: its owner, %s %s, does not exist (or the token cannot see it): nothing restored", path, owner.Kind(), owner.Name())
		case err != nil:
			return err
		}
	}
	api := c.Packages(owner)
	seen := map[string]bool{}
	for _, it := range rep.Items {
		restorable := it.Outcome == retention.OutcomeDeleted || it.Outcome == retention.OutcomeGoneUnconfirmed ||
			it.Outcome == retention.OutcomeUntagged || it.Outcome == retention.OutcomeUntagPending
		key := it.Type + "/" + it.Package
		if !restorable || it.Action == string(retention.StepDeletePlaceholder) || seen[key] {
			continue
		}
		seen[key] = true
		wholly := slices.ContainsFunc(rep.Items, func(x itemJSON) bool {
			return x.Type == it.Type && x.Package == it.Package && x.Action == string(retention.StepDeletePackage)
		})
		if wholly {
			continue
		}
		_, _, err := api.Get(ctx, ghpackages.PackageType(it.Type), it.Package)
		switch {
		case errors.Is(err, ghpackages.ErrNotFound):
			return usagef("--report %s: the %s package %s of %s %s does not exist (or the token cannot see it), and the run did not delete it whole: nothing restored",
				path, it.Type, it.Package, owner.Kind(), orText(owner.Name(), "(the token's account)"))
		case err != nil:
			return err
		}
	}
	return nil
}

// journalHelp is the undo journal as 'ghpkg help prune' states it; the
// README repeats it word for word (a test checks).
const journalHelp = `Undo journal:
  Before its first change, a run that changes something (delete,
  restore, prune --yes, untag --yes) creates its journal: the --report
  file, or without --report a new file under $XDG_STATE_HOME/ghpkg/runs
  (by default ~/.local/state/ghpkg/runs), whose path it prints. The
  journal holds the plan, then each request's intent before it is sent
  and its answer after, each flushed to disk; at the end the run's report
  replaces it. A run stopped in any way, even killed, leaves a record:
  'ghpkg restore --report FILE' undoes it and 'ghpkg verify --report
  FILE' checks it, settling by reading each request sent without a
  recorded answer. Journals under the state directory are removed after
  30 days (GitHub's restore window); a --report file is yours to keep.`
