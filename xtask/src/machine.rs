//! The facts every report records: machine, toolchain, crate versions, git
//! revision and date.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where and with what the measurements were taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// UTC date and time of the run, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// `git rev-parse HEAD`, with `-dirty` when the work tree had changes.
    pub git_revision: String,
    /// CPU model name.
    pub cpu_model: String,
    /// Cores available to the benchmark process.
    pub cores: usize,
    /// Total memory, bytes.
    pub memory_bytes: u64,
    /// Operating system and kernel.
    pub os: String,
    /// `rustc -vV`, verbatim.
    pub rustc: String,
    /// Exact versions from Cargo.lock of the crates the pools are built on.
    pub crate_versions: BTreeMap<String, String>,
}

/// Third-party crates whose versions matter to the figures.
const TRACKED: &[&str] = &[
    "criterion",
    "crossbeam-channel",
    "crossbeam-deque",
    "crossbeam-utils",
    "rayon",
    "rayon-core",
    "threadpool",
];

impl Environment {
    /// The CPU, cores, memory and OS rows of a report's machine table
    /// (Markdown, one `| name | value |` line each).
    pub fn write_machine_rows(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = writeln!(out, "| CPU | {} |", self.cpu_model);
        let _ = writeln!(out, "| Cores | {} |", self.cores);
        let _ = writeln!(
            out,
            "| Memory | {:.1} GiB |",
            self.memory_bytes as f64 / (1u64 << 30) as f64
        );
        let _ = writeln!(out, "| OS | {} |", self.os);
    }

    /// Gathers everything now, for the workspace at `root`.
    pub fn capture(root: &Path) -> Environment {
        Environment {
            date: utc_now(),
            git_revision: git_revision(root),
            cpu_model: cpu_model(),
            cores: taskpool_benches::sizes::cores(),
            memory_bytes: memory_bytes(),
            os: os_name(),
            rustc: command_output("rustc", &["-vV"], root)
                .unwrap_or_else(|| "rustc -vV failed".into()),
            crate_versions: fs::read_to_string(root.join("Cargo.lock"))
                .map(|lock| lock_versions(&lock))
                .unwrap_or_default(),
        }
    }
}

fn command_output(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
}

fn git_revision(root: &Path) -> String {
    let Some(rev) = command_output("git", &["rev-parse", "HEAD"], root) else {
        return "unknown (not a git checkout)".into();
    };
    // Generated reports are not part of the measured code.
    let dirty = command_output(
        "git",
        &["status", "--porcelain", "--", ".", ":(exclude)comparisons"],
        root,
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{rev}-dirty")
    } else {
        rev
    }
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn memory_bytes() -> u64 {
    fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

fn os_name() -> String {
    let pretty = fs::read_to_string("/etc/os-release").ok().and_then(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
    });
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|k| k.trim().to_owned());
    match (pretty, kernel) {
        (Some(p), Some(k)) => format!("{p}, Linux {k}"),
        (Some(p), None) => p,
        (None, Some(k)) => format!("Linux {k}"),
        (None, None) => std::env::consts::OS.to_owned(),
    }
}

/// Versions of the tracked crates and of every `taskpool*` crate in a
/// Cargo.lock text (several versions of one crate are joined with ", ").
pub fn lock_versions(lock: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut name: Option<String> = None;
    for line in lock.lines().map(str::trim) {
        if line == "[[package]]" {
            name = None;
        } else if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_owned());
        } else if let Some(v) = line.strip_prefix("version = ") {
            if let Some(n) = name.take() {
                if TRACKED.contains(&n.as_str()) || n.starts_with("taskpool") {
                    let v = v.trim_matches('"');
                    out.entry(n)
                        .and_modify(|e| {
                            e.push_str(", ");
                            e.push_str(v);
                        })
                        .or_insert_with(|| v.to_owned());
                }
            }
        }
    }
    out
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (proleptic Gregorian), after Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
