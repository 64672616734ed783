//! [`GrpcTimeout`]: a request's deadline, the shorter of its `grpc-timeout` header and the
//! server's [`timeout`](super::Server::timeout). A request past it fails with
//! [`TimeoutExpired`], which tonic's `RecoverError` layer (outside this one) answers as the
//! status `CANCELLED`, "Timeout expired", as tonic's server does.

use http::{HeaderMap, Request};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tonic::TimeoutExpired;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The gRPC header that carries the client's deadline.
const GRPC_TIMEOUT: &str = "grpc-timeout";

/// The service that puts each request's deadline on it.
#[derive(Debug, Clone)]
pub(super) struct GrpcTimeout<S> {
    inner: S,
    server_timeout: Option<Duration>,
}

impl<S> GrpcTimeout<S> {
    pub(super) fn new(inner: S, server_timeout: Option<Duration>) -> GrpcTimeout<S> {
        GrpcTimeout {
            inner,
            server_timeout,
        }
    }
}

impl<S, B> Service<Request<B>> for GrpcTimeout<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // A malformed header is ignored, as tonic ignores it: the server's own limit holds.
        let client = client_timeout(request.headers()).unwrap_or(None);
        let deadline = match (client, self.server_timeout) {
            (Some(client), Some(server)) => Some(client.min(server)),
            (client, server) => client.or(server),
        };
        TimeoutFuture {
            inner: self.inner.call(request),
            sleep: deadline.map(|deadline| Box::pin(weft::time::sleep(deadline))),
        }
    }
}

pin_project! {
    /// A request's response, or [`TimeoutExpired`] at its deadline.
    pub(super) struct TimeoutFuture<F> {
        #[pin]
        inner: F,
        sleep: Option<Pin<Box<weft::time::Sleep>>>,
    }
}

impl<F, T, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(response) = this.inner.poll(cx) {
            return Poll::Ready(response.map_err(Into::into));
        }
        if let Some(sleep) = this.sleep {
            ready!(sleep.as_mut().poll(cx));
            return Poll::Ready(Err(TimeoutExpired(()).into()));
        }
        Poll::Pending
    }
}

/// The client's deadline from the `grpc-timeout` header: `Ok(None)` without one, `Err(())`
/// for one that breaks the gRPC spec's grammar (one to eight ASCII digits, then a unit: `H`
/// hours, `M` minutes, `S` seconds, `m` milliseconds, `u` microseconds, `n` nanoseconds).
fn client_timeout(headers: &HeaderMap) -> Result<Option<Duration>, ()> {
    let Some(value) = headers.get(GRPC_TIMEOUT) else {
        return Ok(None);
    };
    let value = value.as_bytes();
    let Some((&unit, digits)) = value.split_last() else {
        return Err(());
    };
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    // At most eight digits: the number and each product below fit in a u64.
    let amount = digits
        .iter()
        .fold(0u64, |amount, digit| amount * 10 + u64::from(digit - b'0'));
    let duration = match unit {
        b'H' => Duration::from_secs(amount * 3600),
        b'M' => Duration::from_secs(amount * 60),
        b'S' => Duration::from_secs(amount),
        b'm' => Duration::from_millis(amount),
        b'u' => Duration::from_micros(amount),
        b'n' => Duration::from_nanos(amount),
        _ => return Err(()),
    };
    Ok(Some(duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Result<Option<Duration>, ()> {
        let mut headers = HeaderMap::new();
        headers.insert(GRPC_TIMEOUT, value.parse().unwrap());
        client_timeout(&headers)
    }

    #[test]
    fn every_unit_of_the_spec_parses() {
        assert_eq!(parse("2H"), Ok(Some(Duration::from_secs(7200))));
        assert_eq!(parse("3M"), Ok(Some(Duration::from_secs(180))));
        assert_eq!(parse("4S"), Ok(Some(Duration::from_secs(4))));
        assert_eq!(parse("50m"), Ok(Some(Duration::from_millis(50))));
        assert_eq!(parse("60u"), Ok(Some(Duration::from_micros(60))));
        assert_eq!(parse("70n"), Ok(Some(Duration::from_nanos(70))));
        assert_eq!(
            parse("99999999H"),
            Ok(Some(Duration::from_secs(99_999_999 * 3600)))
        );
        assert_eq!(client_timeout(&HeaderMap::new()), Ok(None));
    }

    #[test]
    fn what_breaks_the_grammar_is_an_error() {
        for bad in [
            "",
            "S",
            "5",
            "5s",
            "5x",
            "123456789S",
            "-5S",
            "+5S",
            "5 S",
            "1.5S",
        ] {
            assert_eq!(parse(bad), Err(()), "{bad:?}");
        }
    }
}
