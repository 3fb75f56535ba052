//! The listener: accepts connections, at most `max_connections` at once, speaks HTTP/1.1 over
//! TCP or TLS (rustls), and closes clients that are slow or idle.
//!
//! - **Connection limit.** A permit is taken *before* `accept`, so beyond the limit connections
//!   wait in the kernel's listen backlog and hold no file descriptor of ours.
//! - **Header time-out** (`header_timeout_seconds`, 10 s): a client has that long to send a
//!   request's headers, counted from connecting (the TLS handshake included) and, on a kept-alive
//!   connection, from the first byte of each later request ([`HeadDeadline`]). A half-sent
//!   request, or a connection that sends nothing, is closed.
//! - **Idle time-out** (`idle_timeout_seconds`, 60 s): a kept-alive connection with no new
//!   request for that long is closed (hyper's header-read timer, which starts as soon as the
//!   connection is ready for the next request). The same time bounds each wait for more of a
//!   request body.
//! - **Shutdown.** On SIGINT or SIGTERM the listener stops accepting, and requests in flight get
//!   [`GRACE`] to finish.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::{AppState, Listening};

/// How long requests in flight get to finish once a shutdown signal arrives.
pub const GRACE: Duration = Duration::from_secs(30);

/// Serves until SIGINT or SIGTERM, then stops accepting and lets requests in flight finish.
/// With `tls_cert` and `tls_key` configured it speaks only HTTPS.
pub async fn serve(state: AppState, on_listen: impl FnOnce(Listening)) -> io::Result<()> {
    let listener = TcpListener::bind(state.config.listen).await?;
    serve_on(listener, state, on_listen, shutdown_signal()).await
}

/// [`serve`] on a listener already bound, until `shutdown` completes.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    on_listen: impl FnOnce(Listening),
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = state.config.clone();
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tokio_rustls::TlsAcceptor::from(
            crate::tls::server_config(cert, key)?,
        )),
        _ => None,
    };
    on_listen(Listening {
        addr: listener.local_addr()?,
        tls: tls.is_some(),
    });
    let app = crate::router(state);
    let header_timeout = Duration::from_secs(u64::from(config.header_timeout_seconds));
    let idle_timeout = Duration::from_secs(u64::from(config.idle_timeout_seconds));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(idle_timeout)
        .keep_alive(true);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.map_err(io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: not fatal.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The router as a hyper service for this connection, telling each request its peer.
        let service =
            hyper_util::service::TowerToHyperService::new(tower::ServiceExt::map_request(
                app.clone(),
                move |mut req: http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                },
            ));
        let http = http.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => {
                    let io = TokioIo::new(HeadDeadline::new(stream, header_timeout));
                    let _ = watcher.watch(http.serve_connection(io, service)).await;
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let io = TokioIo::new(HeadDeadline::new(stream, header_timeout));
                    let _ = watcher.watch(http.serve_connection(io, service)).await;
                }
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(GRACE) => {
            tracing::warn!("requests still in flight after the grace period were cut off");
        },
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Where a connection is in its request cycle, as far as the header deadline cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request's headers: the deadline runs. `tail` holds the last bytes seen, to find
    /// the blank line that ends the headers across reads.
    Head { tail: [u8; 3], seen: usize },
    /// The headers are in; the request is being read or answered.
    Request,
    /// The answer has started; the next byte read begins a new request.
    Between,
}

/// An I/O stream that fails a read with `TimedOut` when a request's headers take longer than the
/// header time-out: from the start (a new connection) or from the first byte of each later
/// request. Finding where the headers end needs no parsing: they end at the first blank line
/// (`\r\n\r\n`, or `\n\n`, which HTTP/1.1 parsers also accept).
#[derive(Debug)]
pub struct HeadDeadline<IO> {
    io: IO,
    limit: Duration,
    phase: Phase,
    sleep: Pin<Box<Sleep>>,
}

