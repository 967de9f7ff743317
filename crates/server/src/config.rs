//! Configuration, parsed once at start from `--flags` or `SECURITY_INFO_*` variables.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

/// Every setting of the server. `--help` documents each one with its variable.
#[derive(Debug, Clone, Parser)]
#[command(name = "security-info-server", version, about)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "SECURITY_INFO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder holding the built app (trunk's `dist/`), served with SPA fallback.
    #[arg(long, env = "SECURITY_INFO_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,
}
