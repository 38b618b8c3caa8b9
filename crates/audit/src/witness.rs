//! Witnesses (C2SP `tlog-witness`): a second organisation keeps the latest
//! checkpoint it saw of each log it follows and cosigns a new one only when
//! a consistency proof shows it extends that one, so a log cannot show two
//! different histories without one of them lacking the witness's
//! cosignature.
//!
//! [`Witness`] is the witness's side of `POST /add-checkpoint` (the HTTP
//! server is `modpod witness`); [`Remote`] is the log's side, asking a
//! witness to cosign each checkpoint it publishes.

use crate::cosign::Cosigner;
use crate::tree::Tree;
use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use signed_note::{Note, Signature, Signer as _, StandardVerifier, Verifier, VerifierList};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tlog_tiles::{Checkpoint, Hash, check_tree};

/// The media type of a witness's answer naming the size it knows.
pub const SIZE_MEDIA_TYPE: &str = "text/x.tlog.size";

/// The largest request body a witness reads.
pub const MAX_REQUEST: usize = 64 * 1024;

/// Why a witness did not cosign, as an HTTP status and a body.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub body: String,
    /// Set for 409: the size the witness knows, to send as `text/x.tlog.size`.
    pub known_size: Option<u64>,
}

fn refused(status: u16, body: impl Into<String>) -> Refused {
    Refused {
        status,
        body: body.into(),
        known_size: None,
    }
}

/// A witness: its cosigning key, the logs it follows, and the latest
/// checkpoint it cosigned of each, kept in a state file.
pub struct Witness {
    cosigner: Cosigner,
    logs: Vec<StandardVerifier>,
    state: BTreeMap<String, (u64, Hash)>,
    state_file: PathBuf,
}

