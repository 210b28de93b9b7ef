package dev.rotor.manifest.yaml;

import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.manifest.RotationFailedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The target's Secret inside a manifest file: a Kubernetes {@code Secret} (its {@code data}) or a
 * Bitnami {@code SealedSecret} (its {@code spec.encryptedData}), found among the file's documents
 * by kind, name and namespace, and edited in place.
 *
 * <p>{@link #apply} rewrites only the lines of the entries that change: a changed value is replaced
 * in its own quoting style, an added entry is one new line indented like its siblings, a removed
 * entry loses exactly its lines. Everything else stays byte for byte.
 *
 * <p>Every refusal is a {@link RotationFailedException} with reason {@code MANIFEST_INVALID} whose
 * message names the file, the document, the line and what to do; it never quotes a value.
 */
public final class SecretManifest {
  /** The kind of a plain Secret manifest. */
  public static final String SECRET_KIND = "Secret";

  /** The kind of a Bitnami SealedSecret manifest. */
  public static final String SEALED_SECRET_KIND = "SealedSecret";

  /** Larger files are refused: a Secret manifest is a few kilobytes. */
  public static final int MAX_BYTES = 1 << 20;

  private static final String SCOPE_CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide";
  private static final String SCOPE_NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide";
  private static final String KEYRING_PREFIX = "keyring.";
  private static final String KEY_PREFIX = "keyring.key.";
  private static final String PRIMARY = "keyring.primary";

  /** Plain scalars YAML 1.2 (core schema) would not read as a string. */
  private static final Pattern NOT_A_STRING =
      Pattern.compile(
          "(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
              + "|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
              + "|[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              + "|[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)");

  private static final Pattern SAFE_PLAIN = Pattern.compile("[A-Za-z0-9+/=._-]+");

  private final ManifestText text;
  private final ManifestFormat format;
  private final int documentNumber;
  private final String dataField;
  private final MappingNode parent;
  private final NodeTuple dataTuple;
  private final MappingNode dataMapping;
  private final List<Entry> entries;
  private final int indentUnit;

  private SecretManifest(
      ManifestText text,
      ManifestFormat format,
      int documentNumber,
      String dataField,
      MappingNode parent,
      NodeTuple dataTuple,
      MappingNode dataMapping,
      List<Entry> entries,
      int indentUnit) {
    this.text = text;
    this.format = format;
    this.documentNumber = documentNumber;
    this.dataField = dataField;
    this.parent = parent;
    this.dataTuple = dataTuple;
    this.dataMapping = dataMapping;
    this.entries = entries;
    this.indentUnit = indentUnit;
  }

  /**
   * Finds the Secret {@code namespace/name} in a manifest file of the given format.
   *
   * @param path the file's path in the repository (for messages)
   * @param content the file's bytes
   * @throws RotationFailedException {@code MANIFEST_INVALID} naming the problem
   */
  public static SecretManifest parse(
      String path, byte[] content, ManifestFormat format, String namespace, String name) {
    if (content.length > MAX_BYTES) {
      throw RotationFailedException.invalid(
          path + ": " + content.length + " bytes; a Secret manifest over 1 MiB is refused");
    }
    ManifestText text = ManifestText.decode(path, content);
    List<MappingNode> documents = compose(text);
    String expectedKind = format == ManifestFormat.SECRET ? SECRET_KIND : SEALED_SECRET_KIND;
    String otherKind = format == ManifestFormat.SECRET ? SEALED_SECRET_KIND : SECRET_KIND;

    List<Integer> ofKind = new ArrayList<>();
    List<Integer> matching = new ArrayList<>();
    List<String> kindsSeen = new ArrayList<>();
    String mismatch = null;
    for (int i = 0; i < documents.size(); i++) {
      MappingNode document = documents.get(i);
      String kind = scalar(text, document, "kind", i + 1).orElse(null);
      kindsSeen.add(kind == null ? "(no kind)" : kind);
      if (!expectedKind.equals(kind)) {
        continue;
      }
      ofKind.add(i);
      MappingNode metadata = mapping(text, document, "metadata", i + 1).orElse(null);
      String docName = metadata == null ? null : scalar(text, metadata, "name", i + 1).orElse(null);
      String docNamespace =
          metadata == null ? null : scalar(text, metadata, "namespace", i + 1).orElse(null);
      if (name.equals(docName) && (docNamespace == null || namespace.equals(docNamespace))) {
        matching.add(i);
      } else if (mismatch == null) {
        mismatch =
            where(text, i + 1, document)
                + expectedKind
                + " is "
                + (docNamespace == null ? "(no namespace)" : docNamespace)
                + "/"
                + (docName == null ? "(no name)" : docName)
                + ", but the plan's Secret is "
                + namespace
                + "/"
                + name
                + "; the policy's manifest.path points at another Secret's manifest";
      }
    }
    if (ofKind.isEmpty()) {
      if (kindsSeen.contains(otherKind)) {
        throw RotationFailedException.invalid(
            path
                + ": wrong kind: the manifest holds a "
                + otherKind
                + " but the policy's manifest.format is "
                + format.id()
                + ", which edits a "
                + expectedKind
                + "; fix manifest.format or convert the file");
      }
      throw RotationFailedException.invalid(
          path
              + ": wrong kind: no "
              + expectedKind
              + " document (found "
              + (kindsSeen.isEmpty() ? "no documents" : "kinds " + kindsSeen)
              + ")");
    }
    if (matching.isEmpty()) {
      throw RotationFailedException.invalid(mismatch);
    }
    if (matching.size() > 1) {
      throw RotationFailedException.invalid(
          path
              + ": documents "
              + (matching.get(0) + 1)
              + " and "
              + (matching.get(1) + 1)
              + " are both the "
              + expectedKind
              + " "
              + namespace
              + "/"
              + name
              + "; keep one");
    }
    int index = matching.get(0);
    MappingNode document = documents.get(index);
    int documentNumber = index + 1;
    if (format == ManifestFormat.SEALED_SECRET) {
      checkSealedSecret(text, document, documentNumber, namespace, name);
    } else {
      checkSecret(text, document, documentNumber);
    }
    return locateData(text, format, document, documentNumber);
  }

  /** The file's path in the repository. */
  public String path() {
    return text.path();
  }

  /** Which document of the file is the Secret (1-based). */
  public int documentNumber() {
    return documentNumber;
  }

  /** Where the entries are: {@code data} or {@code spec.encryptedData}. */
  public String dataField() {
    return dataField;
  }

  /** The data keys in file order. */
  public List<String> dataKeys() {
    return entries.stream().map(Entry::name).toList();
  }

  /** The value of a data entry (base64 or sealed base64), if the entry exists. */
  public Optional<String> value(String dataKey) {
    return entry(dataKey).map(e -> ((ScalarNode) e.value()).getValue());
  }

  /** The 1-based line of a data entry, for messages. */
  public Optional<Integer> lineOf(String dataKey) {
    return entry(dataKey).map(e -> text.lineOf(text.start(e.keyNode())));
  }

  /**
   * The file's bytes with the changes applied in place.
   *
   * @throws RotationFailedException {@code MANIFEST_INVALID} when an entry that must change cannot
   *     be changed in place (an anchor or alias, a tag, several entries on one line)
   */
  public byte[] apply(List<DataChange> changes) {
    Set<String> seen = new HashSet<>();
    for (DataChange change : changes) {
      if (!seen.add(change.dataKey())) {
        throw new IllegalArgumentException("data key " + change.dataKey() + " changed twice");
      }
    }
    ManifestText.Edits edits = text.edits();
    Set<String> removed = new HashSet<>();
    List<DataChange.Put> added = new ArrayList<>();
    for (DataChange change : changes) {
      Optional<Entry> existing = entry(change.dataKey());
      if (change instanceof DataChange.Remove) {
        Entry entry =
            existing.orElseThrow(
                () -> new IllegalStateException("no entry " + change.dataKey() + " to remove"));
        removeEntry(edits, entry);
        removed.add(entry.name());
      } else if (change instanceof DataChange.Put put) {
        if (existing.isPresent()) {
          replaceValue(edits, existing.get(), put.value());
        } else {
          added.add(put);
        }
      }
    }
    if (!added.isEmpty()) {
      addEntries(edits, added, removed);
    }
    return edits.applyUtf8();
  }

  private Optional<Entry> entry(String dataKey) {
    return entries.stream().filter(e -> e.name().equals(dataKey)).findFirst();
  }

  // ---- editing

  private void replaceValue(ManifestText.Edits edits, Entry entry, String value) {
    ScalarNode node = (ScalarNode) entry.value();
    int start = text.start(node);
    int end = text.end(node);
    requireInline(entry, start);
    String raw = text.text().substring(start, end);
    if (start == end || node.getValue().isEmpty()) {
      throw refuse(entry, "has no value to replace; give it a value or remove the entry");
    }
    String rendered =
        switch (node.getScalarStyle()) {
          case DOUBLE_QUOTED -> "\"" + value + "\"";
          case SINGLE_QUOTED -> "'" + value + "'";
          case LITERAL, FOLDED -> {
            // The block scalar's range ends with its last line break: keep one.
            String tail = raw.endsWith("\r\n") ? "\r\n" : raw.endsWith("\n") ? "\n" : "";
            yield plain(value) + tail;
          }
          default -> plain(value);
        };
    edits.replace(start, end, rendered);
  }

  private void removeEntry(ManifestText.Edits edits, Entry entry) {
    int keyStart = text.start(entry.keyNode());
    int lineStart = text.lineStart(keyStart);
    if (!text.blank(lineStart, keyStart)) {
      throw refuse(entry, "shares its line with other YAML; put each entry on its own line");
    }
    int valueEnd = text.end(entry.value());
    requireInline(entry, text.start(entry.value()));
    if (!(valueEnd > 0 && ManifestText.isBreak(text.text().charAt(valueEnd - 1)))
        && !text.onlyCommentAfter(valueEnd)) {
      throw refuse(entry, "shares its line with other YAML; put each entry on its own line");
    }
    edits.replace(lineStart, text.afterContent(valueEnd), "");
  }

  private void addEntries(
      ManifestText.Edits edits, List<DataChange.Put> added, Set<String> removed) {
    if (dataMapping == null || dataMapping.getValue().isEmpty()) {
      createMapping(edits, added);
      return;
    }
    String indent = " ".repeat(column(text, dataMapping.getValue().get(0).getKeyNode()));
    for (Entry entry : entries) {
      int keyStart = text.start(entry.keyNode());
      if (!text.blank(text.lineStart(keyStart), keyStart)) {
        throw refuse(entry, "shares its line with other YAML; put each entry on its own line");
      }
    }
    // Keyring keys are kept newest first: a new key goes before the first one that stays; a
    // new primary entry goes before the keys; anything else goes last.
    Entry firstKey =
        entries.stream()
            .filter(e -> e.name().startsWith(KEY_PREFIX) && !removed.contains(e.name()))
            .findFirst()
            .orElse(null);
    Map<Integer, StringBuilder> insertions = new LinkedHashMap<>();
    int append = text.afterContent(lastContentEnd(dataMapping));
    for (DataChange.Put put : added) {
      boolean keyring = put.dataKey().startsWith(KEY_PREFIX) || put.dataKey().equals(PRIMARY);
      int at =
          keyring && firstKey != null ? text.lineStart(text.start(firstKey.keyNode())) : append;
      StringBuilder block = insertions.computeIfAbsent(at, k -> new StringBuilder());
      if (at == text.text().length()
          && at > 0
          && block.length() == 0
          && !ManifestText.isBreak(text.text().charAt(at - 1))) {
        block.append(text.lineBreak());
      }
      block
          .append(indent)
          .append(put.dataKey())
          .append(": ")
          .append(plain(put.value()))
          .append(text.lineBreak());
    }
    insertions.forEach((at, block) -> edits.insert(at, block.toString()));
  }

  /** The data field is missing, null or {@code {}}: write it as a block mapping. */
  private void createMapping(ManifestText.Edits edits, List<DataChange.Put> added) {
    String childIndent;
    int insertAt;
    StringBuilder block = new StringBuilder();
    if (dataTuple == null) {
      NodeTuple first = parent.getValue().get(0);
      int parentColumn =
          text.start(first.getKeyNode()) - text.lineStart(text.start(first.getKeyNode()));
      for (NodeTuple tuple : parent.getValue()) {
        int keyStart = text.start(tuple.getKeyNode());
        if (!text.blank(text.lineStart(keyStart), keyStart)) {
          throw RotationFailedException.invalid(
              where(text, documentNumber, parent)
                  + "cannot add "
                  + dataField
                  + ": the mapping that holds it is not in block style");
        }
      }
      insertAt = text.afterContent(lastContentEnd(parent));
      if (insertAt == text.text().length()
          && insertAt > 0
          && !ManifestText.isBreak(text.text().charAt(insertAt - 1))) {
        block.append(text.lineBreak());
      }
      String leaf = dataField.substring(dataField.lastIndexOf('.') + 1);
      block.append(" ".repeat(parentColumn)).append(leaf).append(':').append(text.lineBreak());
      childIndent = " ".repeat(parentColumn + indentUnit);
    } else {
      Node key = dataTuple.getKeyNode();
      Node value = dataTuple.getValueNode();
      int keyStart = text.start(key);
      int keyColumn = keyStart - text.lineStart(keyStart);
      int keyEnd = text.end(key);
      int colon = text.text().indexOf(':', keyEnd);
      int valueStart = text.start(value);
      int valueEnd = text.end(value);
      if (colon < 0 || colon >= valueStart && valueStart != valueEnd) {
        throw RotationFailedException.invalid(
            where(text, documentNumber, key) + dataField + ": unusual layout; write it as a block");
      }
      if (!text.blank(text.lineStart(keyStart), keyStart)) {
        throw RotationFailedException.invalid(
            where(text, documentNumber, key)
                + dataField
                + " shares its line with other YAML; put it on its own line");
      }
      if (valueEnd > colon + 1) {
        if (!text.blank(colon + 1, valueStart)) {
          throw RotationFailedException.invalid(
              where(text, documentNumber, key)
                  + dataField
                  + ": unusual layout; write it as a block");
        }
        edits.replace(colon + 1, valueEnd, "");
      }
      insertAt = text.nextLineStart(Math.max(valueEnd, colon + 1));
      if (insertAt == text.text().length() && !ManifestText.isBreak(lastChar())) {
        block.append(text.lineBreak());
      }
      childIndent = " ".repeat(keyColumn + indentUnit);
    }
    for (DataChange.Put put : orderForNewKeyring(added)) {
      block
          .append(childIndent)
          .append(put.dataKey())
          .append(": ")
          .append(plain(put.value()))
          .append(text.lineBreak());
    }
    edits.insert(insertAt, block.toString());
  }

  private char lastChar() {
    return text.text().isEmpty() ? '\n' : text.text().charAt(text.text().length() - 1);
  }

  /** {@code keyring.primary} first, then keys in the given order (newest first). */
  private static List<DataChange.Put> orderForNewKeyring(List<DataChange.Put> added) {
    List<DataChange.Put> ordered = new ArrayList<>();
    added.stream().filter(p -> p.dataKey().equals(PRIMARY)).forEach(ordered::add);
    added.stream().filter(p -> !p.dataKey().equals(PRIMARY)).forEach(ordered::add);
    return ordered;
  }

  private void requireInline(Entry entry, int valueStart) {
    Node value = entry.value();
    if (valueStart < text.end(entry.keyNode()) || value.getAnchor().isPresent()) {
      throw refuse(
          entry,
          "uses a YAML anchor or alias; Rotor cannot change it without changing its other uses:"
              + " write the value inline");
    }
    if (text.text().startsWith("!", valueStart)) {
      throw refuse(entry, "has an explicit YAML tag; remove it (a data value is a string)");
    }
  }

  private RotationFailedException refuse(Entry entry, String problem) {
    return RotationFailedException.invalid(
        where(text, documentNumber, entry.keyNode())
            + dataField
            + "."
            + entry.name()
            + " "
            + problem);
  }

  private static String plain(String value) {
    if (!SAFE_PLAIN.matcher(value).matches() || NOT_A_STRING.matcher(value).matches()) {
      return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    return value;
  }

  private int lastContentEnd(Node node) {
    if (node instanceof MappingNode mapping && mapping.getFlowStyle() == FlowStyle.BLOCK) {
      List<NodeTuple> tuples = mapping.getValue();
      if (tuples.isEmpty()) {
        return text.end(node);
      }
      NodeTuple last = tuples.get(tuples.size() - 1);
      int valueEnd = lastContentEnd(last.getValueNode());
      return Math.max(valueEnd, text.end(last.getKeyNode()));
    }
    if (node instanceof SequenceNode sequence && sequence.getFlowStyle() == FlowStyle.BLOCK) {
      List<Node> items = sequence.getValue();
      return items.isEmpty() ? text.end(node) : lastContentEnd(items.get(items.size() - 1));
    }
    return text.end(node);
  }

  // ---- reading

  private static List<MappingNode> compose(ManifestText text) {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(text.path())
            .setAllowDuplicateKeys(false)
            .setMaxAliasesForCollections(50)
            .setCodePointLimit(MAX_BYTES)
            .build();
    List<MappingNode> documents = new ArrayList<>();
    try {
      for (Node node : new Compose(settings).composeAllFromString(text.text())) {
        // Empty documents and non-objects (a bare scalar or list) are not Kubernetes objects.
        if (node instanceof MappingNode mapping) {
          documents.add(mapping);
        } else {
          documents.add(new MappingNode(node.getTag(), List.of(), FlowStyle.BLOCK));
        }
      }
    } catch (MarkedYamlEngineException e) {
      // The problem text, never the snippet: a snippet could show a value of the file.
      String line = e.getProblemMark().map(m -> " (line " + (m.getLine() + 1) + ")").orElse("");
      throw RotationFailedException.invalid(text.path() + ": not YAML: " + e.getProblem() + line);
    } catch (YamlEngineException e) {
      throw RotationFailedException.invalid(
          text.path() + ": not YAML (" + e.getClass().getSimpleName() + ")");
    }
    if (documents.isEmpty()) {
      throw RotationFailedException.invalid(text.path() + ": the file holds no YAML document");
    }
    return documents;
  }

  private static void checkSecret(ManifestText text, MappingNode document, int number) {
    String apiVersion = scalar(text, document, "apiVersion", number).orElse(null);
    if (!"v1".equals(apiVersion)) {
      throw RotationFailedException.invalid(
          where(text, number, document)
              + "a Secret has apiVersion v1, this one has "
              + (apiVersion == null ? "none" : apiVersion));
    }
    Optional<NodeTuple> stringData = tuple(text, document, "stringData", number);
    if (stringData.isPresent() && stringData.get().getValueNode() instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
        if (key.startsWith(KEYRING_PREFIX)) {
          throw RotationFailedException.invalid(
              where(text, number, t.getKeyNode())
                  + "stringData."
                  + key
                  + " would override the keyring in data; keep keyring entries in data only");
        }
      }
    }
  }

  private static void checkSealedSecret(
      ManifestText text, MappingNode document, int number, String namespace, String name) {
    String apiVersion = scalar(text, document, "apiVersion", number).orElse("");
    if (!apiVersion.startsWith("bitnami.com/")) {
      throw RotationFailedException.invalid(
          where(text, number, document)
              + "a SealedSecret has apiVersion bitnami.com/v1alpha1, this one has "
              + (apiVersion.isEmpty() ? "none" : apiVersion));
    }
    MappingNode metadata = mapping(text, document, "metadata", number).orElseThrow();
    Optional<MappingNode> annotations = mapping(text, metadata, "annotations", number);
    if (annotations.isPresent()) {
      for (String scope : List.of(SCOPE_CLUSTER_WIDE, SCOPE_NAMESPACE_WIDE)) {
        if ("true".equals(scalar(text, annotations.get(), scope, number).orElse(null))) {
          throw RotationFailedException.invalid(
              where(text, number, annotations.get())
                  + "the SealedSecret is annotated "
                  + scope
                  + ": \"true\", but Rotor seals with strict scope (namespace/name), so the"
                  + " controller could not open Rotor's values; remove the annotation and reseal"
                  + " the other entries with strict scope");
        }
      }
    }
    Optional<MappingNode> spec = mapping(text, document, "spec", number);
    if (spec.isEmpty()) {
      throw RotationFailedException.invalid(
          where(text, number, document)
              + "a SealedSecret needs a spec mapping (with encryptedData)");
    }
    Optional<MappingNode> template = mapping(text, spec.get(), "template", number);
    if (template.isPresent()) {
      Optional<MappingNode> templateMetadata = mapping(text, template.get(), "metadata", number);
      if (templateMetadata.isPresent()) {
        String templateName = scalar(text, templateMetadata.get(), "name", number).orElse(name);
        String templateNamespace =
            scalar(text, templateMetadata.get(), "namespace", number).orElse(namespace);
        if (!templateName.equals(name) || !templateNamespace.equals(namespace)) {
          throw RotationFailedException.invalid(
              where(text, number, templateMetadata.get())
                  + "spec.template.metadata names the Secret "
                  + templateNamespace
                  + "/"
                  + templateName
                  + ", but the plan's Secret is "
                  + namespace
                  + "/"
                  + name);
        }
      }
      Optional<MappingNode> templateData = mapping(text, template.get(), "data", number);
      if (templateData.isPresent()) {
        for (NodeTuple t : templateData.get().getValue()) {
          String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
          if (key.startsWith(KEYRING_PREFIX)) {
            throw RotationFailedException.invalid(
                where(text, number, t.getKeyNode())
                    + "spec.template.data."
                    + key
                    + " would override the sealed keyring; keep keyring entries in"
                    + " spec.encryptedData only");
          }
        }
      }
    }
  }

  private static SecretManifest locateData(
      ManifestText text, ManifestFormat format, MappingNode document, int number) {
    MappingNode parent;
    String field;
    if (format == ManifestFormat.SEALED_SECRET) {
      parent = mapping(text, document, "spec", number).orElseThrow();
      field = "spec.encryptedData";
    } else {
      parent = document;
      field = "data";
    }
    String leaf = field.substring(field.lastIndexOf('.') + 1);
    NodeTuple tuple = tuple(text, parent, leaf, number).orElse(null);
    MappingNode data = null;
    if (tuple != null) {
      Node value = tuple.getValueNode();
      if (value instanceof MappingNode mapping) {
        if (mapping.getFlowStyle() == FlowStyle.FLOW && !mapping.getValue().isEmpty()) {
          throw RotationFailedException.invalid(
              where(text, number, value)
                  + field
                  + " is a flow mapping ({...}); write it as a block mapping (one entry per line)"
                  + " so Rotor can change single entries");
        }
        if (mapping.hasMergeTag() || hasMergeKey(mapping)) {
          throw RotationFailedException.invalid(
              where(text, number, value)
                  + field
                  + " uses a YAML merge key (<<); Rotor cannot tell which entries it would change:"
                  + " write the entries out");
        }
        data = mapping.getFlowStyle() == FlowStyle.BLOCK ? mapping : null;
      } else if (!(value instanceof ScalarNode scalar && isNull(scalar))) {
        throw RotationFailedException.invalid(
            where(text, number, value) + field + " must be a mapping of data keys to values");
      }
    }
    List<Entry> entries = new ArrayList<>();
    if (data != null) {
      Set<String> keys = new HashSet<>();
      for (NodeTuple t : data.getValue()) {
        if (!(t.getKeyNode() instanceof ScalarNode key)) {
          throw RotationFailedException.invalid(
              where(text, number, t.getKeyNode()) + field + " has a key that is not a string");
        }
        if (!keys.add(key.getValue())) {
          throw RotationFailedException.invalid(
              where(text, number, key) + field + "." + key.getValue() + " appears twice");
        }
        if (!(t.getValueNode() instanceof ScalarNode)) {
          throw RotationFailedException.invalid(
              where(text, number, key) + field + "." + key.getValue() + " must be a string value");
        }
        entries.add(new Entry(key.getValue(), key, t.getValueNode()));
      }
    }
    if (parent.getValue().isEmpty()) {
      throw RotationFailedException.invalid(where(text, number, parent) + "the document is empty");
    }
    return new SecretManifest(
        text,
        format,
        number,
        field,
        parent,
        tuple,
        data,
        List.copyOf(entries),
        indentUnit(text, document));
  }

  private static boolean hasMergeKey(MappingNode mapping) {
    return mapping.getValue().stream()
        .anyMatch(
            t ->
                t.getKeyNode() instanceof ScalarNode key
                    && key.getScalarStyle() == ScalarStyle.PLAIN
                    && key.getValue().equals("<<"));
  }

  private static boolean isNull(ScalarNode scalar) {
    String v = scalar.getValue();
    return scalar.getScalarStyle() == ScalarStyle.PLAIN
        && (v.isEmpty() || v.equals("~") || v.equalsIgnoreCase("null"));
  }

  /** The indentation step of the document: how far its first nested block mapping is indented. */
  private static int indentUnit(ManifestText text, MappingNode document) {
    for (NodeTuple t : document.getValue()) {
      if (t.getValueNode() instanceof MappingNode m
          && m.getFlowStyle() == FlowStyle.BLOCK
          && !m.getValue().isEmpty()) {
        int parentColumn = column(text, t.getKeyNode());
        int childColumn = column(text, m.getValue().get(0).getKeyNode());
        if (childColumn > parentColumn) {
          return childColumn - parentColumn;
        }
      }
    }
    return 2;
  }

  private static int column(ManifestText text, Node node) {
    int start = text.start(node);
    return start - text.lineStart(start);
  }

  private static Optional<NodeTuple> tuple(
      ManifestText text, MappingNode mapping, String key, int number) {
    NodeTuple found = null;
    for (NodeTuple t : mapping.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
        if (found != null) {
          throw RotationFailedException.invalid(
              where(text, number, s) + "the key '" + key + "' appears twice in one mapping");
        }
        found = t;
      }
    }
    return Optional.ofNullable(found);
  }

  private static Optional<String> scalar(
      ManifestText text, MappingNode mapping, String key, int number) {
    return tuple(text, mapping, key, number)
        .map(NodeTuple::getValueNode)
        .filter(ScalarNode.class::isInstance)
        .map(n -> ((ScalarNode) n).getValue());
  }

  private static Optional<MappingNode> mapping(
      ManifestText text, MappingNode mapping, String key, int number) {
    return tuple(text, mapping, key, number)
        .map(NodeTuple::getValueNode)
        .filter(MappingNode.class::isInstance)
        .map(MappingNode.class::cast);
  }

  private static String where(ManifestText text, int document, Node node) {
    String line = node.getStartMark().isPresent() ? ", line " + text.lineOf(text.start(node)) : "";
    return text.path() + ": document " + document + line + ": ";
  }

  private record Entry(String name, ScalarNode keyNode, Node value) {}
}
