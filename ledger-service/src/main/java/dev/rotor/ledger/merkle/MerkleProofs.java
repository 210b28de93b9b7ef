package dev.rotor.ledger.merkle;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Verification of inclusion and consistency proofs exactly as RFC 9162 sections 2.1.3.2 and 2.1.4.2
 * describe it. Anything malformed is rejected rather than repaired: a size or index out of range, a
 * hash that is not 32 bytes (extra or missing bytes), a path too short or too long.
 */
public final class MerkleProofs {
  private MerkleProofs() {}

  /**
   * Whether {@code path} proves that the leaf with hash {@code leafHash} is leaf {@code index} of
   * the tree of {@code size} leaves whose root is {@code root}.
   */
  public static boolean verifyInclusion(
      long index, long size, byte[] leafHash, List<byte[]> path, byte[] root) {
    if (index < 0 || size <= 0 || index >= size || path == null) {
      return false;
    }
    if (!TreeHashes.isHash(leafHash) || !TreeHashes.isHash(root) || !allHashes(path)) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : path) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = TreeHashes.node(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = TreeHashes.node(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Whether {@code proof} proves that the tree of {@code first} leaves with root {@code firstRoot}
   * is a prefix of the tree of {@code second} leaves with root {@code secondRoot}. Equal sizes need
   * an empty proof and equal roots; the empty tree is a prefix of every tree.
   */
  public static boolean verifyConsistency(
      long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> proof) {
    if (first < 0 || second < first || proof == null) {
      return false;
    }
    if (!TreeHashes.isHash(secondRoot) || !allHashes(proof)) {
      return false;
    }
    if (first == 0) {
      return proof.isEmpty();
    }
    if (!TreeHashes.isHash(firstRoot)) {
      return false;
    }
    if (first == second) {
      return proof.isEmpty() && MessageDigest.isEqual(firstRoot, secondRoot);
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> path = proof;
    if (Long.bitCount(first) == 1) {
      path = new ArrayList<>(proof.size() + 1);
      path.add(firstRoot);
      path.addAll(proof);
    }
    long fn = first - 1;
    long sn = second - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (int i = 1; i < path.size(); i++) {
      byte[] c = path.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = TreeHashes.node(c, fr);
        sr = TreeHashes.node(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = TreeHashes.node(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, firstRoot) && MessageDigest.isEqual(sr, secondRoot);
  }

  private static boolean allHashes(List<byte[]> hashes) {
    for (byte[] hash : hashes) {
      if (!TreeHashes.isHash(hash)) {
        return false;
      }
    }
    return true;
  }
}
