/**
 * Git with JGit: a bare working copy per repository (no checkout, so nothing is ever written to a
 * path the manifest names), Rotor's commits and their trailers, merges, rollbacks, and the mapping
 * of Git's refusals to reason codes. Credentials never reach a log line or an exception message.
 */
package dev.rotor.manifest.git;
