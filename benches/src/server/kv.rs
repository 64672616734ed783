//! The key-value server's line protocol, shared by the server (on both runtimes) and the load
//! generator.
//!
//! One request per line, one reply per request, each ending in `\n`:
//!
//! | request | reply |
//! |---|---|
//! | `SET <key> <value>` | `OK` |
//! | `GET <key>` | `VALUE <value>`, or `NONE` when the key was never set |
//! | anything else | `ERR <what>` |
//!
//! Keys and values are single words (no spaces). The map is a `HashMap<String, String>` that
//! the server shares between all connections behind its runtime's own async `Mutex`.

use std::collections::HashMap;

/// Runs one request line (with or without its `\n`) against `map` and appends the reply, with
/// its `\n`, to `reply`.
///
/// ```
/// use std::collections::HashMap;
/// use weft_benches::server::kv::execute;
///
/// let mut map = HashMap::new();
/// let mut reply = Vec::new();
/// execute(&mut map, "SET a 1\n", &mut reply);
/// execute(&mut map, "GET a\n", &mut reply);
/// execute(&mut map, "GET b\n", &mut reply);
/// assert_eq!(reply, b"OK\nVALUE 1\nNONE\n");
/// ```
pub fn execute(map: &mut HashMap<String, String>, line: &str, reply: &mut Vec<u8>) {
    let mut words = line.split_ascii_whitespace();
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("SET"), Some(key), Some(value), None) => {
            match map.get_mut(key) {
                Some(v) => {
                    v.clear();
                    v.push_str(value);
                }
                None => {
                    map.insert(key.to_owned(), value.to_owned());
                }
            }
            reply.extend_from_slice(b"OK\n");
        }
        (Some("GET"), Some(key), None, None) => match map.get(key) {
            Some(v) => {
                reply.extend_from_slice(b"VALUE ");
                reply.extend_from_slice(v.as_bytes());
                reply.push(b'\n');
            }
            None => reply.extend_from_slice(b"NONE\n"),
        },
        _ => reply.extend_from_slice(b"ERR expected SET <key> <value> or GET <key>\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(map: &mut HashMap<String, String>, line: &str) -> String {
        let mut reply = Vec::new();
        execute(map, line, &mut reply);
        String::from_utf8(reply).unwrap()
    }

    #[test]
    fn set_then_get_overwrites_and_misses() {
        let mut map = HashMap::new();
        assert_eq!(run(&mut map, "GET k\n"), "NONE\n");
        assert_eq!(run(&mut map, "SET k v1\n"), "OK\n");
        assert_eq!(run(&mut map, "GET k"), "VALUE v1\n");
        assert_eq!(run(&mut map, "SET k v22\r\n"), "OK\n");
        assert_eq!(run(&mut map, "GET k\n"), "VALUE v22\n");
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn malformed_requests_get_an_error_and_change_nothing() {
        let mut map = HashMap::new();
        for bad in [
            "",
            "\n",
            "DEL k\n",
            "SET k\n",
            "GET\n",
            "GET a b\n",
            "SET a b c\n",
            "get a\n",
        ] {
            assert!(run(&mut map, bad).starts_with("ERR "), "{bad:?}");
        }
        assert!(map.is_empty());
    }
}
