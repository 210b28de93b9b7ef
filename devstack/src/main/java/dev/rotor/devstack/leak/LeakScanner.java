package dev.rotor.devstack.leak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.keyring.KeyringLayout;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.postgresql.PGConnection;

/**
 * The leak scan: collects every key from where it legitimately lives (the clusters' Secrets, the
 * pods' mounted keyrings), then looks for each in every encoding in every Kafka record, log file,
 * database table, Git object and HTTP response of the read APIs. See docs/leak-scan.md.
 */
public final class LeakScanner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern KEY_FILE = Pattern.compile("keyring\\.key\\.[0-9a-f]{8}");
  private static final Pattern HEX2 = Pattern.compile("[0-9a-f]{2}");
  private static final Pattern HEX38 = Pattern.compile("[0-9a-f]{38}");
  private static final String KEY_GENERATED = "dev.rotor.key.generated.v1";
  private static final Duration KAFKA_TIMEOUT = Duration.ofMinutes(2);
  private static final int LEDGER_PAGE = 500;

  private final ScanTargets targets;
  private final KeyPatterns keys = new KeyPatterns();
  private final ScanReport report = new ScanReport();

  /** The pods' endpoints: a pod that stopped meanwhile is not an error. */
  private final Set<URI> optionalUrls = new LinkedHashSet<>();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  private LeakScanner(ScanTargets targets) {
    this.targets = targets;
  }

  /** Scans everything {@code targets} names; the report says what was read and found. */
  public static ScanReport scan(ScanTargets targets) {
    return new LeakScanner(targets).run();
  }

  private ScanReport run() {
    long start = System.nanoTime();
    List<URI> urls = new ArrayList<>(targets.httpUrls());
    try {
      collectKeys(urls);
      report.keyIds(new ArrayList<>(keys.keyIds()));
      if (keys.isEmpty()) {
        report.error(
            "keys: no keyring.key.* entry in any Secret of "
                + targets.clusterApis().keySet()
                + " nor file under "
                + targets.keyringDirs()
                + ": nothing to look for");
        return report;
      }
      source("kafka", this::scanKafka);
      source("logs", this::scanLogs);
      source("postgres", this::scanPostgres);
      source("git", this::scanGit);
      source("http", () -> scanHttp(urls));
      return report;
    } finally {
      keys.clear();
      report.millis((System.nanoTime() - start) / 1_000_000);
    }
  }

  private interface Source {
    void scan() throws Exception;
  }

  private void source(String name, Source source) {
    report.counts(name);
    try {
      source.scan();
    } catch (Exception e) {
      report.error(name + ": " + e);
    }
  }

  // ------------------------------------------------------------------------------------ keys

  private void collectKeys(List<URI> urls) {
    for (Map.Entry<String, String> cluster : targets.clusterApis().entrySet()) {
      Config config =
          new ConfigBuilder()
              .withMasterUrl(cluster.getValue())
              .withTrustCerts(true)
              .withRequestTimeout(10_000)
              .build();
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        for (Secret secret : client.secrets().inAnyNamespace().list().getItems()) {
          if (secret.getData() == null) {
            continue;
          }
          secret
              .getData()
              .forEach(
                  (name, value) -> {
                    if (KeyringLayout.keyIdOfDataKey(name).isPresent() && value != null) {
                      byte[] raw = Base64.getDecoder().decode(value);
                      keys.add(raw);
                      Arrays.fill(raw, (byte) 0);
                    }
                  });
        }
        for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
          String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
          Map<String, String> annotations = pod.getMetadata().getAnnotations();
          String port = annotations == null ? null : annotations.get("prometheus.io/port");
          if (ip != null && port != null) {
            for (String path : List.of("/q/metrics", "/q/health")) {
              URI url = URI.create("http://" + ip + ":" + port + path);
              urls.add(url);
              optionalUrls.add(url);
            }
          }
        }
      } catch (RuntimeException e) {
        report.error("keys: cluster " + cluster.getKey() + " (" + cluster.getValue() + "): " + e);
      }
    }
    for (Path dir : targets.keyringDirs()) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file :
            files
                .filter(f -> KEY_FILE.matcher(f.getFileName().toString()).matches())
                .filter(Files::isRegularFile)
                .toList()) {
          byte[] raw = Files.readAllBytes(file);
          keys.add(raw);
          Arrays.fill(raw, (byte) 0);
        }
      } catch (IOException e) {
        report.error("keys: " + rel(dir) + ": " + e);
      }
    }
  }

  // ----------------------------------------------------------------------------------- Kafka

  private void scanKafka() {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, targets.kafkaBootstrap());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "rotor-leak-scan");
    ScanReport.Counts counts = report.counts("kafka");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (Map.Entry<String, List<PartitionInfo>> topic :
          consumer.listTopics(Duration.ofSeconds(15)).entrySet()) {
        if (topic.getKey().startsWith("__")) {
          continue;
        }
        for (PartitionInfo info : topic.getValue()) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + KAFKA_TIMEOUT.toNanos();
      while (!partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "not every partition read to its end within " + KAFKA_TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          scanRecord(record, counts);
        }
      }
      counts.detail.put(
          "topics", partitions.stream().map(TopicPartition::topic).distinct().count());
      counts.detail.put("partitions", (long) partitions.size());
    }
  }

  private void scanRecord(ConsumerRecord<byte[], byte[]> record, ScanReport.Counts counts) {
    String where = record.topic() + "/" + record.partition() + "@" + record.offset();
    long size = 0;
    if (record.key() != null) {
      size += record.key().length;
      find("kafka", where + " key", record.key());
    }
    if (record.value() != null) {
      size += record.value().length;
      find("kafka", where + " value", record.value());
    }
    String type = null;
    for (Header header : record.headers()) {
      byte[] name = header.key().getBytes(StandardCharsets.UTF_8);
      find("kafka", where + " header name", name);
      if (header.value() != null) {
        size += header.value().length;
        find("kafka", where + " header " + printable(header.key()), header.value());
        if (header.key().equals("ce_type")) {
          type = new String(header.value(), StandardCharsets.UTF_8);
        }
      }
    }
    counts.add(size);
    if (KEY_GENERATED.equals(type) && record.value() != null) {
      try {
        JsonNode event = JSON.readTree(record.value());
        if (event.hasNonNull("keyId") && event.hasNonNull("rotationId")) {
          report.rotation(event.get("keyId").asText(), event.get("rotationId").asText());
        }
      } catch (IOException e) {
        // Not an event (a hostile record); nothing to name.
      }
    }
  }

  // ------------------------------------------------------------------------------------ logs

  private void scanLogs() throws IOException {
    ScanReport.Counts counts = report.counts("logs");
    for (Path dir : targets.logDirs()) {
      if (!Files.isDirectory(dir)) {
        report.error("logs: " + rel(dir) + " is not a folder");
        continue;
      }
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path file : files) {
        byte[] bytes = Files.readAllBytes(file);
        counts.add(bytes.length);
        for (KeyPatterns.Match match : keys.find(bytes)) {
          report.finding("logs", rel(file) + ":" + line(bytes, match.offset()), match);
        }
      }
    }
  }

  private static int line(byte[] bytes, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n') {
        line++;
      }
    }
    return line;
  }

  // -------------------------------------------------------------------------------- postgres

  private void scanPostgres() throws SQLException, IOException {
    ScanReport.Counts counts = report.counts("postgres");
    List<String> databases = new ArrayList<>();
    try (Connection connection = connect("postgres");
        Statement sql = connection.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"
                    + " ORDER BY datname")) {
      while (rows.next()) {
        databases.add(rows.getString(1));
      }
    }
    long tables = 0;
    for (String database : databases) {
      try (Connection connection = connect(database)) {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        try (Statement sql = connection.createStatement();
            ResultSet rows =
                sql.executeQuery(
                    "SELECT c.table_schema, c.table_name, c.column_name FROM"
                        + " information_schema.columns c JOIN information_schema.tables t ON"
                        + " t.table_schema = c.table_schema AND t.table_name = c.table_name"
                        + " WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN"
                        + " ('pg_catalog', 'information_schema') ORDER BY c.table_schema,"
                        + " c.table_name, c.ordinal_position")) {
          while (rows.next()) {
            columns
                .computeIfAbsent(
                    quote(rows.getString(1)) + "." + quote(rows.getString(2)),
                    t -> new ArrayList<>())
                .add(rows.getString(3));
          }
        }
        columns.put(
            "pg_catalog.pg_largeobject",
            List.of("loid", "pageno", "data")); // large objects, if any
        for (Map.Entry<String, List<String>> table : columns.entrySet()) {
          tables++;
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          connection
              .unwrap(PGConnection.class)
              .getCopyAPI()
              .copyOut("COPY (SELECT * FROM " + table.getKey() + ") TO STDOUT", out);
          byte[] bytes = out.toByteArray();
          int rows = 0;
          for (byte b : bytes) {
            if (b == '\n') {
              rows++;
            }
          }
          counts.items += rows;
          counts.bytes += bytes.length;
          for (KeyPatterns.Match match : keys.find(bytes)) {
            report.finding(
                "postgres",
                database
                    + "."
                    + table.getKey()
                    + " "
                    + cell(bytes, match.offset(), table.getValue()),
                match);
          }
        }
      }
    }
    counts.detail.put("databases", (long) databases.size());
    counts.detail.put("tables", tables);
  }

  private Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + targets.postgres() + "/" + database,
        targets.postgresUser(),
        targets.postgresPassword());
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** The row (1-based) and column of an offset in COPY's text output (tab-separated lines). */
  private static String cell(byte[] copy, int offset, List<String> columns) {
    int row = 1;
    int column = 0;
    for (int i = 0; i < offset; i++) {
      if (copy[i] == '\n') {
        row++;
        column = 0;
      } else if (copy[i] == '\t') {
        column++;
      }
    }
    return "row " + row + " column " + (column < columns.size() ? columns.get(column) : column);
  }

  // ------------------------------------------------------------------------------------- git

  private void scanGit() throws IOException {
    ScanReport.Counts counts = report.counts("git");
    Set<Path> repositories = new LinkedHashSet<>();
    for (Path root : targets.gitRoots()) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root, 6)) {
        walk.filter(
                d ->
                    Files.isDirectory(d.resolve("objects"))
                        && Files.isRegularFile(d.resolve("HEAD")))
            .forEach(repositories::add);
      }
    }
    long refs = 0;
    for (Path gitDir : repositories) {
      try (Repository repository =
              new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build();
          ObjectReader reader = repository.newObjectReader()) {
        refs += repository.getRefDatabase().getRefs().size();
        for (ObjectId id : allObjects(gitDir.resolve("objects"))) {
          ObjectLoader loader = reader.open(id);
          byte[] bytes = loader.getCachedBytes(Integer.MAX_VALUE);
          counts.add(bytes.length);
          for (KeyPatterns.Match match : keys.find(bytes)) {
            report.finding(
                "git",
                rel(gitDir) + " " + Constants.typeString(loader.getType()) + " " + id.name(),
                match);
          }
        }
      }
    }
    counts.detail.put("repositories", (long) repositories.size());
    counts.detail.put("refs", refs);
  }

  /** Every object stored, loose or packed, reachable or not. */
  private static Set<ObjectId> allObjects(Path objects) throws IOException {
    Set<ObjectId> ids = new LinkedHashSet<>();
    try (Stream<Path> dirs = Files.list(objects)) {
      for (Path dir :
          dirs.filter(d -> HEX2.matcher(d.getFileName().toString()).matches()).toList()) {
        try (Stream<Path> files = Files.list(dir)) {
          files
              .map(f -> f.getFileName().toString())
              .filter(name -> HEX38.matcher(name).matches())
              .forEach(name -> ids.add(ObjectId.fromString(dir.getFileName() + name)));
        }
      }
    }
    Path pack = objects.resolve("pack");
    if (Files.isDirectory(pack)) {
      try (Stream<Path> files = Files.list(pack)) {
        for (Path index : files.filter(f -> f.toString().endsWith(".idx")).toList()) {
          for (PackIndex.MutableEntry entry : PackIndex.open(index.toFile())) {
            ids.add(entry.toObjectId());
          }
        }
      }
    }
    return ids;
  }

  // ------------------------------------------------------------------------------------ http

  private void scanHttp(List<URI> urls) throws IOException, InterruptedException {
    List<URI> all = new ArrayList<>(urls);
    if (targets.ledgerUrl() != null) {
      try {
        all.addAll(ledgerUrls(targets.ledgerUrl()));
      } catch (IOException e) {
        report.error("http: the ledger's read API: " + e.getMessage());
      }
    }
    ScanReport.Counts counts = report.counts("http");
    Map<Integer, Long> statuses = new HashMap<>();
    for (URI url : all) {
      HttpResponse<byte[]> response;
      try {
        response =
            http.send(
                HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        if (optionalUrls.contains(url)) {
          counts.detail.merge("pods not answering", 1L, Long::sum);
        } else {
          report.error("http: " + url + ": " + e);
        }
        continue;
      }
      statuses.merge(response.statusCode(), 1L, Long::sum);
      StringBuilder head = new StringBuilder();
      response
          .headers()
          .map()
          .forEach((k, v) -> head.append(k).append(": ").append(v).append('\n'));
      byte[] headers = head.toString().getBytes(StandardCharsets.UTF_8);
      counts.add(headers.length + response.body().length);
      for (KeyPatterns.Match match : keys.find(headers)) {
        report.finding("http", url + " (headers)", match);
      }
      for (KeyPatterns.Match match : keys.find(response.body())) {
        report.finding("http", url.toString(), match);
      }
    }
    statuses.forEach((status, n) -> counts.detail.put("status " + status, n));
  }

  /**
   * The ledger's read API, every page: rotations, each rotation and its timeline, both exports,
   * checkpoints, the checkpoint key, the latest verification.
   */
  private List<URI> ledgerUrls(URI ledger) throws IOException, InterruptedException {
    String base = ledger.toString().replaceAll("/+$", "");
    List<URI> urls = new ArrayList<>();
    for (String path :
        List.of(
            "/ledger/export/rotations?format=json&limit=5000",
            "/ledger/export/rotations?format=csv&limit=5000",
            "/ledger/checkpoints/latest",
            "/ledger/checkpoints/key",
            "/ledger/verification/latest")) {
      urls.add(URI.create(base + path));
    }
    // Each rotation and how many entries it has: its timeline comes in pages of them.
    Map<String, Long> rotationEntries = new LinkedHashMap<>();
    for (int offset = 0; ; offset += LEDGER_PAGE) {
      URI page = URI.create(base + "/ledger/rotations?limit=" + LEDGER_PAGE + "&offset=" + offset);
      urls.add(page);
      JsonNode rotations = JSON.readTree(ledgerPage(page));
      for (JsonNode rotation : rotations) {
        if (rotation.hasNonNull("rotationId")) {
          rotationEntries.put(
              rotation.get("rotationId").asText(), rotation.path("entries").asLong(0));
        }
      }
      if (rotations.size() < LEDGER_PAGE) {
        break;
      }
    }
    for (Map.Entry<String, Long> rotation : rotationEntries.entrySet()) {
      String encoded = URLEncoder.encode(rotation.getKey(), StandardCharsets.UTF_8);
      urls.add(URI.create(base + "/ledger/rotations/" + encoded));
      for (long offset = 0; offset == 0 || offset < rotation.getValue(); offset += LEDGER_PAGE) {
        urls.add(
            URI.create(
                base
                    + "/ledger/rotations/"
                    + encoded
                    + "/timeline?limit="
                    + LEDGER_PAGE
                    + "&offset="
                    + offset));
      }
    }
    for (int offset = 0; ; offset += LEDGER_PAGE) {
      URI page =
          URI.create(base + "/ledger/checkpoints?limit=" + LEDGER_PAGE + "&offset=" + offset);
      urls.add(page);
      if (JSON.readTree(ledgerPage(page)).findValues("treeSize").size() < LEDGER_PAGE) {
        break;
      }
    }
    for (long from = 0; ; ) {
      URI page = URI.create(base + "/ledger/export/entries?from=" + from + "&limit=5000");
      urls.add(page);
      long lines = ledgerPage(page).lines().filter(l -> !l.isBlank()).count();
      if (lines < 5000) {
        break;
      }
      from += lines;
    }
    return urls;
  }

  private String ledgerPage(URI page) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(page + " answered " + response.statusCode());
    }
    return response.body();
  }

  // --------------------------------------------------------------------------------- helpers

  private void find(String source, String where, byte[] bytes) {
    for (KeyPatterns.Match match : keys.find(bytes)) {
      report.finding(source, where, match);
    }
  }

  private String rel(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    Path base = targets.base() == null ? null : targets.base().toAbsolutePath().normalize();
    return base != null && absolute.startsWith(base)
        ? base.relativize(absolute).toString()
        : absolute.toString();
  }

  /** A header name as it may be shown: printable ASCII only. */
  private static String printable(String text) {
    StringBuilder s = new StringBuilder();
    text.codePoints().limit(64).forEach(c -> s.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return s.toString();
  }
}