impl Witness {
    /// A witness following the logs with these verifier keys, with its state
    /// in `state_file` (created when missing).
    pub fn open(
        cosigner: Cosigner,
        log_keys: &[String],
        state_file: &Path,
    ) -> Result<Witness, String> {
        let logs = log_keys
            .iter()
            .map(|k| StandardVerifier::new(k.trim()).map_err(|e| format!("log key {k:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut state = BTreeMap::new();
        match std::fs::read_to_string(state_file) {
            Ok(text) => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let mut fields = line.split(' ');
                    let (Some(origin), Some(size), Some(root), None) =
                        (fields.next(), fields.next(), fields.next(), fields.next())
                    else {
                        return Err(format!("{}: malformed line {line:?}", state_file.display()));
                    };
                    let size = size.parse().map_err(|_| {
                        format!("{}: malformed size in {line:?}", state_file.display())
                    })?;
                    let root = Hash::parse_hash(root).map_err(|_| {
                        format!("{}: malformed root in {line:?}", state_file.display())
                    })?;
                    state.insert(origin.to_owned(), (size, root));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", state_file.display())),
        }
        Ok(Witness {
            cosigner,
            logs,
            state,
            state_file: state_file.to_owned(),
        })
    }

    pub fn verifier_key(&self) -> String {
        self.cosigner.verifier_key()
    }

    /// The latest size and root this witness cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<(u64, Hash)> {
        self.state.get(origin).copied()
    }

    fn save(&self) -> Result<(), Refused> {
        let text: String = self
            .state
            .iter()
            .map(|(origin, (size, root))| format!("{origin} {size} {root}\n"))
            .collect();
        let temporary = self.state_file.with_extension("tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.state_file))
            .map_err(|e| refused(500, format!("cannot save the witness's state: {e}")))
    }

    /// Handles an `add-checkpoint` request body at `now` (seconds since the
    /// Unix epoch): returns the cosignature line to answer with, having saved
    /// the checkpoint as the latest of its log.
    pub fn add_checkpoint(&mut self, body: &[u8], now: u64) -> Result<Vec<u8>, Refused> {
        let body = std::str::from_utf8(body).map_err(|_| refused(400, "the body is not UTF-8"))?;
        let (head, note) = body.split_once("\n\n").ok_or_else(|| {
            refused(
                400,
                "expected old size, proof, a blank line and a checkpoint",
            )
        })?;
        let mut lines = head.lines();
        let old: u64 = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| refused(400, "the first line must be \"old <size>\""))?;
        let proof = lines
            .map(|l| Hash::parse_hash(l).map_err(|_| refused(400, "a proof line is not a hash")))
            .collect::<Result<Vec<_>, _>>()?;
        let parsed =
            Note::from_bytes(note.as_bytes()).map_err(|_| refused(400, "malformed checkpoint"))?;
        let checkpoint = Checkpoint::from_bytes(parsed.text())
            .map_err(|_| refused(400, "malformed checkpoint"))?;
        // Every key the witness trusts for this origin (a log that rotated
        // its key may be followed under both).
        let trusted: Vec<Box<dyn Verifier>> = self
            .logs
            .iter()
            .filter(|l| l.name() == checkpoint.origin())
            .map(|l| Box::new(l.clone()) as Box<dyn Verifier>)
            .collect();
        if trusted.is_empty() {
            return Err(refused(404, "unknown log origin"));
        }
        let verified = parsed.verify(&VerifierList::new(trusted)).is_ok();
        if !verified {
            return Err(refused(
                403,
                "the checkpoint is not signed by the log's key",
            ));
        }
        let size = checkpoint.size();
        if size < old {
            return Err(refused(400, "the checkpoint is smaller than the old size"));
        }
        let (known_size, known_root) = self
            .state
            .get(checkpoint.origin())
            .copied()
            .unwrap_or((0, tlog_tiles::EMPTY_HASH));
        let conflict = || Refused {
            status: 409,
            body: format!("{known_size}\n"),
            known_size: Some(known_size),
        };
        if old != known_size {
            return Err(conflict());
        }
        let consistent = if old == 0 {
            proof.is_empty()
        } else if size == old {
            // C2SP tlog-witness: the same size with another root is a
            // conflict (409), not a bad proof.
            if *checkpoint.hash() != known_root {
                return Err(conflict());
            }
            proof.is_empty()
        } else {
            check_tree(&proof, size, *checkpoint.hash(), old, known_root).is_ok()
        };
        if !consistent {
            return Err(refused(422, "the consistency proof does not verify"));
        }
        self.state
            .insert(checkpoint.origin().to_owned(), (size, *checkpoint.hash()));
        self.save()?;
        self.cosigner.time = now;
        let signature = self
            .cosigner
            .sign(parsed.text())
            .map_err(|e| refused(500, e.to_string()))?;
        let line = Signature::new(
            self.cosigner.name().to_owned(),
            self.cosigner.key_id(),
            signature,
        )
        .map_err(|e| refused(500, e.to_string()))?;
        Ok(line.to_bytes())
    }
}

/// A witness the log asks to cosign its checkpoints, over HTTP.
pub struct Remote {
    /// The witness's base URL; requests go to `{url}/add-checkpoint`.
    pub url: String,
    /// The size the witness last cosigned, as far as this log knows.
    known_size: u64,
}

impl Remote {
    pub fn new(url: &str) -> Remote {
        Remote {
            url: url.trim_end_matches('/').to_owned(),
            known_size: 0,
        }
    }

    /// Asks the witness to cosign `note` (a checkpoint of the whole `tree`);
    /// returns its cosignature lines.
    pub fn cosign(&mut self, tree: &Tree, note: &[u8]) -> Result<Vec<u8>, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        // At most twice: a witness that knows another size says which (409).
        for _ in 0..2 {
            let mut body = format!("old {}\n", self.known_size);
            if self.known_size > 0 && self.known_size < tree.size() {
                let proof = tree
                    .consistency(self.known_size, tree.size())
                    .map_err(|e| e.to_string())?;
                for hash in proof {
                    body.push_str(&BASE64_STANDARD.encode(hash.0));
                    body.push('\n');
                }
            }
            body.push('\n');
            let mut body = body.into_bytes();
            body.extend_from_slice(note);
            let url = format!("{}/add-checkpoint", self.url);
            let response = agent
                .post(&url)
                .send(&body[..])
                .map_err(|e| format!("{url}: {e}"))?;
            let status = response.status().as_u16();
            let mut answer = String::new();
            response
                .into_body()
                .into_reader()
                .take(MAX_REQUEST as u64)
                .read_to_string(&mut answer)
                .map_err(|e| format!("{url}: {e}"))?;
            match status {
                200 => {
                    self.known_size = tree.size();
                    return Ok(answer.into_bytes());
                }
                409 => {
                    self.known_size = answer
                        .trim()
                        .parse()
                        .map_err(|_| format!("{url}: 409 without a size"))?;
                    if self.known_size > tree.size() {
                        return Err(format!(
                            "{url}: the witness has seen {} events, more than this log's {}",
                            self.known_size,
                            tree.size()
                        ));
                    }
                }
                _ => return Err(format!("{url}: HTTP {status}: {}", answer.trim())),
            }
        }
        Err(format!("{}: the witness keeps changing its size", self.url))
    }
}
