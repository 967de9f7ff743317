//! Writes `bench/results.json` and `bench/README.md` (a table against the budgets and an SVG
//! chart of how much of each budget is used).

use std::fmt::Write as _;

use serde_json::Value;

use crate::process::{Result, root};

/// One budget: a figure from the results, its limit, and which way is better.
struct Budget {
    name: &'static str,
    pointer: &'static str,
    limit: f64,
    unit: &'static str,
    lower_is_better: bool,
}

const BUDGETS: [Budget; 8] = [
    Budget {
        name: "First visit, brotli (HTML+CSS+JS+wasm)",
        pointer: "/transfer/firstVisit/brotli",
        limit: 150_000.0,
        unit: "bytes",
        lower_is_better: true,
    },
    Budget {
        name: "Method list rendered, median",
        pointer: "/page/methodsRenderedMedianMs",
        limit: 150.0,
        unit: "ms",
        lower_is_better: true,
    },
    Budget {
        name: "Add method dialog shown, median",
        pointer: "/page/addMethodDialogMedianMs",
        limit: 16.0,
        unit: "ms",
        lower_is_better: true,
    },
    Budget {
        name: "GET /me/methods, 1,000 users",
        pointer: "/api/thousandUsers/requestsPerSecond",
        limit: 20_000.0,
        unit: "req/s",
        lower_is_better: false,
    },
    Budget {
        name: "GET /me/methods p99, 1,000 users",
        pointer: "/api/thousandUsers/p99Ms",
        limit: 10.0,
        unit: "ms",
        lower_is_better: true,
    },
    Budget {
        name: "Full registration cycle",
        pointer: "/cycle/cyclesPerSecond",
        limit: 1_000.0,
        unit: "cycles/s",
        lower_is_better: false,
    },
    Budget {
        name: "Server peak RSS",
        pointer: "/server/peakRssBytes",
        limit: 64.0 * 1024.0 * 1024.0,
        unit: "bytes",
        lower_is_better: true,
    },
    Budget {
        name: "GET /me/methods p50, 1,000,000 users",
        pointer: "/api/millionUsers/p50Ms",
        limit: f64::NAN,
        unit: "ms",
        lower_is_better: true,
    },
];

/// Writes both files from `results`.
pub fn write(results: &Value) -> Result {
    let dir = root().join("bench");
    let json = serde_json::to_string_pretty(results).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.json"), json + "\n").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("chart.svg"), chart(results)).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("README.md"), markdown(results)).map_err(|e| e.to_string())
}

/// The limit of a budget; the million-user latency must stay within 20 % (or 1 ms) of the
/// thousand-user one.
fn limit_of(budget: &Budget, results: &Value) -> f64 {
    if budget.limit.is_nan() {
        let small = results
            .pointer("/api/thousandUsers/p50Ms")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        (small * 1.2).max(small + 1.0)
    } else {
        budget.limit
    }
}

/// How much of the budget is used: 1.0 means exactly at the limit.
fn usage(budget: &Budget, measured: f64, limit: f64) -> f64 {
    if budget.lower_is_better {
        measured / limit
    } else {
        limit / measured.max(f64::MIN_POSITIVE)
    }
}

fn show(value: f64, unit: &str) -> String {
    match unit {
        "bytes" if value >= 1024.0 * 1024.0 => format!("{:.1} MiB", value / 1024.0 / 1024.0),
        "bytes" => format!("{:.1} KB", value / 1000.0),
        "ms" => format!("{value:.2} ms"),
        _ => format!("{value:.0} {unit}"),
    }
}

