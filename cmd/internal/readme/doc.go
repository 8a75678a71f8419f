// Package readme holds the tests that keep the repository's README.md true:
// every Go snippet in it compiles against the module, and every shell command
// in it is run here (or, where it cannot run on a machine without GitHub,
// checked for what it names) with its exit code checked.
package readme
