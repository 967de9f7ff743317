//! The example portal of `cargo xtask serve`: `examples/portal/` on a second origin, so an
//! operator sees the app framed by a host page (and its postMessage traffic) in a minute.
//!
//! A deliberately tiny static file server (GET of a few flat files, nothing else): it only
//! ever serves the files in that folder, on loopback.

use std::{
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
};

use crate::process::{Result, root};

/// Where the example portal listens unless `SECURITY_INFO_EXAMPLE_PORTAL_LISTEN` says otherwise.
pub const DEFAULT_PORTAL_LISTEN: &str = "127.0.0.1:8081";

/// Binds `address` and serves the portal from a background thread.
pub fn start(address: &str) -> Result {
    let listener =
        TcpListener::bind(address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let folder = root().join("examples/portal");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let folder = folder.clone();
            std::thread::spawn(move || {
                let _ = answer(stream, &folder);
            });
        }
    });
    Ok(())
}

fn answer(mut stream: TcpStream, folder: &Path) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let response = match (method, file_for(folder, target)) {
        ("GET", Some(path)) => match std::fs::read(&path) {
            Ok(body) => (200, content_type(&path), body),
            Err(_) => (404, "text/plain", b"not found".to_vec()),
        },
        ("GET", None) => (404, "text/plain", b"not found".to_vec()),
        _ => (405, "text/plain", b"only GET".to_vec()),
    };
    let (status, kind, body) = response;
    write!(
        stream,
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        if status == 200 { "OK" } else { "Error" },
        body.len()
    )?;
    stream.write_all(&body)
}

/// The file a request target names: a plain file name in the folder, `/` meaning index.html.
fn file_for(folder: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let name = match path.strip_prefix('/')? {
        "" => "index.html",
        name => name,
    };
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !name.starts_with('.');
    plain.then(|| folder.join(name))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_in_the_folder_are_served() {
        let folder = Path::new("/portal");
        assert_eq!(file_for(folder, "/"), Some(folder.join("index.html")));
        assert_eq!(file_for(folder, "/?app=x"), Some(folder.join("index.html")));
        assert_eq!(
            file_for(folder, "/portal.js"),
            Some(folder.join("portal.js"))
        );
        assert_eq!(file_for(folder, "/../Cargo.toml"), None);
        assert_eq!(file_for(folder, "/a/b.js"), None);
        assert_eq!(file_for(folder, "/.git"), None);
        assert_eq!(file_for(folder, "relative"), None);
    }
}
