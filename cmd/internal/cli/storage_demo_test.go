package cli_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// registryManifest is a manifest as the test reads it from the fake's
// registry, without retention's code: its length, the blobs it lists and
// the manifests an index lists.
type registryManifest struct {
	size     int64
	blobs    map[string]int64
	children []string
}

// readRegistry walks the demo's team/app repository over the OCI
// distribution API: every active version's manifest and every tag's, and
// what indexes list.
func readRegistry(t *testing.T, h *harness) map[string]registryManifest {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	get := func(path string) []byte {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+h.srv.Host()+"/v2/octo-org/team/app/"+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json")
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
		return body
	}
	var tags struct {
		Tags []string `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(get("tags/list"), &tags))
	queue := append([]string{}, tags.Tags...)
	for _, v := range h.srv.Versions(ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer) {
		if v.DeletedAt == nil {
			queue = append(queue, v.Name)
		}
	}
	out := map[string]registryManifest{}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		body := get("manifests/" + ref)
		digest := digestOf(body)
		if _, ok := out[digest]; ok {
			continue
		}
		var m struct {
			Config *struct {
				Digest string
				Size   int64
			} `json:"config"`
			Layers []struct {
				Digest string
				Size   int64
			} `json:"layers"`
			Manifests []struct{ Digest string } `json:"manifests"`
		}
		require.NoError(t, json.Unmarshal(body, &m))
		rm := registryManifest{size: int64(len(body)), blobs: map[string]int64{}}
		if m.Config != nil {
			rm.blobs[m.Config.Digest] = m.Config.Size
		}
		for _, l := range m.Layers {
			rm.blobs[l.Digest] = l.Size
		}
		for _, c := range m.Manifests {
			rm.children = append(rm.children, c.Digest)
			queue = append(queue, c.Digest)
		}
		out[digest] = rm
	}
	return out
}

// storageRule computes what deleting the manifests in deleted frees and
// what the rest keeps: manifests' bytes, and each distinct blob counted
// as kept when any manifest that stays lists it.
func storageRule(manifests map[string]registryManifest, deleted map[string]bool) (freed, kept int64) {
	keptBlobs := map[string]int64{}
	for d, m := range manifests {
		if !deleted[d] {
			kept += m.size
			for b, n := range m.blobs {
				keptBlobs[b] = n
			}
		}
	}
	freedBlobs := map[string]int64{}
	for d, m := range manifests {
		if deleted[d] {
			freed += m.size
			for b, n := range m.blobs {
				if _, ok := keptBlobs[b]; !ok {
					freedBlobs[b] = n
				}
			}
		}
	}
	for _, n := range keptBlobs {
		kept += n
	}
	for _, n := range freedBlobs {
		freed += n
	}
	return freed, kept
}

// TestPruneStorageOnTheDemo is the check: on the demo, prune
// --older-than 1d --untagged-only reports freed_bytes (and kept_bytes,
// and each version's size_bytes) equal to the rule computed from the
// registry's manifests by the test itself; the run after --yes reports
// the same for what it deleted.
func TestPruneStorageOnTheDemo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ghcrtest.WithRegistry())
	manifests := readRegistry(t, h)
	args := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "1d", "--untagged-only", "--json"}
	code, out, errOut := h.run(t, args...)
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.Len(t, doc.Plan.Packages, 1)
	pp := doc.Plan.Packages[0]
	deleted := map[string]bool{}
	for _, v := range pp.Versions {
		m, ok := manifests[v.Name]
		require.True(t, ok, "version %s is in the registry", v.Name)
		want := m.size
		for _, n := range m.blobs {
			want += n
		}
		require.NotNil(t, v.SizeBytes, v.Name)
		assert.Equal(t, want, *v.SizeBytes, "size of %s", v.Name)
		if v.Action == "delete" {
			deleted[v.Name] = true
		}
	}
	require.NotEmpty(t, deleted)
	freed, kept := storageRule(manifests, deleted)
	require.NotNil(t, doc.Summary.Storage)
	require.NotNil(t, doc.Summary.Storage.FreedBytes)
	require.NotNil(t, doc.Summary.Storage.KeptBytes)
	assert.Equal(t, freed, *doc.Summary.Storage.FreedBytes)
	assert.Equal(t, kept, *doc.Summary.Storage.KeptBytes)
	assert.Equal(t, *doc.Summary.Storage, pp.Storage)
	// Shared base layers: deleting every orphan frees less than their sizes.
	var sum int64
	for _, v := range pp.Versions {
		if deleted[v.Name] {
			sum += *v.SizeBytes
		}
	}
	assert.Less(t, freed, sum, "the base layers kept images use are not freed")

	// The text says it in binary units.
	code, text, errOut := h.run(t, args[:len(args)-1]...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, text, "would delete 16 and keep 21 versions in 1 package(s); frees 421.9 KiB of 1.6 MiB; dry run", "as docs/ghpkg.md shows")
	assert.Contains(t, text, "; frees "+formatBinary(freed)+" of "+formatBinary(freed+kept)+"; dry run")

	// The run counts what it deleted: all of it.
	code, out, errOut = h.run(t, append(args, "--yes")...)
	require.Equal(t, 0, code, errOut)
	var run runDoc
	decodeStrict(t, out, &run)
	assert.Equal(t, len(deleted), run.Summary.Deleted)
	require.NotNil(t, run.Summary.Storage)
	require.NotNil(t, run.Summary.Storage.FreedBytes)
	assert.Equal(t, freed, *run.Summary.Storage.FreedBytes)
	assert.Equal(t, kept, *run.Summary.Storage.KeptBytes)
}

// formatBinary writes n as the summary line should: binary units, one
// decimal.
func formatBinary(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
