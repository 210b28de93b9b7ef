package dev.rotor.ledger.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hashing of RFC 6962 section 2.1 (kept by RFC 9162 section 2.1.1) with SHA-256: a leaf is
 * {@code SHA-256(0x00 || data)}, an interior node {@code SHA-256(0x01 || left || right)}, and the
 * empty tree {@code SHA-256()}. The two prefixes keep a leaf from ever being read as a node.
 */
public final class TreeHashes {
  /** Length of every hash of the tree, in bytes. */
  public static final int SIZE = 32;

  private static final byte LEAF_PREFIX = 0x00;
  private static final byte NODE_PREFIX = 0x01;

  private TreeHashes() {}

  /** The leaf hash of {@code data}: {@code SHA-256(0x00 || data)}. */
  public static byte[] leaf(byte[] data) {
    MessageDigest digest = sha256();
    digest.update(LEAF_PREFIX);
    digest.update(data);
    return digest.digest();
  }

  /** The hash of an interior node: {@code SHA-256(0x01 || left || right)}. */
  public static byte[] node(byte[] left, byte[] right) {
    MessageDigest digest = sha256();
    digest.update(NODE_PREFIX);
    digest.update(left);
    digest.update(right);
    return digest.digest();
  }

  /** The root of the empty tree: {@code SHA-256()} of no bytes. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /** Whether {@code hash} has the length of a tree hash. */
  public static boolean isHash(byte[] hash) {
    return hash != null && hash.length == SIZE;
  }

  /** A fresh SHA-256 digest (the JDK's). */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }
}
