package dev.rotor.manifest.review;

/**
 * Where a proposal is reviewed: a pull request, or nothing (the local provider).
 *
 * @param repository the hosting service's {@code owner/name}, lowercase; null for none
 * @param number the pull request's number; null for none
 * @param url the pull request's page; null for none
 */
public record ChangeRequest(String repository, Integer number, String url) {
  /** No change request: approvals arrive as events. */
  public static final ChangeRequest NONE = new ChangeRequest(null, null, null);
}
