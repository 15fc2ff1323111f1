//! Helpers shared by xtask's integration tests: scratch directories, a
//! writer of criterion's JSON layout for synthetic rounds, and an XML
//! well-formedness check for the charts.

#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

/// A fresh scratch directory under the system's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "xtask-test-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `a` equals `b` up to rounding.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Writes one criterion benchmark in criterion 0.5.1's layout under
/// `criterion_dir`: samples of one iteration each, `per_iter_ns` their times.
pub fn write_criterion(
    criterion_dir: &Path,
    group: &str,
    row: &str,
    parameter: &str,
    elements: Option<u64>,
    per_iter_ns: &[f64],
) {
    let dir = criterion_dir
        .join(group)
        .join(row)
        .join(parameter)
        .join("new");
    fs::create_dir_all(&dir).unwrap();
    let id = format!("{group}/{row}/{parameter}");
    let throughput = elements.map(|n| json!({ "Elements": n }));
    let bench = json!({
        "group_id": group, "function_id": row, "value_str": parameter,
        "throughput": throughput, "full_id": id, "directory_name": id, "title": id
    });
    let m = median(per_iter_ns);
    let mean = per_iter_ns.iter().sum::<f64>() / per_iter_ns.len() as f64;
    let estimate = |p: f64| {
        json!({ "confidence_interval": { "confidence_level": 0.95, "lower_bound": p * 0.99,
                "upper_bound": p * 1.01 }, "point_estimate": p, "standard_error": p * 0.01 })
    };
    let estimates = json!({
        "mean": estimate(mean), "median": estimate(m), "median_abs_dev": estimate(1.0),
        "slope": null, "std_dev": estimate(1.0)
    });
    let sample = json!({
        "sampling_mode": "Flat",
        "iters": vec![1.0; per_iter_ns.len()],
        "times": per_iter_ns,
    });
    fs::write(dir.join("benchmark.json"), bench.to_string()).unwrap();
    fs::write(dir.join("estimates.json"), estimates.to_string()).unwrap();
    fs::write(dir.join("sample.json"), sample.to_string()).unwrap();
}

/// Checks that `svg` is a well-formed XML document with an `<svg>` root:
/// every tag closed in order, nothing after the root.
pub fn assert_well_formed(svg: &str, name: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg.trim();
    assert!(rest.starts_with("<svg"), "{name} does not start with <svg");
    let mut closed_root = false;
    while let Some(start) = rest.find('<') {
        assert!(!closed_root, "{name}: content after the root element");
        if let Some(comment) = rest[start..].strip_prefix("<!--") {
            let body_end = comment.find("-->").expect("unterminated comment");
            assert!(
                !comment[..body_end].contains("--"),
                "{name}: `--` inside a comment is malformed XML"
            );
            rest = &comment[body_end + 3..];
            continue;
        }
        let end = rest[start..].find('>').expect("unterminated tag") + start;
        let tag = &rest[start + 1..end];
        if let Some(close) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("{name}: stray </{close}>"));
            assert_eq!(open, close.trim(), "{name}: mismatched tags");
            closed_root = stack.is_empty();
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            let tag_name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(tag_name.to_owned());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
    assert!(closed_root, "{name}: no root element closed");
}

/// The text of every `<text>` element of `svg`.
pub fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|s| s.split_once('>').and_then(|(_, t)| t.split_once("</text>")))
        .map(|(t, _)| t.trim().to_owned())
        .collect()
}
