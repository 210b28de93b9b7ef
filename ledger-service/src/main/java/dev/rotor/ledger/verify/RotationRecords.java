package dev.rotor.ledger.verify;

import dev.rotor.ledger.rotation.RotationRecord;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Field-by-field comparison of rotation records, for a verification finding. */
final class RotationRecords {
  private static final int MAX_VALUE = 200;

  private RotationRecords() {}

  /** The names of the fields in which {@code a} and {@code b} differ, in declaration order. */
  static List<String> differingFields(RotationRecord a, RotationRecord b) {
    List<String> differing = new ArrayList<>();
    for (RecordComponent component : RotationRecord.class.getRecordComponents()) {
      if (!Objects.equals(value(component, a), value(component, b))) {
        differing.add(component.getName());
      }
    }
    return differing;
  }

  /** The values of {@code fields} of {@code record}, shortened, for the report. */
  static String describe(RotationRecord record, List<String> fields) {
    StringBuilder text = new StringBuilder();
    for (RecordComponent component : RotationRecord.class.getRecordComponents()) {
      if (fields.contains(component.getName())) {
        if (text.length() > 0) {
          text.append("; ");
        }
        String value = String.valueOf(value(component, record));
        text.append(component.getName())
            .append('=')
            .append(value.length() > MAX_VALUE ? value.substring(0, MAX_VALUE) + "..." : value);
      }
    }
    return text.toString();
  }

  private static Object value(RecordComponent component, RotationRecord record) {
    try {
      return component.getAccessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + component.getName(), e);
    }
  }
}
