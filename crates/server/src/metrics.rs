//! Prometheus text-format metrics, kept in atomics and one small map: the
//! few series the service has do not justify a metrics library.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use brightline_store::Stats;

/// Upper bounds of the latency buckets, in seconds.
const BOUNDS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: [AtomicU64; BOUNDS.len() + 1],
    latency_sum_us: AtomicU64,
    latency_count: AtomicU64,
    pub decisions: [AtomicU64; 4],
}

pub const OUTCOMES: [&str; 4] = ["required", "permitted", "prohibited", "undetermined"];

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, secs: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_string(), status)).or_default() += 1;
        }
        let b = BOUNDS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BOUNDS.len());
        self.latency[b].fetch_add(1, Relaxed);
        self.latency_sum_us.fetch_add((secs * 1e6) as u64, Relaxed);
        self.latency_count.fetch_add(1, Relaxed);
    }

    pub fn decided(&self, outcome: &str) {
        if let Some(i) = OUTCOMES.iter().position(|o| *o == outcome) {
            self.decisions[i].fetch_add(1, Relaxed);
        }
    }

    pub fn render(&self, store: &Stats, entries: Option<i64>) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# HELP brightline_decisions_total Decisions logged by this instance, by outcome.\n# TYPE brightline_decisions_total counter");
        for (i, o) in OUTCOMES.iter().enumerate() {
            let _ = writeln!(
                s,
                "brightline_decisions_total{{outcome=\"{o}\"}} {}",
                self.decisions[i].load(Relaxed)
            );
        }
        let _ = writeln!(s, "# HELP brightline_http_requests_total HTTP requests, by route and status.\n# TYPE brightline_http_requests_total counter");
        if let Ok(m) = self.requests.lock() {
            for ((route, status), n) in m.iter() {
                let route = route.replace('\\', "\\\\").replace('"', "\\\"");
                let _ = writeln!(
                    s,
                    "brightline_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(s, "# HELP brightline_http_request_duration_seconds Time to answer a request.\n# TYPE brightline_http_request_duration_seconds histogram");
        let mut cum = 0;
        for (i, b) in BOUNDS.iter().enumerate() {
            cum += self.latency[i].load(Relaxed);
            let _ = writeln!(
                s,
                "brightline_http_request_duration_seconds_bucket{{le=\"{b}\"}} {cum}"
            );
        }
        cum += self.latency[BOUNDS.len()].load(Relaxed);
        let _ = writeln!(
            s,
            "brightline_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {cum}"
        );
        let _ = writeln!(
            s,
            "brightline_http_request_duration_seconds_sum {}",
            self.latency_sum_us.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "brightline_http_request_duration_seconds_count {}",
            self.latency_count.load(Relaxed)
        );
        let _ = writeln!(s, "# HELP brightline_log_commit_batch_size Entries committed per log transaction.\n# TYPE brightline_log_commit_batch_size histogram");
        let mut cum = 0;
        for (i, h) in store.batch_hist.iter().enumerate() {
            cum += h.load(Relaxed);
            let le = if i == 10 {
                "+Inf".to_string()
            } else {
                (1u64 << i).to_string()
            };
            let _ = writeln!(
                s,
                "brightline_log_commit_batch_size_bucket{{le=\"{le}\"}} {cum}"
            );
        }
        let _ = writeln!(
            s,
            "brightline_log_commit_batch_size_sum {}",
            store.appended.load(Relaxed)
        );
        let _ = writeln!(
            s,
            "brightline_log_commit_batch_size_count {}",
            store.batches.load(Relaxed)
        );
        if let Some(n) = entries {
            let _ = writeln!(s, "# HELP brightline_log_entries Entries in the decision log.\n# TYPE brightline_log_entries gauge\nbrightline_log_entries {n}");
        }
        s
    }
}
