//! The order rows run in: a different one in every round, shuffled by a
//! generator seeded from the round number, so that a row is not always
//! measured right after the same neighbour (whose threads may still be
//! winding down) or at the same point of the machine's drift. The same round
//! number always gives the same order.

/// The seed of `round`'s order within `block` (one block per workload and
/// one for W9's processes): a fixed odd multiplier keeps the seeds of
/// nearby rounds and blocks far apart.
pub fn seed(round: usize, block: usize) -> u64 {
    (round as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((block as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
}

/// Shuffles `items` into `round`'s order for `block`.
pub fn shuffle<T>(items: &mut [T], round: usize, block: usize) {
    fastrand::Rng::with_seed(seed(round, block)).shuffle(items);
}
