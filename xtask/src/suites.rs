//! `cargo xtask test`: every check and test suite, one summary.
//!
//! A suite that fails to build or run counts as one failure, so a broken step can never
//! pass unnoticed; the last line is `N passed, N failed` over everything.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Instant,
};

use crate::{
    e2e,
    process::{Result, command, target_dir},
    tools,
};

/// Passed and failed tests of one suite (a check counts as one test).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed, plus one for a suite that could not run.
    pub failed: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Runs everything and prints the summary; an error when anything failed.
pub fn test() -> Result {
    let started = Instant::now();
    let mut results: Vec<(&str, Counts, u64)> = Vec::new();
    let mut record = |name: &'static str, run: &mut dyn FnMut() -> Counts| {
        let began = Instant::now();
        println!("\n=== {name} ===");
        let counts = run();
        results.push((name, counts, began.elapsed().as_secs()));
    };

    record("tools", &mut || check(tools::ensure_test_tools()));
    record("rustfmt", &mut || {
        check(crate::process::run(
            command("cargo").args(["fmt", "--all", "--check"]),
        ))
    });
    record("clippy (native)", &mut || {
        check(crate::process::run(command("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])))
    });
    record("clippy (wasm32)", &mut || {
        check(crate::process::run(command("cargo").args([
            "clippy",
            "--package",
            "security-info-app",
            "--package",
            "security-info-api",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])))
    });
    record("unit and integration tests", &mut || {
        cargo_tests(command("cargo").args(["test", "--workspace", "--locked"]))
    });
    record("API tests on PostgreSQL", &mut api_tests_on_postgres);
    record("component tests (wasm32, headless Chromium)", &mut || {
        // chromedriver's throwaway profiles (85 MB each) outlive the runner, which stops it
        // without closing the session: keep them in a folder of ours and empty it afterwards.
        let browser_temp = target_dir().join("tmp").join("component-tests");
        let _ = std::fs::remove_dir_all(&browser_temp);
        let _ = std::fs::create_dir_all(&browser_temp);
        let counts = cargo_tests(
            command("cargo")
                .args([
                    "test",
                    "--package",
                    "security-info-app",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--locked",
                ])
                .env("CHROMEDRIVER", tools::CHROMEDRIVER)
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    "wasm-bindgen-test-runner",
                )
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
                // The runner gives chromedriver 5 s to bind its port by default; its first
                // start on a busy 2-core machine (a cold disk, builds running) took longer and
                // the run failed without a test having run.
                .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60")
                .env("TMPDIR", &browser_temp),
        );
        let _ = std::fs::remove_dir_all(&browser_temp);
        counts
    });
    record("end-to-end (Playwright)", &mut || e2e::run());
    // Two schemathesis runs of 40 s each against a debug build: each run is one test.
    record("API contract (schemathesis)", &mut || {
        crate::contract::run_suite().unwrap_or_else(|error| check(Err(error)))
    });

    let mut total = Counts::default();
    println!("\n=== summary ===");
    for (name, counts, seconds) in &results {
        println!(
            "{name:<48} {:>4} passed {:>3} failed {seconds:>5} s",
            counts.passed, counts.failed
        );
        total.add(*counts);
    }
    println!("total time {} s", started.elapsed().as_secs());
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", total.failed))
    }
}

/// The API tests the PostgreSQL run leaves out: those of SQLite's database files, and those
/// that choose their database themselves and so ran in the first run already (the fault
/// load on SQLite, the several-process tests on a PostgreSQL server of their own).
const NOT_AGAIN_ON_POSTGRES: [&str; 3] = ["database_files::", "faults::", "several_processes::"];

/// The server's black-box API suite again, on a PostgreSQL server of its own (Debian's
/// package, started in a temp folder and removed afterwards).
fn api_tests_on_postgres() -> Counts {
    let server = match local_postgres::LocalPostgres::start() {
        Ok(server) => server,
        Err(error) => return check(Err(format!("PostgreSQL did not start: {error}"))),
    };
    let mut command = command("cargo");
    command
        // `--workspace`, as the first run: the same features, so nothing is built again.
        .args(["test", "--workspace", "--test", "api", "--locked", "--"])
        .env("SECURITY_INFO_TEST_POSTGRES_URL", server.server_url());
    for test in NOT_AGAIN_ON_POSTGRES {
        command.args(["--skip", test]);
    }
    cargo_tests(&mut command)
}

/// A check is one test: it passes or it fails.
fn check(outcome: Result) -> Counts {
    match outcome {
        Ok(()) => Counts {
            passed: 1,
            failed: 0,
        },
        Err(error) => {
            eprintln!("{error}");
            Counts {
                passed: 0,
                failed: 1,
            }
        }
    }
}

/// Runs a `cargo test` command, echoing its output and adding up its `test result:` lines.
fn cargo_tests(command: &mut Command) -> Counts {
    command.stdout(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return check(Err(format!("could not start cargo test: {error}"))),
    };
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout)
            .lines()
            .map_while(std::io::Result::ok)
        {
            println!("{line}");
            if let Some(result) = parse_test_result(&line) {
                counts.add(result);
            }
        }
    }
    let succeeded = child.wait().is_ok_and(|status| status.success());
    if !succeeded && counts.failed == 0 {
        eprintln!("cargo test failed before reporting a failed test (build error?)");
        counts.failed += 1;
    }
    counts
}

/// Reads `test result: ok. 12 passed; 0 failed; 1 ignored; ...`.
pub fn parse_test_result(line: &str) -> Option<Counts> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| {
        rest.split(';').find_map(|part| {
            let mut tokens = part.split_whitespace().rev();
            (tokens.next() == Some(word))
                .then(|| tokens.next()?.parse::<u64>().ok())
                .flatten()
        })
    };
    Some(Counts {
        passed: number_before("passed")?,
        failed: number_before("failed")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_test_result_lines_are_read() {
        let line = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(
            parse_test_result(line),
            Some(Counts {
                passed: 12,
                failed: 0
            })
        );
        let failed =
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!(
            parse_test_result(failed),
            Some(Counts {
                passed: 3,
                failed: 2
            })
        );
    }

    #[test]
    fn other_lines_are_not_results() {
        assert_eq!(parse_test_result("running 3 tests"), None);
        assert_eq!(parse_test_result("test foo ... ok"), None);
    }
}
