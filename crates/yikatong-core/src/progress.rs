//! Progress of long operations (the checks over millions of rows, reading large
//! tables), for a host's progress bar.

use std::sync::atomic::{AtomicU64, Ordering};

/// Told how far a long operation has got: `step` names what it is doing (e.g.
/// `"checking rows"`), `done` of `total` units of that step. Called from the
/// operation's worker threads, a few hundred times at most per step, so a report
/// may be slow (a Python callback) without slowing the work.
pub trait Progress: Sync {
    /// `done` of `total` units of `step` are finished.
    fn report(&self, step: &str, done: u64, total: u64);
}

impl<F: Fn(&str, u64, u64) + Sync> Progress for F {
    fn report(&self, step: &str, done: u64, total: u64) {
        self(step, done, total);
    }
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn report(&self, _step: &str, _done: u64, _total: u64) {}
}

/// Counts units done by several threads towards one total and reports the sum
/// every `every` units, and once more when the last unit is done.
pub struct Counter<'a> {
    progress: &'a dyn Progress,
    step: &'static str,
    total: u64,
    done: AtomicU64,
}

impl<'a> Counter<'a> {
    /// How many units a thread does between two reports.
    pub const EVERY: u64 = 1 << 18;

    /// A counter of `total` units of `step`; reports `0` of `total` at once.
    pub fn new(progress: &'a dyn Progress, step: &'static str, total: u64) -> Counter<'a> {
        progress.report(step, 0, total);
        Counter {
            progress,
            step,
            total,
            done: AtomicU64::new(0),
        }
    }

    /// `units` more are done.
    pub fn add(&self, units: u64) {
        let done = self.done.fetch_add(units, Ordering::Relaxed) + units;
        self.progress
            .report(self.step, done.min(self.total), self.total);
    }
}

impl std::fmt::Debug for Counter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counter")
            .field("step", &self.step)
            .field("total", &self.total)
            .field("done", &self.done.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn a_counter_reports_the_sum_of_every_thread_and_the_end() {
        let seen = Mutex::new(Vec::new());
        let record = |step: &str, done: u64, total: u64| {
            if let Ok(mut seen) = seen.lock() {
                seen.push((step.to_owned(), done, total));
            }
        };
        let counter = Counter::new(&record, "reading rows", 10);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    counter.add(3);
                    counter.add(2);
                });
            }
        });
        let seen = seen.into_inner().unwrap_or_default();
        assert_eq!(seen.first(), Some(&("reading rows".to_owned(), 0, 10)));
        let mut done: Vec<u64> = seen.iter().map(|(_, done, _)| *done).collect();
        done.sort_unstable();
        assert_eq!(done.len(), 5);
        assert_eq!(done.last(), Some(&10));
        assert!(
            seen.iter()
                .all(|(step, _, total)| step == "reading rows" && *total == 10)
        );
    }
}
