//! The running service: the follower loop, the expiry timer, the delivery loop and the
//! operations endpoints (`/metrics`, `/healthz`, `/readyz`), until a shutdown signal.

use crate::engine::{Notifier, CHUNK};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tracing::{debug, info, warn};

/// How often the loops run.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Pause between follower passes once caught up.
    pub poll: Duration,
    /// Pause between expiry checks.
    pub expiry_every: Duration,
    /// The longest pause of the follower after repeated errors.
    pub max_backoff: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            poll: Duration::from_millis(250),
            expiry_every: Duration::from_secs(60),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Unix milliseconds now: the clock every service shares ([`nanotrace_model::clock`]).
pub fn now_ms() -> i64 {
    nanotrace_model::clock::unix_now_ms()
}

/// Runs the follower, the expiry timer and the delivery loop until `shutdown` turns
/// `true`. Returns when all three have stopped.
pub async fn run(notifier: Arc<Notifier>, timing: Timing, shutdown: watch::Receiver<bool>) {
    let wake = Arc::new(Notify::new());
    let follow = tokio::spawn(follow_loop(notifier.clone(), timing, wake.clone(), shutdown.clone()));
    let expiry = tokio::spawn(expiry_loop(notifier.clone(), timing, wake.clone(), shutdown.clone()));
    let deliver = tokio::spawn(deliver_loop(notifier.clone(), wake, shutdown.clone()));
    let smtp = tokio::spawn(smtp_probe(notifier, shutdown));
    for task in [follow, expiry, deliver, smtp] {
        if let Err(e) = task.await {
            warn!(error = %e, "a notifier task failed");
        }
    }
}

async fn pause(shutdown: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        changed = shutdown.changed() => changed.is_err() || *shutdown.borrow(),
        () = tokio::time::sleep(pause) => *shutdown.borrow(),
    }
}

async fn follow_loop(notifier: Arc<Notifier>, timing: Timing, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut failures = 0u32;
    let mut last_error: Option<String> = None;
    let mut announced = false;
    while !*shutdown.borrow() {
        let n = notifier.clone();
        let result = tokio::task::spawn_blocking(move || n.follow_pass(CHUNK, now_ms())).await;
        let wait = match result {
            Ok(Ok((read, caught_up))) => {
                if failures > 0 {
                    info!("the ledger is readable again");
                }
                failures = 0;
                last_error = None;
                if read > 0 {
                    wake.notify_one();
                }
                if caught_up && !announced {
                    announced = true;
                    info!(
                        block = notifier.status.checkpoint_block.load(Ordering::Relaxed),
                        "caught up with the ledger; ready"
                    );
                }
                if caught_up {
                    timing.poll
                } else {
                    Duration::ZERO
                }
            }
            Ok(Err(e)) => {
                failures = failures.saturating_add(1);
                let message = e.to_string();
                if last_error.as_deref() != Some(&message) {
                    warn!(error = %message, "cannot follow the ledger; will retry");
                    last_error = Some(message);
                }
                nanotrace_follow::backoff(timing.poll, failures, timing.max_backoff)
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                warn!(error = %e, "a follower pass aborted");
                nanotrace_follow::backoff(timing.poll, failures, timing.max_backoff)
            }
        };
        if !wait.is_zero() && pause(&mut shutdown, wait).await {
            break;
        }
    }
    debug!("follower stopped");
}

async fn expiry_loop(notifier: Arc<Notifier>, timing: Timing, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let n = notifier.clone();
        let now = now_ms().div_euclid(1000);
        match tokio::task::spawn_blocking(move || n.remind(now)).await {
            Ok(Ok(queued)) if queued > 0 => wake.notify_one(),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => warn!(error = %e, "cannot queue expiry reminders; will retry"),
            Err(e) => warn!(error = %e, "the expiry check aborted"),
        }
        if pause(&mut shutdown, timing.expiry_every).await {
            break;
        }
    }
}

/// Idle pause of the delivery loop when nothing woke it (retries come due on their own).
const DELIVERY_TICK: Duration = Duration::from_millis(100);

async fn deliver_loop(notifier: Arc<Notifier>, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let busy = match notifier.deliver_due(now_ms()).await {
            Ok(n) => n > 0,
            Err(e) => {
                warn!(error = %e, "cannot read or update the outbox; will retry");
                false
            }
        };
        if busy {
            continue;
        }
        tokio::select! {
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
            () = wake.notified() => {}
            () = tokio::time::sleep(DELIVERY_TICK) => {}
        }
    }
    debug!("delivery stopped");
}

