package dev.rotor.cli.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks RFC 9162 (section 2.1.3.2 and 2.1.4.2) inclusion and consistency proofs on the client, so
 * that rotorctl trusts a signed root, not the server's word. Hashing is RFC 6962's: interior nodes
 * are {@code SHA-256(0x01 || left || right)}.
 */
public final class MerkleProofs {
  private MerkleProofs() {}

  /**
   * Whether {@code path} proves that {@code leafHash} is leaf {@code index} of the tree {@code
   * root}.
   */
  public static boolean verifyInclusion(
      long index, long treeSize, byte[] leafHash, List<byte[]> path, byte[] root) {
    if (index < 0 || index >= treeSize) {
      return false;
    }
    long fn = index;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (byte[] p : path) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = node(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = node(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Whether {@code path} proves that the tree of {@code second} entries extends that of {@code
   * first}.
   */
  public static boolean verifyConsistency(
      long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> path) {
    if (first < 0 || first > second) {
      return false;
    }
    if (first == second) {
      return path.isEmpty() && MessageDigest.isEqual(firstRoot, secondRoot);
    }
    if (first == 0) {
      return path.isEmpty();
    }
    if (path.isEmpty()) {
      return false;
    }
    List<byte[]> proof = new ArrayList<>(path);
    if (Long.bitCount(first) == 1) {
      proof.add(0, firstRoot);
    }
    long fn = first - 1;
    long sn = second - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = proof.get(0);
    byte[] sr = proof.get(0);
    for (byte[] c : proof.subList(1, proof.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = node(c, fr);
        sr = node(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = node(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, firstRoot) && MessageDigest.isEqual(sr, secondRoot);
  }

  /** The RFC 6962 leaf hash of {@code data}: {@code SHA-256(0x00 || data)}. */
  public static byte[] leaf(byte[] data) {
    MessageDigest sha = sha256();
    sha.update((byte) 0);
    sha.update(data);
    return sha.digest();
  }

  static byte[] node(byte[] left, byte[] right) {
    MessageDigest sha = sha256();
    sha.update((byte) 1);
    sha.update(left);
    sha.update(right);
    return sha.digest();
  }

  /** The RFC 6962 root of {@code leaves} (leaf hashes), for tests and small trees. */
  public static byte[] root(List<byte[]> leaves) {
    if (leaves.isEmpty()) {
      return sha256().digest();
    }
    if (leaves.size() == 1) {
      return leaves.get(0);
    }
    int k = Integer.highestOneBit(leaves.size() - 1);
    return node(root(leaves.subList(0, k)), root(leaves.subList(k, leaves.size())));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }
}
