package dev.rotor.common.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** How the Secret is kept in Git. */
public enum ManifestFormat {
  /** A Bitnami SealedSecret: only the cluster's sealed-secrets controller can open the values. */
  SEALED_SECRET("sealed-secret"),
  /**
   * A plain Kubernetes Secret with base64 {@code data}: the runbook's literal format. The key is
   * then readable by anyone who can read the repository, so a policy must allow it explicitly.
   */
  SECRET("secret");

  private final String id;

  ManifestFormat(String id) {
    this.id = id;
  }

  @JsonValue
  public String id() {
    return id;
  }

  @JsonCreator
  public static ManifestFormat of(String id) {
    for (ManifestFormat f : values()) {
      if (f.id.equals(id)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown manifest format; expected one of "
            + Arrays.stream(values()).map(ManifestFormat::id).collect(Collectors.joining(", ")));
  }
}
