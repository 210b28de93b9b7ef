/**
 * Review providers behind one interface ({@link dev.rotor.manifest.review.ReviewGateway}): {@code
 * local} (approvals arrive on {@code rotor.approvals}; Rotor merges and pushes itself) and {@code
 * github} (a pull request; its reviews decide, Rotor merges it through GitHub's API, a webhook
 * makes Rotor look at once).
 */
package dev.rotor.manifest.review;
