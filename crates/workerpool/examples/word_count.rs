//! Word count over a directory: one task per file, results back over a
//! channel, merged on the main thread.
//!
//! `cargo run -p taskpool-workerpool --example word_count`
//!
//! The example writes 200 small text files into a fresh directory under the
//! system temp dir, counts them with a 4-worker pool, prints the most common
//! words, and removes the directory.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::sync::mpsc;

use taskpool_workerpool::WorkerPool;

const WORDS: [&str; 12] = [
    "pool", "worker", "task", "queue", "thread", "channel", "dispatch", "idle", "stop", "wait",
    "submit", "rust",
];

fn make_corpus() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("taskpool-word-count-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for file in 0..200 {
        let mut text = String::new();
        for _ in 0..500 {
            // xorshift: deterministic pseudo-random words.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(WORDS[(seed % WORDS.len() as u64) as usize]);
            text.push(if seed % 11 == 0 { '\n' } else { ' ' });
        }
        fs::write(dir.join(format!("doc-{file:03}.txt")), text)?;
    }
    Ok(dir)
}

fn main() -> std::io::Result<()> {
    let dir = make_corpus()?;
    let pool = WorkerPool::new(4);
    let (tx, rx) = mpsc::channel();
    let mut files = 0;
    for entry in fs::read_dir(&dir)? {
        let path = entry?.path();
        let tx = tx.clone();
        files += 1;
        pool.submit(move || {
            let mut counts: HashMap<String, usize> = HashMap::new();
            let text = fs::read_to_string(&path).unwrap_or_default();
            for word in text.split_whitespace() {
                *counts.entry(word.to_lowercase()).or_default() += 1;
            }
            // The receiver outlives the pool's work; ignore a closed channel.
            let _ = tx.send(counts);
        })
        .expect("the pool is running");
    }
    drop(tx);
    // Merge as results arrive; the loop ends when every task has dropped its
    // sender.
    let mut total: HashMap<String, usize> = HashMap::new();
    for counts in rx {
        for (word, n) in counts {
            *total.entry(word).or_default() += n;
        }
    }
    pool.stop_wait();
    let mut ranked: Vec<_> = total.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!(
        "{files} files, {} words",
        ranked.iter().map(|(_, n)| n).sum::<usize>()
    );
    for (word, n) in ranked.iter().take(5) {
        println!("{word:>10} {n}");
    }
    fs::remove_dir_all(&dir)?;
    Ok(())
}
