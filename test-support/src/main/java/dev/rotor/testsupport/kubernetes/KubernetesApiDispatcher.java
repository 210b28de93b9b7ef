package dev.rotor.testsupport.kubernetes;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * fabric8's mixed (expectations, then CRUD) dispatcher with what the CRUD mock lacks and Rotor
 * relies on:
 *
 * <ul>
 *   <li><b>Server-side apply</b> ({@code application/apply-patch+yaml}): creates an absent object,
 *       merges into a present one, and tracks which manager owns which field. A field another
 *       manager owns with a different value is a conflict (HTTP 409 with a {@code Status} listing
 *       {@code FieldManagerConflict} causes, like the real server) unless {@code force=true}; a
 *       field the manager applied before and no longer applies is removed, unless another manager
 *       owns it.
 *   <li><b>Strategic-merge and JSON merge patches</b> as RFC 7386 merge patches (a {@code null}
 *       removes a field), keeping {@code status} on the main resource and honouring a {@code
 *       metadata.resourceVersion} precondition. Lists are replaced whole: no merge keys.
 *   <li><b>Field managers of updates</b>: creates, updates and patches take ownership of the fields
 *       they set, under the {@code fieldManager} parameter or, like the real server, the user
 *       agent's first word ({@code kubectl-client-side-apply}).
 *   <li><b>Faults</b>: {@link #inject} answers matching requests with an error status or holds them
 *       without effect; {@link #dropWatches()} closes every open watch, as a server restart does.
 *   <li><b>The size limit of a ConfigMap</b>: like the real server, a create, update or patch that
 *       would leave more than 1 MiB in a ConfigMap's {@code data} and {@code binaryData} values is
 *       refused with HTTP 422 and changes nothing ({@link #limitConfigMaps} lowers the limit).
 *   <li>A log of the requests received ({@link #requests()}).
 * </ul>
 *
 * <p>Not emulated: {@code managedFields} in objects, admission, validation of object schemas
 * (beyond the ConfigMap's size), list-type merge keys.
 */
public class KubernetesApiDispatcher extends KubernetesMixedDispatcher {

  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final int RACE_RETRIES = 20;

  /** The real API server's limit on a ConfigMap's values ({@code core.MaxSecretSize}). */
  public static final int CONFIG_MAP_LIMIT = 1024 * 1024;

  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final Map<String, Map<String, Ownership>> owners = new HashMap<>();
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final Set<WebSocket> openWatches = ConcurrentHashMap.newKeySet();
  private final List<ApiRequest> requests = new CopyOnWriteArrayList<>();
  private volatile int configMapLimit = CONFIG_MAP_LIMIT;

  public KubernetesApiDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
    super(responses);
    this.responses = responses;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    ApiPath path = ApiPath.parse(request.getPath());
    requests.add(
        new ApiRequest(
            request.getMethod(),
            path.path(),
            path.rawQuery(),
            request.getHeader("Content-Type"),
            request.getHeader("User-Agent"),
            Instant.now()));
    for (Fault fault : faults) {
      if (fault.take(request.getMethod(), path.path())) {
        return fault.response();
      }
    }
    Queue<ServerResponse> expected =
        responses.get(
            new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    if (expected != null && !expected.isEmpty()) {
      return super.dispatch(request);
    }
    String method = request.getMethod().toUpperCase(Locale.ROOT);
    if (!method.equals("GET") && path.collectionPath() != null) {
      String contentType =
          String.valueOf(request.getHeader("Content-Type")).toLowerCase(Locale.ROOT);
      synchronized (this) {
        switch (method) {
          case "PATCH":
            if (contentType.startsWith("application/apply-patch")) {
              return apply(request, path);
            }
            if (contentType.startsWith("application/strategic-merge-patch")
                || contentType.startsWith("application/merge-patch")) {
              return mergePatch(request, path);
            }
            return super.dispatch(request);
          case "POST":
            return create(request, path);
          case "PUT":
            return update(request, path);
          case "DELETE":
            MockResponse deleted = super.dispatch(request);
            if (path.name() != null && get(path.objectPath()) == null) {
              owners.remove(path.objectPath());
            }
            return deleted;
          default:
            return super.dispatch(request);
        }
      }
    }
    MockResponse response = super.dispatch(request);
    WebSocketListener listener = response.getWebSocketListener();
    if (listener != null) {
      response.withWebSocketUpgrade(new TrackedWatch(listener));
    }
    return response;
  }

  // ---------------------------------------------------------------- faults, watches, requests

  /**
   * Answers the next {@code times} requests with {@code method} (or {@code *}) whose path (without
   * the query) matches {@code pathRegex} with {@code fault}, without doing them.
   *
   * @param times how many requests; a negative number: every request until {@link
   *     InjectedFault#remove()}
   */
  public InjectedFault inject(String method, String pathRegex, ApiFault fault, int times) {
    Fault injected = new Fault(method, Pattern.compile(pathRegex), fault, times);
    faults.add(injected);
    return injected;
  }

  /** Removes every injected fault. */
  public void clearFaults() {
    faults.clear();
  }

  /**
   * Refuses, from now on, a ConfigMap whose values would hold more than {@code bytes} (the real
   * server's limit is {@link #CONFIG_MAP_LIMIT}, as a policy engine's may be lower); {@link
   * #reset()} restores the real one.
   */
  public void limitConfigMaps(int bytes) {
    configMapLimit = bytes;
  }

  /**
   * Closes every open watch from the server side, as an API server restart or a load balancer's
   * idle timeout does. Clients are expected to watch again.
   *
   * @return how many watches were closed
   */
  public int dropWatches() {
    List<WebSocket> open = new ArrayList<>(openWatches);
    open.forEach(
        socket -> {
          openWatches.remove(socket);
          socket.close(1000, "watch closed by the server");
        });
    return open.size();
  }

  /** How many watches are open now. */
  public int openWatches() {
    return openWatches.size();
  }

  /** Every request received so far, in order. */
  public List<ApiRequest> requests() {
    return List.copyOf(requests);
  }

  /** The requests with {@code method} whose path matches {@code pathRegex}. */
  public List<ApiRequest> requests(String method, String pathRegex) {
    Pattern pattern = Pattern.compile(pathRegex);
    return requests.stream()
        .filter(r -> r.method().equalsIgnoreCase(method) && pattern.matcher(r.path()).matches())
        .toList();
  }

  /**
   * The field managers of the object at {@code objectPath} and the fields each owns, as {@code
   * kubectl} prints fields ({@code .data.keyring.primary}).
   */
  public synchronized Map<String, Set<String>> fieldManagers(String objectPath) {
    Map<String, Set<String>> result = new LinkedHashMap<>();
    owners
        .getOrDefault(objectPath, Map.of())
        .forEach(
            (manager, ownership) ->
                result.put(
                    manager,
                    ownership.fields().stream()
                        .map(JsonTrees::display)
                        .collect(Collectors.toCollection(LinkedHashSet::new))));
    return result;
  }

  @Override
  public synchronized void reset() {
    super.reset();
    owners.clear();
    faults.clear();
    requests.clear();
    configMapLimit = CONFIG_MAP_LIMIT;
  }

  // ---------------------------------------------------------------- writes

  private MockResponse apply(RecordedRequest request, ApiPath path) {
    if (path.name() == null) {
      return status(405, "MethodNotAllowed", "apply needs an object, not a collection");
    }
    String manager = path.query().get("fieldManager");
    if (manager == null || manager.isBlank()) {
      return status(
          422,
          "Invalid",
          "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for"
              + " apply patch");
    }
    boolean force = "true".equals(path.query().get("force"));
    JsonNode applied;
    try {
      applied = YAML.readTree(request.getBody().getBytes());
    } catch (IOException e) {
      return status(400, "BadRequest", "the apply patch is not YAML or JSON");
    }
    if (applied == null || !applied.isObject()) {
      return status(400, "BadRequest", "the apply patch is not an object");
    }
    String appliedName = applied.path("metadata").path("name").asText("");
    if (!appliedName.equals(path.name())) {
      return status(
          400,
          "BadRequest",
          "the name of the object (" + appliedName + ") does not match the name on the URL");
    }
    boolean statusOnly = "status".equals(path.subresource());
    ObjectNode config = withoutSystemFields((ObjectNode) applied.deepCopy(), statusOnly);
    Set<String> appliedFields = statusOnly ? Set.of() : JsonTrees.leaves(config);
    for (int attempt = 0; ; attempt++) {
      JsonNode current = get(path.objectPath());
      if (current == null) {
        if (statusOnly) {
          return notFound(path);
        }
        MockResponse created = forward(HttpMethod.POST, path.collectionPath(), config);
        if (created.code() == 409 && attempt < RACE_RETRIES) {
          continue;
        }
        if (created.code() == 201) {
          Map<String, Ownership> objectOwners = new HashMap<>();
          objectOwners.put(manager, new Ownership(true, appliedFields));
          owners.put(path.objectPath(), objectOwners);
        }
        return created;
      }
      Map<String, Ownership> objectOwners =
          owners.computeIfAbsent(path.objectPath(), key -> new HashMap<>());
      Map<String, List<String>> conflicts = new LinkedHashMap<>();
      for (Map.Entry<String, Ownership> other : objectOwners.entrySet()) {
        if (other.getKey().equals(manager)) {
          continue;
        }
        for (String field : other.getValue().fields()) {
          if (appliedFields.contains(field)
              && !JsonTrees.at(current, field).equals(JsonTrees.at(config, field))) {
            conflicts.computeIfAbsent(other.getKey(), k -> new ArrayList<>()).add(field);
          }
        }
      }
      if (!conflicts.isEmpty() && !force) {
        return conflict(conflicts);
      }
      ObjectNode merged = (ObjectNode) current.deepCopy();
      if (statusOnly) {
        ObjectNode status =
            merged.path("status").isObject()
                ? (ObjectNode) merged.get("status")
                : merged.putObject("status");
        JsonTrees.applyInto(status, config.path("status"));
      } else {
        Ownership previous = objectOwners.get(manager);
        if (previous != null && previous.apply()) {
          for (String field : previous.fields()) {
            if (!appliedFields.contains(field) && !ownedByOther(objectOwners, manager, field)) {
              JsonTrees.remove(merged, field);
            }
          }
        }
        JsonTrees.applyInto(merged, config);
      }
      ((ObjectNode) merged.get("metadata"))
          .put("resourceVersion", current.path("metadata").path("resourceVersion").asText());
      MockResponse updated = forward(HttpMethod.PUT, path.path(), merged);
      if (updated.code() == 409 && attempt < RACE_RETRIES) {
        continue;
      }
      if (updated.code() == 200 && !statusOnly) {
        conflicts.forEach((other, fields) -> objectOwners.get(other).fields().removeAll(fields));
        objectOwners.put(manager, new Ownership(true, new LinkedHashSet<>(appliedFields)));
        objectOwners.values().removeIf(ownership -> ownership.fields().isEmpty());
      }
      return updated;
    }
  }

  private MockResponse mergePatch(RecordedRequest request, ApiPath path) {
    if (path.name() == null) {
      return status(405, "MethodNotAllowed", "a patch needs an object, not a collection");
    }
    JsonNode patch;
    try {
      patch = JSON.readTree(request.getBody().getBytes());
    } catch (IOException e) {
      return status(400, "BadRequest", "the patch is not JSON");
    }
    if (patch == null || !patch.isObject()) {
      return status(400, "BadRequest", "the patch is not a JSON object");
    }
    boolean statusOnly = "status".equals(path.subresource());
    String precondition = patch.path("metadata").path("resourceVersion").asText("");
    for (int attempt = 0; ; attempt++) {
      JsonNode current = get(path.objectPath());
      if (current == null) {
        return notFound(path);
      }
      String currentVersion = current.path("metadata").path("resourceVersion").asText();
      if (!precondition.isEmpty() && !precondition.equals(currentVersion)) {
        return modified(current, path);
      }
      ObjectNode merged = (ObjectNode) current.deepCopy();
      if (statusOnly) {
        merged.set("status", JsonTrees.mergePatch(merged.get("status"), patch.path("status")));
      } else {
        ObjectNode withoutStatus = (ObjectNode) patch.deepCopy();
        withoutStatus.remove("status");
        merged = (ObjectNode) JsonTrees.mergePatch(merged, withoutStatus);
        if (current.has("status")) {
          merged.set("status", current.get("status").deepCopy());
        }
      }
      merged.set("metadata", restoreIdentity(merged.path("metadata"), current.get("metadata")));
      MockResponse updated = forward(HttpMethod.PUT, path.path(), merged);
      if (updated.code() == 409 && precondition.isEmpty() && attempt < RACE_RETRIES) {
        continue;
      }
      if (updated.code() == 200 && !statusOnly) {
        takeOwnership(path.objectPath(), managerOf(request, path), JsonTrees.leaves(patch));
      }
      return updated;
    }
  }

  private MockResponse create(RecordedRequest request, ApiPath path) {
    MockResponse tooLong = tooLong(configMapBody(request, path));
    if (tooLong != null) {
      return tooLong;
    }
    MockResponse created = super.dispatch(request);
    if (created.code() == 201 && path.name() == null) {
      JsonNode body = parse(created);
      if (body != null) {
        String objectPath =
            path.collectionPath() + "/" + body.path("metadata").path("name").asText();
        owners.remove(objectPath);
        takeOwnership(objectPath, managerOf(request, path), JsonTrees.leaves(body));
      }
    }
    return created;
  }

  private MockResponse update(RecordedRequest request, ApiPath path) {
    if (path.name() == null) {
      return super.dispatch(request);
    }
    JsonNode before = "status".equals(path.subresource()) ? null : get(path.objectPath());
    MockResponse tooLong = tooLong(configMapBody(request, path));
    if (tooLong != null) {
      return tooLong;
    }
    MockResponse updated = super.dispatch(request);
    JsonNode after = updated.code() == 200 ? parse(updated) : null;
    if (before != null && after != null) {
      Set<String> changed = new LinkedHashSet<>();
      for (String field : JsonTrees.leaves(after)) {
        if (!JsonTrees.at(before, field).equals(JsonTrees.at(after, field))) {
          changed.add(field);
        }
      }
      takeOwnership(path.objectPath(), managerOf(request, path), changed);
    }
    return updated;
  }

  /** An update operation owns the fields it set; other managers lose them, without conflict. */
  private void takeOwnership(String objectPath, String manager, Set<String> fields) {
    if (fields.isEmpty()) {
      return;
    }
    Map<String, Ownership> objectOwners =
        owners.computeIfAbsent(objectPath, key -> new HashMap<>());
    objectOwners.forEach(
        (other, ownership) -> {
          if (!other.equals(manager)) {
            ownership.fields().removeAll(fields);
          }
        });
    Ownership mine = objectOwners.get(manager);
    if (mine == null) {
      objectOwners.put(manager, new Ownership(false, new LinkedHashSet<>(fields)));
    } else {
      mine.fields().addAll(fields);
    }
    objectOwners.values().removeIf(ownership -> ownership.fields().isEmpty());
  }

  private static boolean ownedByOther(
      Map<String, Ownership> objectOwners, String manager, String field) {
    return objectOwners.entrySet().stream()
        .anyMatch(e -> !e.getKey().equals(manager) && e.getValue().fields().contains(field));
  }

  private static String managerOf(RecordedRequest request, ApiPath path) {
    String manager = path.query().get("fieldManager");
    if (manager != null && !manager.isBlank()) {
      return manager;
    }
    String agent = request.getHeader("User-Agent");
    if (agent == null || agent.isBlank()) {
      return "unknown";
    }
    int slash = agent.indexOf('/');
    return (slash < 0 ? agent : agent.substring(0, slash)).trim();
  }

  private static ObjectNode withoutSystemFields(ObjectNode object, boolean keepStatus) {
    JsonNode metadata = object.get("metadata");
    if (metadata instanceof ObjectNode meta) {
      meta.remove(
          List.of(
              "resourceVersion",
              "uid",
              "creationTimestamp",
              "generation",
              "managedFields",
              "selfLink",
              "deletionTimestamp"));
    }
    if (!keepStatus) {
      object.remove("status");
    }
    return object;
  }

  private static JsonNode restoreIdentity(JsonNode patched, JsonNode current) {
    ObjectNode metadata =
        patched.isObject() ? (ObjectNode) patched.deepCopy() : JSON.createObjectNode();
    for (String field :
        List.of("name", "namespace", "uid", "creationTimestamp", "resourceVersion", "generation")) {
      if (current.has(field)) {
        metadata.set(field, current.get(field).deepCopy());
      }
    }
    return metadata;
  }

  // ---------------------------------------------------------------- plumbing

  private JsonNode get(String objectPath) {
    MockResponse response = forward(HttpMethod.GET, objectPath, null);
    return response.code() == 200 ? parse(response) : null;
  }

  private MockResponse forward(HttpMethod method, String path, JsonNode body) {
    MockResponse tooLong = tooLong(body);
    if (tooLong != null) {
      return tooLong;
    }
    byte[] bytes;
    try {
      bytes = body == null ? null : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Headers headers =
        body == null
            ? Headers.builder().build()
            : Headers.builder().add("Content-Type", "application/json").build();
    return super.dispatch(
        new RecordedRequest("HTTP/1.1", method, path, headers, new Buffer(bytes)));
  }

  /**
   * The real server's answer to a ConfigMap whose {@code data} and {@code binaryData} values (keys
   * not counted) hold more than the limit, or null if {@code object} is not such a one.
   */
  private MockResponse tooLong(JsonNode object) {
    if (object == null || !"ConfigMap".equals(object.path("kind").asText())) {
      return null;
    }
    long total = 0;
    for (JsonNode value : object.path("data")) {
      total += value.asText().getBytes(StandardCharsets.UTF_8).length;
    }
    for (JsonNode value : object.path("binaryData")) {
      total += Base64.getDecoder().decode(value.asText()).length;
    }
    if (total <= configMapLimit) {
      return null;
    }
    return status(
        422,
        "Invalid",
        "ConfigMap \""
            + object.path("metadata").path("name").asText()
            + "\" is invalid: []: Too long: must have at most "
            + configMapLimit
            + " bytes");
  }

  /** The body of a write to a ConfigMap; null for other kinds, whose bodies are not read here. */
  private static JsonNode configMapBody(RecordedRequest request, ApiPath path) {
    if (!"configmaps".equals(path.plural()) || request.getBody() == null) {
      return null;
    }
    try {
      return JSON.readTree(request.getBody().getBytes());
    } catch (IOException e) {
      return null;
    }
  }

  private static JsonNode parse(MockResponse response) {
    if (response.getBody() == null || response.getBody().size() == 0) {
      return null;
    }
    try {
      return JSON.readTree(response.getBody().getBytes());
    } catch (IOException e) {
      return null;
    }
  }

  private static MockResponse notFound(ApiPath path) {
    return status(404, "NotFound", path.plural() + " \"" + path.name() + "\" not found");
  }

  private static MockResponse modified(JsonNode current, ApiPath path) {
    return status(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + path.plural()
            + " \""
            + path.name()
            + "\": the object has been modified; please apply your changes to the latest version"
            + " and try again");
  }

  private static MockResponse conflict(Map<String, List<String>> conflicts) {
    int count = conflicts.values().stream().mapToInt(List::size).sum();
    List<StatusCause> causes = new ArrayList<>();
    StringBuilder message =
        new StringBuilder("Apply failed with ")
            .append(count)
            .append(count == 1 ? " conflict: " : " conflicts: ");
    List<String> parts = new ArrayList<>();
    conflicts.forEach(
        (manager, fields) -> {
          for (String field : fields) {
            String display = JsonTrees.display(field);
            causes.add(
                new StatusCause(
                    display, "conflict with \"" + manager + "\"", "FieldManagerConflict"));
            parts.add("conflict with \"" + manager + "\": " + display);
          }
        });
    message.append(String.join("; ", parts));
    Status status =
        new StatusBuilder()
            .withStatus("Failure")
            .withCode(409)
            .withReason("Conflict")
            .withMessage(message.toString())
            .withNewDetails()
            .withCauses(causes)
            .endDetails()
            .build();
    return new MockResponse().setResponseCode(409).setBody(Serialization.asJson(status));
  }

  static MockResponse status(int code, String reason, String message) {
    Status status =
        new StatusBuilder()
            .withStatus("Failure")
            .withCode(code)
            .withReason(reason)
            .withMessage(message)
            .build();
    return new MockResponse().setResponseCode(code).setBody(Serialization.asJson(status));
  }

  /** Fields one manager owns on one object, and whether it owns them by apply. */
  private record Ownership(boolean apply, Set<String> fields) {
    Ownership {
      fields = new LinkedHashSet<>(fields);
    }
  }

  /** A request path split the way the API server routes it. */
  record ApiPath(
      String path,
      String rawQuery,
      Map<String, String> query,
      String objectPath,
      String collectionPath,
      String plural,
      String name,
      String subresource) {

    static ApiPath parse(String raw) {
      int q = raw.indexOf('?');
      String path = q < 0 ? raw : raw.substring(0, q);
      String rawQuery = q < 0 ? "" : raw.substring(q + 1);
      Map<String, String> query = new HashMap<>();
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8);
        query.put(key, value);
      }
      String[] segments = path.startsWith("/") ? path.substring(1).split("/") : path.split("/");
      int start;
      if (segments.length >= 2 && segments[0].equals("api")) {
        start = 2;
      } else if (segments.length >= 3 && segments[0].equals("apis")) {
        start = 3;
      } else {
        return new ApiPath(path, rawQuery, query, null, null, null, null, null);
      }
      int rest = segments.length - start;
      int pluralIndex = rest >= 3 && segments[start].equals("namespaces") ? start + 2 : start;
      if (pluralIndex >= segments.length) {
        return new ApiPath(path, rawQuery, query, null, null, null, null, null);
      }
      String collection = "/" + String.join("/", List.of(segments).subList(0, pluralIndex + 1));
      String plural = segments[pluralIndex];
      if (segments.length <= pluralIndex + 1) {
        return new ApiPath(path, rawQuery, query, null, collection, plural, null, null);
      }
      String name = segments[pluralIndex + 1];
      String object = collection + "/" + name;
      String subresource = segments.length > pluralIndex + 2 ? segments[pluralIndex + 2] : null;
      return new ApiPath(path, rawQuery, query, object, collection, plural, name, subresource);
    }
  }

  /** A fault injected with {@link #inject}; remove it when done. */
  public interface InjectedFault {
    /** How many requests it answered. */
    int hits();

    /** Stops answering requests. */
    void remove();
  }

  private final class Fault implements InjectedFault {
    private final String method;
    private final Pattern path;
    private final ApiFault fault;
    private final AtomicInteger remaining;
    private final AtomicInteger hits = new AtomicInteger();

    Fault(String method, Pattern path, ApiFault fault, int times) {
      this.method = method;
      this.path = path;
      this.fault = fault;
      this.remaining = new AtomicInteger(times);
    }

    boolean take(String requestMethod, String requestPath) {
      if (!(method.equals("*") || method.equalsIgnoreCase(requestMethod))
          || !path.matcher(requestPath).matches()) {
        return false;
      }
      while (true) {
        int left = remaining.get();
        if (left == 0) {
          return false;
        }
        if (left < 0 || remaining.compareAndSet(left, left - 1)) {
          hits.incrementAndGet();
          return true;
        }
      }
    }

    MockResponse response() {
      MockResponse response = status(fault.code(), fault.reason(), fault.message());
      if (fault.delay().compareTo(Duration.ZERO) > 0) {
        response.setBodyDelay(fault.delay());
      }
      return response;
    }

    @Override
    public int hits() {
      return hits.get();
    }

    @Override
    public void remove() {
      faults.remove(this);
    }
  }

  /** Keeps the server side of a watch, so that {@link #dropWatches()} can close it. */
  private final class TrackedWatch extends WebSocketListener {
    private final WebSocketListener delegate;

    TrackedWatch(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(webSocket, response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      openWatches.add(webSocket);
      delegate.onOpen(webSocket, response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      openWatches.remove(webSocket);
      delegate.onClosing(webSocket, code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      openWatches.remove(webSocket);
      delegate.onClosed(webSocket, code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable error, Response response) {
      openWatches.remove(webSocket);
      delegate.onFailure(webSocket, error, response);
    }
  }
}
