//! Entitlement throughput: one policy "per mu × rate with a household cap" applied
//! to 1,000,000 households, the per-line work of a region-wide grassland roster.
//! Inputs are generated from a fixed seed by the testkit.

#![allow(clippy::panic)] // set-up of constant inputs; a failure there should stop the bench

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use time::macros::date;
use yikatong::{Amount, BeneficiaryFacts, Period, Policy, RegionCode, ResidentId, entitle};
use yikatong_testkit::ids::IdGenerator;

const FACTS: usize = 1_000_000;

const POLICY: &str = r#"{
    "project": "CYSTBH-JM", "name": "草原生态保护补助奖励（禁牧补助）", "document": "内财农〔2021〕780号",
    "issuer": { "name": "内蒙古自治区财政厅", "credit_code": "111500000116068800" },
    "level": "region", "scope": ["15"], "effective_from": "2021-01-01", "version": 2,
    "standard": {
        "basis": { "kind": "per_unit", "quantity": "grassland_mu", "unit": "grassland_mu", "rate": "7.50" },
        "per": "year",
        "floor": { "amount": "500.00", "per": "household" },
        "cap": { "amount": "30000.00", "per": "household" }
    },
    "eligibility": { "rule": "quantity", "name": "grassland_mu", "above": "0" },
    "funding_shares": { "central": "100" }
}"#;

fn entitle_per_mu_with_cap(c: &mut Criterion) {
    let policy = Policy::from_json("bench", POLICY).unwrap_or_else(|e| panic!("{e}"));
    let today = date!(2026 - 11 - 26);
    let region = RegionCode::parse("150422100").unwrap_or_else(|e| panic!("{e}"));
    let facts: Vec<BeneficiaryFacts> = IdGenerator::new(2026)
        .resident_ids(FACTS)
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let id = ResidentId::parse_as_of(id, today).unwrap_or_else(|e| panic!("{e}"));
            // 0.0 to 6,000.0 mu in tenths: some households hit the floor, some the cap.
            let mu = format!("{}.{}", (i * 7919) % 6000, i % 10)
                .parse()
                .unwrap_or_default();
            BeneficiaryFacts::new(id, region).with_quantity("grassland_mu", mu)
        })
        .collect();
    let year = Period::year(2026).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("entitle");
    group.throughput(Throughput::Elements(FACTS as u64));
    group.sample_size(10);
    group.bench_function("per_mu_household_cap_1m", |b| {
        b.iter(|| {
            let mut total = 0i64;
            for facts in &facts {
                if let Ok(entitlement) = entitle(&policy, black_box(facts), year) {
                    total += entitlement.amount().to_fen();
                }
            }
            assert!(total > Amount::ZERO.to_fen());
            total
        })
    });
    group.finish();
}

criterion_group!(benches, entitle_per_mu_with_cap);
criterion_main!(benches);
