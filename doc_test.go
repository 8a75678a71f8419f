package ghpackages

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// methodSets are the four fronts of the one Packages method set: the two
// services that take the owner after ctx, and the two that do not.
var methodSets = []struct {
	name  string
	typ   reflect.Type
	owner bool // takes the owner (org or username) after ctx
}{
	{"OrgsService", reflect.TypeFor[*OrgsService](), true},
	{"UsersService", reflect.TypeFor[*UsersService](), true},
	{"UserService", reflect.TypeFor[*UserService](), false},
	{"OwnerPackages", reflect.TypeFor[*OwnerPackages](), false},
}

// TestMethodSetsStayInStep: OrgsService, UsersService, UserService and
// OwnerPackages have the same methods, with the same parameters (but the
// owner) and results, so an endpoint added to one is added to all.
func TestMethodSetsStayInStep(t *testing.T) {
	t.Parallel()
	ref := methodSets[0]
	var names []string
	for m := range ref.typ.Methods() {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{"All", "AllVersions", "Delete", "DeleteVersion", "Get", "GetVersion", "List", "ListDockerConflicts", "ListVersions", "Restore", "RestoreVersion"}, names)
	// shape renders a method without its receiver and owner parameter.
	shape := func(set int, m reflect.Method) string {
		ft := m.Type
		skip := 1 // the receiver
		var in []string
		for i := skip; i < ft.NumIn(); i++ {
			in = append(in, ft.In(i).String())
		}
		if methodSets[set].owner {
			require.GreaterOrEqual(t, len(in), 2, m.Name)
			assert.Equal(t, "string", in[1], "%s.%s takes the owner after ctx", methodSets[set].name, m.Name)
			in = slices.Delete(in, 1, 2)
		}
		var out []string
		for i := range ft.NumOut() {
			out = append(out, ft.Out(i).String())
		}
		return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
	}
	for i, set := range methodSets {
		var got []string
		for m := range set.typ.Methods() {
			got = append(got, m.Name)
		}
		assert.Equal(t, names, got, set.name)
		for _, name := range names {
			m, ok := set.typ.MethodByName(name)
			if !assert.True(t, ok, "%s.%s", set.name, name) {
				continue
			}
			want, _ := ref.typ.MethodByName(name)
			assert.Equal(t, shape(0, want), shape(i, m), "%s.%s", set.name, name)
			assert.Equal(t, "context.Context", m.Type.In(1).String(), "%s.%s takes ctx first", set.name, name)
		}
	}
}

// methodDoc is one method's doc comment, as parsed from the source.
type methodDoc struct {
	recv, name, doc string
	meta            []string // //meta:operation lines
}

// parseMethodDocs parses the doc comments of the methods of the four
// method sets.
func parseMethodDocs(t *testing.T) map[string]map[string]methodDoc {
	t.Helper()
	want := map[string]bool{}
	for _, s := range methodSets {
		want[s.name] = true
	}
	fset := token.NewFileSet()
	docs := map[string]map[string]methodDoc{}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok || !want[star.X.(*ast.Ident).Name] {
				continue
			}
			recv := star.X.(*ast.Ident).Name
			d := methodDoc{recv: recv, name: fn.Name.Name}
			if fn.Doc != nil {
				d.doc = fn.Doc.Text()
				for _, c := range fn.Doc.List {
					if op, ok := strings.CutPrefix(c.Text, "//meta:operation "); ok {
						d.meta = append(d.meta, op)
					}
				}
			}
			if docs[recv] == nil {
				docs[recv] = map[string]methodDoc{}
			}
			docs[recv][d.name] = d
		}
	}
	return docs
}

var (
	docsLink   = regexp.MustCompile(`(?m)^GitHub API docs: (https://docs\.github\.com/rest/packages/packages(#[a-z0-9-]+)?)$`)
	ownerParts = regexp.MustCompile(`^(GET|POST|DELETE) /(orgs/\{org\}|users/\{username\}|user)/`)
)

