//! Reproducible random samples for audit (抽查): before payment (spot checks of
//! approved lines) and in flight (random checks of payments sent), per county.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::PaidRow;
use crate::{PaymentId, Period, RegionCode, ResidentId};

/// One payment drawn.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SampledPayment {
    /// The payment.
    pub payment_id: PaymentId,
    /// The beneficiary.
    pub beneficiary: ResidentId,
    /// The township.
    pub township: RegionCode,
    /// The project.
    pub project: String,
    /// The period.
    pub period: Period,
}

/// The payments drawn in one county.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CountySample {
    /// The county.
    pub county: RegionCode,
    /// How many payments there were to draw from.
    pub population: u64,
    /// The payments drawn, by payment id.
    pub picks: Vec<SampledPayment>,
}

/// A sample for audit: the seed that reproduces it and the picks per county.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AuditSample {
    /// The seed: the same rows, size and seed draw the same sample.
    pub seed: u64,
    /// Payments drawn per county (fewer where a county has fewer).
    pub per_county: usize,
    /// The counties, in code order.
    pub counties: Vec<CountySample>,
}

/// Draws up to `per_county` distinct payments in each county from `rows`, with a
/// ChaCha8 generator seeded from `seed` and the county code, so one county's sample
/// does not depend on the others'. The rows' order does not matter: each county's
/// payments are sorted by id before drawing. For a pre-payment spot check pass the
/// rows not yet paid; for an in-flight check, those sent to a bank.
pub fn draw_audit_sample(rows: &[PaidRow], per_county: usize, seed: u64) -> AuditSample {
    let mut population: Vec<(RegionCode, PaymentId, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.county, row.payment_id, i as u32))
        .collect();
    population.sort_unstable();
    population.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut counties = Vec::new();
    for group in population.chunk_by_mut(|a, b| a.0 == b.0) {
        let Some(&(county, _, _)) = group.first() else {
            continue;
        };
        let size = group.len() as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, county.as_u64()));
        let (chosen, _) = group.partial_shuffle(&mut rng, per_county);
        chosen.sort_unstable();
        let picks = chosen
            .iter()
            .filter_map(|&(_, payment_id, i)| {
                let row = rows.get(i as usize)?;
                Some(SampledPayment {
                    payment_id,
                    beneficiary: row.beneficiary,
                    township: row.township,
                    project: row.project.to_string(),
                    period: row.period,
                })
            })
            .collect();
        counties.push(CountySample {
            county,
            population: size,
            picks,
        });
    }
    AuditSample {
        seed,
        per_county,
        counties,
    }
}

/// The seed of one county's generator (SplitMix64's finaliser over both).
fn mix(seed: u64, county: u64) -> u64 {
    let mut z = seed ^ county.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
