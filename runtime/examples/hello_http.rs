//! A hyper 1.x HTTP/1 "Hello, World!" server on weft.
//!
//! ```sh
//! cargo run -p weft --features hyper --example hello_http [ADDRESS]   # default 127.0.0.1:3000
//! curl http://127.0.0.1:3000/
//! ```
//!
//! Each connection is served by its own task: hyper drives the HTTP/1 state machine over a
//! `weft::net::TcpStream` adapted by `weft::hyper::WeftIo`, with `WeftTimer` for its timeouts.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use weft::hyper::{WeftIo, WeftTimer};
use weft::net::TcpListener;

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!\n",
    ))))
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_string());
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, a connection reset before accept, ...: keep serving.
                eprintln!("accept failed: {e}");
                weft::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        weft::spawn(async move {
            let served = http1::Builder::new()
                .timer(WeftTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(WeftIo::new(stream), service_fn(hello))
                .await;
            if let Err(e) = served {
                eprintln!("connection from {peer}: {e}");
            }
        });
    }
}
