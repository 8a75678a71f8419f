// Package ghcrtest gives a ghpackagestest.Server a container registry that
// behaves like ghcr.io, with go-containerregistry's in-memory registry
// (github.com/google/go-containerregistry/pkg/registry) as its storage.
//
// It is a module of its own so that a program's tests that use
// ghpackagestest for the REST API alone take on no container-registry
// dependency; tests that need real images add this one:
//
//	srv := ghpackagestest.NewServer(ghcrtest.WithRegistry(), ghpackagestest.WithDemo())
//	defer srv.Close()
//
// What the registry does, the ghcr.io rules its front keeps (tags follow
// the REST state, deletes go through the REST API, Bearer token auth), is
// described at ghpackagestest.WithRegistry.
//
// The guide to the fake and its registry is
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/fake.md.
package ghcrtest

import (
	"io"
	"log"
	"net/http"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// WithRegistry returns the ghpackagestest option that serves a fresh
// in-memory registry on the Server's host (see ghpackagestest.WithRegistry
// for what it does). Each call makes a new, empty storage.
func WithRegistry() ghpackagestest.Option { return ghpackagestest.WithRegistry(NewStorage()) }

// NewStorage returns a fresh, empty in-memory OCI distribution registry
// that logs nothing: the storage WithRegistry fronts. Use it directly to
// put the storage behind your own front, or to inspect it.
func NewStorage() http.Handler {
	return registry.New(registry.Logger(log.New(io.Discard, "", 0)))
}
