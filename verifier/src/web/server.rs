//! The HTTP server: one acceptor hands connections round-robin to per-thread,
//! single-threaded event loops, and shuts down gracefully. Open connections are bounded
//! (`connections`) and request heads (and, with TLS, handshakes) must arrive whole
//! within `--header-timeout-secs`. With `--tls-cert`/`--tls-key` every connection is
//! HTTPS ([`super::tls`]), the handshake made on the connection's own thread.

use super::connections::Ticket;
use super::hot::{Hot, HotPath};
use super::router::{build, Built};
use super::tls::Tls;
use crate::config::Config;
use crate::state::AppState;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::either::Either;
use tower::{Service, ServiceExt};

/// Serves [`router`](super::router) on `listener` until `shutdown` completes, then lets the open
/// connections finish (bounded by the request timeout). Request heads larger than
/// `config.max_header_bytes` (or of more than 100 header lines) get 431 and the
/// connection is closed, malformed ones 400; a head must arrive whole within
/// `config.header_timeout_secs` of its first byte (or of the previous answer on a
/// kept-alive connection), else the connection is closed. At most
/// `config.max_connections` are open (lowered to fit the open-file limit): at the limit,
/// the connection waiting longest for a request is closed to make room, and when all
/// are being answered a new one gets 503.
///
/// The calling task accepts connections and hands them round-robin to
/// `config.http_threads()` threads, each running its own single-threaded event loop, so
/// every request of a connection is parsed, answered and written on one thread with no
/// cross-thread wake-ups (the way nginx runs one event loop per worker). With `tls`,
/// every connection is HTTPS, each handshake with the configuration `tls` holds then.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    config: &Config,
    tls: Option<Arc<Tls>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let blocking_threads =
        if state.cache.reads_misses_from_ledger() { LEDGER_BLOCKING_THREADS } else { LOCAL_BLOCKING_THREADS };
    let Built { router, janitor, connections: registry, hot } = build(state, config);
    let make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let timeout = Duration::from_secs(config.timeout_secs.max(1));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(config.header_timeout_secs.max(1)))
        .max_header_size(config.max_header_bytes)
        .max_buf_size(config.max_header_bytes.max(8192))
        .keep_alive(true);

    // Forget the rate-limit state of clients that went quiet.
    let janitor = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            janitor();
        }
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    let mut queues = Vec::new();
    for index in 0..config.http_threads().max(1) {
        let (queue, incoming) = tokio::sync::mpsc::unbounded_channel::<Handed>();
        let worker = Worker {
            make_service: make_service.clone(),
            hot: hot.clone(),
            http: http.clone(),
            stop: stop_rx.clone(),
            timeout,
            tls: tls.clone(),
            handshake_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
            blocking_threads,
        };
        let thread =
            std::thread::Builder::new().name(format!("nanotrace-http-{index}")).spawn(move || worker.run(incoming))?;
        workers.push(thread);
        queues.push(queue);
    }

    tokio::pin!(shutdown);
    tracing::info!(
        addr = ?listener.local_addr().ok(),
        threads = queues.len(),
        tls = tls.is_some(),
        max_connections = registry.stats().limit,
        answer_cache_mb = config.answer_cache_bytes() >> 20,
        "serving"
    );
    let mut next = 0usize;
    let mut failed = None;
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Per-connection errors (reset before accept) and resource exhaustion:
                    // log, back off a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(ticket) = registry.admit() else {
            refuse(&stream, peer);
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Deregistered from this thread's event loop; the worker registers it in its own.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!(%peer, error = %e, "cannot hand over a connection");
                continue;
            }
        };
        next = (next + 1) % queues.len();
        if queues[next].send((stream, peer, ticket)).is_err() {
            failed = Some(format!("HTTP thread {next} has stopped"));
            break;
        }
    }
    drop(listener);
    drop(queues);
    janitor.abort();
    let _ = stop_tx.send(true);
    // Each worker drains its connections (bounded by its own deadline) and returns.
    let joined = tokio::task::spawn_blocking(move || {
        for thread in workers {
            if thread.join().is_err() {
                tracing::error!("an HTTP thread panicked");
            }
        }
    })
    .await;
    if let Err(e) = joined {
        tracing::error!(error = %e, "cannot wait for the HTTP threads");
    }
    match failed {
        Some(why) => Err(std::io::Error::other(why)),
        None => {
            tracing::info!("stopped serving");
            Ok(())
        }
    }
}

/// Answers a connection that finds every open connection busy: 503, then closed.
fn refuse(stream: &tokio::net::TcpStream, peer: SocketAddr) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Length: 40\r\n\r\n\
        The verifier is busy; please try again.\n";
    tracing::warn!(%peer, "every connection is busy: refused with 503");
    // A new socket's send buffer takes these few bytes at once.
    let _ = stream.try_write(BUSY);
}

type MakeService = axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr>;

/// A connection handed to an HTTP thread, with its place in the registry.
type Handed = (std::net::TcpStream, SocketAddr, Ticket);

/// How long a connection closed to make room, with no request being answered, is still
/// read from: a request already in its socket is read (and answered) within it; a slow
/// client's half a head is not, and its socket is closed after it. Short, as the socket
/// outlives its place in the registry until then.
const REQUEST_GRACE: Duration = Duration::from_millis(25);

