//! Lint every file with bounded parallelism: at most 3 files are checked at
//! once, and at most 8 wait, so a huge directory never piles up in memory.
//!
//! `cargo run -p taskpool-workerpool --example lint_files`
//!
//! The example writes 60 small source-like files (some with trailing
//! whitespace, tabs, long lines or `FIXME`s), lints them, prints the findings
//! sorted by file and line, and removes the directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use taskpool_workerpool::{FullPolicy, WorkerPool};

fn make_tree() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("taskpool-lint-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    for i in 0..60 {
        let mut text = String::new();
        for line in 0..40 {
            let body = match (i * 7 + line) % 23 {
                0 => "let x = 1;   ".to_owned(),
                1 => "\tlet tabbed = true;".to_owned(),
                2 => format!("let long = \"{}\";", "y".repeat(100)),
                3 => "// FIXME: handle the error".to_owned(),
                _ => format!("let v{line} = {line};"),
            };
            text.push_str(&body);
            text.push('\n');
        }
        fs::write(dir.join(format!("file{i:02}.rs")), text)?;
    }
    Ok(dir)
}

fn lint(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", n + 1);
        if line.ends_with(' ') {
            found.push(format!("{at}: trailing whitespace"));
        }
        if line.contains('\t') {
            found.push(format!("{at}: tab"));
        }
        if line.len() > 100 {
            found.push(format!("{at}: line longer than 100"));
        }
        if line.contains("FIXME") {
            found.push(format!("{at}: FIXME"));
        }
    }
    found
}

fn main() -> std::io::Result<()> {
    let dir = make_tree()?;
    // Bounded: `submit` waits while 8 files are already queued.
    let pool = WorkerPool::builder()
        .capacity(3)
        .max_queued(8)
        .when_full(FullPolicy::Block)
        .build()
        .expect("valid configuration");
    let findings = Arc::new(Mutex::new(Vec::new()));
    let mut most_waiting = 0;
    for entry in fs::read_dir(&dir)? {
        let path = entry?.path();
        let findings = Arc::clone(&findings);
        pool.submit(move || {
            let found = lint(&path);
            findings.lock().unwrap().extend(found);
        })
        .expect("the pool is running");
        most_waiting = most_waiting.max(pool.waiting_queue_size());
    }
    pool.stop_wait();
    let mut findings = findings.lock().unwrap().clone();
    findings.sort();
    for f in findings.iter().take(10) {
        println!("{f}");
    }
    println!(
        "... {} findings in 60 files; never more than {most_waiting} file(s) waiting (bound 8)",
        findings.len()
    );
    assert!(most_waiting <= 8);
    fs::remove_dir_all(&dir)?;
    Ok(())
}
