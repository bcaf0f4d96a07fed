//! Validation throughput of resident ID numbers and amounts: the per-line work of
//! every roster import. Inputs are generated from a fixed seed by the testkit.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use time::macros::date;
use yikatong::{Amount, ResidentId};
use yikatong_testkit::ids::IdGenerator;

const IDS: usize = 1_000_000;

fn validate_resident_ids(c: &mut Criterion) {
    let ids = IdGenerator::new(2026).resident_ids(IDS);
    let today = date!(2026 - 11 - 26);
    let mut group = c.benchmark_group("resident_id");
    group.throughput(Throughput::Elements(IDS as u64));
    group.sample_size(20);
    group.bench_function("parse_1m", |b| {
        b.iter(|| {
            let valid = ids
                .iter()
                .filter(|text| ResidentId::parse_as_of(black_box(text), today).is_ok())
                .count();
            assert_eq!(valid, IDS);
        })
    });
    group.finish();
}

fn parse_amounts(c: &mut Criterion) {
    let amounts: Vec<String> = (0..IDS as u64)
        .map(|i| format!("{}.{:02}", (i * 7919) % 100_000, i % 100))
        .collect();
    let mut group = c.benchmark_group("amount");
    group.throughput(Throughput::Elements(IDS as u64));
    group.sample_size(20);
    group.bench_function("parse_1m", |b| {
        b.iter(|| {
            amounts
                .iter()
                .filter(|text| Amount::parse(black_box(text)).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, validate_resident_ids, parse_amounts);
criterion_main!(benches);
