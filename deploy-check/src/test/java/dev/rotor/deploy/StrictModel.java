package dev.rotor.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Parses rendered objects into fabric8's Kubernetes model and refuses any field the model does not
 * know. fabric8's model classes collect unknown fields in {@code additionalProperties} (a
 * {@code @JsonAnySetter}) rather than failing, so FAIL_ON_UNKNOWN_PROPERTIES alone would let a
 * misspelt {@code readinesProbe} through: every object of the parsed tree is walked instead and
 * must have no additional property. Kinds the model does not have (Strimzi, Prometheus Operator)
 * come back as {@link GenericKubernetesResource}, whose fields the tests check one by one.
 */
final class StrictModel {
  private StrictModel() {}

  static HasMetadata parse(JsonNode document, String origin) {
    HasMetadata object;
    try {
      object = Serialization.unmarshal(document.toString(), HasMetadata.class);
    } catch (RuntimeException e) {
      throw new AssertionError(origin + ": not a Kubernetes object: " + e.getMessage(), e);
    }
    if (!(object instanceof GenericKubernetesResource)) {
      List<String> unknown = new ArrayList<>();
      unknownFields(object, "", unknown);
      if (!unknown.isEmpty()) {
        throw new AssertionError(
            origin
                + ": "
                + object.getKind()
                + " "
                + object.getMetadata().getName()
                + " has fields the Kubernetes API does not know: "
                + String.join(", ", unknown));
      }
    }
    return object;
  }

  static boolean isModelled(HasMetadata object) {
    return !(object instanceof GenericKubernetesResource);
  }

  private static void unknownFields(Object value, String path, List<String> unknown) {
    if (value == null) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", unknown);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "[" + k + "]", unknown));
      return;
    }
    if (!(value instanceof KubernetesResource)
        || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field = invoke(getter, value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          extra.keySet().forEach(k -> unknown.add(path.isEmpty() ? "" + k : path + "." + k));
        }
        continue;
      }
      String name =
          Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
      unknownFields(field, path.isEmpty() ? name : path + "." + name, unknown);
    }
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      return null;
    }
  }
}
