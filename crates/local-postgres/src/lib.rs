//! A throwaway PostgreSQL server for the tests and the benchmark: Debian's `postgresql`
//! package, started as a user process in a temp folder (`initdb`, then `pg_ctl start`), reached
//! through a Unix socket in that folder (no TCP port to collide with), stopped and removed
//! when dropped. No system service is involved.
//!
//! `initdb` and `postgres` refuse to run as root; as root, the server runs as `nobody` through
//! util-linux's `setpriv`, in a folder that user owns.

use std::{
    fmt,
    path::PathBuf,
    process::{Command, Output},
};

/// Where Debian's `postgresql` package puts its versions' programs.
const DEBIAN_POSTGRESQL: &str = "/usr/lib/postgresql";

/// The user `nobody` and group `nogroup` on Debian.
const NOBODY: u32 = 65534;

/// A running server; dropping it stops the server and removes its folder.
pub struct LocalPostgres {
    folder: tempfile::TempDir,
    programs: PathBuf,
    as_nobody: bool,
}

/// Why a server could not start.
#[derive(Debug)]
pub struct StartError(String);

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl LocalPostgres {
    /// Makes and starts a server in a new folder in the system's temp folder (which `nobody`
    /// can reach, unlike a folder in root's home, and whose path is short enough for a
    /// socket's). Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`): the
    /// data lives as long as the test or benchmark run.
    pub fn start() -> Result<Self, StartError> {
        let programs = programs()?;
        let folder = tempfile::Builder::new()
            .prefix("pg")
            .tempdir()
            .map_err(|e| StartError(format!("cannot make a folder for PostgreSQL: {e}")))?;
        let as_nobody = is_root();
        if as_nobody {
            std::os::unix::fs::chown(folder.path(), Some(NOBODY), Some(NOBODY))
                .map_err(|e| StartError(format!("cannot give the folder to nobody: {e}")))?;
        }
        let server = Self {
            folder,
            programs,
            as_nobody,
        };
        server.run(
            "initdb",
            &[
                "--pgdata",
                &server.data().display().to_string(),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-k {} -c listen_addresses='' -c max_connections=300 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off",
            server.folder.path().display()
        );
        server.run(
            "pg_ctl",
            &[
                "--pgdata",
                &server.data().display().to_string(),
                "--log",
                &server
                    .folder
                    .path()
                    .join("server.log")
                    .display()
                    .to_string(),
                "--wait",
                "--options",
                &options,
                "start",
            ],
        )?;
        Ok(server)
    }

    /// The URL of `database` on this server (`postgres://postgres@localhost/<database>` with
    /// the socket folder as `host`).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@localhost/{database}?host={}",
            self.folder.path().display()
        )
    }

    /// The URL of the server without a database, for a client that names its own.
    pub fn server_url(&self) -> String {
        format!(
            "postgres://postgres@localhost?host={}",
            self.folder.path().display()
        )
    }

    /// Creates `database` (a name of letters, digits and underscores).
    pub fn create_database(&self, database: &str) -> Result<(), StartError> {
        self.run(
            "createdb",
            &[
                "--host",
                &self.folder.path().display().to_string(),
                "--username",
                "postgres",
                database,
            ],
        )
        .map(drop)
    }

    /// Runs `sql` (one or more statements) in `database` with `psql`, stopping at the first
    /// error.
    pub fn psql(&self, database: &str, sql: &str) -> Result<(), StartError> {
        self.run(
            "psql",
            &[
                "--host",
                &self.folder.path().display().to_string(),
                "--username",
                "postgres",
                "--dbname",
                database,
                "--quiet",
                "--set",
                "ON_ERROR_STOP=1",
                "--command",
                sql,
            ],
        )
        .map(drop)
    }

    /// What the server has logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.folder.path().join("server.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    /// Runs one of the server's programs (as `nobody` when this process is root).
    fn run(&self, program: &str, args: &[&str]) -> Result<Output, StartError> {
        let path = self.programs.join(program);
        let mut command = if self.as_nobody {
            let mut command = Command::new("setpriv");
            command
                .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(&path);
            command
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(self.folder.path())
            .output()
            .map_err(|e| StartError(format!("cannot run {}: {e}", path.display())))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(StartError(format!(
                "{program} failed ({}): {}{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                self.log()
            )))
        }
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        // Immediate: the data is thrown away with the folder.
        let _ = self.run(
            "pg_ctl",
            &[
                "--pgdata",
                &self.data().display().to_string(),
                "--mode",
                "immediate",
                "stop",
            ],
        );
    }
}

/// Whether a PostgreSQL server (not only its client) is installed.
pub fn installed() -> bool {
    programs().is_ok()
}

/// The `bin` folder of the newest PostgreSQL version installed.
fn programs() -> Result<PathBuf, StartError> {
    let newest = std::fs::read_dir(DEBIAN_POSTGRESQL)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version);
    newest.map(|(_, bin)| bin).ok_or_else(|| {
        StartError(format!(
            "no PostgreSQL under {DEBIAN_POSTGRESQL}: `cargo xtask test` installs Debian's \
             postgresql package"
        ))
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_starts_answers_on_its_socket_and_is_gone_when_dropped() {
        let server = LocalPostgres::start().expect("the server starts");
        server.create_database("probe").expect("a database");
        let answer = server
            .run(
                "psql",
                &[
                    "--host",
                    &server.folder.path().display().to_string(),
                    "--username",
                    "postgres",
                    "--dbname",
                    "probe",
                    "--tuples-only",
                    "--command",
                    "select 40 + 2",
                ],
            )
            .expect("psql");
        assert_eq!(String::from_utf8_lossy(&answer.stdout).trim(), "42");
        assert!(
            server
                .url("probe")
                .ends_with(&format!("/probe?host={}", server.folder.path().display()))
        );
        let folder = server.folder.path().to_owned();
        drop(server);
        assert!(!folder.exists(), "the folder is removed");
    }
}
