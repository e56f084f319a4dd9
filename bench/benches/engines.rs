//! Criterion benches of the same decision in brightline, Cedar, Regorus and
//! hand-written Rust (see src/lib.rs), over 1,000 pre-built requests.

use std::hint::black_box;

use brightline_bench::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const N: usize = 1000;

fn engines(c: &mut Criterion) {
    let reqs = generate(N, SEED);
    let fixture = fixture_library().expect("fixture pack loads");
    let (fpack, _) = law_of(&fixture, reqs[0].date).expect("law");
    let bit = vsc_bit(&fixture).expect("vsc");
    let ffacts: Vec<_> = reqs
        .iter()
        .map(|q| facts(&fixture, fpack, q, bit).expect("facts"))
        .collect();
    let flaws: Vec<_> = reqs
        .iter()
        .map(|q| fixture.law(fpack, q.date).expect("law"))
        .collect();
    let full = brightline::bundled().expect("bundled packs");
    let (pack, _) = law_of(full, reqs[0].date).expect("law");
    let fbit = vsc_bit(full).expect("vsc");
    let full_facts: Vec<_> = reqs
        .iter()
        .map(|q| facts(full, pack, q, fbit).expect("facts"))
        .collect();
    let full_laws: Vec<_> = reqs
        .iter()
        .map(|q| full.law(pack, q.date).expect("law"))
        .collect();
    let cedar = Cedar::new().expect("cedar policy parses");
    let cedar_reqs: Vec<_> = reqs
        .iter()
        .map(|q| Cedar::request(q).expect("cedar request"))
        .collect();
    let mut rego = rego_engine().expect("rego policy parses");
    let rego_inputs: Vec<_> = reqs.iter().map(rego_input).collect();

    let mut g = c.benchmark_group("nyc-doc-detainer");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("hand-written", |b| {
        b.iter(|| reqs.iter().filter(|q| hand_written(black_box(q))).count())
    });
    g.bench_function("brightline-fixture", |b| {
        b.iter(|| {
            (0..N)
                .filter(|&i| {
                    brightline::outcome(flaws[i], black_box(&ffacts[i]))
                        == brightline::Outcome::Permitted
                })
                .count()
        })
    });
    g.bench_function("brightline-full-nyc", |b| {
        b.iter(|| {
            (0..N)
                .filter(|&i| {
                    brightline::outcome(full_laws[i], black_box(&full_facts[i]))
                        == brightline::Outcome::Permitted
                })
                .count()
        })
    });
    g.bench_function("cedar", |b| {
        b.iter(|| {
            cedar_reqs
                .iter()
                .filter(|r| cedar.decide(black_box(r)))
                .count()
        })
    });
    g.bench_function("regorus", |b| {
        b.iter(|| {
            rego_inputs
                .iter()
                .filter(|i| rego_decide(&mut rego, black_box(i)).unwrap_or(false))
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, engines);
criterion_main!(benches);
