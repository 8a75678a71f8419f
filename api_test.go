package ghpackages

import (
	"bytes"
	"flag"
	"go/ast"
	"go/doc"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateAPI = flag.Bool("update", false, "rewrite the exported-API listings in testdata/api from the source")

// apiListings are the packages whose exported API is checked in (of every
// module of the repository: it reads their source files), each as
// its directory (relative to the module root) and its listing in
// testdata/api. To cover another package, add one line.
var apiListings = []struct{ dir, listing string }{
	{".", "ghpackages.txt"},
	{"ghpackagestest", "ghpackagestest.txt"},
	{"ghcrtest", "ghcrtest.txt"},
	{"retention", "retention.txt"},
}

const modulePath = "github.com/ghpackages/ghpackages-go"

// TestExportedAPIUnchanged compares every package's exported API (names,
// signatures, types, constant and variable values; not the doc comments)
// with its checked-in listing, so any change to the surface is a visible
// diff in review. After a deliberate change, rewrite the listings with
//
//	go test -run TestExportedAPIUnchanged -update .
func TestExportedAPIUnchanged(t *testing.T) {
	t.Parallel()
	for _, p := range apiListings {
		t.Run(p.listing, func(t *testing.T) {
			t.Parallel()
			got := apiListing(t, p.dir)
			file := filepath.Join("testdata", "api", p.listing)
			if *updateAPI {
				require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
				require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err, "no listing yet: run go test -run TestExportedAPIUnchanged -update .")
			if string(want) != got {
				t.Errorf("the exported API of %s changed; if that is deliberate, run\n\tgo test -run TestExportedAPIUnchanged -update .\nand commit %s. Difference (- listing, + source):\n%s",
					p.dir, file, lineDiff(string(want), got))
			}
		})
	}
}

// apiListing renders the exported API of the package in dir: what go doc
// -all shows, without the doc comments, in go doc's order.
func apiListing(t *testing.T, dir string) string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, f)
	}
	importPath := path.Join(modulePath, filepath.ToSlash(dir))
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	require.NoError(t, err)

	var b bytes.Buffer
	decl := func(indent string, n ast.Node) {
		var out bytes.Buffer
		out.WriteString("package p\n")
		require.NoError(t, printer.Fprint(&out, fset, stripDocs(n)))
		// Drop the blank lines left where doc comments were, and let gofmt
		// align what they had split.
		var compact bytes.Buffer
		for line := range strings.SplitSeq(out.String(), "\n") {
			if strings.TrimSpace(line) != "" {
				compact.WriteString(line + "\n")
			}
		}
		src, err := format.Source(compact.Bytes())
		require.NoError(t, err)
		for _, line := range strings.Split(strings.TrimSpace(strings.TrimPrefix(string(src), "package p\n")), "\n") {
			b.WriteString(indent + strings.ReplaceAll(line, "\t", "    ") + "\n")
		}
	}
	values := func(indent string, vs []*doc.Value) {
		for _, v := range vs {
			decl(indent, v.Decl)
		}
	}
	funcs := func(indent string, fs []*doc.Func) {
		for _, f := range fs {
			decl(indent, f.Decl)
		}
	}
	b.WriteString("package " + pkg.Name + " // import \"" + importPath + "\"\n\n")
	for _, section := range []func(){
		func() { values("", pkg.Consts) },
		func() { values("", pkg.Vars) },
		func() { funcs("", pkg.Funcs) },
	} {
		n := b.Len()
		section()
		if b.Len() > n {
			b.WriteString("\n")
		}
	}
	for i, typ := range pkg.Types {
		if i > 0 {
			b.WriteString("\n")
		}
		decl("", typ.Decl)
		values("    ", typ.Consts)
		values("    ", typ.Vars)
		funcs("    ", typ.Funcs)
		funcs("    ", typ.Methods)
	}
	return b.String()
}

// stripDocs removes the comments go/printer would otherwise print beside
// fields and specs, leaving the declarations alone.
func stripDocs(n ast.Node) ast.Node {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GenDecl:
			n.Doc = nil
		case *ast.FuncDecl:
			n.Doc = nil
		case *ast.TypeSpec:
			n.Doc, n.Comment = nil, nil
		case *ast.ValueSpec:
			n.Doc, n.Comment = nil, nil
		case *ast.Field:
			n.Doc, n.Comment = nil, nil
		}
		return true
	})
	return n
}

// lineDiff lists the lines only in want (-) and only in got (+), in order,
// from a longest-common-subsequence alignment.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n")
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	assert.Empty(t, lineDiff("a\nb\n", "a\nb\n"))
	assert.Equal(t, "- b\n+ B\n+ c\n", lineDiff("a\nb\nd", "a\nB\nc\nd"))
}

// TestNoMutablePackageState: the only exported package-level variables are
// the sentinel errors; presets and defaults are functions or constants, so
// no caller can change them for the whole process.
func TestNoMutablePackageState(t *testing.T) {
	t.Parallel()
	for _, p := range apiListings {
		fset := token.NewFileSet()
		names, err := filepath.Glob(filepath.Join(p.dir, "*.go"))
		require.NoError(t, err)
		var files []*ast.File
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			files = append(files, f)
		}
		pkg, err := doc.NewFromFiles(fset, files, path.Join(modulePath, p.dir))
		require.NoError(t, err)
		vars := pkg.Vars
		for _, typ := range pkg.Types {
			vars = append(vars, typ.Vars...)
		}
		for _, v := range vars {
			for _, name := range v.Names {
				assert.True(t, strings.HasPrefix(name, "Err"), "%s: exported variable %s can be changed by any importer; make it a function or a constant", p.dir, name)
			}
		}
	}
}