fn markdown(results: &Value) -> String {
    let mut md = String::from(
        "# Benchmarks\n\nWritten by `cargo xtask bench` from a real run; do not edit by hand.\n\n",
    );
    let machine = &results["machine"];
    let _ = writeln!(
        md,
        "Machine: {} cores ({}), {} memory, Linux {}. Run at {}.\n",
        machine["cores"],
        machine["cpu"].as_str().unwrap_or("?"),
        machine["memory"].as_str().unwrap_or("?"),
        machine["kernel"].as_str().unwrap_or("?"),
        results["finishedAt"].as_str().unwrap_or("?"),
    );
    let _ = writeln!(
        md,
        "Load average (1 min) at the start: {}, at the end: {}; anything near or above the core count means other work shared the cores and every timing below is pessimistic.\n",
        machine["loadAverageAtStart"]
            .as_f64()
            .map_or("not recorded".into(), |l| format!("{l:.2}")),
        machine["loadAverageAtEnd"]
            .as_f64()
            .map_or("not recorded".into(), |l| format!("{l:.2}")),
    );
    md.push_str("![Share of each budget used](chart.svg)\n\n| budget | measured | limit | verdict |\n|---|---|---|---|\n");
    for budget in &BUDGETS {
        let Some(measured) = results.pointer(budget.pointer).and_then(Value::as_f64) else {
            let _ = writeln!(md, "| {} | not measured | | |", budget.name);
            continue;
        };
        let limit = limit_of(budget, results);
        let used = usage(budget, measured, limit);
        let verdict = if used <= 1.0 {
            "met".to_owned()
        } else if budget.lower_is_better {
            format!("missed by {:.0} %", (used - 1.0) * 100.0)
        } else {
            format!("missed by {:.0} %", (1.0 - measured / limit) * 100.0)
        };
        let sign = if budget.lower_is_better { "<=" } else { ">=" };
        let _ = writeln!(
            md,
            "| {} | {} | {sign} {} | {verdict} |",
            budget.name,
            show(measured, budget.unit),
            show(limit, budget.unit)
        );
    }
    if let Ok(why) = std::fs::read_to_string(root().join("bench/why.md")) {
        md.push_str("\n## Why budgets are missed\n\n");
        md.push_str(&why);
        md.push('\n');
    }
    md.push_str("\n## Details\n\n");
    let t = &results["transfer"];
    let _ = writeln!(
        md,
        "Transfer, every file of `dist/`:\n\n| file | raw | gzip | brotli |\n|---|---|---|---|"
    );
    for f in t["files"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} |",
            f["path"].as_str().unwrap_or("?"),
            f["raw"],
            f["gzip"],
            f["brotli"]
        );
    }
    let page = &results["page"];
    let _ = writeln!(
        md,
        "\nPage: {} cold loads of `/security-info`, method list rendered median {} ms, p95 {} ms; JS heap after load {} bytes; first visit downloaded {} bytes in all (API calls included); Add method dialog median {} ms over {} clicks.",
        page["loads"],
        fmt(&page["methodsRenderedMedianMs"]),
        fmt(&page["methodsRenderedP95Ms"]),
        page["jsHeapBytes"],
        page["firstVisitTransferredBytes"],
        fmt(&page["addMethodDialogMedianMs"]),
        page["clicks"]
    );
    let phases = &page["phasesMedianMs"];
    if phases.is_object() {
        let _ = writeln!(
            md,
            "\nWhere a cold load's time goes (median of each phase, ms): document {}, the app's files {}, the app starting until its first API call (wasm compile and instantiate, mount) {}, the API calls {}, rendering their answers {}.",
            fmt(&phases["document"]),
            fmt(&phases["files"]),
            fmt(&phases["appStart"]),
            fmt(&phases["api"]),
            fmt(&phases["render"])
        );
    }
    for (label, key) in [
        ("1,000 users", "thousandUsers"),
        ("1,000,000 users", "millionUsers"),
    ] {
        let a = &results["api"][key];
        let _ = writeln!(
            md,
            "\n`GET /api/v1/me/methods` with {label} in the database: {} connections for {} s across {} signed-in users: {} req/s, p50 {} ms, p99 {} ms, non-2xx {}, socket errors {}.",
            a["connections"],
            a["seconds"],
            a["users"],
            fmt(&a["requestsPerSecond"]),
            fmt(&a["p50Ms"]),
            fmt(&a["p99Ms"]),
            a["non2xx"],
            a["socketErrors"]
        );
    }
    let c = &results["cycle"];
    let _ = writeln!(
        md,
        "\nFull cycle (create registration, read the code from the development outbox, verify, delete): {} cycles on {} threads, {} cycles/s of API time, per-cycle p50 {} ms, p99 {} ms (mail delivery waited for, not timed).",
        c["cycles"],
        c["threads"],
        fmt(&c["cyclesPerSecond"]),
        fmt(&c["p50Ms"]),
        fmt(&c["p99Ms"])
    );
    let _ = writeln!(
        md,
        "\nServer peak RSS: {} bytes (VmHWM, after the 1,000-user load and the cycles).",
        results["server"]["peakRssBytes"]
    );
    let pg = &results["postgres"];
    if pg.is_object() {
        let a = &pg["thousandUsers"];
        let c = &pg["cycle"];
        let _ = writeln!(
            md,
            "\n## PostgreSQL, {} server processes\n\nThe same 1,000 users on a local PostgreSQL (started by the benchmark in a temp folder), {} processes on it. `GET /api/v1/me/methods`: {} connections split over the processes for {} s: {} req/s in all, p50 {} ms, p99 {} ms (the slower process's), non-2xx {}, socket errors {}. Full cycle through one process: {} cycles on {} threads, {} cycles/s, p50 {} ms, p99 {} ms.",
            pg["processes"],
            pg["processes"],
            a["connections"],
            a["seconds"],
            fmt(&a["requestsPerSecond"]),
            fmt(&a["p50Ms"]),
            fmt(&a["p99Ms"]),
            a["non2xx"],
            a["socketErrors"],
            c["cycles"],
            c["threads"],
            fmt(&c["cyclesPerSecond"]),
            fmt(&c["p50Ms"]),
            fmt(&c["p99Ms"])
        );
    }
    if let Some(notes) = results["notes"].as_array() {
        md.push_str("\n## Notes\n\n");
        for note in notes {
            let _ = writeln!(md, "- {}", note.as_str().unwrap_or_default());
        }
    }
    md
}

