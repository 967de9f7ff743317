//! The property-based contract suite: schemathesis generates requests from the server's own
//! OpenAPI document and checks every answer against it, against a debug build of the real server
//! with a fresh database and a signed-in session.
//!
//! Two runs, so the session stays valid: the first tries every operation but signing in and out
//! with the session cookie; the second tries only those, without it. The settings are in
//! `tests/contract/schemathesis.toml`.

use std::{path::Path, process::Stdio, time::Instant};

use crate::{
    bench::{
        client::Client,
        server::{BenchServer, PASSWORD, scratch_dir},
    },
    process::{self, Result, command, root, target_dir},
    suites::Counts,
    tools,
};

/// The operations that create or end sessions (schemathesis `--include-operation-id`).
const SESSION_OPERATIONS: [&str; 4] = [
    "create_session",
    "delete_session",
    "delete_all_sessions",
    "reauthenticate_session",
];

/// Limits raised so generated requests reach the handlers' own rules instead of a 429 after
/// the first few; every limit keeps its own tests in the server's suite.
const SETTINGS: [(&str, &str); 8] = [
    ("SECURITY_INFO_RESEND_COOLDOWN_SECONDS", "1"),
    ("SECURITY_INFO_PHONE_CODES_PER_HOUR", "100000"),
    ("SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_HOUR", "100000"),
    ("SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_DAY", "100000"),
    ("SECURITY_INFO_PHONE_CODES_PER_ACCOUNT_PER_HOUR", "100000"),
    ("SECURITY_INFO_PHONE_CODES_PER_ADDRESS_PER_HOUR", "100000"),
    ("SECURITY_INFO_RESETS_PER_USERNAME_PER_HOUR", "100000"),
    ("SECURITY_INFO_RESETS_PER_ADDRESS_PER_HOUR", "100000"),
];

/// One schemathesis run's figures.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Figures {
    generated: u64,
    failures: u64,
}

/// Builds the server, runs both schemathesis runs, prints their figures; each run is one test.
pub fn run_suite() -> Result<Counts> {
    let schemathesis = tools::ensure_schemathesis()?;
    process::run(command("cargo").args([
        "build",
        "--package",
        "security-info-server",
        "--locked",
    ]))?;
    let binary = target_dir().join("debug/security-info-server");
    let dir = scratch_dir("contract")?;
    let server = BenchServer::start_with(&binary, &dir.join("contract.db"), &SETTINGS)?;
    let outcome = run_both(&schemathesis, &server.client);
    server.stop();
    outcome
}

fn run_both(schemathesis: &Path, client: &Client) -> Result<Counts> {
    let session = client.sign_in("alain@contoso.example", PASSWORD)?;
    let mut counts = Counts::default();
    let runs: [(&str, Vec<String>); 2] = [
        (
            "signed in, every operation but sign-in and sign-out",
            [
                vec!["--header".to_owned(), format!("Cookie: {}", session.cookie)],
                exclude_args("--exclude-operation-id"),
            ]
            .concat(),
        ),
        (
            "sign-in and sign-out",
            exclude_args("--include-operation-id"),
        ),
    ];
    for (name, args) in runs {
        let began = Instant::now();
        let figures = run_schemathesis(schemathesis, client.base(), &args)?;
        println!(
            "contract, {name}: {} cases generated, {} failures, {} s",
            figures.generated,
            figures.failures,
            began.elapsed().as_secs()
        );
        if figures.failures == 0 && figures.generated > 0 {
            counts.passed += 1;
        } else {
            counts.failed += 1;
        }
    }
    Ok(counts)
}

fn exclude_args(flag: &str) -> Vec<String> {
    SESSION_OPERATIONS
        .iter()
        .flat_map(|id| [flag.to_owned(), (*id).to_owned()])
        .collect()
}

/// One `st run` against the live document; its figures from the summary it prints.
fn run_schemathesis(schemathesis: &Path, base: &str, args: &[String]) -> Result<Figures> {
    let mut run = command(schemathesis);
    run.arg("--config-file")
        .arg(root().join("tests/contract/schemathesis.toml"))
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", &format!("{base}/api/v1")])
        .args(args)
        .arg("--no-color")
        // Its cache folder (`.schemathesis/`) goes to the target folder, not the repository.
        .current_dir(target_dir())
        .stdout(Stdio::piped());
    let output = run
        .output()
        .map_err(|e| format!("could not start schemathesis: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    print!("{text}");
    let mut figures = read_summary(&text);
    if !output.status.success() && figures.failures == 0 {
        // A run that stopped before its summary (a schema it could not load) is a failure.
        figures.failures = 1;
    }
    Ok(figures)
}

/// Reads the line under `Test cases:` in schemathesis' summary:
/// `N generated, N found M unique failures, N skipped` (or `N generated, N passed`).
fn read_summary(text: &str) -> Figures {
    let mut figures = Figures::default();
    let mut lines = text.lines();
    if !lines.any(|line| line.trim() == "Test cases:") {
        return figures;
    }
    let Some(line) = lines.next() else {
        return figures;
    };
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .collect();
    for pair in words.windows(2) {
        if let Ok(number) = pair[0].parse::<u64>() {
            match pair[1] {
                "generated" => figures.generated = number,
                "found" => figures.failures = number,
                _ => {}
            }
        }
    }
    figures
}

/// `cargo xtask contract`: only this suite, after the tools it needs.
pub fn run_alone() -> Result {
    let counts = run_suite()?;
    println!("{} passed, {} failed", counts.passed, counts.failed);
    if counts.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", counts.failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_gives_the_cases_and_the_failures() {
        let failed =
            "Test cases:\n  3348 generated, 19 found 19 unique failures, 24 skipped\nSeed: 1";
        assert_eq!(
            read_summary(failed),
            Figures {
                generated: 3348,
                failures: 19
            }
        );
        let passed = "Test cases:\n  1200 generated, 1200 passed\n";
        assert_eq!(
            read_summary(passed),
            Figures {
                generated: 1200,
                failures: 0
            }
        );
        assert_eq!(read_summary("no summary"), Figures::default());
    }
}
