//! Vaults hold keys and certificates that bindings look up by alias.

/// A private key with its certificate chain, both DER-encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// PKCS#8 private key.
    pub private_key: Vec<u8>,
    /// Leaf certificate first.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("private_key", &"<redacted>")
            .field("chain", &self.chain.len())
            .finish()
    }
}

/// A running vault.
pub trait Vault: Send + Sync {
    /// Qualified name (`namespace:name`).
    fn name(&self) -> &str;

    /// A server or client key by alias, from the `keys` store.
    fn key(&self, alias: &str) -> Option<KeyEntry>;

    /// A trusted CA certificate by alias, from the `trust` store (DER).
    fn certificate(&self, alias: &str) -> Option<Vec<u8>>;

    /// A CA certificate that signs client certificates, by alias, from the `signers` store (DER).
    fn signer(&self, alias: &str) -> Option<Vec<u8>>;

    /// Every alias in the `keys` store.
    fn key_aliases(&self) -> Vec<String>;
}
