package dev.rotor.manifest.review;

import dev.rotor.common.plan.Plan;
import jakarta.enterprise.context.ApplicationScoped;

/** The review provider a plan names. */
@ApplicationScoped
public class Reviews {
  private final LocalReview local;
  private final GitHubReview github;

  public Reviews(LocalReview local, GitHubReview github) {
    this.local = local;
    this.github = github;
  }

  public ReviewGateway of(Plan plan) {
    return switch (plan.approvals().provider()) {
      case LOCAL -> local;
      case GITHUB -> github;
    };
  }
}
