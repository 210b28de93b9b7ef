package dev.rotor.manifest.yaml;

import java.util.Objects;

/** One change of a Secret's data entries: a value set (changed or added) or an entry removed. */
public sealed interface DataChange {

  /** The data key the change is about. */
  String dataKey();

  /**
   * Sets {@code dataKey} to {@code value} (base64 in a Secret's {@code data}, sealed base64 in a
   * SealedSecret's {@code encryptedData}); adds the entry when it is missing.
   */
  record Put(String dataKey, String value) implements DataChange {
    public Put {
      Objects.requireNonNull(dataKey, "dataKey");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      // Values may be key material (format secret): never printed.
      return "Put[" + dataKey + "]";
    }
  }

  /** Removes the entry {@code dataKey}. */
  record Remove(String dataKey) implements DataChange {
    public Remove {
      Objects.requireNonNull(dataKey, "dataKey");
    }
  }
}
