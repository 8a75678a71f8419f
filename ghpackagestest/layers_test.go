package ghpackagestest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImageLayersSharedAndSized checks the generated images: three layers
// of different sizes, the first two shared by every image of a platform,
// each descriptor's digest and size those of the blob pushed.
func TestImageLayersSharedAndSized(t *testing.T) {
	type manifest struct {
		Config ociDescriptor   `json:"config"`
		Layers []ociDescriptor `json:"layers"`
	}
	read := func(img *ociObject) manifest {
		var m manifest
		require.NoError(t, json.Unmarshal(img.body, &m))
		require.Len(t, m.Layers, 3)
		require.Len(t, img.blobs, 4)
		for i, d := range append([]ociDescriptor{m.Config}, m.Layers...) {
			assert.Equal(t, sha256Digest(img.blobs[i]), d.Digest)
			assert.Equal(t, int64(len(img.blobs[i])), d.Size)
		}
		return m
	}
	a1, err := platformImage("a", "linux/amd64")
	require.NoError(t, err)
	a2, err := platformImage("b", "linux/amd64")
	require.NoError(t, err)
	arm, err := platformImage("a", "linux/arm64")
	require.NoError(t, err)
	m1, m2, m3 := read(a1), read(a2), read(arm)
	assert.Equal(t, m1.Layers[:2], m2.Layers[:2], "one platform's images share their base layers")
	assert.NotEqual(t, m1.Layers[2], m2.Layers[2])
	assert.NotEqual(t, m1.Layers[0], m3.Layers[0], "platforms have their own base layers")
	assert.NotEqual(t, m1.Layers[0].Size, m1.Layers[1].Size)
	again, err := platformImage("a", "linux/amd64")
	require.NoError(t, err)
	assert.Equal(t, a1.body, again.body, "deterministic")
}
