//! Certificates' answers rendered in the background where the cache has none under the
//! digest in force ([`Cache::render_missing`]): a cache built without a renderer, a new
//! build of the verifier, a change of the trust list or the organisations. Lookups answer
//! those certificates as before meanwhile. Once every answer is rendered, the answers'
//! segments that replaced answers left half dead are compacted
//! ([`Cache::compact_answers`]).

use crate::cache::{Backfill, Cache, CacheError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// Certificates rendered at a time: the records' lock is held while they are (a few
/// milliseconds), so that the follower's writes wait little.
pub const RENDER_CHUNK: usize = 256;

/// How often to look again once every answer is rendered (for a change of the trust
/// list or the organisations), and the pause after an error.
pub const RENDER_POLL: Duration = Duration::from_secs(1);

/// Renders the answers the cache is missing ([`Cache::render_missing`]), chunk by chunk
/// on the blocking pool, until `shutdown` becomes `true` (or its sender is dropped).
pub fn spawn_answers(cache: Arc<Cache>, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut pass: Option<(Instant, usize)> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let rendering = "cannot render the certificates' answers; they are rendered when asked for";
            let pause = match on_blocking(&cache, rendering, |c| c.render_missing(RENDER_CHUNK)).await {
                Some(Backfill::More { rendered }) => {
                    let (_, total) = pass.get_or_insert_with(|| (Instant::now(), 0));
                    *total += rendered;
                    Duration::ZERO
                }
                Some(Backfill::Done) => {
                    let compacting = "cannot compact the stored answers' segments";
                    let compacted = on_blocking(&cache, compacting, Cache::compact_answers).await.unwrap_or(false);
                    if let Some((started, total)) = pass.take() {
                        let secs = started.elapsed().as_secs_f64();
                        info!(
                            certificates = total,
                            seconds = format!("{secs:.1}"),
                            "every certificate's answers are rendered and stored"
                        );
                    }
                    if compacted {
                        Duration::ZERO
                    } else {
                        RENDER_POLL
                    }
                }
                None => RENDER_POLL,
            };
            if pause.is_zero() {
                continue;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                () = tokio::time::sleep(pause) => {}
            }
        }
        debug!("answers' render stopped");
    })
}

/// `job` on `cache`, on the blocking pool; `None` when it fails, logged with `failed`.
async fn on_blocking<T: Send + 'static>(
    cache: &Arc<Cache>,
    failed: &'static str,
    job: impl FnOnce(&Cache) -> Result<T, CacheError> + Send + 'static,
) -> Option<T> {
    let c = cache.clone();
    match tokio::task::spawn_blocking(move || job(&c)).await {
        Ok(Ok(done)) => Some(done),
        Ok(Err(e)) => {
            warn!(error = %e, "{failed}");
            None
        }
        Err(join) => {
            warn!(error = %join, "{failed} (the task failed)");
            None
        }
    }
}
