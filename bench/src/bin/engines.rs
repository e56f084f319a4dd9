//! `cargo run --release -p brightline-bench --bin engines [N]`: one decision,
//! four engines, the same generated requests; checks agreement, prints
//! throughput, median latency and the ratios.
//!
//! The machine is shared, and another tenant's work can slow one engine's
//! timing and not the next one's. So the fast engines (brightline and the
//! hand-written functions) take turns: in each round every one decides all N
//! requests, in an order that rotates from round to round, and a ratio is
//! the median over rounds of the two engines' times in the same round. Cedar
//! and Regorus, a thousand times slower, are timed once.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use brightline_bench::*;

/// Latency is taken over batches this size (a single decision is shorter than the clock's resolution).
const BATCH: usize = 64;

/// One engine's timings: per-decision latency of every batch, and each round's total.
struct Line {
    name: &'static str,
    lat: Vec<f64>,
    rounds: Vec<Duration>,
    out: Vec<bool>,
}

impl Line {
    fn new(name: &'static str, n: usize) -> Line {
        Line {
            name,
            lat: Vec::new(),
            rounds: Vec::new(),
            out: vec![false; n],
        }
    }
    /// Decisions per second over all the rounds kept.
    fn rate(&self) -> f64 {
        let t: Duration = self.rounds.iter().sum();
        (self.out.len() * self.rounds.len()) as f64 / t.as_secs_f64()
    }
    fn median_ns(&self) -> f64 {
        let mut l = self.lat.clone();
        l.sort_by(|a, b| a.total_cmp(b));
        l.get(l.len() / 2).copied().unwrap_or(0.0)
    }
    /// This engine's time over `base`'s, round by round: (median, lowest, highest).
    fn ratio(&self, base: &Line) -> (f64, f64, f64) {
        let mut r: Vec<f64> = self
            .rounds
            .iter()
            .zip(&base.rounds)
            .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
            .collect();
        r.sort_by(|a, b| a.total_cmp(b));
        let at = |i: usize| r.get(i).copied().unwrap_or(f64::NAN);
        (at(r.len() / 2), at(0), at(r.len().saturating_sub(1)))
    }
}

/// One round: `f` over every index, timed in batches. `keep` is false for
/// the warm-up round, whose timings are dropped.
fn round(line: &mut Line, keep: bool, mut f: impl FnMut(usize) -> bool) {
    let n = line.out.len();
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let b = Instant::now();
        let end = (i + BATCH).min(n);
        for (j, o) in line.out[i..end].iter_mut().enumerate() {
            *o = black_box(f(i + j));
        }
        if keep {
            line.lat
                .push(b.elapsed().as_nanos() as f64 / (end - i) as f64);
        }
        i = end;
    }
    if keep {
        line.rounds.push(start.elapsed());
    }
}

