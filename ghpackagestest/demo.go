package ghpackagestest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Names in the demo data set of WithDemo.
const (
	// DemoOrg is the demo organization.
	DemoOrg = "octo-org"
	// DemoContainer is the demo org's multi-tag container image.
	DemoContainer = "team/app"
	// DemoBaseImage is a second, smaller container image of the demo org.
	DemoBaseImage = "base-image"
	// DemoNPM is the demo org's npm package, linked to a repository.
	DemoNPM = "hello-world-npm"
	// DemoUserGem is a rubygems package of DefaultLogin.
	DemoUserGem = "octo-name"
)

// Digest returns a deterministic fake "sha256:…" digest for seed.
func Digest(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// WithDemo fills the Server, once it starts, with a realistic demo data set
// (before WithSeed's data, if both are given), relative to the server's
// clock:
//   - DemoOrg's public container DemoContainer with 40 versions over 80
//     days: releases tagged v1.0.0…, the newest also "latest" and "stable",
//     nightly tagged builds, untagged builds, and 3 versions deleted two days
//     ago (restorable);
//   - DemoOrg's private container DemoBaseImage with 3 versions;
//   - DemoOrg's npm package DemoNPM, linked to repository "hello-world-npm",
//     with 5 versions, one deleted;
//   - DefaultLogin's rubygems package DemoUserGem with 2 versions.
//
// With WithRegistry, the container versions are real images in the
// registry and their names are the images' digests: the newest release
// (v1.9.0, latest, stable) is a multi-arch image index whose linux/amd64
// and linux/arm64 images are the two untagged builds before it (kept while
// the index is), the other versions are plain images, and the remaining
// untagged builds are orphans that nothing references. Without it, names
// are Digest("team/app build N") and Digest("base N"). IDs are the same
// either way.
func WithDemo() Option { return func(s *Server) { s.seedDemo = true } }

// seedDemo fills s with the demo data set of WithDemo.
func seedDemo(s *Server) {
	now := s.now()
	day := 24 * time.Hour
	deleted := now.Add(-2 * day) // recent enough for the restore example
	s.AddOrg(DemoOrg)
	images := s.storage != nil

	// digest names version i, pushing its image when the server has a
	// registry. Build 39 is the index of builds 37 and 38.
	built := map[string]*ociObject{}
	digest := func(repo, seed string, platform string, tags []string) string {
		if !images {
			return Digest(seed)
		}
		img, err := platformImage(seed, platform)
		must(err)
		must(s.push(repo, img, tags))
		built[seed] = img
		return img.digest()
	}

	s.AddPackage(PackageSpec{Owner: DemoOrg, Type: ghpackages.Container, Name: DemoContainer,
		Visibility: ghpackages.VisibilityPublic, Repository: "app", CreatedAt: now.Add(-90 * day)})
	appRepo := repository(DemoOrg, DemoContainer)
	for i := range 40 {
		created := now.Add(-time.Duration(80-2*i) * day).Add(time.Duration(i) * time.Minute)
		spec := VersionSpec{CreatedAt: created, Downloads: 10 * i}
		switch {
		case i == 39:
			spec.Tags = []string{"v1.9.0", "latest", "stable"}
		case i%5 == 0:
			spec.Tags = []string{fmt.Sprintf("v1.%d.0", i/5)}
		case i%3 == 0:
			spec.Tags = []string{fmt.Sprintf("nightly-%s", created.Format("20060102"))}
		}
		if i == 2 || i == 4 || i == 7 {
			spec.DeletedAt = &deleted
		}
		seed := fmt.Sprintf("team/app build %d", i)
		switch {
		case i == 39 && images:
			idx, err := imageIndex([]*ociObject{built["team/app build 37"], built["team/app build 38"]}, []string{"linux/amd64", "linux/arm64"})
			must(err)
			must(s.push(appRepo, idx, spec.Tags))
			spec.Name = idx.digest()
		case i == 38:
			spec.Name = digest(appRepo, seed, "linux/arm64", spec.Tags)
		default:
			spec.Name = digest(appRepo, seed, "linux/amd64", spec.Tags)
		}
		s.AddVersion(DemoOrg, ghpackages.Container, DemoContainer, spec)
	}

	s.AddPackage(PackageSpec{Owner: DemoOrg, Type: ghpackages.Container, Name: DemoBaseImage, CreatedAt: now.Add(-30 * day)})
	baseRepo := repository(DemoOrg, DemoBaseImage)
	for i, tags := range [][]string{{"bookworm"}, nil, {"trixie", "latest"}} {
		s.AddVersion(DemoOrg, ghpackages.Container, DemoBaseImage, VersionSpec{
			Name: digest(baseRepo, fmt.Sprintf("base %d", i), "linux/amd64", tags), Tags: tags, CreatedAt: now.Add(-time.Duration(30-10*i) * day)})
	}

	s.AddPackage(PackageSpec{Owner: DemoOrg, Type: ghpackages.NPM, Name: DemoNPM, Repository: "hello-world-npm", CreatedAt: now.Add(-400 * day)})
	for i := range 5 {
		spec := VersionSpec{Name: fmt.Sprintf("1.0.%d", i), CreatedAt: now.Add(-time.Duration(400-60*i) * day), License: "MIT",
			Description: "Hello world in npm"}
		if i == 1 {
			spec.DeletedAt = &deleted
		}
		s.AddVersion(DemoOrg, ghpackages.NPM, DemoNPM, spec)
	}

	s.AddPackage(PackageSpec{Owner: DefaultLogin, Type: ghpackages.RubyGems, Name: DemoUserGem, CreatedAt: now.Add(-200 * day)})
	for i := range 2 {
		s.AddVersion(DefaultLogin, ghpackages.RubyGems, DemoUserGem, VersionSpec{
			Name: fmt.Sprintf("0.%d.0", i+1), CreatedAt: now.Add(-time.Duration(200-100*i) * day), License: "MIT"})
	}
}

// must panics on err: the demo's images are built from constants.
func must(err error) {
	if err != nil {
		panic("ghpackagestest: demo: " + err.Error())
	}
}
