//! Blocking calls for programs that are not async: the command line, tests, benchmarks
//! and the ledger followers (which run on plain or blocking-pool threads).
//!
//! The client is async-first: every call of the typed API, of a [`Transport`](crate::Transport)
//! and of the Gateway client is a future, and a service awaits it on its own runtime.
//! [`Wait::wait`] runs such a future to completion on one process-wide tokio runtime
//! (one worker thread, started on first use and kept for the life of the process), so a
//! gateway connection made in one call is still driven in the next. No transport owns a
//! runtime of its own.
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
pub trait Wait: Future + Sized + Send
where
    Self::Output: Send,
{
    /// Runs the future to completion on the process-wide client runtime and returns
    /// its output. Called from inside a tokio runtime (sync code reached from async
    /// code, such as a test's set-up), it runs the future on a helper thread and blocks
    /// the calling thread meanwhile: async code should `.await` instead.
    ///
    /// # Panics
    ///
    /// When the runtime cannot be started.
    fn wait(self) -> Self::Output {
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime().block_on(self);
        }
        std::thread::scope(|scope| {
            scope.spawn(|| runtime().block_on(self)).join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

impl<F: Future + Send> Wait for F where F::Output: Send {}
