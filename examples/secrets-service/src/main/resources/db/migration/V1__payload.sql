-- A stored payload: the keyring ciphertext (version, key id, nonce, AES-256-GCM ciphertext and tag)
-- and the key id from its header, so operators can ask what is still encrypted with an old key.
CREATE TABLE payload (
    id         uuid PRIMARY KEY,
    key_id     varchar(8)  NOT NULL CHECK (key_id ~ '^[0-9a-f]{8}$'),
    ciphertext bytea       NOT NULL CHECK (octet_length(ciphertext) >= 33),
    created_at timestamptz NOT NULL
);

CREATE INDEX payload_key_id ON payload (key_id);
