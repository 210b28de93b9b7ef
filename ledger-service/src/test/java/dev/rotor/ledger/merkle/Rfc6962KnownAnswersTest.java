package dev.rotor.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Certificate Transparency reference vectors (RFC 6962's implementation, kept by
 * transparency-dev/merkle): the tree heads of the eight reference leaves and the published
 * inclusion and consistency proofs. A log no other implementation agrees with proves nothing to
 * anyone else.
 */
class Rfc6962KnownAnswersTest {
  private static final HexFormat HEX = HexFormat.of();

  static final List<byte[]> LEAVES =
      List.of(
              "",
              "00",
              "10",
              "2021",
              "3031",
              "40414243",
              "5051525354555657",
              "606162636465666768696a6b6c6d6e6f")
          .stream()
          .map(HEX::parseHex)
          .toList();

  static final List<String> ROOTS =
      List.of(
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

  /** Leaf number (1-based, as published), tree size, proof. */
  record Vector(int leaf, int size, List<String> proof) {}

  static final List<Vector> INCLUSION =
      List.of(
          new Vector(1, 1, List.of()),
          new Vector(
              1,
              8,
              List.of(
                  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
          new Vector(
              6,
              8,
              List.of(
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
          new Vector(
              3, 3, List.of("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
          new Vector(
              2,
              5,
              List.of(
                  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")));

  /** First size, second size, proof. */
  record ConsistencyVector(int first, int second, List<String> proof) {}

  static final List<ConsistencyVector> CONSISTENCY =
      List.of(
          new ConsistencyVector(1, 1, List.of()),
          new ConsistencyVector(
              1,
              8,
              List.of(
                  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
          new ConsistencyVector(
              6,
              8,
              List.of(
                  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
          new ConsistencyVector(
              2,
              5,
              List.of(
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
          new ConsistencyVector(
              6,
              7,
              List.of(
                  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")));

  private final ReferenceTree tree = ReferenceTree.ofLeafData(LEAVES);
  private final ProofBuilder builder = new ProofBuilder(tree);

  @Test
  void theRootOfEveryPrefixOfTheReferenceLeavesIsThePublishedTreeHead() {
    for (int size = 0; size <= LEAVES.size(); size++) {
      assertThat(HEX.formatHex(builder.root(size)))
          .as("root of size %d", size)
          .isEqualTo(ROOTS.get(size));
    }
  }

  @Test
  void appendingTheReferenceLeavesOneByOneGivesEveryPublishedTreeHead() {
    CompactRange range = CompactRange.empty();
    assertThat(HEX.formatHex(range.root())).isEqualTo(ROOTS.get(0));
    for (int i = 0; i < LEAVES.size(); i++) {
      range.append(TreeHashes.leaf(LEAVES.get(i)));
      assertThat(HEX.formatHex(range.root()))
          .as("root after %d leaves", i + 1)
          .isEqualTo(ROOTS.get(i + 1));
    }
  }

  @Test
  void inclusionProofsAreThePublishedOnesAndVerifyAgainstThePublishedHeads() {
    for (Vector vector : INCLUSION) {
      long index = vector.leaf() - 1;
      List<byte[]> proof = builder.inclusionProof(index, vector.size());
      assertThat(proof.stream().map(HEX::formatHex).toList())
          .as("proof of leaf %d in %d", vector.leaf(), vector.size())
          .isEqualTo(vector.proof());
      assertThat(
              MerkleProofs.verifyInclusion(
                  index,
                  vector.size(),
                  TreeHashes.leaf(LEAVES.get((int) index)),
                  hashes(vector.proof()),
                  HEX.parseHex(ROOTS.get(vector.size()))))
          .isTrue();
    }
  }

  @Test
  void consistencyProofsAreThePublishedOnesAndVerifyBetweenThePublishedHeads() {
    for (ConsistencyVector vector : CONSISTENCY) {
      List<byte[]> proof = builder.consistencyProof(vector.first(), vector.second());
      assertThat(proof.stream().map(HEX::formatHex).toList())
          .as("proof from %d to %d", vector.first(), vector.second())
          .isEqualTo(vector.proof());
      assertThat(
              MerkleProofs.verifyConsistency(
                  vector.first(),
                  vector.second(),
                  HEX.parseHex(ROOTS.get(vector.first())),
                  HEX.parseHex(ROOTS.get(vector.second())),
                  hashes(vector.proof())))
          .isTrue();
    }
  }

  static List<byte[]> hashes(List<String> hex) {
    return hex.stream().map(HEX::parseHex).toList();
  }
}
