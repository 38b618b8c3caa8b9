//! The deployment's two secrets, kept in a private directory outside the log
//! and outside the public directory: the Ed25519 key that signs checkpoints
//! (`signing.key`, in the signed-note format `PRIVATE+KEY+origin+id+key`,
//! with its public half in `signing.pub`), and the commitment key that salts
//! every leaf (`commitment.key`, 64 hex digits). Both are created at first
//! start.
//!
//! Rotating the signing key ([`LogKeys::rotate_signing`]) keeps the old one
//! as `signing.key.retired-<unix seconds>`; checkpoints from then on are
//! signed with the new one, which verifiers must be given. The commitment
//! key never rotates: the tree is rebuilt from the log with it at every
//! start, and another key would make another tree, inconsistent with every
//! checkpoint published before.

use crate::commit::CommitmentKey;
use signed_note::{Signer, StandardSigner, StandardVerifier, Verifier};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key that signs checkpoints, with the verifier key that checks them.
pub struct LogKey {
    signer: StandardSigner,
    verifier: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogKey({})", self.verifier)
    }
}

impl LogKey {
    /// A new random key for this origin.
    pub fn generate(origin: &str) -> Result<(LogKey, String), KeyError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(KeyError::Origin(origin.into()));
        }
        let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, origin);
        Ok((LogKey::from_strings(&skey, &vkey)?, skey))
    }

    fn from_strings(skey: &str, vkey: &str) -> Result<LogKey, KeyError> {
        let signer = StandardSigner::new(skey.trim()).map_err(|_| KeyError::Malformed)?;
        let verifier = StandardVerifier::new(vkey.trim()).map_err(|_| KeyError::Malformed)?;
        // The verifier key is what verifiers are given: it must be the
        // signing key's own.
        let probe = b"modpod-audit: does this key match?\n";
        let signature = signer.sign(probe).map_err(|_| KeyError::Malformed)?;
        if verifier.name() != signer.name()
            || verifier.key_id() != signer.key_id()
            || !verifier.verify(probe, &signature)
        {
            return Err(KeyError::Malformed);
        }
        Ok(LogKey {
            signer,
            verifier: vkey.trim().to_owned(),
        })
    }

    pub fn signer(&self) -> &dyn Signer {
        &self.signer
    }

    /// The origin line of this key's checkpoints (the key's name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The public verifier key, `origin+id+base64`, to hand to verifiers.
    pub fn verifier_key(&self) -> &str {
        &self.verifier
    }
}

/// Both secrets of a deployment's transparency log.
#[derive(Debug)]
pub struct LogKeys {
    pub signing: LogKey,
    pub commitment: CommitmentKey,
    /// The verifier keys of the signing keys rotated out
    /// (`signing.pub.retired-*`, oldest first): the checkpoint published
    /// last may be signed by one of them.
    pub retired: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the origin {0:?} cannot name a signing key: it must be non-empty, with no spaces and no '+'"
    )]
    Origin(String),
    #[error("a key file is malformed")]
    Malformed,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes a file that only its owner may read, failing if it exists.
fn write_private(path: &Path, text: &str) -> Result<(), KeyError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

impl LogKeys {
    /// Reads the keys from `dir`, creating the directory and any key that is
    /// missing (a signing key for `origin`). Returns the keys and whether any
    /// was created.
    pub fn open_or_create(dir: &Path, origin: &str) -> Result<(LogKeys, bool), KeyError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
        }
        let mut created = false;
        let commitment_path = dir.join("commitment.key");
        if !commitment_path.exists() {
            let mut bytes = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
            write_private(&commitment_path, &format!("{}\n", hex::encode(bytes)))?;
            created = true;
        }
        let signing_path = dir.join("signing.key");
        if !signing_path.exists() {
            let (key, skey) = LogKey::generate(origin)?;
            write_private(&signing_path, &format!("{skey}\n"))?;
            fs::write(dir.join("signing.pub"), format!("{}\n", key.verifier_key()))
                .map_err(io(dir))?;
            created = true;
        }
        Ok((LogKeys::open(dir)?, created))
    }

    /// Reads the keys from `dir`.
    pub fn open(dir: &Path) -> Result<LogKeys, KeyError> {
        let read = |name: &str| {
            let path = dir.join(name);
            fs::read_to_string(&path).map_err(|source| KeyError::Io { path, source })
        };
        let commitment = parse_hex32(read("commitment.key")?.trim()).ok_or(KeyError::File {
            path: dir.join("commitment.key"),
            reason: "not 64 hexadecimal digits".into(),
        })?;
        let signing =
            LogKey::from_strings(&read("signing.key")?, &read("signing.pub")?).map_err(|_| {
                KeyError::File {
                    path: dir.join("signing.key"),
                    reason: "not a signing key matching signing.pub".into(),
                }
            })?;
        let mut retired_names: Vec<String> = fs::read_dir(dir)
            .map_err(io(dir))?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with("signing.pub.retired-"))
            .collect();
        retired_names.sort_by_key(|name| {
            let stamp = name.trim_start_matches("signing.pub.retired-");
            (stamp.parse::<u64>().unwrap_or(u64::MAX), name.clone())
        });
        let retired = retired_names
            .iter()
            .map(|name| read(name).map(|vkey| vkey.trim().to_owned()))
            .collect::<Result<_, _>>()?;
        Ok(LogKeys {
            signing,
            commitment: CommitmentKey::from_bytes(commitment),
            retired,
        })
    }

    /// Replaces the signing key with a new one for the same origin, keeping
    /// the old one as `signing.key.retired-<unix seconds>`. Returns the new
    /// verifier key.
    pub fn rotate_signing(dir: &Path) -> Result<String, KeyError> {
        let old = LogKeys::open(dir)?;
        let stamp = jiff::Timestamp::now().as_second();
        for name in ["signing.key", "signing.pub"] {
            let from = dir.join(name);
            fs::rename(&from, dir.join(format!("{name}.retired-{stamp}"))).map_err(io(&from))?;
        }
        let (key, skey) = LogKey::generate(old.signing.origin())?;
        write_private(&dir.join("signing.key"), &format!("{skey}\n"))?;
        fs::write(dir.join("signing.pub"), format!("{}\n", key.verifier_key())).map_err(io(dir))?;
        Ok(key.verifier_key().to_owned())
    }
}

pub(crate) fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}