/// brightline's answer as permitted or not; an undetermined one counts in `undecided`.
#[inline(always)]
fn decided(law: &brightline::LawVersion, facts: &brightline::Facts, undecided: &mut usize) -> bool {
    permitted(brightline::outcome(law, facts)).unwrap_or_else(|| {
        *undecided += 1;
        false
    })
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
    if n == 0 {
        return Err("the count of requests must be at least 1".into());
    }
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

    // The same requests again, allocated after brightline's facts: where a
    // request sits in memory changes the streaming time of the same function
    // (the originals were allocated first, into a fresh heap).
    let reqs_late = reqs.clone();

    let cedar = Cedar::new()?;
    let cedar_reqs: Vec<_> = reqs.iter().map(Cedar::request).collect::<Result<_, _>>()?;
    let mut rego = rego_engine()?;
    let rego_inputs: Vec<_> = reqs.iter().map(rego_input).collect();

    // Enough rounds that every engine decides at least four million requests
    // (in cache, one round takes tens of microseconds), and never fewer than 21.
    let rounds = (4_000_000 / n).clamp(21, 4001);
    let slots = Slots::new(fbit)?;
    let mut hand = Line::new("hand-written Rust", n);
    let mut hand_lb = Line::new("hand-written Rust, computing the look-back", n);
    let mut hand_f = Line::new("hand-written Rust over brightline's Facts", n);
    let mut hand_late = Line::new("hand-written Rust, requests copied last", n);
    let mut bl = Line::new("brightline (fixture rule, interpreted)", n);
    let mut blc = Line::new("brightline (fixture rule, compiled)", n);
    let mut blf = Line::new("brightline (bundled NYC law, compiled)", n);
    // The fixture decides every generated request; an undetermined one is counted as a failure.
    let mut undecided_fixture = 0usize;
    let mut full_undecided = 0usize;
    const FAST: usize = 7;
    // One warm-up round, then `rounds` kept.
    for r in 0..=rounds {
        let keep = r > 0;
        for k in 0..FAST {
            match (r + k) % FAST {
                0 => round(&mut hand, keep, |i| hand_written(&reqs[i])),
                1 => round(&mut hand_lb, keep, |i| hand_written_lookback(&reqs[i])),
                2 => round(&mut hand_f, keep, |i| {
                    hand_written_facts(&ffacts[i], &slots)
                }),
                3 => round(&mut bl, keep, |i| {
                    decided(flaws[i], &ffacts[i], &mut undecided_fixture)
                }),
                4 => round(&mut blc, keep, |i| {
                    decided(claws[i], &ffacts[i], &mut undecided_fixture)
                }),
                5 => round(&mut blf, keep, |i| {
                    decided(full_laws[i], &full_facts[i], &mut full_undecided)
                }),
                _ => round(&mut hand_late, keep, |i| hand_written(&reqs_late[i])),
            }
        }
    }
    let mut ced = Line::new("Cedar (cedar-policy)", n);
    round(&mut ced, true, |i| cedar.decide(&cedar_reqs[i]));
    let mut rego_err = None;
    let mut reg = Line::new("Regorus (Rego)", n);
    round(&mut reg, true, |i| {
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

    let disagree = |a: &Line| a.out.iter().zip(&hand.out).filter(|(x, y)| x != y).count();
    let permits = hand.out.iter().filter(|x| **x).count();
    println!("{n} generated requests (seed {SEED:#x}); hand-written rule permits {permits}, prohibits {}", n - permits);
    println!("disagreements with the hand-written function: brightline fixture {} (compiled {}), Cedar {}, Regorus {}, brightline full NYC law {} (full law undetermined: {})",
        disagree(&bl), disagree(&blc), disagree(&ced), disagree(&reg), disagree(&blf), full_undecided / (rounds + 1));
    println!("{rounds} rounds of the fast engines, in turn, after one warm-up round");
    println!();
    println!(
        "{:<44} {:>16} {:>18}",
        "engine", "decisions/s", "median ns/decision"
    );
    for l in [
        &hand, &hand_lb, &hand_f, &hand_late, &bl, &blc, &blf, &ced, &reg,
    ] {
        println!("{:<44} {:>16.0} {:>18.1}", l.name, l.rate(), l.median_ns());
    }
    println!();
    println!("time over time, the median over rounds (lowest–highest round):");
    for (a, b, what) in [
        (&bl, &hand, "brightline interpreted / hand-written"),
        (&blc, &hand, "brightline compiled / hand-written"),
        (
            &blc,
            &hand_lb,
            "brightline compiled / hand-written computing the look-back",
        ),
        (
            &blc,
            &hand_f,
            "brightline compiled / hand-written over the same Facts",
        ),
        (
            &hand_f,
            &hand,
            "hand-written over Facts / hand-written (the layout alone)",
        ),
        (
            &hand_late,
            &hand,
            "hand-written, requests copied last / as first allocated",
        ),
        (
            &blc,
            &hand_late,
            "brightline compiled / hand-written, requests copied last",
        ),
        (&blf, &blc, "brightline full law / fixture, both compiled"),
    ] {
        let (m, lo, hi) = a.ratio(b);
        println!("{what:<62} {m:.2}x ({lo:.2}–{hi:.2})");
    }
    // Cedar and Regorus ran once: against the compiled rule's median latency.
    for l in [&ced, &reg] {
        println!(
            "{} / brightline compiled (median time per decision): {:.1}x",
            l.name,
            l.median_ns() / blc.median_ns()
        );
    }
    let ok = undecided_fixture == 0
        && [&hand_lb, &hand_f, &hand_late, &bl, &blc, &ced, &reg]
            .iter()
            .all(|l| disagree(l) == 0);
    if !ok {
        eprintln!("error: the engines disagree (fixture undetermined: {undecided_fixture})");
        return Ok(ExitCode::from(1));
    }
    println!("all four engines agree on every request");
    Ok(ExitCode::SUCCESS)
}