impl<IO> HeadDeadline<IO> {
    pub fn new(io: IO, limit: Duration) -> Self {
        HeadDeadline {
            io,
            limit,
            phase: Phase::Head {
                tail: [0; 3],
                seen: 0,
            },
            sleep: Box::pin(tokio::time::sleep(limit)),
        }
    }

    /// Follows the bytes just read through the phases.
    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.phase == Phase::Between {
            self.phase = Phase::Head {
                tail: [0; 3],
                seen: 0,
            };
            self.sleep.as_mut().reset(Instant::now() + self.limit);
        }
        let Phase::Head { tail, seen } = self.phase else {
            return;
        };
        // The previous tail (only what was really seen) and the new bytes, as one window.
        let keep = seen.min(3);
        let mut window = Vec::with_capacity(keep + bytes.len());
        window.extend_from_slice(&tail[3 - keep..]);
        window.extend_from_slice(bytes);
        let ended =
            window.windows(4).any(|w| w == b"\r\n\r\n") || window.windows(2).any(|w| w == b"\n\n");
        if ended {
            self.phase = Phase::Request;
            return;
        }
        let mut next = [0; 3];
        let n = window.len().min(3);
        next[3 - n..].copy_from_slice(&window[window.len() - n..]);
        self.phase = Phase::Head {
            tail: next,
            seen: seen + bytes.len(),
        };
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for HeadDeadline<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = buf.filled()[before..].to_vec();
                this.saw(&read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if matches!(this.phase, Phase::Head { .. }) {
                    ready!(this.sleep.as_mut().poll(cx));
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request's headers took too long",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for HeadDeadline<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let n = ready!(Pin::new(&mut this.io).poll_write(cx, buf))?;
        if n > 0 && this.phase == Phase::Request {
            this.phase = Phase::Between;
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let n = ready!(Pin::new(&mut this.io).poll_write_vectored(cx, bufs))?;
        if n > 0 && this.phase == Phase::Request {
            this.phase = Phase::Between;
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn read_some(s: &mut HeadDeadline<tokio::io::DuplexStream>) -> io::Result<Vec<u8>> {
        let mut buf = [0; 64];
        let n = s.read(&mut buf).await?;
        Ok(buf[..n].to_vec())
    }

    #[tokio::test(start_paused = true)]
    async fn a_half_sent_request_times_out_and_a_whole_one_does_not() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut s = HeadDeadline::new(server, Duration::from_secs(10));
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        read_some(&mut s).await.unwrap();
        let e = read_some(&mut s).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);

        let (mut client, server) = tokio::io::duplex(1024);
        let mut s = HeadDeadline::new(server, Duration::from_secs(10));
        // The blank line arrives split across two reads.
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r")
            .await
            .unwrap();
        read_some(&mut s).await.unwrap();
        client.write_all(b"\n").await.unwrap();
        read_some(&mut s).await.unwrap();
        assert_eq!(s.phase, Phase::Request);
        // Handling the request may take as long as it takes.
        let waited = tokio::time::timeout(Duration::from_secs(30), read_some(&mut s)).await;
        assert!(waited.is_err(), "no deadline while the request is handled");
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_restarts_at_the_first_byte_of_the_next_request() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut s = HeadDeadline::new(server, Duration::from_secs(10));
        client.write_all(b"GET / HTTP/1.1\n\n").await.unwrap();
        read_some(&mut s).await.unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        // Idle between requests: no header deadline (the idle time-out is hyper's).
        let idle = tokio::time::timeout(Duration::from_secs(30), read_some(&mut s)).await;
        assert!(idle.is_err());
        client.write_all(b"GET /next HTTP/1.1\r\n").await.unwrap();
        read_some(&mut s).await.unwrap();
        let started = Instant::now();
        let e = read_some(&mut s).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_sends_nothing_times_out() {
        let (_client, server) = tokio::io::duplex(1024);
        let mut s = HeadDeadline::new(server, Duration::from_secs(10));
        let e = read_some(&mut s).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }
}
