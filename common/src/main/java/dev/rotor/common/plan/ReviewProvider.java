package dev.rotor.common.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where the change request is reviewed. */
public enum ReviewProvider {
  /** No hosting service: approval arrives as {@code rotation.approved} (from rotorctl). */
  LOCAL("local"),
  /** A GitHub pull request; its reviews decide. */
  GITHUB("github");

  private final String id;

  ReviewProvider(String id) {
    this.id = id;
  }

  @JsonValue
  public String id() {
    return id;
  }

  @JsonCreator
  public static ReviewProvider of(String id) {
    for (ReviewProvider p : values()) {
      if (p.id.equals(id)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown review provider; expected one of local, github");
  }
}
