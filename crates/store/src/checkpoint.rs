//! Signed checkpoints: the log's size and Merkle root in the C2SP
//! `tlog-checkpoint` format, signed as a C2SP `signed-note` with Ed25519.
//!
//! ```text
//! example.org/brightline          <- origin (the key's name)
//! 1234                            <- tree size
//! 4u0Z2mR…=                       <- base64 root hash
//!                                 <- blank line
//! — example.org/brightline AbCd…  <- base64(key id ‖ signature)
//! ```
//!
//! Keys use the formats of Go's `golang.org/x/mod/sumdb/note`:
//! `PRIVATE+KEY+<name>+<id>+<base64>` (log.key) and `<name>+<id>+<base64>` (log.pub).

use std::path::{Path, PathBuf};

use base64::Engine;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};

use crate::merkle::Hash;
use crate::{Result, StoreError};

pub use signed_note::{Signer, Verifier};
/// A log's public key.
pub type StandardVerifierKey = StandardVerifier;

/// A tree head: what a checkpoint commits to.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// A checkpoint and the signed note that carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct Signed {
    pub checkpoint: Checkpoint,
    pub note: String,
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// Writes a new key pair: `DIR/log.key` (mode 0600) and `DIR/log.pub`.
/// Refuses to overwrite either: a lost log key cannot be replaced without
/// every witness noticing, so it is never replaced silently.
pub fn keygen(dir: &Path, origin: &str) -> Result<(PathBuf, PathBuf)> {
    if !signed_note::is_key_name_valid(origin) {
        return Err(invalid(format!(
            "`{origin}` cannot name a log: no spaces or `+` (for example `city.example/brightline`)"
        )));
    }
    crate::create_private_dir(dir)?;
    let (key_path, pub_path) = (dir.join("log.key"), dir.join("log.pub"));
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(invalid(format!(
                "{} exists; keygen never overwrites a log key",
                p.display()
            )));
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| invalid(format!("no randomness: {e}")))?;
    let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
    let vkey = signed_note::new_ed25519_verifier_key(origin, &sk.verifying_key());
    // The key id is the verifier key's; the private key names the same one.
    let id = vkey.split('+').nth(1).unwrap_or_default().to_string();
    let mut raw = vec![1u8];
    raw.extend_from_slice(&seed);
    let skey = format!(
        "PRIVATE+KEY+{origin}+{id}+{}",
        base64::engine::general_purpose::STANDARD.encode(&raw)
    );
    // Check that the pair reads back before writing anything.
    parse_signer(&skey).map_err(|e| invalid(format!("generated key: {e}")))?;
    write_new(&key_path, &format!("{skey}\n"), 0o600)?;
    write_new(&pub_path, &format!("{vkey}\n"), 0o644)?;
    Ok((key_path, pub_path))
}

/// Creates a file that must not exist yet, with `mode` (on Unix), and syncs it.
pub fn write_new(path: &Path, text: &str, mode: u32) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(path)?;
    use std::io::Write;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// A private log key and the public key it belongs to.
#[derive(Clone)]
pub struct LogKey {
    pub signer: StandardSigner,
    pub verifier: StandardVerifier,
}

/// Reads a private log key. Refuses one that others may read.
pub fn read_signer(path: &Path) -> Result<LogKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("signing key {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(invalid(format!(
                "signing key {} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    parse_signer(text.trim()).map_err(|e| invalid(format!("{}: {e}", path.display())))
}

/// Parses `PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)>` and derives its public key.
pub fn parse_signer(skey: &str) -> std::result::Result<LogKey, String> {
    let bad = || "not a log private key (PRIVATE+KEY+<name>+<id>+<key>)".to_string();
    let signer = StandardSigner::new(skey).map_err(|e| format!("{}: {e}", bad()))?;
    let raw = skey
        .splitn(5, '+')
        .nth(4)
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
        .ok_or_else(bad)?;
    let seed: [u8; 32] = raw
        .get(1..)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
    let vkey = signed_note::new_ed25519_verifier_key(signer.name(), &sk.verifying_key());
    let verifier = parse_verifier(&vkey)?;
    Ok(LogKey { signer, verifier })
}

/// Reads a public log key (`log.pub`).
pub fn read_verifier(path: &Path) -> Result<StandardVerifier> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("public key {}: {e}", path.display())))?;
    parse_verifier(text.trim()).map_err(|e| invalid(format!("{}: {e}", path.display())))
}

pub fn parse_verifier(vkey: &str) -> std::result::Result<StandardVerifier, String> {
    StandardVerifier::new(vkey)
        .map_err(|e| format!("not a log public key (<name>+<id>+<key>): {e}"))
}