fn fmt(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| "?".into(), |v| format!("{v:.2}"))
}

fn chart(results: &Value) -> String {
    let rows: Vec<(&str, f64)> = BUDGETS
        .iter()
        .filter_map(|b| {
            let measured = results.pointer(b.pointer).and_then(Value::as_f64)?;
            Some((b.name, usage(b, measured, limit_of(b, results))))
        })
        .collect();
    let (label_w, bar_w, row_h) = (300.0, 360.0, 28.0);
    let height = row_h * rows.len() as f64 + 40.0;
    let scale = |used: f64| (used.min(2.0) / 2.0) * bar_w;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
        w = label_w + bar_w + 80.0
    );
    for (i, (name, used)) in rows.iter().enumerate() {
        let y = 10.0 + row_h * i as f64;
        let colour = if *used <= 1.0 { "#2e7d32" } else { "#c62828" };
        let _ = writeln!(svg, "<text x=\"4\" y=\"{}\">{}</text>", y + 16.0, name);
        let _ = writeln!(
            svg,
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"20\" fill=\"{colour}\"/>",
            scale(*used)
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{:.0} %</text>",
            label_w + scale(*used) + 4.0,
            y + 15.0,
            used * 100.0
        );
    }
    let x100 = label_w + scale(1.0);
    let _ = writeln!(
        svg,
        "<line x1=\"{x100}\" y1=\"4\" x2=\"{x100}\" y2=\"{}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>",
        height - 20.0
    );
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\">budget (100 %)</text>",
        x100 - 40.0,
        height - 6.0
    );
    svg.push_str("</svg>\n");
    svg
}
