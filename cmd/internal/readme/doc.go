// Package readme holds the tests that keep the repository's documentation
// true, README.md and every docs/*.md page: every Go snippet in them
// compiles against the module, and every shell command in them is run here
// (or, where it cannot run on a machine without GitHub, checked for what it
// names) with its exit code checked.
package readme
