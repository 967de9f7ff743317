//! The database's place on disk, readable by the server's own user only.
//!
//! The database holds the code HMAC key, the sealed codes of unsent mail, session and code
//! hashes and the audit trail. Left to SQLite and the process umask (usually 022), its folder
//! came out 0755 and its files 0644: readable by every local user. So the folder is created
//! 0700 and the database file 0600 before SQLite opens it; SQLite gives the `-wal` and `-shm`
//! files it creates later the database file's mode. Modes are set explicitly after creation,
//! so they do not depend on the umask either. Existing folders and files are left as the
//! operator made them, with a warning when others can read the database file.

use std::path::Path;

use anyhow::Context;

/// Whether the sqlx URL names an in-memory database (no files at all).
pub fn is_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

/// Creates the database's folder (0700) and file (0600) when they do not exist yet.
pub fn prepare(database: &Path) -> anyhow::Result<()> {
    if let Some(folder) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        prepare_folder(folder)?;
    }
    prepare_file(database)
}

#[cfg(unix)]
fn prepare_folder(folder: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

    if folder.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .and_then(|()| std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700)))
        .with_context(|| format!("cannot create the database folder {}", folder.display()))
}

#[cfg(unix)]
fn prepare_file(database: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    // `create_new`: a file that appears meanwhile is not touched (no truncation, no chmod).
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(database)
    {
        Ok(file) => file
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict the database file {}", database.display())),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            warn_if_shared(database);
            Ok(())
        }
        Err(error) => Err(error)
            .with_context(|| format!("cannot create the database file {}", database.display())),
    }
}

/// Warns when the group or others may read the file at `path`.
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;

    if let Ok(metadata) = std::fs::metadata(path) {
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:o}"),
                "the database file is readable by other users, and it holds the code key: chmod 600 it (and its -wal and -shm files)"
            );
        }
    }
}

#[cfg(not(unix))]
fn prepare_folder(folder: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create the database folder {}", folder.display()))
}

#[cfg(not(unix))]
fn prepare_file(_database: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_in_memory;

    #[test]
    fn in_memory_urls_are_recognized() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://?mode=memory&cache=private"));
        assert!(is_in_memory("sqlite://data/x.db?cache=shared&mode=memory"));
        assert!(!is_in_memory("sqlite://data/security-info.db?mode=rwc"));
        assert!(!is_in_memory("sqlite:data/memory.db"));
    }
}
