//! The open connections, bounded: at the limit, a new connection closes the one that has
//! waited longest for a request instead of being turned away.
//!
//! A connection is *busy* while one of its requests is being answered, and *waiting*
//! otherwise: accepted but no whole request head yet (a slow client sends it a byte at a
//! time, or never), or kept alive after an answer. Only waiting connections are closed
//! to make room, the one waiting since longest first; so clients that hold connections
//! open without asking anything (slowloris) are the ones that lose them, and a real
//! user's connection, which asks at once, is served. A connection the server has not yet
//! tried to read from is closed only when no other waiting one is left: under a flood of
//! reconnecting slow clients on a loaded machine, a user's new connection could otherwise
//! be closed before its HTTP thread ever looked at the request already in its buffer.
//! A connection chosen is still read from for a moment (the server's `REQUEST_GRACE`):
//! a request that arrived just as it was chosen is answered, then the connection closed.
//! With every connection busy, a new one is answered 503 and closed.
//!
//! The bound also keeps the process below its open-file limit
//! ([`effective_limit`]): were accept(2) to fail with EMFILE, nobody would be served.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// Descriptors kept free for RocksDB, the ledger follower and logs.
const RESERVED_FDS: usize = 256;

/// `configured`, lowered to the open-file limit (soft) less what the process needs
/// besides connections, when that limit can be read (Linux).
pub(super) fn effective_limit(configured: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| {
        text.lines()
            .find(|line| line.starts_with("Max open files"))
            .and_then(|line| line.split_whitespace().nth(3).and_then(|soft| soft.parse::<usize>().ok()))
    });
    match soft {
        Some(soft) => configured.min(soft.saturating_sub(RESERVED_FDS).max(16)),
        None => configured,
    }
}

/// The registry of open connections (see the module docs).
#[derive(Debug)]
pub(super) struct Connections {
    limit: usize,
    started: Instant,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
    accepted: AtomicU64,
    evicted: AtomicU64,
    refused: AtomicU64,
    header_timeouts: AtomicU64,
}

/// One connection's state, shared by its task and the registry.
#[derive(Debug)]
pub(super) struct Conn {
    /// Requests being answered.
    busy: AtomicU32,
    /// When it last started waiting (accepted, or answered): milliseconds since the
    /// registry started.
    waiting_since: AtomicU64,
    /// Notified when the registry closes it to make room.
    close: Notify,
    /// Whether the server has tried to read from it yet ([`Ticket::watch`]).
    read: AtomicBool,
}

/// What the registry's counters say, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ConnectionStats {
    pub(super) limit: usize,
    pub(super) open: usize,
    pub(super) accepted: u64,
    pub(super) evicted: u64,
    pub(super) refused: u64,
    pub(super) header_timeouts: u64,
}

