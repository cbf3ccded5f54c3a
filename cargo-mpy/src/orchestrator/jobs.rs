//! The compile phase's work items: a C/assembly compile or an `mpy-cross`
//! run, and the pool of worker threads that runs them.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Result;

use crate::compile_c::{CompileJob, Outcome};
use crate::mpy_cross::MpyCrossJob;

/// A compile or `mpy-cross` job of one plan.
pub(super) enum Job<'a> {
    C { plan: usize, job: CompileJob<'a> },
    Py { plan: usize, job: MpyCrossJob<'a> },
}

impl Job<'_> {
    pub(super) fn plan(&self) -> usize {
        match self {
            Job::C { plan, .. } | Job::Py { plan, .. } => *plan,
        }
    }

    pub(super) fn is_fresh(&self) -> bool {
        match self {
            Job::C { job, .. } => job.is_fresh(),
            Job::Py { job, .. } => job.is_fresh(),
        }
    }

    pub(super) fn command_line(&self) -> String {
        match self {
            Job::C { job, .. } => job.command_line(),
            Job::Py { job, .. } => job.command_line(),
        }
    }

    pub(super) fn source(&self) -> &Path {
        match self {
            Job::C { job, .. } => job.src,
            Job::Py { job, .. } => job.src,
        }
    }

    /// Runs the job; `Some(stderr)` when a compiler ran and said something.
    pub(super) fn run(&self) -> Result<Option<String>> {
        match self {
            Job::C { job, .. } => job.run().map(|o| match o {
                Outcome::Fresh => None,
                Outcome::Compiled { stderr } => Some(stderr),
            }),
            Job::Py { job, .. } => job.run().map(|_| None),
        }
    }
}

/// Runs `f` over `items` on `threads` worker threads; results keep the
/// order of `items`.
pub(super) fn run_pool<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.min(items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}