/// Drives `connection` until one of its requests is being answered (`true`), it ends, or
/// `grace` passes (`false`).
async fn until_busy<C: Future>(mut connection: std::pin::Pin<&mut C>, ticket: &Ticket, grace: Duration) -> bool {
    let busy = std::future::poll_fn(|cx| match connection.as_mut().poll(cx) {
        std::task::Poll::Ready(_) => std::task::Poll::Ready(false),
        std::task::Poll::Pending if ticket.busy() => std::task::Poll::Ready(true),
        std::task::Poll::Pending => std::task::Poll::Pending,
    });
    tokio::time::timeout(grace, busy).await.unwrap_or(false)
}

/// Threads each HTTP thread's event loop may start for cache reads that miss memory when
/// misses are read from a ledger (the peer, for certificates not cached yet: round trips
/// that overlap). Tokio's default, 512 per event loop, let a flood of unknown IDs at 1,000
/// connections start some 300 threads on 2 cores, each with its own stack and allocator
/// cache, for no more throughput; past this many, reads wait their turn (within the
/// request deadline).
const LEDGER_BLOCKING_THREADS: usize = 16;
/// ... and when every miss is a RocksDB read of the cache alone (the embedded ledger): CPU
/// work, which more threads than cores only share out. Zipf lookups over 10⁶ certificates
/// (issue 49): 16 threads 34,000–41,000 requests/s, p99 39–48 ms; 2 threads 43,000–47,000,
/// p99 13–32 ms.
const LOCAL_BLOCKING_THREADS: usize = 2;

/// One HTTP thread: a single-threaded event loop serving the connections it is given.
struct Worker {
    make_service: MakeService,
    /// Cached certificate answers, served before the router.
    hot: Arc<HotPath>,
    http: hyper::server::conn::http1::Builder,
    stop: tokio::sync::watch::Receiver<bool>,
    timeout: Duration,
    /// HTTPS: the configuration each handshake takes.
    tls: Option<Arc<Tls>>,
    /// How long a TLS handshake may take.
    handshake_timeout: Duration,
    /// Threads its event loop may start for cache reads ([`LEDGER_BLOCKING_THREADS`],
    /// [`LOCAL_BLOCKING_THREADS`]).
    blocking_threads: usize,
}

impl Worker {
    fn run(self, incoming: tokio::sync::mpsc::UnboundedReceiver<Handed>) {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(self.blocking_threads)
            .thread_name("nanotrace-http-blocking")
            .build()
        {
            Ok(runtime) => runtime.block_on(self.serve(incoming)),
            Err(e) => tracing::error!(error = %e, "cannot start an HTTP thread's event loop"),
        }
    }

    async fn serve(mut self, mut incoming: tokio::sync::mpsc::UnboundedReceiver<Handed>) {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                handed = incoming.recv() => match handed {
                    Some((stream, peer, ticket)) => match tokio::net::TcpStream::from_std(stream) {
                        Ok(stream) => self.connection(&mut connections, stream, peer, ticket).await,
                        Err(e) => tracing::warn!(%peer, error = %e, "cannot take over a connection"),
                    },
                    // The acceptor has stopped.
                    None => break,
                },
            }
        }
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(self.timeout + Duration::from_secs(5), drain).await.is_err() {
            tracing::warn!(open = connections.len(), "closing connections that did not finish in time");
            connections.abort_all();
        }
    }

    async fn connection(
        &mut self,
        connections: &mut tokio::task::JoinSet<()>,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        ticket: Ticket,
    ) {
        let service = match ServiceExt::<SocketAddr>::ready(&mut self.make_service).await {
            Ok(ready) => match ready.call(peer).await {
                Ok(service) => service,
                Err(never) => match never {},
            },
            Err(never) => match never {},
        };
        let http = self.http.clone();
        let hot = self.hot.clone();
        let tls = self.tls.as_ref().map(|tls| tls.acceptor());
        let handshake_timeout = self.handshake_timeout;
        let mut stop = self.stop.clone();
        connections.spawn(async move {
            let stream = ticket.watch(stream);
            let io = match tls {
                None => Either::Left(stream),
                Some(acceptor) => match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => Either::Right(tls),
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        ticket.registry().header_timed_out();
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                },
            };
            let connection = http.serve_connection(
                TokioIo::new(io),
                ticket.track(Hot::new(hot, peer.ip(), TowerToHyperService::new(service))),
            );
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        if e.is_timeout() {
                            ticket.registry().header_timed_out();
                        }
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                () = ticket.closed() => {
                    // Closed to make room for a new connection. Only a waiting connection
                    // is chosen; should a request have arrived since, it is answered first —
                    // also one already in the socket but not yet read (its readiness and the
                    // close woke this task together; seen: a user's lookup closed unanswered
                    // under slowloris), given a moment to be read.
                    tracing::debug!(%peer, "closed to make room for a new connection");
                    if ticket.busy() || until_busy(connection.as_mut(), &ticket, REQUEST_GRACE).await {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(ticket);
        });
    }
}
