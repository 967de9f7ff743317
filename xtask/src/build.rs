//! Release builds of the app and the server, and `cargo xtask serve`.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use crate::{
    portal,
    process::{Result, command, root, run, target_dir},
    tools,
};

/// Where the demo accounts' password comes from, and its documented default.
pub const DEMO_PASSWORD_VARIABLE: &str = "SECURITY_INFO_DEMO_PASSWORD";
/// Password of the demo accounts when `SECURITY_INFO_DEMO_PASSWORD` is unset.
pub const DEFAULT_DEMO_PASSWORD: &str = "Contoso-demo-2026";
/// Address the server listens on unless `SECURITY_INFO_LISTEN` says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// File types worth shipping compressed.
const COMPRESSIBLE: [&str; 6] = ["html", "js", "wasm", "css", "svg", "json"];

/// `trunk build --release`, then a brotli and a gzip copy of every compressible file.
pub fn build_app() -> Result {
    let dist = root().join("dist");
    run(command("trunk")
        .args([
            "build",
            "--release",
            "--offline",
            "--skip-version-check",
            "--dist",
        ])
        .arg(&dist)
        .env_remove("NO_COLOR"))?;
    precompress(&dist)
}

/// `cargo build --profile server` of the server; returns the binary's path.
pub fn build_server() -> Result<PathBuf> {
    run(command("cargo").args([
        "build",
        "--profile",
        "server",
        "--package",
        "security-info-server",
    ]))?;
    Ok(target_dir().join("server/security-info-server"))
}

/// Builds everything in release and runs the server, with the example portal on a second
/// origin. Ctrl-C reaches both processes; the server finishes its requests and stops.
pub fn serve() -> Result {
    tools::ensure_build_tools()?;
    build_app()?;
    let server = build_server()?;
    std::fs::create_dir_all(root().join("data"))
        .map_err(|e| format!("cannot create data/: {e}"))?;

    let listen = std::env::var("SECURITY_INFO_LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.into());
    let portal_listen = std::env::var("SECURITY_INFO_EXAMPLE_PORTAL_LISTEN")
        .unwrap_or_else(|_| portal::DEFAULT_PORTAL_LISTEN.into());
    let portal_origin = format!("http://{portal_listen}");
    // Browsers use security keys only on a host name, never an IP address: a loopback listen
    // address is shown (and served, by default) as localhost.
    let app_origin = browser_origin(&listen);
    let password =
        std::env::var(DEMO_PASSWORD_VARIABLE).unwrap_or_else(|_| DEFAULT_DEMO_PASSWORD.into());
    let mail = if std::env::var_os("SECURITY_INFO_SMTP_URL").is_some() {
        "mail goes to SECURITY_INFO_SMTP_URL".to_owned()
    } else {
        format!("sent mail: {app_origin}/dev/mailbox")
    };
    portal::start(&portal_listen)?;
    println!();
    println!("  Security info: {app_origin}/");
    println!("  sign in as alain@contoso.example or megan@contoso.example, password {password}");
    println!("  {mail}");
    println!(
        "  example portal framing it: {portal_origin}/?app={app_origin}/security-info%3Fembed%3D1"
    );
    println!("  Ctrl-C stops it.");
    println!();
    let _ = std::io::stdout().flush();

    let mut server_command = command(&server);
    server_command
        .env("SECURITY_INFO_DIST_DIR", root().join("dist"))
        .env("SECURITY_INFO_LISTEN", &listen);
    set_default(&mut server_command, "SECURITY_INFO_DEMO_ACCOUNTS", "true");
    // Without SMTP, mail goes to the development mailbox (SMTP wins when set).
    set_default(&mut server_command, "SECURITY_INFO_DEV_MAILBOX", "true");
    set_default(&mut server_command, DEMO_PASSWORD_VARIABLE, &password);
    set_default(
        &mut server_command,
        "SECURITY_INFO_EMBED_ORIGINS",
        &portal_origin,
    );
    run(&mut server_command)
}

fn set_default(command: &mut std::process::Command, variable: &str, value: &str) {
    if std::env::var_os(variable).is_none() {
        command.env(variable, value);
    }
}

fn precompress(dir: &Path) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {dir:?}: {e}"))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| COMPRESSIBLE.contains(&ext));
        if compressible {
            compress_file(&path)?;
        }
    }
    Ok(())
}

fn compress_file(path: &Path) -> Result {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {path:?}: {e}"))?;
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };

    let mut brotli = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut data.as_slice(), &mut brotli, &params)
        .map_err(|e| format!("brotli failed on {path:?}: {e}"))?;

    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&data)
        .map_err(|e| format!("gzip failed on {path:?}: {e}"))?;
    let gzip = gzip
        .finish()
        .map_err(|e| format!("gzip failed on {path:?}: {e}"))?;

    std::fs::write(with_suffix(".br"), brotli).map_err(|e| e.to_string())?;
    std::fs::write(with_suffix(".gz"), gzip).map_err(|e| e.to_string())
}

/// The origin a browser should use for a server listening on `listen`: `localhost` for a
/// loopback address (the server's default public origin then), the address itself otherwise.
fn browser_origin(listen: &str) -> String {
    match listen.parse::<std::net::SocketAddr>() {
        Ok(address) if address.ip().is_loopback() => format!("http://localhost:{}", address.port()),
        _ => format!("http://{listen}"),
    }
}

#[cfg(test)]
mod tests {
    use super::browser_origin;

    #[test]
    fn a_loopback_listen_address_is_shown_as_localhost() {
        assert_eq!(browser_origin("127.0.0.1:8080"), "http://localhost:8080");
        assert_eq!(browser_origin("[::1]:9000"), "http://localhost:9000");
        assert_eq!(browser_origin("192.0.2.10:8080"), "http://192.0.2.10:8080");
    }
}
