package ghpackagestest

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// Generated images have layers of different sizes, with base layers
// shared the way real images share them, so that what a cleanup frees
// (the manifests and the blobs no kept image uses) is worth measuring:
//
//   - an OS layer per platform, shared by every image of the platform
//     (160–223 KiB);
//   - a runtime layer per platform, shared the same way (32–95 KiB);
//   - an application layer per image, from its seed and platform
//     (2–65 KiB).
//
// The bytes are deterministic (a ChaCha8 stream keyed by a hash of the
// layer's label): a layer's digest is its content's, and its declared
// size is its real length. The demo's 43 images hold about 1.5 MiB.
const (
	osLayerMin      = 160 << 10
	runtimeLayerMin = 32 << 10
	appLayerMin     = 2 << 10
	layerSpread     = 64 << 10
)

// sharedLayers caches the shared base layers by label: every image of a
// platform uses the same bytes.
var sharedLayers sync.Map // string → []byte

// imageLayers returns the layers of the image of seed for platform, base
// first. The shared layers must not be modified.
func imageLayers(seed, platform string) [][]byte {
	return [][]byte{
		sharedLayer("os layer "+platform, osLayerMin),
		sharedLayer("runtime layer "+platform, runtimeLayerMin),
		layerBytes("app layer "+seed+" "+platform, appLayerMin),
	}
}

// sharedLayer returns the cached layer of label, making it once.
func sharedLayer(label string, minSize int) []byte {
	if b, ok := sharedLayers.Load(label); ok {
		return b.([]byte)
	}
	b, _ := sharedLayers.LoadOrStore(label, layerBytes(label, minSize))
	return b.([]byte)
}

// layerBytes returns label's layer: minSize plus up to layerSpread-1
// bytes (by the label's hash, in whole KiB), of a deterministic stream.
func layerBytes(label string, minSize int) []byte {
	key := sha256.Sum256([]byte(label))
	size := minSize + int(binary.BigEndian.Uint32(key[:4])%(layerSpread>>10))<<10
	b := make([]byte, size)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}