/// Signs the checkpoint of a tree of `size` leaves with root `root`.
pub fn sign(signer: &StandardSigner, size: u64, root: Hash) -> Result<Signed> {
    let cp = tlog_tiles::Checkpoint::new(signer.name(), size, root, "")
        .map_err(|e| invalid(format!("checkpoint: {e}")))?;
    let mut note = Note::new(&cp.to_bytes(), &[]).map_err(|e| invalid(format!("note: {e}")))?;
    note.add_sigs(&[signer])
        .map_err(|e| invalid(format!("signing the checkpoint: {e}")))?;
    let note = String::from_utf8(note.to_bytes()).map_err(|e| invalid(e.to_string()))?;
    Ok(Signed {
        checkpoint: Checkpoint {
            origin: signer.name().to_string(),
            size,
            root,
        },
        note,
    })
}

/// Reads a signed checkpoint and checks its signature under `key`; the error
/// says what is wrong (malformed, another log's, forged).
pub fn open(note: &str, key: &StandardVerifier) -> std::result::Result<Checkpoint, String> {
    let n = Note::from_bytes(note.as_bytes())
        .map_err(|e| format!("not a signed note (C2SP signed-note): {e}"))?;
    let verifiers = VerifierList::new(vec![Box::new(key.clone())]);
    n.verify(&verifiers).map_err(|e| match e {
        signed_note::NoteError::UnverifiedNote => format!(
            "the checkpoint carries no signature by the key {} (another log's, or re-signed with another key)",
            key.name()
        ),
        signed_note::NoteError::InvalidSignature { .. } => format!(
            "the checkpoint's signature by {} is not valid (forged or altered)",
            key.name()
        ),
        other => format!("the checkpoint cannot be verified: {other}"),
    })?;
    let cp = tlog_tiles::Checkpoint::from_bytes(n.text())
        .map_err(|_| "the signed text is not a C2SP tlog-checkpoint".to_string())?;
    if cp.origin() != key.name() {
        return Err(format!(
            "the checkpoint is of log `{}`, but the key is `{}`",
            cp.origin(),
            key.name()
        ));
    }
    Ok(Checkpoint {
        origin: cp.origin().to_string(),
        size: cp.size(),
        root: *cp.hash(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(origin: &str) -> (StandardSigner, StandardVerifier, tempdir::Dir) {
        let d = tempdir::Dir::new();
        let (k, p) = keygen(&d.0, origin).unwrap();
        let key = read_signer(&k).unwrap();
        let v = read_verifier(&p).unwrap();
        // The public key derived from the private one is the one written beside it.
        assert_eq!(key.verifier.key_id(), v.key_id());
        (key.signer, v, d)
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let mut b = [0u8; 8];
                getrandom::fill(&mut b).unwrap();
                let p = std::env::temp_dir().join(format!("bl_cp_{}", crate::chain::hex(&b)));
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn signed_checkpoint_has_the_c2sp_shape_and_verifies() {
        let (s, v, d) = pair("city.example/brightline");
        let root = tlog_tiles::record_hash(b"x");
        let signed = sign(&s, 7, root).unwrap();
        let lines: Vec<&str> = signed.note.split('\n').collect();
        assert_eq!(lines[0], "city.example/brightline");
        assert_eq!(lines[1], "7");
        assert_eq!(lines[2], root.to_string());
        assert_eq!(lines[3], "");
        assert!(
            lines[4].starts_with("— city.example/brightline "),
            "{}",
            lines[4]
        );
        // key id (4 bytes) and an Ed25519 signature (64 bytes)
        let sig = lines[4].rsplit(' ').next().unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        assert_eq!(raw.len(), 68);
        assert_eq!(open(&signed.note, &v).unwrap(), signed.checkpoint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(d.0.join("log.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o600);
        }
        assert!(
            keygen(&d.0, "city.example/brightline").is_err(),
            "never overwrites"
        );
    }

    #[test]
    fn altered_or_foreign_checkpoints_fail() {
        let (s, v, _d) = pair("a.example/log");
        let (s2, _v2, _d2) = pair("a.example/log");
        let signed = sign(&s, 7, tlog_tiles::record_hash(b"x")).unwrap();
        let altered = signed.note.replacen("\n7\n", "\n8\n", 1);
        assert!(open(&altered, &v).unwrap_err().contains("not valid"));
        let other = sign(&s2, 7, tlog_tiles::record_hash(b"x")).unwrap();
        assert!(open(&other.note, &v)
            .unwrap_err()
            .contains("no signature by the key"));
        assert!(open("garbage", &v).is_err());
    }
}
