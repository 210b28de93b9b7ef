package dev.rotor.common.plan;

import dev.rotor.common.Checks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a rotation policy file ({@code docs/policy.md}) into a {@link Policy}. Loading is strict:
 * unknown fields, wrong types, missing or contradicting values and unusable certificates or
 * recipients all fail, and the {@link PolicyException} lists every problem with the file, the path
 * in the document and the line.
 */
public final class PolicyLoader {
  /** A policy for hundreds of targets fits in far less; a larger file is the wrong file. */
  public static final int MAX_SIZE = 1024 * 1024;

  private PolicyLoader() {}

  /**
   * Loads the policy in {@code file}. Certificate files it names resolve against the file's
   * directory.
   *
   * @throws PolicyException if the file cannot be read or is not a valid policy
   */
  public static Policy load(Path file) {
    String source = file.toString();
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SIZE + 1);
    } catch (NoSuchFileException e) {
      throw failure(source, "no such file", e);
    } catch (IOException e) {
      throw failure(source, "cannot read the file (" + e.getClass().getSimpleName() + ")", e);
    }
    if (bytes.length > MAX_SIZE) {
      throw failure(source, "larger than " + MAX_SIZE / 1024 + " KiB; not a policy file", null);
    }
    String content;
    try {
      content =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw failure(source, "not UTF-8 text", e);
    }
    Path directory = file.toAbsolutePath().getParent();
    return parse(content, source, directory);
  }

  /**
   * Parses a policy document; certificate files resolve against the working directory.
   *
   * @param sourceName the name messages give the document, such as its file name
   * @throws PolicyException if it is not a valid policy
   */
  public static Policy parse(String content, String sourceName) {
    return parse(content, sourceName, Path.of(""));
  }

  /**
   * Parses a policy document whose certificate files resolve against {@code baseDirectory}.
   *
   * @throws PolicyException if it is not a valid policy
   */
  public static Policy parse(String content, String sourceName, Path baseDirectory) {
    Checks.present(content, "content");
    Checks.present(sourceName, "sourceName");
    Checks.present(baseDirectory, "baseDirectory");
    if (content.length() > MAX_SIZE) {
      throw failure(sourceName, "larger than " + MAX_SIZE / 1024 + " KiB; not a policy file", null);
    }
    Problems problems = new Problems();
    YamlTree.Node root = YamlTree.read(content, problems);
    Policy policy =
        root == null ? null : PolicyReader.read(root, sourceName, baseDirectory, problems);
    problems.throwIfAny(sourceName);
    return policy;
  }

  private static PolicyException failure(String source, String message, Throwable cause) {
    return new PolicyException(source, new PolicyException.Problem("", 0, message), cause);
  }
}
