//! A web-style burst handled in nonblocking mode: a "server" with a pool of
//! 8 handlers (1 ms each) receives bursts of requests faster than it can
//! serve them; each request the pool refuses is answered at once with
//! "503 busy" (its closure comes back in the error and is counted, never
//! lost), every accepted one is served. Run with
//! `cargo run -p taskpool-ants --example web_burst`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use taskpool_ants::Pool;

const HANDLERS: usize = 8;
const BURSTS: usize = 5;
const REQUESTS_PER_BURST: usize = 200;

fn main() {
    let pool = Pool::builder()
        .capacity(HANDLERS)
        .nonblocking(true)
        .thread_name("handler")
        .build()
        .expect("a valid configuration");
    let served = Arc::new(AtomicUsize::new(0));
    let mut refused = 0usize;
    let mut accepted = 0usize;

    for burst in 0..BURSTS {
        let mut refused_now = 0;
        for request in 0..REQUESTS_PER_BURST {
            let served = Arc::clone(&served);
            let handler = move || {
                // "Handle" the request: a little work.
                thread::sleep(Duration::from_millis(1));
                let _ = request;
                served.fetch_add(1, Ordering::Relaxed);
            };
            match pool.submit(handler) {
                Ok(()) => accepted += 1,
                Err(refused) if refused.is_overloaded() => {
                    // Answer "503 busy" right away; the handler is dropped
                    // unrun (it could also be run inline or retried).
                    refused_now += 1;
                }
                Err(_stopped) => unreachable!("the pool is open"),
            }
            // Requests arrive a little apart within a burst.
            thread::sleep(Duration::from_micros(50));
        }
        refused += refused_now;
        println!(
            "burst {burst}: {REQUESTS_PER_BURST} requests, {} accepted, {refused_now} refused (503), {} handlers busy",
            REQUESTS_PER_BURST - refused_now,
            pool.running()
        );
        // Quiet period between bursts.
        pool.wait_idle();
    }

    pool.release_timeout(Duration::from_secs(60))
        .expect("handlers finish");
    let served = served.load(Ordering::Relaxed);
    println!(
        "total: {} requests, {accepted} served, {refused} refused; stats: {:?}",
        BURSTS * REQUESTS_PER_BURST,
        pool.stats()
    );
    assert_eq!(served, accepted, "every accepted request was served once");
    assert_eq!(accepted + refused, BURSTS * REQUESTS_PER_BURST);
}
