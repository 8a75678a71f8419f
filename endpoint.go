package ghpackages

import "net/http"

// endpoint is what a typed method knows about the API operation it calls.
// It travels explicitly along the one internal request path (Client.call,
// Client.do, paginate) to the error classification, the resend rule and the
// replay settlement, instead of riding in the request's context or being
// guessed from its URL.
//
// A raw call through Client.Do has no such knowledge; it gets
// rawEndpoint(method), which the package doc describes under "Raw requests".
type endpoint struct {
	// op and typ name the classic scopes the operation needs
	// (RequiredScopes). op is "" when unknown: no scope diagnosis.
	op  Operation
	typ PackageType
	// listLimit is set on the list-packages endpoints, where GitHub refuses
	// page × per_page beyond 10,000 with a 400 (ErrListLimit).
	listLimit bool
	// idempotent says the operation has the same effect however many times
	// it is carried out, so a transient failure may be retried.
	idempotent bool
	// mutation says the operation changes something (any method but GET,
	// HEAD and OPTIONS: isMutation): it is paced as one, and a lost answer
	// leaves it ambiguous.
	mutation bool
	// pkg and version are the escaped paths of the package and (for a
	// version operation) the version a delete or restore acts on: what
	// replay.go reads to settle a resend answered 404. Empty elsewhere.
	pkg, version string
}

// readOp is a GET of the Packages API on a package of type typ.
func readOp(typ PackageType) endpoint {
	return endpoint{op: OperationRead, typ: typ, idempotent: true}
}

// listOp is a GET of the list-packages endpoints.
func listOp(typ PackageType) endpoint {
	return endpoint{op: OperationRead, typ: typ, listLimit: true, idempotent: true}
}

// deleteOp is a DELETE of the package at pkg, or of its version at version
// (empty for the package itself): deleting twice leaves the same state.
func deleteOp(typ PackageType, pkg, version string) endpoint {
	return endpoint{op: OperationDelete, typ: typ, idempotent: true, mutation: true, pkg: pkg, version: version}
}

// restoreOp is a restore POST of the package at pkg, or of its version at
// version (empty for the package itself): restoring twice leaves the same
// state.
func restoreOp(typ PackageType, pkg, version string) endpoint {
	return endpoint{op: OperationRestore, typ: typ, idempotent: true, mutation: true, pkg: pkg, version: version}
}

// plainGET is a GET outside the Packages API (GET /rate_limit, GET
// /users/{username}): retried, no scope diagnosis.
func plainGET() endpoint { return endpoint{idempotent: true} }

// rawEndpoint is how Client.Do classifies a request it knows nothing else
// about: by its method alone. GET, HEAD and DELETE are idempotent in HTTP
// and retried after a transient failure; every other method (POST, PUT,
// PATCH, …) is not, whatever its URL. No scope diagnosis, no ErrListLimit,
// nothing to read to settle a replay.
func rawEndpoint(method string) endpoint {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		return endpoint{idempotent: true, mutation: isMutation(method)}
	}
	return endpoint{mutation: isMutation(method)}
}
