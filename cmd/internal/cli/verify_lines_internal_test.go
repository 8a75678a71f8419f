package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// verify's lines agree in number with the tags they name, and a package
// with tags on a placeholder and tags on an empty index names both.
func TestVerifyLinesNameEveryTag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	a := &app{name: "verify", env: Env{Stdout: &out}}
	ok := a.verifyLines([]verifyJSON{
		{Package: "team/app", Placeholders: []string{"stable"}},
		{Package: "team/web", Placeholders: []string{"latest", "stable"}, Empty: []string{"old"}},
		{Package: "team/api", Empty: []string{"old"}},
	}, true)
	assert.False(t, ok)
	assert.Equal(t, "team/app: UNTAG NOT FINISHED: stable points at the placeholder of an untag that stopped before deleting it; 'ghpkg untag team/app stable --yes' (or the next prune of the package) finishes it\n"+
		"team/web: UNTAG NOT FINISHED: latest, stable point at the placeholder of an untag that stopped before deleting it; 'ghpkg untag team/web latest stable --yes' (or the next prune of the package) finishes it\n"+
		"  and old points at an image index with no manifests\n"+
		"team/api: EMPTY: old points at an image index with no manifests (another tool's untag placeholder, or an older one): nothing runs from them\n", out.String())
}
