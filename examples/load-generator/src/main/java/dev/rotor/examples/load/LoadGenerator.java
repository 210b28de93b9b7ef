package dev.rotor.examples.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps writing and reading payloads against several Secrets Service instances at once, as the
 * clients of one Deployment would during a rolling restart.
 *
 * <p>Each worker repeats: write a random plaintext through the next instance (round robin), read it
 * back through the following instance, and read one earlier payload, chosen at random, through the
 * next one; so what one instance wrote is read by another, and payloads written before a rotation
 * are read after it. Every read checks the plaintext. The run ends by itself after {@link
 * Builder#maxWrites} writes or after {@link Builder#duration}, whichever comes first, or on {@link
 * #stop()}.
 *
 * <p>Instances can join and leave while it runs ({@link #addTarget}, {@link #removeTarget}), like
 * the endpoints of a Kubernetes Service during a rollout.
 */
public final class LoadGenerator implements AutoCloseable {
  private static final int FAILURE_SAMPLES = 10;
  private static final String ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,;:éüß€鍵🔑";

  private final Targets targets;
  private final SecretsClient client;
  private final int workers;
  private final long maxWrites;
  private final Duration duration;
  private final Duration pause;
  private final int plaintextLength;
  private final List<WrittenPayload> written = new ArrayList<>();
  private final Tally tally = new Tally();
  private final AtomicLong writesClaimed = new AtomicLong();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final List<Thread> threads = new ArrayList<>();
  private long startedNanos;
  private Long endedNanos;

  private LoadGenerator(Builder builder) {
    this.targets = new Targets(builder.targets);
    this.client = new SecretsClient(builder.requestTimeout);
    this.workers = builder.workers;
    this.maxWrites = builder.maxWrites;
    this.duration = builder.duration;
    this.pause = builder.pause;
    this.plaintextLength = builder.plaintextLength;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a run; at least one bound ({@link #maxWrites} or {@link #duration}) is needed. */
  public static final class Builder {
    private final List<URI> targets = new ArrayList<>();
    private int workers = 2;
    private long maxWrites = Long.MAX_VALUE;
    private Duration duration;
    private Duration pause = Duration.ZERO;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int plaintextLength = 48;

    private Builder() {}

    /** Base URLs of the instances (e.g. {@code http://127.0.0.1:8080}). */
    public Builder targets(Collection<URI> baseUrls) {
      baseUrls.forEach(this::target);
      return this;
    }

    public Builder target(URI baseUrl) {
      targets.add(Objects.requireNonNull(baseUrl, "baseUrl"));
      return this;
    }

    /** Concurrent write-and-read loops (default 2). */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers: at least 1, got " + workers);
      }
      this.workers = workers;
      return this;
    }

    /** Stop after this many writes. */
    public Builder maxWrites(long maxWrites) {
      if (maxWrites < 1) {
        throw new IllegalArgumentException("maxWrites: at least 1, got " + maxWrites);
      }
      this.maxWrites = maxWrites;
      return this;
    }

    /** Stop after this long. */
    public Builder duration(Duration duration) {
      if (duration == null || duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("duration: must be positive");
      }
      this.duration = duration;
      return this;
    }

    /** Pause of each worker between two rounds (default none), to keep the load light. */
    public Builder pause(Duration pause) {
      this.pause = Objects.requireNonNull(pause, "pause");
      return this;
    }

    /** Timeout of each HTTP request (default 10 s). */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
      return this;
    }

    /** Characters per plaintext (default 48). */
    public Builder plaintextLength(int plaintextLength) {
      if (plaintextLength < 1) {
        throw new IllegalArgumentException("plaintextLength: at least 1");
      }
      this.plaintextLength = plaintextLength;
      return this;
    }

    public LoadGenerator build() {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("targets: give at least one base URL");
      }
      if (maxWrites == Long.MAX_VALUE && duration == null) {
        throw new IllegalArgumentException(
            "give a bound: maxWrites or duration (the run stops by itself)");
      }
      return new LoadGenerator(this);
    }
  }

  /** Starts the workers in the background and returns at once. */
  public synchronized LoadGenerator start() {
    if (!threads.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    startedNanos = System.nanoTime();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < workers; i++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  work();
                } finally {
                  if (done.incrementAndGet() == workers) {
                    markEnded();
                  }
                }
              },
              "load-generator-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    return this;
  }

  /** Starts, waits until the run ends by its bound, and returns the report. */
  public LoadReport run() throws InterruptedException {
    start();
    for (Thread thread : threads) {
      thread.join();
    }
    return report();
  }

  /**
   * Waits until the run ends by its bound.
   *
   * @return the final report, or empty if it still runs after {@code timeout}
   */
  public Optional<LoadReport> awaitCompletion(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      TimeUnit.NANOSECONDS.timedJoin(thread, left);
      if (thread.isAlive()) {
        return Optional.empty();
      }
    }
    return Optional.of(report());
  }

  /** Stops the workers (each finishes its current request) and returns the final report. */
  public LoadReport stop() throws InterruptedException {
    stopRequested.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    return report();
  }

  /** Whether the workers still run. */
  public boolean isRunning() {
    return threads.stream().anyMatch(Thread::isAlive);
  }

  /** What was counted so far. */
  public LoadReport report() {
    long end;
    synchronized (this) {
      end = endedNanos != null ? endedNanos : System.nanoTime();
    }
    return tally.report(targets.active().size(), Duration.ofNanos(end - startedNanos));
  }

  /** Adds an instance to the round robin (a new pod became ready). */
  public void addTarget(URI baseUrl) {
    targets.add(baseUrl);
  }

  /**
   * Takes an instance out of the round robin and waits until the requests under way to it have
   * ended (a pod is taken out of the Service before it stops).
   *
   * @return false if requests were still under way after {@code drainTimeout}
   */
  public boolean removeTarget(URI baseUrl, Duration drainTimeout) throws InterruptedException {
    targets.remove(baseUrl);
    return targets.awaitIdle(baseUrl, drainTimeout);
  }

  /** The instances that take load now. */
  public List<URI> targets() {
    return targets.active();
  }

  /** Every payload written so far, in order. */
  public List<WrittenPayload> written() {
    synchronized (written) {
      return List.copyOf(written);
    }
  }

  /**
   * Reads every given payload back through the instances that take load now (round robin, with as
   * many threads as workers) and checks each plaintext. Counts into a separate report.
   */
  public LoadReport readBack(Collection<WrittenPayload> payloads) throws InterruptedException {
    long started = System.nanoTime();
    Tally readBack = new Tally();
    ConcurrentLinkedQueue<WrittenPayload> queue = new ConcurrentLinkedQueue<>(payloads);
    List<Thread> readers = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      Thread reader =
          new Thread(
              () -> {
                WrittenPayload payload;
                while ((payload = queue.poll()) != null) {
                  Optional<Targets.Lease> lease = targets.next();
                  if (lease.isEmpty()) {
                    readBack.transportError("no instance takes load");
                    continue;
                  }
                  try (Targets.Lease held = lease.get()) {
                    readBack.read(
                        client.read(held.target(), payload.id(), payload.plaintext()),
                        held.target());
                  }
                }
              },
              "load-generator-read-back-" + i);
      reader.setDaemon(true);
      readers.add(reader);
      reader.start();
    }
    for (Thread reader : readers) {
      reader.join();
    }
    return readBack.report(targets.active().size(), Duration.ofNanos(System.nanoTime() - started));
  }

  /** Same as {@link #stop()}, for try-with-resources. */
  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private void work() {
    long deadline = duration == null ? Long.MAX_VALUE : startedNanos + duration.toNanos();
    while (stopRequested.getCount() > 0 && System.nanoTime() < deadline) {
      if (writesClaimed.incrementAndGet() > maxWrites) {
        return;
      }
      if (!round()) {
        writesClaimed.decrementAndGet();
      }
      if (!pauseOrStop(pause.isZero() ? Duration.ZERO : pause)) {
        return;
      }
    }
  }

  /** One write and two reads; false if no instance took the write. */
  private boolean round() {
    Optional<Targets.Lease> writeLease = targets.next();
    if (writeLease.isEmpty()) {
      pauseOrStop(Duration.ofMillis(10));
      return false;
    }
    String plaintext = randomPlaintext();
    URI writer;
    Optional<WrittenPayload> payload;
    try (Targets.Lease held = writeLease.get()) {
      writer = held.target();
      SecretsClient.Write write = client.write(writer, plaintext);
      payload = write.payload();
      tally.write(write, writer);
    }
    WrittenPayload earlier = randomEarlier();
    payload.ifPresent(
        p -> {
          synchronized (written) {
            written.add(p);
          }
          targets
              .nextAfter(writer)
              .ifPresent(
                  lease -> {
                    try (lease) {
                      tally.read(
                          client.read(lease.target(), p.id(), p.plaintext()), lease.target());
                    }
                  });
        });
    if (earlier != null) {
      targets
          .next()
          .ifPresent(
              lease -> {
                try (lease) {
                  tally.read(
                      client.read(lease.target(), earlier.id(), earlier.plaintext()),
                      lease.target());
                }
              });
    }
    return true;
  }

  private WrittenPayload randomEarlier() {
    synchronized (written) {
      return written.isEmpty()
          ? null
          : written.get(ThreadLocalRandom.current().nextInt(written.size()));
    }
  }

  private String randomPlaintext() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int[] codePoints = ALPHABET.codePoints().toArray();
    StringBuilder text = new StringBuilder(plaintextLength);
    for (int i = 0; i < plaintextLength; i++) {
      text.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
    }
    return text.toString();
  }

  /** Pauses; false when a stop was requested meanwhile. */
  private boolean pauseOrStop(Duration time) {
    try {
      return !stopRequested.await(time.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private synchronized void markEnded() {
    endedNanos = System.nanoTime();
  }

  /** Thread-safe counters. */
  private static final class Tally {
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong writesOk = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong readsOk = new AtomicLong();
    private final AtomicLong decryptFailures = new AtomicLong();
    private final AtomicLong wrongPlaintexts = new AtomicLong();
    private final AtomicLong httpErrors = new AtomicLong();
    private final AtomicLong transportErrors = new AtomicLong();
    private final Set<String> failedKeyIds = new ConcurrentSkipListSet<>();
    private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sampleCount = new AtomicInteger();

    void write(SecretsClient.Write write, URI target) {
      writes.incrementAndGet();
      if (write.payload().isPresent()) {
        writesOk.incrementAndGet();
      } else if (write.transportError().isPresent()) {
        transportErrors.incrementAndGet();
        sample("write via " + target + ": " + write.transportError().get());
      } else {
        httpErrors.incrementAndGet();
        sample("write via " + target + ": HTTP " + write.status());
      }
    }

    void read(SecretsClient.Read read, URI target) {
      reads.incrementAndGet();
      switch (read.outcome()) {
        case OK -> readsOk.incrementAndGet();
        case DECRYPT_FAILED -> {
          decryptFailures.incrementAndGet();
          if (read.keyId() != null) {
            failedKeyIds.add(read.keyId());
          }
          sample("read via " + target + ": " + read.detail());
        }
        case WRONG_PLAINTEXT -> {
          decryptFailures.incrementAndGet();
          wrongPlaintexts.incrementAndGet();
          sample("read via " + target + ": " + read.detail());
        }
        case HTTP_ERROR -> {
          httpErrors.incrementAndGet();
          sample("read via " + target + ": " + read.detail());
        }
        case TRANSPORT_ERROR -> {
          transportErrors.incrementAndGet();
          sample("read via " + target + ": " + read.detail());
        }
      }
    }

    void transportError(String detail) {
      reads.incrementAndGet();
      transportErrors.incrementAndGet();
      sample(detail);
    }

    private void sample(String failure) {
      if (sampleCount.incrementAndGet() <= FAILURE_SAMPLES) {
        samples.add(failure);
      }
    }

    LoadReport report(int instances, Duration elapsed) {
      return new LoadReport(
          writes.get(),
          writesOk.get(),
          reads.get(),
          readsOk.get(),
          decryptFailures.get(),
          wrongPlaintexts.get(),
          httpErrors.get(),
          transportErrors.get(),
          new TreeSet<>(failedKeyIds),
          new ArrayList<>(samples),
          instances,
          elapsed);
    }
  }
}
