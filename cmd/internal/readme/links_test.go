package readme

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// linkedFiles are the Markdown files whose relative links and anchors
// TestDocLinks checks, besides README.md and docs/*.md: they link into the
// documentation too.
var linkedFiles = []string{"CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md"}

// TestDocLinks: every relative link in README.md, docs/*.md (and the other
// top-level Markdown files) names a file of the repository and, with a
// #fragment into a Markdown file, a heading of that file, as GitHub makes
// its anchors; and every docs/*.md page can be reached from README.md by
// following links, so nothing is written where a reader cannot find it.
func TestDocLinks(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := map[string]string{}
	for _, f := range append(docFiles(t), linkedFiles...) {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		files[f] = string(data)
	}
	exists := func(p string) bool {
		if _, ok := files[p]; ok {
			return true
		}
		_, err := os.Stat(filepath.Join(root, filepath.FromSlash(p)))
		return err == nil
	}
	read := func(p string) (string, bool) {
		if s, ok := files[p]; ok {
			return s, true
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		return string(data), err == nil
	}
	problems, links := checkLinks(files, exists, read)
	for _, p := range problems {
		t.Error(p)
	}
	if links < 20 {
		t.Errorf("found %d relative links: the extraction is broken", links)
	}
	for _, p := range unreachable(files, docFiles(t)) {
		t.Errorf("%s cannot be reached from README.md by following links: link it from README.md or docs/README.md", p)
	}
}

// repoURL matches a link to a file of this repository on GitHub's main
// branch, as package documentation writes it (go doc shows no relative
// links): group 1 is the path, group 2 the anchor.
var repoURL = regexp.MustCompile(`https://github\.com/ghpackages/ghpackages-go/blob/main/([\w./-]*[\w/-])(?:#([\w-]+))?`)

// TestRepoURLsResolve: every link to a file of this repository's main
// branch, in Go source (package documentation, so that go doc's "where to
// start" leads somewhere) and in Markdown, names a file of this tree and,
// with an anchor, one of its headings.
func TestRepoURLsResolve(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".md")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for _, m := range repoURL.FindAllStringSubmatch(string(data), -1) {
			n++
			target := filepath.Join(root, filepath.FromSlash(m[1]))
			content, err := os.ReadFile(target)
			if _, statErr := os.Stat(target); statErr != nil {
				t.Errorf("%s: %s: no such file in this repository", rel, m[0])
				continue
			}
			if m[2] != "" && (err != nil || !anchors(string(content))[m[2]]) {
				t.Errorf("%s: %s: %s has no heading with the anchor %q", rel, m[0], m[1], m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("found %d links to this repository's files: the package docs should lead to docs/", n)
	}
}

// TestDocLinksCatchesBreakage: the checker reports a missing file, a
// missing anchor in the same file and in another, and an unreachable page,
// and accepts what GitHub would resolve (punctuation dropped, code spans
// and links in headings, a repeated heading's "-1", a directory).
func TestDocLinksCatchesBreakage(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"README.md": "# Title\n\n## Install (from `go`), v1.2\n\n## Notes\n\n## Notes\n\n" +
			"[a](#install-from-go-v12) [b](#notes-1) [c](docs/a.md#the-apis-errors) [d](docs/)\n" +
			"[e](#no-such) [f](docs/missing.md) [g](docs/a.md#nope) [h](https://example.com/x#y)\n" +
			"`[i](#in-code)`\n\n```md\n[j](#in-a-block)\n```\n[k]: docs/a.md#the-apis-errors\n",
		"docs/a.md":      "# A\n\n## The `API`'s errors\n\n[back](../README.md#notes)\n",
		"docs/lonely.md": "# Lonely\n",
	}
	exists := func(p string) bool { _, ok := files[p]; return ok || p == "docs" }
	read := func(p string) (string, bool) { s, ok := files[p]; return s, ok }
	problems, links := checkLinks(files, exists, read)
	want := []string{
		`README.md:10: link "#no-such": README.md has no heading with the anchor "no-such"`,
		`README.md:10: link "docs/missing.md": no such file`,
		`README.md:10: link "docs/a.md#nope": docs/a.md has no heading with the anchor "nope"`,
	}
	if !slices.Equal(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if links != 9 {
		t.Errorf("%d relative links found, want 9", links)
	}
	if got := unreachable(files, []string{"README.md", "docs/a.md", "docs/lonely.md"}); !slices.Equal(got, []string{"docs/lonely.md"}) {
		t.Errorf("unreachable: %v, want [docs/lonely.md]", got)
	}
}

// mdLink matches an inline link or image, [text](target), and a reference
// definition, [label]: target, with the target in group 1 or 2.
var mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)|(?m)^\s*\[[^\]]+\]:\s*(\S+)`)

// prose returns s with fenced code blocks and inline code spans blanked
// out (newlines kept, so offsets and line numbers stay), leaving the text
// whose links a reader can follow.
func prose(s string) string {
	b := []byte(s)
	blank := func(from, to int) {
		for i := from; i < to; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	in, start, off := false, 0, 0
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			if in {
				blank(start, off+len(line))
			} else {
				start = off
			}
			in = !in
		}
		off += len(line)
	}
	for _, m := range regexp.MustCompile("`[^`]*`").FindAllStringIndex(string(b), -1) {
		blank(m[0], m[1])
	}
	return string(b)
}