impl Connections {
    /// At most `limit` open connections (at least 1).
    pub(super) fn new(limit: usize) -> Self {
        Connections {
            limit: limit.max(1),
            started: Instant::now(),
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            header_timeouts: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Registers a new connection; at the limit, first closes the connection waiting
    /// longest, preferring those the server has read from. `None` when every open
    /// connection is busy: the caller refuses it.
    pub(super) fn admit(self: &Arc<Self>) -> Option<Ticket> {
        let conn = Arc::new(Conn {
            busy: AtomicU32::new(0),
            waiting_since: AtomicU64::new(self.now_ms()),
            close: Notify::new(),
            read: AtomicBool::new(false),
        });
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        while open.len() >= self.limit {
            let victim = open
                .iter()
                .filter(|(_, c)| c.busy.load(Ordering::SeqCst) == 0)
                .min_by_key(|(_, c)| (!c.read.load(Ordering::SeqCst), c.waiting_since.load(Ordering::SeqCst)))
                .map(|(id, _)| *id);
            match victim.and_then(|id| open.remove(&id)) {
                Some(victim) => {
                    victim.close.notify_one();
                    self.evicted.fetch_add(1, Ordering::Relaxed);
                }
                None => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        open.insert(id, conn.clone());
        self.accepted.fetch_add(1, Ordering::Relaxed);
        Some(Ticket { id, conn, registry: self.clone() })
    }

    /// A connection ended because its client did not send a request head in time.
    pub(super) fn header_timed_out(&self) {
        self.header_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            limit: self.limit,
            open: self.open.lock().unwrap_or_else(|p| p.into_inner()).len(),
            accepted: self.accepted.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            header_timeouts: self.header_timeouts.load(Ordering::Relaxed),
        }
    }
}

/// A connection's place in the registry; dropping it (the connection ended) frees the
/// place.
#[derive(Debug)]
pub(super) struct Ticket {
    id: u64,
    conn: Arc<Conn>,
    registry: Arc<Connections>,
}

impl Ticket {
    /// Resolves when the registry closes this connection to make room.
    pub(super) async fn closed(&self) {
        self.conn.close.notified().await;
    }

    /// Whether a request is being answered on it.
    pub(super) fn busy(&self) -> bool {
        self.conn.busy.load(Ordering::SeqCst) > 0
    }

    /// Wraps the connection's socket so the registry knows once the server has tried to
    /// read from it.
    pub(super) fn watch<IO>(&self, io: IO) -> Watched<IO> {
        Watched { io, conn: self.conn.clone() }
    }

    /// Wraps the connection's service so its requests mark it busy.
    pub(super) fn track<S>(&self, inner: S) -> Tracked<S> {
        Tracked { inner, conn: self.conn.clone(), registry: self.registry.clone() }
    }

    pub(super) fn registry(&self) -> &Connections {
        &self.registry
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.registry.open.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

/// A connection's socket, marking the connection read from at its first read.
#[derive(Debug)]
pub(super) struct Watched<IO> {
    io: IO,
    conn: Arc<Conn>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if !this.conn.read.load(Ordering::Relaxed) {
            this.conn.read.store(true, Ordering::SeqCst);
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A connection's service, marking the connection busy from a request's arrival until
/// its answer is ready.
#[derive(Debug)]
pub(super) struct Tracked<S> {
    inner: S,
    conn: Arc<Conn>,
    registry: Arc<Connections>,
}

/// Marks the connection waiting again when dropped (answered, or the request dropped).
struct Busy {
    conn: Arc<Conn>,
    registry: Arc<Connections>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn.waiting_since.store(self.registry.now_ms(), Ordering::SeqCst);
        self.conn.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<S, R> hyper::service::Service<R> for Tracked<S>
where
    S: hyper::service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn call(&self, request: R) -> Self::Future {
        self.conn.busy.fetch_add(1, Ordering::SeqCst);
        let busy = Busy { conn: self.conn.clone(), registry: self.registry.clone() };
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            drop(busy);
            answer
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_connection_waiting_longest_makes_room_never_a_busy_one() {
        let registry = Arc::new(Connections::new(3));
        let slow = registry.admit().expect("1");
        std::thread::sleep(Duration::from_millis(5));
        let busy = registry.admit().expect("2");
        busy.conn.busy.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(5));
        let user = registry.admit().expect("3");
        assert_eq!(registry.stats().open, 3);
        // Full: the slow one (waiting since the start) goes, not the busy one.
        let fourth = registry.admit().expect("4");
        assert_eq!(registry.stats().open, 3);
        assert_eq!(registry.stats().evicted, 1);
        let notified =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt").block_on(async {
                let slow_closed = tokio::time::timeout(Duration::from_millis(100), slow.closed()).await.is_ok();
                let busy_closed = tokio::time::timeout(Duration::from_millis(20), busy.closed()).await.is_ok();
                (slow_closed, busy_closed)
            });
        assert_eq!(notified, (true, false));
        // All busy: refused.
        for ticket in [&user, &fourth] {
            ticket.conn.busy.fetch_add(1, Ordering::SeqCst);
        }
        assert!(registry.admit().is_none());
        assert_eq!(registry.stats().refused, 1);
        // A connection that ends frees its place.
        drop(user);
        assert_eq!(registry.stats().open, 2);
        assert!(registry.admit().is_some());
        drop(slow);
        assert_eq!(registry.stats().open, 2, "an evicted ticket's drop changes nothing");
    }

    #[test]
    fn a_connection_not_yet_read_from_is_closed_only_when_no_other_waits() {
        let registry = Arc::new(Connections::new(2));
        let fresh = registry.admit().expect("1");
        std::thread::sleep(Duration::from_millis(5));
        let trickling = registry.admit().expect("2");
        trickling.conn.read.store(true, Ordering::SeqCst);
        // `fresh` waits longer, but the server has not read it yet: `trickling` goes.
        let third = registry.admit().expect("3");
        let closed = |ticket: &Ticket| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("rt")
                .block_on(async { tokio::time::timeout(Duration::from_millis(20), ticket.closed()).await.is_ok() })
        };
        assert!(closed(&trickling));
        assert!(!closed(&fresh));
        // With none read from, the one waiting longest goes.
        let _fourth = registry.admit().expect("4");
        assert!(closed(&fresh));
        assert!(!closed(&third));
    }

    #[tokio::test]
    async fn watching_a_socket_marks_it_read_at_its_first_read() {
        use tokio::io::AsyncReadExt;
        let registry = Arc::new(Connections::new(1));
        let ticket = registry.admit().expect("1");
        let (client, server) = tokio::io::duplex(64);
        let mut watched = ticket.watch(server);
        assert!(!ticket.conn.read.load(Ordering::SeqCst));
        drop(client);
        let mut buf = Vec::new();
        watched.read_to_end(&mut buf).await.expect("read");
        assert!(ticket.conn.read.load(Ordering::SeqCst));
    }

    #[test]
    fn the_limit_stays_below_the_open_file_limit() {
        assert!(effective_limit(usize::MAX) < usize::MAX || !std::path::Path::new("/proc/self/limits").exists());
        assert_eq!(effective_limit(10), 10);
    }
}
