//! Where the simulator's stages run: reading and parsing, mapping, and deciding
//! with counting and writing. Every layout writes the same outputs, byte for byte
//! (summary timings aside): the mapper sees every row in input order and chunks
//! are decided in order, whichever thread they were mapped on.

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Every stage on the calling thread.
    One,
    /// Reading and parsing on a second thread; mapping, deciding, counting and
    /// writing on the calling one.
    Reader,
    /// Reading, parsing and mapping on a second thread; deciding, counting and
    /// writing on the calling one. The default on two cores or more: the two
    /// halves take about as long as each other, so each keeps a core busy.
    Mapper,
    /// Reading and parsing on one thread, mapping on another, deciding on the
    /// calling one: three threads, for machines with the cores to spare.
    ReaderAndMapper,
}

impl Threads {
    /// Every layout, from one thread to three.
    pub const ALL: [Threads; 4] = [
        Threads::One,
        Threads::Reader,
        Threads::Mapper,
        Threads::ReaderAndMapper,
    ];

    /// The layout's name for `BRIGHTLINE_SIM_THREADS` and the bench's lines.
    pub fn name(self) -> &'static str {
        match self {
            Threads::One => "one",
            Threads::Reader => "reader",
            Threads::Mapper => "mapper",
            Threads::ReaderAndMapper => "reader+mapper",
        }
    }

    /// What the layout does, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Threads::One => "one thread",
            Threads::Reader => "reading on a second thread",
            Threads::Mapper => "reading and mapping on a second thread",
            Threads::ReaderAndMapper => "reading, mapping and deciding each on a thread",
        }
    }

    /// The layout of a [`name`](Threads::name).
    pub fn parse(name: &str) -> Option<Threads> {
        Threads::ALL.into_iter().find(|t| t.name() == name.trim())
    }

    /// Whether CSV is read and parsed on a thread of its own.
    pub(crate) fn reads_ahead(self) -> bool {
        matches!(self, Threads::Reader | Threads::ReaderAndMapper)
    }

    /// Whether rows are mapped on a thread of their own.
    pub(crate) fn maps_ahead(self) -> bool {
        matches!(self, Threads::Mapper | Threads::ReaderAndMapper)
    }

    /// The layout for this machine when none is chosen: a mapping thread when
    /// there is a second core for it, else one thread.
    fn automatic() -> Threads {
        match std::thread::available_parallelism() {
            Ok(n) if n.get() >= 2 => Threads::Mapper,
            _ => Threads::One,
        }
    }
}

/// 0: not chosen; else 1 + the index in [`Threads::ALL`].
static CHOSEN: AtomicU8 = AtomicU8::new(0);

/// Chooses the layout of every later run in this process. `None` leaves it to
/// `BRIGHTLINE_SIM_THREADS` (`one`, `reader`, `mapper`, `reader+mapper`) in
/// the environment, and failing that to the number of cores.
pub fn set_threads(t: Option<Threads>) {
    let code = t.map_or(0, |t| {
        1 + Threads::ALL.iter().position(|x| *x == t).unwrap_or(0) as u8
    });
    CHOSEN.store(code, Ordering::Relaxed);
}

/// The layout the next run uses.
pub fn threads() -> Threads {
    match CHOSEN.load(Ordering::Relaxed) {
        0 => std::env::var("BRIGHTLINE_SIM_THREADS")
            .ok()
            .and_then(|v| Threads::parse(&v))
            .unwrap_or_else(Threads::automatic),
        c => Threads::ALL[(c - 1) as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_is_found_by_its_name() {
        for t in Threads::ALL {
            assert_eq!(Threads::parse(t.name()), Some(t));
        }
        assert_eq!(Threads::parse("two"), None);
    }

    #[test]
    fn every_layout_round_trips_through_its_code() {
        for t in Threads::ALL {
            set_threads(Some(t));
            assert_eq!(threads(), t);
        }
        set_threads(None);
    }

    #[test]
    fn each_layout_reads_ahead_or_maps_ahead_as_named() {
        let flags: Vec<_> = Threads::ALL
            .iter()
            .map(|t| (t.reads_ahead(), t.maps_ahead()))
            .collect();
        assert_eq!(
            flags,
            [(false, false), (true, false), (false, true), (true, true)]
        );
    }
}
