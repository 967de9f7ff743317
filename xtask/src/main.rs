//! `cargo xtask serve | test | bench`: the commands of the README.
//!
//! Both install what the machine is missing first (each tool is skipped when present at the
//! right version), so a fresh machine with only rustup and cargo needs nothing else.

mod bench;
mod build;
mod contract;
mod e2e;
mod portal;
mod process;
mod suites;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let outcome = match command.as_str() {
        "serve" => build::serve(),
        "test" => suites::test(),
        "contract" => contract::run_alone(),
        "e2e" => e2e::run_alone(&std::env::args().skip(2).collect::<Vec<_>>()),
        "bench" if std::env::args().nth(2).as_deref() == Some("--report-only") => {
            bench::report_only()
        }
        "bench" if std::env::args().skip(2).collect::<Vec<_>>() == ["--store", "postgres"] => {
            bench::postgres_only()
        }
        "bench" => bench::bench(),
        _ => {
            eprintln!("usage: cargo xtask <serve | test | e2e | contract | bench>");
            eprintln!(
                "  serve  build the app and server in release and run them on SECURITY_INFO_LISTEN"
            );
            eprintln!("  test   every check and test suite; the last line is `N passed, N failed`");
            eprintln!(
                "  e2e    only the Playwright suite (arguments go to `playwright test`: spec files, -g)"
            );
            eprintln!(
                "  contract  only the property-based API test (schemathesis against the real server)"
            );
            eprintln!("  bench  size, page-load and API benchmarks, written to bench/README.md");
            eprintln!("         (--report-only: rewrite bench/README.md from bench/results.json;");
            eprintln!(
                "         --store postgres: measure two processes on PostgreSQL only, into it)"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask {command}: {error}");
            ExitCode::FAILURE
        }
    }
}
