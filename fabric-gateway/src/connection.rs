//! [`Connection`]: what every object of one gateway connection shares (the gRPC client,
//! the signing identity, the deadlines), and how its calls keep their deadlines.

use std::future::Future;
use std::time::Duration;

use nanotrace_protos::gateway::gateway_client::GatewayClient;
use tonic::transport::Channel;

use crate::error::RpcFailure;
use crate::identity::SigningIdentity;
use crate::options::Deadlines;

/// What every object of one gateway connection shares.
pub(crate) struct Connection {
    pub(crate) client: GatewayClient<Channel>,
    pub(crate) identity: SigningIdentity,
    pub(crate) deadlines: Deadlines,
}

/// A tonic request with the deadline sent to the server (`grpc-timeout`).
pub(crate) fn request<T>(message: T, deadline: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(deadline);
    request
}

/// Runs a call under a deadline enforced on this side too.
pub(crate) async fn with_deadline<T>(
    deadline: Duration,
    call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, RpcFailure> {
    let expired = || {
        RpcFailure::local(tonic::Code::DeadlineExceeded, format!("deadline of {} ms exceeded", deadline.as_millis()))
    };
    let started = std::time::Instant::now();
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        // tonic's own enforcement of `grpc-timeout` reports CANCELLED "Timeout expired";
        // gRPC (and Fabric's Go client) call that DEADLINE_EXCEEDED. A server that
        // enforces the same `grpc-timeout` may win the race and reset the stream, which
        // reaches us as CANCELLED ("h2 protocol error"), or as UNKNOWN with the transport
        // error under it ("stream no longer needed": the peer's RST_STREAM CANCEL, seen on
        // the real network): once the deadline has passed, either is the deadline too.
        Ok(Err(status))
            if status.code() == tonic::Code::Cancelled
                && (status.message() == "Timeout expired" || started.elapsed() >= deadline) =>
        {
            Err(expired())
        }
        Ok(Err(status))
            if status.code() == tonic::Code::Unknown
                && std::error::Error::source(&status).is_some()
                && started.elapsed() >= deadline =>
        {
            Err(expired())
        }
        Ok(Err(status)) => Err(RpcFailure::from_status(&status)),
        Err(_) => Err(expired()),
    }
}

#[cfg(test)]
mod tests {
    use super::with_deadline;
    use std::time::Duration;

    /// A call that fails with CANCELLED only after blocking past its deadline: the
    /// server's reset of an expired stream, which wins the race against our timer.
    async fn cancelled_after(block: Duration) -> Result<tonic::Response<()>, tonic::Status> {
        std::thread::sleep(block);
        Err(tonic::Status::cancelled("h2 protocol error: stream reset"))
    }

    #[tokio::test]
    async fn a_stream_reset_after_the_deadline_is_the_deadline() {
        let deadline = Duration::from_millis(5);
        let e = with_deadline(deadline, cancelled_after(Duration::from_millis(20))).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::DeadlineExceeded, "{e:?}");
    }

    /// The same reset as tonic reports it when h2 carries it: UNKNOWN "transport error"
    /// with the transport error as its source.
    async fn reset_after(block: Duration) -> Result<tonic::Response<()>, tonic::Status> {
        std::thread::sleep(block);
        let h2 = std::io::Error::other("http2 error: stream error received: stream no longer needed");
        Err(tonic::Status::from_error(Box::new(h2)))
    }

    #[tokio::test]
    async fn a_transport_reset_after_the_deadline_is_the_deadline_and_before_it_is_not() {
        let deadline = Duration::from_millis(5);
        let e = with_deadline(deadline, reset_after(Duration::from_millis(20))).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::DeadlineExceeded, "{e:?}");
        let e = with_deadline(Duration::from_secs(30), reset_after(Duration::ZERO)).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::Unknown, "{e:?}");
        assert!(e.message.contains("stream no longer needed"), "the cause is kept: {e:?}");
    }

    #[tokio::test]
    async fn a_cancellation_before_the_deadline_stays_a_cancellation() {
        let e = with_deadline(Duration::from_secs(30), cancelled_after(Duration::ZERO)).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::Cancelled, "{e:?}");
    }
}
