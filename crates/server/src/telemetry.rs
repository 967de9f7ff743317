//! Logging setup: human-readable lines on stderr, filtered by `RUST_LOG` (default `info`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (as in tests) is a no-op.
pub fn init() {
    init_with_default("info,sqlx=warn,tower_http=warn");
}

/// Installs the global subscriber with `default` as the filter when `RUST_LOG` is unset (an
/// operator's command logs only warnings: its results and errors are its own output).
pub fn init_with_default(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
