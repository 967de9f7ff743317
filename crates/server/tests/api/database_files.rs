//! The database on disk: it holds the code key, so only the server's user may read it.

#[cfg(unix)]
#[tokio::test]
async fn the_database_folder_and_files_are_the_server_users_alone() {
    use std::os::unix::fs::PermissionsExt;

    use crate::helpers::*;

    let app = TestApp::spawn().await;
    // A write, so that the write-ahead log is in use.
    app.sign_in(ALAIN).await;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let folder = app.db_path.parent().expect("the database folder");
    assert_eq!(
        mode(folder),
        0o700,
        "{:o} for {}",
        mode(folder),
        folder.display()
    );
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", app.db_path.display()));
        assert_eq!(
            mode(&file),
            0o600,
            "{:o} for {}",
            mode(&file),
            file.display()
        );
    }
}
