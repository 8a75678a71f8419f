package ghpackages

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stabilityText returns the text that says what each package promises:
// docs/api-stability.md once the documentation has pages of its own,
// else the README's "## API stability" section.
func stabilityText(t *testing.T) (where, text string) {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join("docs", "api-stability.md")); err == nil {
		return "docs/api-stability.md", string(data)
	}
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(data), "\n## API stability\n")
	require.True(t, ok, `README.md has no "## API stability" section`)
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	return `README.md's "API stability" section`, section
}

// importablePackages walks every module of the repository and returns the
// import paths of the packages another module can import: neither main
// nor under an internal directory.
func importablePackages(t *testing.T) []string {
	t.Helper()
	var pkgs []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "internal") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.PackageClauseOnly)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		imp := path.Join(modulePath, filepath.ToSlash(filepath.Dir(p)))
		if !slices.Contains(pkgs, imp) {
			pkgs = append(pkgs, imp)
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(pkgs)
	return pkgs
}

// TestAPIStabilityNamesEveryPackage checks that the API stability text
// says what is promised for every package another module can import (by
// its import path, in backquotes), that each has an exported-API listing
// (apiListings), and that it says the cmd and internal packages are no
// importable API: a new package cannot ship without a stated promise.
func TestAPIStabilityNamesEveryPackage(t *testing.T) {
	t.Parallel()
	where, text := stabilityText(t)
	pkgs := importablePackages(t)
	require.Contains(t, pkgs, modulePath, "the walk found the root package")
	for _, p := range pkgs {
		assert.True(t, strings.Contains(text, "`"+p+"`"), "%s does not say what `%s` promises", where, p)
		dir := strings.TrimPrefix(strings.TrimPrefix(p, modulePath), "/")
		if dir == "" {
			dir = "."
		}
		assert.True(t, slices.ContainsFunc(apiListings, func(l struct{ dir, listing string }) bool { return l.dir == dir }),
			"%s has no exported-API listing: add it to apiListings", p)
	}
	for _, s := range []string{"`" + modulePath + "/cmd/...`", "`internal`"} {
		assert.True(t, strings.Contains(text, s), "%s does not say that %s is no importable API", where, s)
	}
}

// TestFakeDocumentsNothingAsMayChange checks that ghpackagestest, under
// the module's v1 promise with its answers, documents nothing as outside
// it: no "may change", no "experimental".
func TestFakeDocumentsNothingAsMayChange(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("ghpackagestest", "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, hedge := range []string{"may change", "experimental", "subject to change"} {
			assert.NotContains(t, strings.ToLower(string(data)), hedge, "%s: ghpackagestest is under the v1 promise", file)
		}
	}
}