// links returns the relative links of a Markdown file and their lines.
func links(s string) (targets []string, lines []int) {
	p := prose(s)
	for _, m := range mdLink.FindAllStringSubmatchIndex(p, -1) {
		g := 2
		if m[2] < 0 {
			g = 4
		}
		target := p[m[g]:m[g+1]]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		targets = append(targets, strings.Trim(target, "<>"))
		lines = append(lines, 1+strings.Count(p[:m[0]], "\n"))
	}
	return targets, lines
}

// anchors returns the anchors GitHub gives a Markdown file's headings:
// lowercase, markup removed, every character but letters, digits, spaces,
// '-' and '_' dropped, spaces turned into '-', and "-N" added to the Nth
// repeat of an anchor.
func anchors(s string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	in := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if in || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		if text == strings.TrimSpace(line) { // "#hashtag", not a heading
			continue
		}
		a := slug(text)
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// slug is GitHub's anchor for a heading's text.
func slug(text string) string {
	text = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(text, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// checkLinks checks the relative links of files (path → content): the
// file each names exists, and an anchor into a Markdown file is one of its
// headings. read returns a Markdown file's content (for a link to a file
// not in files). It returns the problems, "FILE:LINE: …", and the number
// of relative links it checked.
func checkLinks(files map[string]string, exists func(string) bool, read func(string) (string, bool)) (problems []string, n int) {
	var names []string
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		targets, lines := links(files[f])
		for i, target := range targets {
			n++
			file, frag, _ := strings.Cut(target, "#")
			dest := f
			if file != "" {
				dest = path.Clean(path.Join(path.Dir(f), file))
				if strings.HasPrefix(dest, "../") || !exists(dest) {
					problems = append(problems, fmt.Sprintf("%s:%d: link %q: no such file", f, lines[i], target))
					continue
				}
			}
			if frag == "" || !strings.HasSuffix(dest, ".md") {
				continue
			}
			content, ok := read(dest)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s:%d: link %q: cannot read %s", f, lines[i], target, dest))
				continue
			}
			if !anchors(content)[frag] {
				problems = append(problems, fmt.Sprintf("%s:%d: link %q: %s has no heading with the anchor %q", f, lines[i], target, dest, frag))
			}
		}
	}
	return problems, n
}

// unreachable returns the pages of want that following relative links from
// README.md does not reach.
func unreachable(files map[string]string, want []string) []string {
	reached := map[string]bool{"README.md": true}
	queue := []string{"README.md"}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		targets, _ := links(files[f])
		for _, target := range targets {
			file, _, _ := strings.Cut(target, "#")
			if file == "" {
				continue
			}
			dest := path.Clean(path.Join(path.Dir(f), file))
			if _, ok := files[dest]; ok && !reached[dest] {
				reached[dest] = true
				queue = append(queue, dest)
			}
		}
	}
	var out []string
	for _, p := range want {
		if !reached[p] {
			out = append(out, p)
		}
	}
	return out
}
