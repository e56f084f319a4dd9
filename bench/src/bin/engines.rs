//! `cargo run --release -p brightline-bench --bin engines [N]`: one decision,
//! four engines, the same generated requests; checks agreement, prints
//! throughput, median latency and the ratios.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use brightline_bench::*;

/// Latency is taken over batches this size (a single decision is shorter than the clock's resolution).
const BATCH: usize = 64;

struct Line {
    name: &'static str,
    total: Duration,
    median_ns: f64,
    n: usize,
}

impl Line {
    fn rate(&self) -> f64 {
        self.n as f64 / self.total.as_secs_f64()
    }
}

/// Runs `f` over every index `rounds` times: total time of the last round, median per-decision latency over batches.
fn time(
    name: &'static str,
    n: usize,
    rounds: usize,
    mut f: impl FnMut(usize) -> bool,
) -> (Line, Vec<bool>) {
    let mut out = vec![false; n];
    let mut total = Duration::ZERO;
    let mut lat = Vec::with_capacity(n / BATCH + 1);
    for round in 0..rounds {
        lat.clear();
        let start = Instant::now();
        let mut i = 0;
        while i < n {
            let b = Instant::now();
            let end = (i + BATCH).min(n);
            for (j, o) in out[i..end].iter_mut().enumerate() {
                *o = black_box(f(i + j));
            }
            lat.push(b.elapsed().as_nanos() as f64 / (end - i) as f64);
            i = end;
        }
        if round + 1 == rounds {
            total = start.elapsed();
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let median_ns = lat.get(lat.len() / 2).copied().unwrap_or(0.0);
    (
        Line {
            name,
            total,
            median_ns,
            n,
        },
        out,
    )
}

fn main() -> ExitCode {
    match run() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().map_err(|_| format!("`{s}` is not a count")))
        .transpose()?
        .unwrap_or(100_000);
    let reqs = generate(n, SEED);

    let fixture = fixture_library()?;
    let compiled = fixture_library_compiled()?;
    let (fpack, _) = law_of(&fixture, reqs[0].date)?;
    let fbit = vsc_bit(&fixture)?;
    let ffacts: Vec<_> = reqs
        .iter()
        .map(|q| facts(&fixture, fpack, q, fbit))
        .collect::<Result<_, _>>()?;
    let flaws: Vec<_> = reqs
        .iter()
        .map(|q| fixture.law(fpack, q.date).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    // The same pack loaded twice numbers its tables alike, so the facts serve both.
    let claws: Vec<_> = reqs
        .iter()
        .map(|q| compiled.law(fpack, q.date).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;

    let full = brightline::bundled().map_err(|_| "bundled packs do not load".to_string())?;
    let (pack, _) = law_of(full, reqs[0].date)?;
    let bit = vsc_bit(full)?;
    let full_facts: Vec<_> = reqs
        .iter()
        .map(|q| facts(full, pack, q, bit))
        .collect::<Result<_, _>>()?;
    let full_laws: Vec<_> = reqs
        .iter()
        .map(|q| full.law(pack, q.date).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;

    let cedar = Cedar::new()?;
    let cedar_reqs: Vec<_> = reqs.iter().map(Cedar::request).collect::<Result<_, _>>()?;
    let mut rego = rego_engine()?;
    let rego_inputs: Vec<_> = reqs.iter().map(rego_input).collect();

    let mut bad = Vec::new();
    let (hand, h_out) = time("hand-written Rust", n, 3, |i| hand_written(&reqs[i]));
    let (hand_lb, hl_out) = time("hand-written Rust, computing the look-back", n, 3, |i| {
        hand_written_lookback(&reqs[i])
    });
    let slots = Slots::new(fbit)?;
    let (hand_f, hf_out) = time("hand-written Rust over brightline's Facts", n, 3, |i| {
        hand_written_facts(&ffacts[i], &slots)
    });
    // The fixture decides every generated request; an undetermined one is counted as a failure.
    let mut fixture_rule = |laws: &[&brightline::LawVersion], i: usize| {
        permitted(brightline::outcome(laws[i], &ffacts[i])).unwrap_or_else(|| {
            bad.push(i);
            false
        })
    };
    let (bl, b_out) = time("brightline (fixture rule, interpreted)", n, 3, |i| {
        fixture_rule(&flaws, i)
    });
    let (blc, bc_out) = time("brightline (fixture rule, compiled)", n, 3, |i| {
        fixture_rule(&claws, i)
    });
    let undecided_fixture = bad.len();
    let mut full_undecided = 0usize;
    let (blf, bf_out) = time("brightline (bundled NYC law, compiled)", n, 3, |i| {
        let o = brightline::outcome(full_laws[i], &full_facts[i]);
        permitted(o).unwrap_or_else(|| {
            full_undecided += 1;
            false
        })
    });
    let (ced, c_out) = time("Cedar (cedar-policy)", n, 1, |i| {
        cedar.decide(&cedar_reqs[i])
    });
    let mut rego_err = None;
    let (reg, r_out) = time("Regorus (Rego)", n, 1, |i| {
        match rego_decide(&mut rego, &rego_inputs[i]) {
            Ok(b) => b,
            Err(e) => {
                rego_err.get_or_insert(e);
                false
            }
        }
    });
    if let Some(e) = rego_err {
        return Err(format!("regorus: {e}"));
    }

    let disagree = |a: &[bool], b: &[bool]| a.iter().zip(b).filter(|(x, y)| x != y).count();
    let permits = h_out.iter().filter(|x| **x).count();
    println!("{n} generated requests (seed {SEED:#x}); hand-written rule permits {permits}, prohibits {}", n - permits);
    println!("disagreements with the hand-written function: brightline fixture {} (compiled {}), Cedar {}, Regorus {}, brightline full NYC law {} (full law undetermined: {})",
        disagree(&h_out, &b_out), disagree(&h_out, &bc_out), disagree(&h_out, &c_out), disagree(&h_out, &r_out), disagree(&h_out, &bf_out), full_undecided / 3);
    println!();
    println!(
        "{:<44} {:>16} {:>18}",
        "engine", "decisions/s", "median ns/decision"
    );
    for l in [&hand, &hand_lb, &hand_f, &bl, &blc, &blf, &ced, &reg] {
        println!("{:<44} {:>16.0} {:>18.1}", l.name, l.rate(), l.median_ns);
    }
    println!();
    println!(
        "brightline / hand-written   (median time per decision): {:.2}x",
        bl.median_ns / hand.median_ns
    );
    println!(
        "brightline compiled / hand-written (median time per decision): {:.2}x",
        blc.median_ns / hand.median_ns
    );
    println!(
        "brightline compiled / hand-written over the same Facts (median time per decision): {:.2}x",
        blc.median_ns / hand_f.median_ns
    );
    println!(
        "brightline / hand-written computing the look-back (median time per decision): {:.2}x",
        bl.median_ns / hand_lb.median_ns
    );
    println!(
        "brightline / hand-written over the same Facts (median time per decision): {:.2}x",
        bl.median_ns / hand_f.median_ns
    );
    println!(
        "Cedar / brightline          (median time per decision): {:.1}x",
        ced.median_ns / bl.median_ns
    );
    println!(
        "Regorus / brightline        (median time per decision): {:.1}x",
        reg.median_ns / bl.median_ns
    );
    println!(
        "brightline full law / fixture (median time per decision): {:.2}x",
        blf.median_ns / bl.median_ns
    );
    let ok = undecided_fixture == 0
        && disagree(&h_out, &hl_out) == 0
        && disagree(&h_out, &hf_out) == 0
        && disagree(&h_out, &b_out) == 0
        && disagree(&h_out, &bc_out) == 0
        && disagree(&h_out, &c_out) == 0
        && disagree(&h_out, &r_out) == 0;
    if !ok {
        eprintln!("error: the engines disagree (fixture undetermined: {undecided_fixture})");
        return Ok(ExitCode::from(1));
    }
    println!("all four engines agree on every request");
    Ok(ExitCode::SUCCESS)
}
