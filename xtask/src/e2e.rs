//! The Playwright end-to-end suite against the release app, served by a debug build of the real
//! server.
//!
//! The suite starts its own servers (fresh database each, see `tests/e2e/support/server.ts`);
//! this step builds what they run and reads the counts from Playwright's JSON report.

use crate::{
    build,
    process::{self, Result, command, root, target_dir},
    suites::Counts,
    tools,
};

/// Builds the app and the server, runs Playwright (with `filters`: spec files or `-g` patterns
/// to run only some tests), returns its counts.
pub fn run_suite(filters: &[String]) -> Result<Counts> {
    build::build_app()?;
    process::run(command("cargo").args([
        "build",
        "--package",
        "security-info-server",
        "--locked",
    ]))?;
    let report = target_dir().join("playwright-report.json");
    let _ = std::fs::remove_file(&report);
    let outcome = process::run(
        command("npx")
            .args(["playwright", "test"])
            .args(filters)
            .current_dir(root().join("tests/e2e"))
            .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &report)
            .env("CHROMIUM_PATH", tools::CHROMIUM)
            .env(
                "SECURITY_INFO_SERVER_BIN",
                target_dir().join("debug/security-info-server"),
            )
            .env("SECURITY_INFO_DIST_DIR", root().join("dist")),
    );
    let counts = read_report(&report);
    match (outcome, counts) {
        (_, Ok(counts)) if counts.passed + counts.failed > 0 => Ok(counts),
        (Err(error), _) => Err(error),
        (Ok(()), _) => Err("Playwright ran no test".into()),
    }
}

/// [`run_suite`] as counts: a suite that cannot run is one failure.
pub fn run() -> Counts {
    match run_suite(&[]) {
        Ok(counts) => counts,
        Err(error) => {
            eprintln!("{error}");
            Counts {
                passed: 0,
                failed: 1,
            }
        }
    }
}

fn read_report(path: &std::path::Path) -> Result<Counts> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("no Playwright report: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("unreadable Playwright report: {e}"))?;
    Ok(counts(&json))
}

/// `cargo xtask e2e [playwright arguments]`: only this suite, after the tools it needs.
pub fn run_alone(filters: &[String]) -> Result {
    tools::ensure_test_tools()?;
    let counts = run_suite(filters)?;
    println!("{} passed, {} failed", counts.passed, counts.failed);
    if counts.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", counts.failed))
    }
}

/// The counts of a Playwright JSON report. A `flaky` test (failed, then passed on a retry) is a
/// failure: it says the test or the app is not reliable, and a suite that counts it as passed
/// hides that. So is each error outside any test (a spec file that does not load, a
/// `test.only` refused by `forbidOnly`), whose tests would otherwise simply be missing.
fn counts(report: &serde_json::Value) -> Counts {
    let stat = |name: &str| report["stats"][name].as_u64().unwrap_or(0);
    let errors = report["errors"].as_array().map_or(0, Vec::len) as u64;
    Counts {
        passed: stat("expected"),
        failed: stat("unexpected") + stat("flaky") + errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_outside_any_test_counts_as_a_failure() {
        // A spec that does not load (a syntax error, a `test.only` under forbidOnly) runs no
        // test of its own while the other files pass.
        let report = serde_json::json!({
            "stats": { "expected": 12, "unexpected": 0, "flaky": 0, "skipped": 0 },
            "errors": [{ "message": "Error: item focused with '.only' is not allowed" }]
        });
        assert_eq!(
            counts(&report),
            Counts {
                passed: 12,
                failed: 1
            }
        );
    }

    #[test]
    fn a_flaky_test_counts_as_failed_and_a_skipped_one_as_neither() {
        let report = serde_json::json!({
            "stats": { "expected": 40, "unexpected": 1, "flaky": 2, "skipped": 3 }
        });
        assert_eq!(
            counts(&report),
            Counts {
                passed: 40,
                failed: 3
            }
        );
    }
}