/// Checks the SMTP server at start and every 30 s while it is unreachable, so
/// `/readyz` tells before a message has to wait for it.
async fn smtp_probe(notifier: Arc<Notifier>, mut shutdown: watch::Receiver<bool>) {
    let Some(mailer) = notifier.mailer().cloned() else { return };
    loop {
        let result = mailer.check().await;
        let ok = result.is_ok();
        {
            let mut slot = notifier.status.smtp_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match result {
                Ok(()) => *slot = None,
                Err(e) => {
                    if slot.is_none() {
                        warn!(server = mailer.server(), error = %e, "the SMTP server is unreachable; emails wait in the outbox");
                    }
                    *slot = Some(e.to_string());
                }
            }
        }
        let wait = if ok { Duration::from_secs(300) } else { Duration::from_secs(30) };
        if pause(&mut shutdown, wait).await {
            break;
        }
    }
}

/// The metrics the service exports, refreshed at each scrape.
struct Metrics {
    registry: Registry,
    queued: Gauge,
    dead: Gauge,
    lag_blocks: Gauge,
    lag_seconds: Gauge<f64, AtomicU64>,
    sent: Counter,
    retried: Counter,
    dead_total: Counter,
    ready: Gauge<i64, AtomicI64>,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("nanotrace_notify");
        let m = Metrics {
            registry: Registry::default(),
            queued: Gauge::default(),
            dead: Gauge::default(),
            lag_blocks: Gauge::default(),
            lag_seconds: Gauge::default(),
            sent: Counter::default(),
            retried: Counter::default(),
            dead_total: Counter::default(),
            ready: Gauge::default(),
        };
        registry.register("queued", "Messages in the outbox, waiting for delivery or a retry", m.queued.clone());
        registry.register("dead_letters", "Messages given up on, in the dead-letter list", m.dead.clone());
        registry.register(
            "lag_blocks",
            "Blocks between the ledger's last block and the checkpoint",
            m.lag_blocks.clone(),
        );
        registry.register(
            "lag_seconds",
            "Seconds between now and the ledger time of the last transaction followed",
            m.lag_seconds.clone(),
        );
        registry.register("sent", "Messages delivered since start", m.sent.clone());
        registry.register("retried", "Failed attempts that will be retried, since start", m.retried.clone());
        registry.register("dead", "Messages moved to the dead letters since start", m.dead_total.clone());
        registry.register("ready", "1 when /readyz answers 200", m.ready.clone());
        Metrics { registry, ..m }
    }
}

#[derive(Clone)]
struct Ops {
    notifier: Arc<Notifier>,
    metrics: Arc<Metrics>,
}

/// The operations router: `/metrics`, `/healthz`, `/readyz`.
pub fn router(notifier: Arc<Notifier>) -> Router {
    let ops = Ops { notifier, metrics: Arc::new(Metrics::new()) };
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(ops)
}

async fn readyz(State(ops): State<Ops>) -> Response {
    match ops.notifier.status.not_ready() {
        None => (StatusCode::OK, "ready\n").into_response(),
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}\n")).into_response(),
    }
}

fn set_counter(counter: &Counter, value: u64) {
    let current = counter.get();
    if value > current {
        counter.inc_by(value - current);
    }
}

async fn metrics(State(ops): State<Ops>) -> Response {
    let status = &ops.notifier.status;
    let store = ops.notifier.store().clone();
    let counts = tokio::task::spawn_blocking(move || store.counts()).await;
    let m = &ops.metrics;
    if let Ok(Ok((queued, dead))) = counts {
        m.queued.set(i64::try_from(queued).unwrap_or(i64::MAX));
        m.dead.set(i64::try_from(dead).unwrap_or(i64::MAX));
    }
    let height = status.ledger_height.load(Ordering::Relaxed);
    let at = status.checkpoint_block.load(Ordering::Relaxed);
    m.lag_blocks.set(i64::try_from(height.saturating_sub(at)).unwrap_or(i64::MAX));
    let at_time = status.checkpoint_time.load(Ordering::Relaxed) as f64;
    m.lag_seconds.set(if at_time > 0.0 { (now_ms() as f64 / 1000.0 - at_time).max(0.0) } else { 0.0 });
    set_counter(&m.sent, status.sent.load(Ordering::Relaxed));
    set_counter(&m.retried, status.retried.load(Ordering::Relaxed));
    set_counter(&m.dead_total, status.dead.load(Ordering::Relaxed));
    m.ready.set(i64::from(status.not_ready().is_none()));
    let mut body = String::new();
    if let Err(e) = encode(&mut body, &m.registry) {
        return (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode metrics: {e}\n")).into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}
