//! The suite's own error composes like every error of the workspace: `?`
//! turns a `Violation` into an `anyhow::Error`.

use std::error::Error;

use taskpool_conformance::Violation;

#[test]
fn violation_is_send_sync_static_and_goes_into_anyhow() {
    fn shareable<E: Error + Send + Sync + 'static>() {}
    shareable::<Violation>();
    fn via_anyhow(e: Violation) -> anyhow::Result<()> {
        Err(e)?
    }
    let _ = via_anyhow;
}
