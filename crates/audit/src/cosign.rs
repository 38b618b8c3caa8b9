//! Witness cosignatures, C2SP `tlog-cosignature` (`cosignature/v1`): a
//! witness signs `cosignature/v1\ntime <t>\n` followed by the checkpoint, and
//! the signature line carries the time and the Ed25519 signature. Its key id
//! is the first four bytes of SHA-256(name ‖ `\n` ‖ `0x04` ‖ public key), and
//! its verifier key is `name+id+base64(0x04 ‖ public key)`.
//!
//! Written here because `signed_note` knows only plain Ed25519 note
//! signatures; both types plug into its `Signer` and `Verifier`.

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Signer, Verifier};

const ALG_COSIGNATURE_V1: u8 = 0x04;
const ALG_ED25519: u8 = 0x01;

fn message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(text);
    msg
}

fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut encoded = vec![ALG_COSIGNATURE_V1];
    encoded.extend_from_slice(key.as_bytes());
    signed_note::key_id(name, &encoded)
}

/// A witness's cosigning key.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    id: u32,
    /// The time the cosignature states, in seconds since the Unix epoch.
    pub time: u64,
}

impl Cosigner {
    /// A cosigner from a signed-note private key (`PRIVATE+KEY+name+id+key`,
    /// Ed25519), as `modpod witness` keeps it.
    pub fn from_private_key(skey: &str) -> Option<Cosigner> {
        let mut parts = skey.trim().splitn(5, '+');
        let (Some("PRIVATE"), Some("KEY"), Some(name), Some(_), Some(key64)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let key = BASE64_STANDARD.decode(key64).ok()?;
        let (&ALG_ED25519, seed) = key.split_first()? else {
            return None;
        };
        let key = SigningKey::from_bytes(seed.try_into().ok()?);
        let id = key_id(name, &key.verifying_key());
        Some(Cosigner {
            name: name.to_owned(),
            key,
            id,
            time: 0,
        })
    }

    /// The verifier key of this witness's cosignatures.
    pub fn verifier_key(&self) -> String {
        let mut encoded = vec![ALG_COSIGNATURE_V1];
        encoded.extend_from_slice(self.key.verifying_key().as_bytes());
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64_STANDARD.encode(encoded)
        )
    }
}

impl Signer for Cosigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let signature = self.key.sign(&message(self.time, msg));
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&signature.to_bytes());
        Ok(out)
    }
}

/// Checks a witness's cosignatures.
#[derive(Clone, Debug)]
pub struct CosignatureVerifier {
    name: String,
    key: VerifyingKey,
    id: u32,
}

impl CosignatureVerifier {
    /// Parses a cosignature verifier key, `name+id+base64(0x04 ‖ key)`.
    pub fn new(vkey: &str) -> Option<CosignatureVerifier> {
        let (name, rest) = vkey.trim().split_once('+')?;
        let (id16, key64) = rest.split_once('+')?;
        let id = u32::from_str_radix(id16, 16).ok()?;
        let encoded = BASE64_STANDARD.decode(key64).ok()?;
        let (&ALG_COSIGNATURE_V1, key) = encoded.split_first()? else {
            return None;
        };
        let key = VerifyingKey::from_bytes(key.try_into().ok()?).ok()?;
        if !signed_note::is_key_name_valid(name) || key_id(name, &key) != id {
            return None;
        }
        Some(CosignatureVerifier {
            name: name.to_owned(),
            key,
            id,
        })
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Some((time, signature)) = sig.split_first_chunk::<8>() else {
            return false;
        };
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key
            .verify_strict(&message(u64::from_be_bytes(*time), msg), &signature)
            .is_ok()
    }
}

/// A new witness key for `name`, as a signed-note private key
/// (`PRIVATE+KEY+name+id+key`); `None` for a name a key cannot have.
pub fn generate(name: &str) -> Option<String> {
    signed_note::is_key_name_valid(name)
        .then(|| signed_note::generate_key(&mut rand_core::OsRng, name).0)
}
