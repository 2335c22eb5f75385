//! Blocking calls for programs that are not async: the command line, tests, benchmarks
//! and the ledger followers (which run on plain or blocking-pool threads).
//!
//! The client is async-first: every call of the typed API, of a [`Transport`](crate::Transport)
//! and of the Gateway client is a future, and a service awaits it on its own runtime.
//! [`Wait::wait`] runs such a future to completion on the calling thread, with one
//! process-wide tokio runtime (one worker thread, started on first use and kept for the
//! life of the process) driving its I/O and timers, so a gateway connection made in one
//! call is still driven in the next. No transport owns a runtime of its own.
//!
//! Meant for plain threads and tokio's blocking pool; async code awaits instead (a
//! wait there blocks a worker thread of its runtime for the call's duration).

use std::future::Future;
use std::sync::OnceLock;

/// The runtime of blocking callers, or why it could not be started (the first caller's
/// error is kept for every later one).
static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();

fn runtime() -> &'static tokio::runtime::Runtime {
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nanotrace-client")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match runtime {
        Ok(runtime) => runtime,
        // Nothing can be called without it; the OS refused a thread or a file descriptor.
        Err(e) => panic!("cannot start the client's runtime for blocking calls: {e}"),
    }
}

/// `.wait()`: blocks the current thread until the future is done.
pub trait Wait: Future + Sized {
    /// Runs the future to completion on this thread, inside the process-wide client
    /// runtime's context: its I/O and timers are driven by that runtime's worker, so it
    /// works from a plain thread, tokio's blocking pool, and even (blocking it) an async
    /// task. A future that is ready at once (the embedded ledger's) costs one poll.
    ///
    /// # Panics
    ///
    /// When the runtime cannot be started.
    fn wait(self) -> Self::Output {
        let _in_runtime = runtime().enter();
        futures::executor::block_on(self)
    }
}

impl<F: Future> Wait for F {}
