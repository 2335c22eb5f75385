//! Work on many records spread over the machine's cores: the signature checks and the
//! answers' renders an update makes as it writes its records.

/// Records handled on one thread at least (fewer, and the threads cost more than they save).
const MIN_PER_THREAD: usize = 64;
/// Threads one update uses at most.
const MAX_THREADS: usize = 4;

/// `f` of each of `items`, in order; on up to [`MAX_THREADS`] threads for many items.
pub(super) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(MAX_THREADS).min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_order_on_one_thread_or_many() {
        for n in [0, 1, 63, 64, 200, 1000] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(super::map(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{n}");
        }
    }
}