// TestMethodDocsStayInStep: every method of the four sets starts its doc
// with its name and links GitHub's docs; the three services' methods each
// name one operation (//meta:operation), the same one but for the owner
// prefix on every service, and link that operation's own page;
// OwnerPackages' methods point to the three methods they stand for.
func TestMethodDocsStayInStep(t *testing.T) {
	t.Parallel()
	docs := parseMethodDocs(t)
	for _, set := range methodSets {
		require.Len(t, docs[set.name], set.typ.NumMethod(), set.name)
	}
	for name := range docs["OrgsService"] {
		ops := map[string]bool{}
		links := map[string]bool{}
		for _, set := range methodSets {
			d := docs[set.name][name]
			label := set.name + "." + name
			assert.True(t, strings.HasPrefix(d.doc, name+" "), "%s: the doc starts with the name", label)
			m := docsLink.FindStringSubmatch(d.doc)
			if !assert.NotNil(t, m, "%s: links GitHub's docs", label) {
				continue
			}
			if set.name == "OwnerPackages" {
				assert.Empty(t, d.meta, label)
				for _, svc := range []string{"OrgsService", "UserService", "UsersService"} {
					assert.Contains(t, strings.Join(strings.Fields(d.doc), " "), svc+"."+name, "%s points to %s.%s", label, svc, name)
				}
				continue
			}
			assert.NotEmpty(t, m[2], "%s links its operation's own section", label)
			links[m[1]] = true
			if assert.Len(t, d.meta, 1, label) {
				assert.Regexp(t, ownerParts, d.meta[0], label)
				ops[ownerParts.ReplaceAllString(d.meta[0], "$1 /")] = true
			}
		}
		assert.Len(t, ops, 1, "%s: the same operation on every service: %v", name, ops)
		assert.Len(t, links, 3, "%s: each service links its own section", name)
	}
}

// TestDocCommentsAreWrapped catches broken wraps such as a line ending
// after one word in mid-sentence: within a paragraph of a doc comment,
// every line but the last is filled.
func TestDocCommentsAreWrapped(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		require.NoError(t, err)
		groups := []*ast.CommentGroup{f.Doc}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				groups = append(groups, n.Doc)
			case *ast.GenDecl:
				groups = append(groups, n.Doc)
			case *ast.TypeSpec:
				groups = append(groups, n.Doc)
			case *ast.ValueSpec:
				groups = append(groups, n.Doc)
			case *ast.Field:
				groups = append(groups, n.Doc)
			}
			return true
		})
		for _, g := range groups {
			if g == nil {
				continue
			}
			var para []string
			check := func() {
				for i, line := range para[:max(len(para)-1, 0)] {
					next := para[i+1]
					if strings.HasPrefix(line, " ") || strings.HasPrefix(next, " ") || strings.HasPrefix(next, "-") {
						continue // a list or a code block
					}
					if len(line)+1+len(strings.Fields(next)[0]) <= 50 {
						t.Errorf("%s: %q is cut short: %q could have joined it", fset.Position(g.Pos()), line, strings.Fields(next)[0])
					}
				}
				para = nil
			}
			for _, c := range g.List {
				text, ok := strings.CutPrefix(c.Text, "// ")
				if !ok {
					check()
					continue
				}
				if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
					check()
					continue
				}
				para = append(para, text)
			}
			check()
		}
	}
}

// TestWhereToStartIsAnExample: the code in the package doc's "Where to
// start" is Example_whereToStart's body, line for line, so the snippet
// compiles with the package (go vet and go test build the example).
func TestWhereToStartIsAnExample(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	require.NotNil(t, f.Doc)
	var snippet []string
	in := false
	for line := range strings.Lines(f.Doc.Text()) {
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "# Where to start":
			in = true
		case in && strings.HasPrefix(line, "# "):
			in = false
		case in && strings.HasPrefix(line, "\t"):
			snippet = append(snippet, strings.TrimPrefix(line, "\t"))
		}
	}
	require.NotEmpty(t, snippet, `doc.go has a "# Where to start" section with code`)

	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	ef, err := parser.ParseFile(fset, "example_test.go", src, parser.ParseComments)
	require.NoError(t, err)
	var body []string
	for _, d := range ef.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Example_whereToStart" {
			from, to := fset.Position(fn.Body.Lbrace).Offset+1, fset.Position(fn.Body.Rbrace).Offset
			for line := range strings.Lines(strings.Trim(string(src[from:to]), "\n")) {
				body = append(body, strings.TrimPrefix(strings.TrimRight(line, "\n"), "\t"))
			}
		}
	}
	require.NotEmpty(t, body, "example_test.go has Example_whereToStart")
	assert.Equal(t, body, snippet)
}
