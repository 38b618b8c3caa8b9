//! The transparency log's public files (AUDIT-2), served as they lie in its
//! public directory: `/audit/checkpoint` (the latest signed checkpoint),
//! `/audit/key` (the log's verifier key) and the tiles, `/audit/tile/...`
//! (C2SP tlog-tiles). Anybody may read them: they hold commitments, never
//! what an event says. Full tiles never change and are cached for a year;
//! the checkpoint and partial tiles are not cached.

use super::App;
use axum::extract::{Path, State as Extract};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Whether `path` names a file of the public directory: `checkpoint`, `key`,
/// or a tile (`tile/<L>/<N>` with `N` as `x001/234`, `.p/<W>` for a
/// partial one). Nothing else, so no path leaves the directory.
fn public_file(path: &str) -> bool {
    if path == "checkpoint" || path == "key" {
        return true;
    }
    let Some(rest) = path.strip_prefix("tile/") else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = rest.split('/').peekable();
    if !parts.next().is_some_and(digits) {
        return false;
    }
    let mut seen_index = false;
    while let Some(part) = parts.next() {
        if let Some(group) = part.strip_prefix('x') {
            if group.len() != 3 || !digits(group) || seen_index {
                return false;
            }
        } else if let Some(index) = part.strip_suffix(".p") {
            // A partial tile: `NNN.p/W`, last.
            return index.len() == 3
                && digits(index)
                && parts.next().is_some_and(digits)
                && parts.next().is_none();
        } else {
            if part.len() != 3 || !digits(part) || parts.peek().is_some() {
                return false;
            }
            seen_index = true;
        }
    }
    seen_index
}

pub(crate) async fn file(Extract(app): Extract<App>, Path(path): Path<String>) -> Response {
    let Some(dir) = app.audit_dir.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "no transparency log is published here\n",
        )
            .into_response();
    };
    if !public_file(&path) {
        return (StatusCode::NOT_FOUND, "no such file\n").into_response();
    }
    let bytes = match tokio::fs::read(dir.join(&path)).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (StatusCode::NOT_FOUND, "no such file\n").into_response();
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let (media, cache) = if path.starts_with("tile/") {
        let cache = if path.contains(".p/") {
            "no-cache"
        } else {
            "public, max-age=31536000, immutable"
        };
        ("application/octet-stream", cache)
    } else {
        ("text/plain; charset=utf-8", "no-cache")
    };
    (
        [
            (header::CONTENT_TYPE, media),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::public_file;

    #[test]
    fn only_the_logs_public_files_are_served() {
        for good in [
            "checkpoint",
            "key",
            "tile/0/000",
            "tile/0/x001/234",
            "tile/1/000.p/7",
            "tile/0/x001/x002/003.p/255",
        ] {
            assert!(public_file(good), "{good}");
        }
        for bad in [
            "",
            "checkpoint/",
            "../signing.key",
            "tile/../../signing.key",
            "tile/0/..",
            "tile/0",
            "tile/0/00",
            "tile/0/000/001",
            "tile/0/000.p",
            "tile/0/000.p/1/2",
            "tile/0/x01/000",
            "tile/a/000",
            "tile/0/000.p/../../x",
        ] {
            assert!(!public_file(bad), "{bad}");
        }
    }
}
