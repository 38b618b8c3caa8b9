//! Where a verifier reads a transparency log from: a directory (a copy of the
//! public files, for working offline) or the public URL serving it. Both
//! hold the same paths: `checkpoint`, and tiles under `tile/` as C2SP
//! tlog-tiles names them.

use crate::TILE_HEIGHT;
use std::cell::RefCell;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;
use tlog_tiles::{Error, HASH_SIZE, Tile, TileReader, stored_hash_index};

/// The most a public file may be: a full tile is 8 KiB, a checkpoint with
/// its cosignatures far less.
const MAX_FILE: u64 = 64 * 1024;

/// A transparency log's public files.
#[derive(Clone, Debug)]
pub enum Source {
    Dir(PathBuf),
    Url(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Dir(dir) => write!(f, "{}", dir.display()),
            Source::Url(url) => f.write_str(url),
        }
    }
}

impl Source {
    /// A URL (`http://`, `https://`) or else a directory.
    pub fn parse(text: &str) -> Source {
        if text.starts_with("http://") || text.starts_with("https://") {
            Source::Url(text.trim_end_matches('/').to_owned())
        } else {
            Source::Dir(PathBuf::from(text))
        }
    }

    /// The file at `path`, or `None` when there is none.
    pub fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Source::Dir(dir) => match std::fs::read(dir.join(path)) {
                Ok(bytes) if bytes.len() as u64 > MAX_FILE => {
                    Err(format!("{path} is larger than {MAX_FILE} bytes"))
                }
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{}: {e}", dir.join(path).display())),
            },
            Source::Url(base) => {
                let url = format!("{base}/{path}");
                let response = agent()
                    .get(&url)
                    .call()
                    .map_err(|e| format!("{url}: {e}"))?;
                match response.status().as_u16() {
                    200 => {}
                    404 => return Ok(None),
                    status => return Err(format!("{url}: HTTP {status}")),
                }
                let mut bytes = Vec::new();
                response
                    .into_body()
                    .into_reader()
                    .take(MAX_FILE + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("{url}: {e}"))?;
                if bytes.len() as u64 > MAX_FILE {
                    return Err(format!("{url} is larger than {MAX_FILE} bytes"));
                }
                Ok(Some(bytes))
            }
        }
    }

    /// The latest checkpoint, as a signed note.
    pub fn checkpoint(&self) -> Result<Vec<u8>, String> {
        self.get("checkpoint")?
            .ok_or_else(|| format!("{self} has no checkpoint"))
    }
}

/// One agent for every file read from a URL, so that the many tiles of a
/// check share its connections.
fn agent() -> &'static ureq::Agent {
    static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into()
    })
}

/// A tile's path as C2SP tlog-tiles names it: `tile/<L>/<N>[.p/<W>]`, `N` in
/// groups of three digits (`x001/234`).
pub fn tile_path(tile: &Tile) -> String {
    let sumdb = tile.path();
    let prefix = format!("tile/{}/", tile.height());
    match sumdb.strip_prefix(&prefix) {
        Some(rest) => format!("tile/{rest}"),
        None => sumdb,
    }
}

/// Reads tiles from a [`Source`] for `tlog_tiles::TileHashReader`, which
/// checks every hash it reads against the checkpoint's root. A missing
/// partial tile is read from its full tile, which supersedes it.
pub struct Tiles<'a> {
    pub source: &'a Source,
    /// Why the last read failed, for the error message.
    pub failure: RefCell<Option<String>>,
    /// Every tile read, for [`Tiles::check_parents`].
    read: RefCell<Vec<(Tile, Vec<u8>)>>,
}

impl<'a> Tiles<'a> {
    pub fn new(source: &'a Source) -> Tiles<'a> {
        Tiles {
            source,
            failure: RefCell::new(None),
            read: RefCell::new(Vec::new()),
        }
    }

    /// Checks every full tile read so far against its parent tile, for a
    /// tree of `tree_size` leaves.
    ///
    /// `TileHashReader` (tlog_tiles 0.2, like Go's `sumdb/tlog` it ports)
    /// checks the tiles of the tree hash against the root, and then the
    /// other tiles against their parents, but starts that loop at the number
    /// of the root's *subtrees* instead of the number of its *tiles*: the
    /// first few other tiles are used unchecked. A wrong hash in one of them
    /// would make a sound log look inconsistent, so every hash is checked
    /// here before a proof can accuse the log.
    pub fn check_parents(&self, tree_size: u64) -> Result<(), String> {
        let read = self.read.borrow();
        for (tile, data) in read.iter() {
            if tile.width() != 1 << tile.height() {
                // A partial tile has no parent: it is one of the root's.
                continue;
            }
            let Some(parent) = tile.parent(1, tree_size) else {
                continue;
            };
            let Some((_, parent_data)) = read.iter().find(|(t, _)| *t == parent) else {
                // Not read: the tile is one of the root's, checked by it.
                continue;
            };
            let expected = parent.hash_at_index(
                parent_data,
                stored_hash_index(parent.level() * parent.height(), tile.level_index()),
            );
            if expected.ok() != Some(Tile::subtree_hash(data)) {
                return Err(format!(
                    "{} in {} does not match {}",
                    tile_path(tile),
                    self.source,
                    tile_path(&parent)
                ));
            }
        }
        Ok(())
    }

    fn read(&self, tile: &Tile) -> Result<Vec<u8>, String> {
        let want = tile.width() as usize * HASH_SIZE;
        let mut data = self.source.get(&tile_path(tile))?;
        if data.is_none() && tile.width() < 1 << tile.height() {
            let full = Tile::new(
                tile.height(),
                tile.level(),
                tile.level_index(),
                1 << tile.height(),
                false,
            );
            data = self.source.get(&tile_path(&full))?;
        }
        let data = data.ok_or_else(|| format!("{} has no {}", self.source, tile_path(tile)))?;
        if data.len() < want {
            return Err(format!(
                "{} holds {} bytes, not {want}",
                tile_path(tile),
                data.len()
            ));
        }
        Ok(data[..want].to_vec())
    }
}

impl TileReader for Tiles<'_> {
    fn height(&self) -> u8 {
        TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        let data = tiles
            .iter()
            .map(|tile| {
                self.read(tile).map_err(|reason| {
                    *self.failure.borrow_mut() = Some(reason);
                    Error::InvalidTile
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.read
            .borrow_mut()
            .extend(tiles.iter().copied().zip(data.iter().cloned()));
        Ok(data)
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}
