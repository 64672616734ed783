//! loom model of [`Serial`]: a request that finds the state busy is run by the busy thread,
//! so the last poll always sees the last event. A lost request shows as a stale final state.

use super::serial::Serial;
use crate::loom::{Arc, AtomicUsize, Ordering};
use loom::thread;

#[test]
fn loom_a_request_that_finds_the_state_busy_is_not_lost() {
    loom::model(|| {
        // The state records the number of events the last poll saw.
        let serial = Arc::new(Serial::new(0usize));
        let events = Arc::new(AtomicUsize::new(0));
        let requesters: Vec<_> = (0..2)
            .map(|_| {
                let (serial, events) = (serial.clone(), events.clone());
                thread::spawn(move || {
                    events.fetch_add(1, Ordering::SeqCst);
                    serial.run(|seen| -> Option<()> {
                        *seen = events.load(Ordering::SeqCst);
                        None
                    });
                })
            })
            .collect();
        for requester in requesters {
            requester.join().unwrap();
        }
        let last_seen = serial.run(|seen| Some(*seen));
        assert_eq!(last_seen, Some(2));
    });
}
