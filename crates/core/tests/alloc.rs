//! "The hot path does not allocate" (ARCHITECTURE.md), checked: a counting
//! global allocator, in a test binary of its own so that no other test's
//! allocations are counted, around `decide::outcome` over every bundled
//! worked example.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use brightline_core::decide::outcome;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` (this binary has one test, so no other thread allocates meanwhile).
fn allocations(f: impl FnOnce()) -> usize {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    f();
    COUNTING.store(false, Ordering::SeqCst);
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// Every bundled worked example, decoded, with its law and whether the full
/// decision left some rule of its plan unknown.
fn corpus() -> Vec<(
    String,
    &'static brightline_core::library::LawVersion,
    brightline_core::Facts,
    bool,
)> {
    let lib = brightline_laws::library().expect("bundled packs load");
    let mut cases = Vec::new();
    for p in &lib.packs {
        for ex in &p.examples {
            let (pack, facts) = lib.decode(&ex.json).expect("worked examples decode");
            let law = lib.law_for(pack, &facts).expect("a law is in force");
            let open = lib
                .decide(pack, &facts)
                .expect("decides")
                .trace
                .iter()
                .any(|t| t.result == "unknown");
            let name = format!("{}: {}", p.id, ex.json["name"].as_str().unwrap_or("?"));
            cases.push((name, law, facts, open));
        }
    }
    cases
}

/// Requests whose facts settle every rule are decided by evaluation and a
/// table lookup alone, with no allocation. Requests that leave rules unknown
/// and whose unknown rules the combination table cannot settle fall back to
/// completing the missing facts (`decide::resolve_outcome`: it clones the
/// facts and enumerates answers), which allocates; for those the count is
/// only checked to be the same on every call (no growth, no hidden cache).
/// Measured on the bundled packs: 1,041 of 1,050 worked examples make no
/// allocation; the 9 that fall back make 176 to 907 allocations per call.
#[test]
fn the_outcome_only_path_does_not_allocate() {
    let cases = corpus();
    assert!(cases.len() > 1000, "{} worked examples", cases.len());
    // Warm up: a small plan builds its combination table on first use.
    for (_, law, facts, _) in &cases {
        outcome(law, facts);
    }
    const CALLS: usize = 10;
    let (mut free, mut fallback) = (0, Vec::new());
    let mut allocating = Vec::new();
    for (name, law, facts, open) in &cases {
        let n = allocations(|| {
            for _ in 0..CALLS {
                std::hint::black_box(outcome(std::hint::black_box(law), facts));
            }
        });
        if n == 0 {
            free += 1;
        } else if !open {
            allocating.push(format!("{name}: {n} allocations in {CALLS} calls"));
        } else {
            let once = allocations(|| {
                std::hint::black_box(outcome(std::hint::black_box(law), facts));
            });
            assert_eq!(
                n,
                once * CALLS,
                "{name}: the count changes from call to call"
            );
            fallback.push(format!("{name}: {once}"));
        }
    }
    eprintln!(
        "{free} of {} make no allocation; {} fall back to completion:\n{}",
        cases.len(),
        fallback.len(),
        fallback.join("\n")
    );
    assert!(
        allocating.is_empty(),
        "decide::outcome allocated for requests whose facts settle every rule:\n{}",
        allocating.join("\n")
    );
    assert!(
        free * 100 >= cases.len() * 95,
        "only {free} of {} make no allocation",
        cases.len()
    );
}
