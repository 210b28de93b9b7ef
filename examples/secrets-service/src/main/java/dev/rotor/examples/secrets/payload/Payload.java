package dev.rotor.examples.secrets.payload;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A stored payload: only its keyring ciphertext and the key id from its header (for queries such as
 * "what is still encrypted with the old key"); never the plaintext.
 */
@Entity
@Table(name = "payload")
public class Payload extends PanacheEntityBase {
  @Id public UUID id;

  @Column(name = "key_id", nullable = false, length = 8)
  public String keyId;

  @Column(name = "ciphertext", nullable = false)
  public byte[] ciphertext;

  @Column(name = "created_at", nullable = false)
  public Instant createdAt;
}
