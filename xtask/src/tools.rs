//! Installs the tools the build and the tests need, skipping each one already present at the
//! right version. Versions are pinned here and in the npm lockfiles; nothing is downloaded
//! outside the package registries.

use std::path::{Path, PathBuf};

use crate::process::{Result, command, root, run, version_of};

/// trunk 0.22 needs a newer rustc than the pinned 1.95.
const TRUNK_VERSION: &str = "0.21.14";

/// Path of Debian's Chromium, used by Playwright and wasm-bindgen-test.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Path of Debian's ChromeDriver, used by wasm-bindgen-test.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Where `cargo install` puts binaries.
pub fn cargo_bin_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// Everything `trunk build` needs: the wasm target, trunk, wasm-bindgen-cli, wasm-opt.
pub fn ensure_build_tools() -> Result {
    run(command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, &["--locked"])?;
    // Its own lockfile names a crate version the registry lacks, so no --locked here.
    let bindgen = wasm_bindgen_version()?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &bindgen, &[])?;
    ensure_npm_packages(&root().join("xtask/npm"))
}

/// Path of Debian's OpenLDAP server, which the directory tests start in a temp folder.
pub const SLAPD: &str = "/usr/sbin/slapd";

/// Everything the test suites need on top of the build tools: Chromium, ChromeDriver, OpenLDAP's
/// slapd and the openssl command (the directory tests' certificates), PostgreSQL (the API
/// suite's second engine), and the Playwright packages.
pub fn ensure_test_tools() -> Result {
    ensure_build_tools()?;
    let missing: Vec<&str> = [
        (CHROMIUM, "chromium"),
        (CHROMEDRIVER, "chromium-driver"),
        (SLAPD, "slapd"),
        ("/usr/bin/openssl", "openssl"),
    ]
    .into_iter()
    .filter(|(path, _)| !Path::new(path).exists())
    .map(|(_, package)| package)
    .chain((!local_postgres::installed()).then_some("postgresql"))
    .collect();
    if !missing.is_empty() {
        // slapd's and postgresql's packages start no service of their own here (no init
        // system runs one); the tests start their own servers.
        apt_install(&missing)?;
    }
    ensure_npm_packages(&root().join("tests/e2e"))
}

/// The exact `wasm-bindgen` version in Cargo.lock: the CLI must match it.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|next| next.strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn ensure_cargo_tool(binary: &str, krate: &str, version: &str, extra: &[&str]) -> Result {
    let wanted = format!("{binary} {version}");
    if version_of(binary).as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    println!("installing {krate} {version} (once per machine)");
    // A temporary build folder, not the project's build cache.
    run(command("cargo")
        .args(["install", krate, "--version", version, "--force"])
        .args(extra)
        .env_remove("CARGO_TARGET_DIR"))
}

/// `npm ci` in `dir` unless its node_modules already matches the lockfile.
fn ensure_npm_packages(dir: &Path) -> Result {
    if version_of("npm").is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    let installed = dir.join("node_modules/.package-lock.json");
    let up_to_date = match (
        modified(&installed),
        modified(&dir.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if up_to_date {
        return Ok(());
    }
    run(command("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir))
}

/// Installs each `(command, package)` whose command is not on `PATH`.
pub fn ensure_apt_commands(commands: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = commands
        .iter()
        .filter(|(program, _)| {
            !command("sh")
                .args(["-c", &format!("command -v {program}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        apt_install(&missing)
    }
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn apt_install(packages: &[&str]) -> Result {
    println!(
        "installing {} with apt-get (once per machine)",
        packages.join(" ")
    );
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut cmd = command(if sudo { "sudo" } else { "apt-get" });
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(packages);
    run(&mut install)
}

fn is_root() -> bool {
    command("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// schemathesis, pinned: the contract suite's checks and figures change with its version.
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Installs schemathesis from PyPI with pip into a virtual environment of its own under the
/// target folder (the system's Python stays untouched) unless it is there at the pinned
/// version; returns the path of its `st` command.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = crate::process::target_dir()
        .join("tools")
        .join(format!("schemathesis-{SCHEMATHESIS_VERSION}"));
    let st = venv.join("bin/st");
    let installed = command(&st)
        .arg("--version")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(SCHEMATHESIS_VERSION));
    if installed {
        return Ok(st);
    }
    ensure_apt_commands(&[("python3", "python3")])?;
    if !venv.join("bin/pip").exists() {
        // Debian's python3 has no venv module of its own: it is python3-venv.
        if run(command("python3").args(["-m", "venv"]).arg(&venv)).is_err() {
            apt_install(&["python3-venv"])?;
            run(command("python3").args(["-m", "venv"]).arg(&venv))?;
        }
    }
    run(command(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
    ]))?;
    Ok(st)
}
