//! Parsing and canonicalising id strings, against a baseline of bare `Uuid::parse_str`
//! measured in the same run (`cargo xtask bench` prints the ratio).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use langsmith::{ExampleIds, IdSet, Uuid};
use std::hint::black_box;

/// `n` id strings: mostly canonical, some upper-case or braced, 1% duplicates.
fn inputs(n: usize) -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..n)
        .map(|i| {
            let id = if i % 100 == 99 {
                Uuid::from_u128(i as u128 - 1)
            } else {
                Uuid::from_u128(rng.u128(..))
            };
            match i % 10 {
                8 => id.hyphenated().to_string().to_uppercase(),
                9 => format!("{{{id}}}"),
                _ => id.to_string(),
            }
        })
        .collect()
}

fn validation(c: &mut Criterion) {
    let mut group = c.benchmark_group("validation");
    for n in [1_000usize, 1_000_000] {
        let data = inputs(n);
        group.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("baseline_uuid_parse", n), &data, |b, d| {
            b.iter(|| {
                black_box(
                    d.iter()
                        .map(|s| Uuid::parse_str(s).unwrap())
                        .collect::<Vec<_>>(),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("idset_parse", n), &data, |b, d| {
            b.iter(|| black_box(IdSet::parse(d).unwrap()))
        });
        if n <= ExampleIds::MAX {
            group.bench_with_input(BenchmarkId::new("example_ids_parse", n), &data, |b, d| {
                b.iter(|| black_box(ExampleIds::parse(d).unwrap()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, validation);
criterion_main!(benches);
