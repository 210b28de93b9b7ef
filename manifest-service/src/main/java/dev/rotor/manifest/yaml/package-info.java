/**
 * In-place editing of Secret and SealedSecret manifests: SnakeYAML Engine finds the nodes and their
 * positions, and only the lines of the entries that change are rewritten. Comments, key order,
 * quoting, anchors, line breaks, other keys and other documents stay byte for byte.
 */
package dev.rotor.manifest.yaml;
