//! Transfer size of the release app: every file of `dist/` raw, gzip and brotli (the copies
//! the server sends), and what a first visit needs (HTML, CSS, JS and wasm).

use std::path::Path;

use serde_json::{Value, json};

use crate::process::Result;

/// Sizes of every file in `dist` (not counting the `.br`/`.gz` copies themselves).
pub fn measure(dist: &Path) -> Result<Value> {
    let mut files = Vec::new();
    collect(dist, dist, &mut files)?;
    files.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    let first_visit = |key: &str| -> u64 {
        files
            .iter()
            .filter(|f| f["firstVisit"].as_bool() == Some(true))
            .filter_map(|f| f[key].as_u64())
            .sum()
    };
    Ok(json!({
        "firstVisit": {
            "raw": first_visit("raw"),
            "gzip": first_visit("gzip"),
            "brotli": first_visit("brotli"),
        },
        "files": files,
    }))
}

fn collect(dist: &Path, dir: &Path, out: &mut Vec<Value>) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {dir:?}: {e}"))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect(dist, &path, out)?;
            continue;
        }
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if matches!(extension, "br" | "gz") {
            continue;
        }
        let size = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(&name).ok().map(|m| m.len())
        };
        let raw = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        out.push(json!({
            "path": path.strip_prefix(dist).unwrap_or(&path).to_string_lossy(),
            "raw": raw,
            "gzip": size(".gz").unwrap_or(raw),
            "brotli": size(".br").unwrap_or(raw),
            "firstVisit": matches!(extension, "html" | "css" | "js" | "wasm"),
        }));
    }
    Ok(())
}
