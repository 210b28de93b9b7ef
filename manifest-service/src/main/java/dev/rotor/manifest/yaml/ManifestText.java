package dev.rotor.manifest.yaml;

import dev.rotor.manifest.RotationFailedException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The text of a manifest file and positions in it. SnakeYAML counts marks in code points; Java
 * strings index UTF-16 units: {@link #at(Mark)} converts. Edits are collected as replacements of
 * character ranges of the original text and applied at once, so every byte outside them stays.
 */
final class ManifestText {
  private final String path;
  private final String text;
  private final boolean bmpOnly;
  private final String lineBreak;

  private ManifestText(String path, String text) {
    this.path = path;
    this.text = text;
    this.bmpOnly = text.codePointCount(0, text.length()) == text.length();
    this.lineBreak = detectLineBreak(text);
  }

  /** Decodes the file strictly as UTF-8 (a BOM is kept as a character, so it is written back). */
  static ManifestText decode(String path, byte[] content) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(content))
              .toString();
      return new ManifestText(path, text);
    } catch (CharacterCodingException e) {
      throw RotationFailedException.invalid(
          path + ": not UTF-8 text; a Kubernetes manifest is UTF-8 YAML");
    }
  }

  String path() {
    return path;
  }

  String text() {
    return text;
  }

  /** The file's line break: CRLF if its first line ends so, else LF. */
  String lineBreak() {
    return lineBreak;
  }

  /** The character index of a SnakeYAML mark. */
  int at(Mark mark) {
    int index = mark.getIndex();
    return bmpOnly ? index : text.offsetByCodePoints(0, index);
  }

  int start(Node node) {
    return at(node.getStartMark().orElseThrow());
  }

  int end(Node node) {
    return at(node.getEndMark().orElseThrow());
  }

  /** 1-based line of a character index, for messages. */
  int lineOf(int index) {
    int line = 1;
    for (int i = 0; i < index && i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
        line++;
      }
    }
    return line;
  }

  /** The index where the line holding {@code index} starts. */
  int lineStart(int index) {
    int i = Math.min(index, text.length());
    while (i > 0 && !isBreak(text.charAt(i - 1))) {
      i--;
    }
    return i;
  }

  /**
   * The index just past the line break of the line holding {@code index}; the text's length when
   * that line is the last one and has no break.
   */
  int nextLineStart(int index) {
    int i = index;
    while (i < text.length() && !isBreak(text.charAt(i))) {
      i++;
    }
    if (i < text.length() && text.charAt(i) == '\r') {
      i++;
    }
    if (i < text.length() && text.charAt(i) == '\n') {
      i++;
    }
    return i;
  }

  /**
   * Where a line inserted after the content ending at {@code end} goes: the start of the next line
   * (content that already ends with its line break, like a block scalar, ends there).
   */
  int afterContent(int end) {
    if (end > 0 && isBreak(text.charAt(end - 1))) {
      return end;
    }
    return nextLineStart(end);
  }

  /** Whether the text from {@code from} to {@code to} is only spaces and tabs. */
  boolean blank(int from, int to) {
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c != ' ' && c != '\t') {
        return false;
      }
    }
    return true;
  }

  /** Whether the rest of the line after {@code from} holds only blanks and perhaps a comment. */
  boolean onlyCommentAfter(int from) {
    int i = from;
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
      i++;
    }
    return i >= text.length() || isBreak(text.charAt(i)) || text.charAt(i) == '#';
  }

  /** A new, empty set of edits of this text. */
  Edits edits() {
    return new Edits();
  }

  static boolean isBreak(char c) {
    return c == '\n' || c == '\r';
  }

  private static String detectLineBreak(String text) {
    int lf = text.indexOf('\n');
    return lf > 0 && text.charAt(lf - 1) == '\r' ? "\r\n" : "\n";
  }

  /** Replacements of ranges of the original text, applied together. */
  final class Edits {
    private final List<Replacement> replacements = new ArrayList<>();

    void replace(int from, int to, String replacement) {
      replacements.add(new Replacement(from, to, replacement, replacements.size()));
    }

    void insert(int at, String inserted) {
      replace(at, at, inserted);
    }

    /** The text with every replacement applied. */
    String apply() {
      List<Replacement> sorted = new ArrayList<>(replacements);
      sorted.sort(Comparator.comparingInt(Replacement::from).thenComparingInt(Replacement::order));
      StringBuilder out = new StringBuilder(text.length() + 256);
      int position = 0;
      for (Replacement r : sorted) {
        if (r.from() < position) {
          throw new IllegalStateException("overlapping manifest edits at index " + r.from());
        }
        out.append(text, position, r.from()).append(r.replacement());
        position = r.to();
      }
      return out.append(text, position, text.length()).toString();
    }

    /** The edited text as UTF-8. */
    byte[] applyUtf8() {
      ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(apply()));
      byte[] out = new byte[bytes.remaining()];
      bytes.get(out);
      return out;
    }
  }

  private record Replacement(int from, int to, String replacement, int order) {}
}
