//! The request/response exchanges the load generator speaks, one per [`Workload`]: what a
//! connection writes for its `n`th request, when the bytes read so far hold the whole response,
//! and whether that response is the right one. Written once, used by both client styles.

use super::Workload;
use crate::server::BODY;

/// One connection's side of a closed-loop protocol: one request, then its whole response, then
/// the next request.
#[derive(Debug)]
pub struct Exchange {
    workload: Workload,
    /// The connection's index: makes its requests (and so the right responses) its own.
    conn: usize,
    /// Requests made so far on this connection.
    seq: u64,
    /// The request in flight, kept to check an echo against.
    request: Vec<u8>,
}

/// The hello-world request: a keep-alive `GET /`.
const HELLO_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

/// Keys per connection of the key-value workload: each connection sets and reads back its own
/// few keys, all in the one shared map.
const KV_KEYS: u64 = 8;

impl Exchange {
    /// Connection `conn`'s exchange for `workload`.
    pub fn new(workload: Workload, conn: usize) -> Exchange {
        Exchange {
            workload,
            conn,
            seq: 0,
            request: Vec::new(),
        }
    }

    /// The next request's bytes.
    pub fn next_request(&mut self) -> &[u8] {
        let (conn, seq) = (self.conn, self.seq);
        self.seq += 1;
        let r = &mut self.request;
        match self.workload {
            Workload::Echo64 | Workload::Echo4k => {
                if r.is_empty() {
                    r.resize(self.workload.message_size(), 0);
                    for (i, b) in r.iter_mut().enumerate() {
                        *b = (i as u8).wrapping_mul(31).wrapping_add(conn as u8);
                    }
                }
                // The first 8 bytes are the request's number: a stale or misrouted echo shows.
                let n = r.len().min(8);
                r[..n].copy_from_slice(&seq.to_le_bytes()[..n]);
            }
            Workload::Hello => {
                if r.is_empty() {
                    r.extend_from_slice(HELLO_REQUEST);
                }
            }
            Workload::Kv => {
                // Even requests set key seq/2 % KV_KEYS to seq; odd ones read that key back.
                use std::io::Write as _;
                r.clear();
                let key = (seq / 2) % KV_KEYS;
                let _ = if seq % 2 == 0 {
                    writeln!(r, "SET c{conn}k{key} v{seq}")
                } else {
                    writeln!(r, "GET c{conn}k{key}")
                };
            }
        }
        &self.request
    }

    /// How many bytes the response to the request in flight has, once `buf` (the bytes read
    /// since it was written) holds all of it; `None` while more must be read.
    ///
    /// # Errors
    ///
    /// When `buf` cannot be the start of a valid response.
    pub fn response_len(&self, buf: &[u8]) -> Result<Option<usize>, String> {
        match self.workload {
            Workload::Echo64 | Workload::Echo4k => {
                Ok((buf.len() >= self.request.len()).then_some(self.request.len()))
            }
            Workload::Kv => Ok(buf.iter().position(|&b| b == b'\n').map(|i| i + 1)),
            Workload::Hello => {
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    return Ok(None);
                };
                let head =
                    std::str::from_utf8(&buf[..end]).map_err(|_| "a non-UTF-8 response head")?;
                if !head.starts_with("HTTP/1.1 200") {
                    return Err(format!("status line {:?}", head.lines().next()));
                }
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                    .ok_or("no content-length header")?
                    .1
                    .trim()
                    .parse::<usize>()
                    .map_err(|e| format!("content-length: {e}"))?;
                let total = end + 4 + length;
                Ok((buf.len() >= total).then_some(total))
            }
        }
    }

    /// Checks the whole response (`response_len` bytes) to the request in flight.
    ///
    /// # Errors
    ///
    /// When it is not the response that request must get.
    pub fn check(&self, response: &[u8]) -> Result<(), String> {
        let seq = self.seq - 1;
        let ok = match self.workload {
            Workload::Echo64 | Workload::Echo4k => response == self.request,
            Workload::Hello => response.ends_with(BODY),
            Workload::Kv if seq % 2 == 0 => response == b"OK\n",
            Workload::Kv => response == format!("VALUE v{}\n", seq - 1).as_bytes(),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "request {seq}: wrong response {:?}",
                String::from_utf8_lossy(&response[..response.len().min(80)])
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn echo_requests_differ_per_connection_and_request() {
        let mut a = Exchange::new(Workload::Echo64, 0);
        let mut b = Exchange::new(Workload::Echo64, 1);
        let a0 = a.next_request().to_vec();
        assert_eq!(a0.len(), 64);
        assert_ne!(a0, b.next_request());
        let a1 = a.next_request().to_vec();
        assert_ne!(a0, a1);
        assert_eq!(a0[8..], a1[8..]);
        assert_eq!(a.response_len(&a1[..63]), Ok(None));
        assert_eq!(a.response_len(&a1), Ok(Some(64)));
        assert!(a.check(&a1).is_ok());
        assert!(a.check(&a0).is_err());
        assert_eq!(
            Exchange::new(Workload::Echo4k, 0).next_request().len(),
            4096
        );
    }

    #[test]
    fn kv_requests_are_answered_by_the_servers_protocol() {
        let mut map = HashMap::new();
        for conn in 0..3 {
            let mut x = Exchange::new(Workload::Kv, conn);
            for _ in 0..40 {
                let request = String::from_utf8(x.next_request().to_vec()).unwrap();
                let mut reply = Vec::new();
                crate::server::kv::execute(&mut map, &request, &mut reply);
                assert_eq!(x.response_len(&reply[..reply.len() - 1]), Ok(None));
                assert_eq!(x.response_len(&reply), Ok(Some(reply.len())));
                x.check(&reply).unwrap();
                assert!(x.check(b"NONE\n").is_err());
            }
        }
        assert_eq!(map.len(), 3 * KV_KEYS as usize);
    }

    #[test]
    fn hello_responses_are_framed_by_content_length() {
        let mut x = Exchange::new(Workload::Hello, 0);
        assert_eq!(x.next_request(), HELLO_REQUEST);
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\ndate: x\r\n\r\nHello, World!";
        assert_eq!(x.response_len(&response[..20]), Ok(None));
        assert_eq!(x.response_len(&response[..response.len() - 1]), Ok(None));
        assert_eq!(x.response_len(response), Ok(Some(response.len())));
        x.check(response).unwrap();
        assert!(x.response_len(b"HTTP/1.1 500 Oops\r\n\r\n").is_err());
        assert!(x.response_len(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
    }
}
