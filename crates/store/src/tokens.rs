//! API tokens: 256 random bits shown once, stored only as their SHA-256.

use sha2::{Digest, Sha256};

use crate::{chain::hex, Result, StoreError};

/// What a token may do (see docs/api.md for the full matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Decides requests; reads its own decisions.
    Clerk,
    /// Reads every decision; reads reports.
    Counsel,
    /// Reads and verifies the log.
    Auditor,
    /// Manages tokens.
    Admin,
    /// Reads signed checkpoints and consistency proofs, nothing else (an
    /// outside witness: docs/witness.md).
    Witness,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Clerk,
        Role::Counsel,
        Role::Auditor,
        Role::Admin,
        Role::Witness,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Counsel => "counsel",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Witness => "witness",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    Ok(b)
}

/// A new secret (`bl_` + 64 hex digits) and its stored hash.
pub fn generate() -> Result<(String, String)> {
    let secret = format!("bl_{}", hex(&random::<32>()?));
    let h = hash(&secret);
    Ok((secret, h))
}

/// A public token id: not derived from the secret.
pub fn new_id() -> Result<String> {
    Ok(format!("tok_{}", hex(&random::<6>()?)))
}

pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}
