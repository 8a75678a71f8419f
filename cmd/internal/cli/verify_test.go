package cli_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// multiImage is what pushMulti put in the fake.
type multiImage struct {
	children []string // the index's child digests
	childIDs []int64  // their version IDs
	orphanID int64    // the unreferenced old version
}

// pushMulti pushes a two-platform image index tagged latest to the fake's
// registry as octo-org/multi (through a transport of the test's own),
// registers its manifests (and an unreferenced old one) as versions 60 days
// old, and says what it made.
func pushMulti(t *testing.T, h *harness) multiImage {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	host := h.srv.Host()
	idx, err := random.Index(64, 1, 2)
	require.NoError(t, err)
	ref, err := name.ParseReference(host + "/octo-org/multi:latest")
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx, remote.WithTransport(tr)))
	idxDigest, err := idx.Digest()
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	orphan, err := random.Image(64, 1)
	require.NoError(t, err)
	orphanDigest, err := orphan.Digest()
	require.NoError(t, err)

	h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "multi"})
	old := start.Add(-60 * 24 * time.Hour)
	var img multiImage
	for _, c := range m.Manifests {
		img.children = append(img.children, c.Digest.String())
		img.childIDs = append(img.childIDs, h.srv.AddVersion("octo-org", ghpackages.Container, "multi", ghpackagestest.VersionSpec{Name: c.Digest.String(), CreatedAt: old}))
	}
	img.orphanID = h.srv.AddVersion("octo-org", ghpackages.Container, "multi", ghpackagestest.VersionSpec{Name: orphanDigest.String(), CreatedAt: old})
	h.srv.AddVersion("octo-org", ghpackages.Container, "multi", ghpackagestest.VersionSpec{Name: idxDigest.String(), Tags: []string{"latest"}, CreatedAt: old})
	return img
}

func TestVerify(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	children := pushMulti(t, h).children

	code, out, errOut := h.run(t, "verify", "multi", "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `^multi: whole: 1 tags, [0-9]+ manifests\n$`, out)

	// prune --verify deletes the orphan and proves the image still whole.
	code, out, errOut = h.run(t, "prune", "multi", "--org", "octo-org", "--older-than", "30d", "--yes", "--verify", "--json")
	require.Equal(t, 0, code, errOut)
	var doc struct {
		runDoc
		Verify []struct {
			Package    string `json:"package"`
			Repository string `json:"repository"`
			Whole      bool   `json:"whole"`
		} `json:"verify"`
	}
	require.NoError(t, jsonUnmarshal(out, &doc))
	assert.Equal(t, 1, doc.Summary.Deleted)
	require.Len(t, doc.Verify, 1)
	assert.Equal(t, "octo-org/multi", doc.Verify[0].Repository)
	assert.True(t, doc.Verify[0].Whole)

	// Break the image behind the tool's back: verify names the tag and
	// the missing manifest, exit 1.
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	host := h.srv.Host()
	child, err := name.ParseReference(host + "/octo-org/multi@" + children[0])
	require.NoError(t, err)
	require.NoError(t, remote.Delete(child, remote.WithTransport(tr)))
	code, out, _ = h.run(t, "verify", "multi", "--org", "octo-org")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "multi: BROKEN: 1 of 1 tags have manifests missing")
	assert.Contains(t, out, "tag latest (sha256:")
	assert.Contains(t, out, "missing "+children[0][:19])

	code, _, errOut = h.run(t, "verify", "multi", "--org", "octo-org", "--type", "npm")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "verify reads container images")
	code, _, errOut = h.run(t, "verify", "--org", "octo-org")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "want one or more PACKAGE")
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
