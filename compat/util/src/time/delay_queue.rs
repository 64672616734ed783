//! [`DelayQueue`]: a queue of values, each yielded once its deadline has passed, on weft's timer.
//
// # Design
//
// tokio-util's queue keeps a timer wheel of its own; this one keeps its entries in a `Slab`
// and their order in a `Schedule` (a min-heap of `(deadline, insertion number, slot)` whose
// removals are lazy), and arms one weft `Sleep` for the first deadline. Deadlines are whole
// milliseconds after the queue's creation, rounded up (as tokio-util's), so an entry never
// comes out before its deadline.
//
// # Invariants
//
// - `schedule` holds one live `(when, seq, slot)` per entry of `entries` (see
//   `Schedule`), and every method that changes `entries` settles it before returning; so its
//   first element is the entry due first, ties broken by insertion (or last reset) order, and
//   `DelayQueue::peek` names the entry the next expiry returns.
// - Mutators never touch the timer. Any insert, remove, reset or clear that changes the first
//   deadline wakes the task that last polled the queue, whose next poll re-arms the timer for
//   the new first deadline (or drops it when the queue is empty). So no change of deadline
//   is missed, at the cost of at most one poll that finds nothing due.
// - `reached` (milliseconds since `start`) never decreases: it is the latest of the clock's
//   reading at a poll and a fired timer's deadline.

use super::schedule::{Schedule, Scheduled};
use super::{ms_ceil, ms_floor};
use futures_core::Stream;
use slab::Slab;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft::task::coop;
use weft::time::{sleep_until, Instant, Sleep};

/// The most entries a queue holds, as tokio-util's (whose keys pack into 30 bits): a queue
/// past it is a leak, better reported by a panic than by running out of memory.
const MAX_ENTRIES: usize = (1 << 30) - 1;

/// A queue of values, each yielded once its deadline has passed: tokio-util's `DelayQueue`,
/// on weft's timer.
///
/// [`insert`](DelayQueue::insert) or [`insert_at`](DelayQueue::insert_at) a value with its
/// deadline, and keep the returned [`Key`] to [`remove`](DelayQueue::remove) it or
/// [`reset`](DelayQueue::reset) its deadline. The queue is a [`Stream`] of [`Expired`] entries
/// in deadline order ([`poll_expired`](DelayQueue::poll_expired)); it ends (`None`) whenever it
/// is empty, and yields again after a later insert. Deadlines are rounded up to the
/// millisecond; entries with the same deadline come out in the order they were inserted or
/// last reset.
///
/// Its deadlines are weft's [`Instant`]s, so weft's paused test clock
/// (`#[weft::test(start_paused = true)]`, `time::advance`) drives it, and it needs no tokio
/// runtime. Unlike tokio-util's, whose wheel panics on deadlines more than about two years
/// ahead, any deadline is accepted.
///
/// ```
/// use std::future::poll_fn;
/// use std::time::Duration;
/// use weft_util::time::DelayQueue;
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let mut sessions = DelayQueue::new();
///     let alice = sessions.insert("alice", Duration::from_secs(30));
///     sessions.insert("bob", Duration::from_secs(10));
///     // Alice was active: her session lasts another minute from now.
///     sessions.reset(&alice, Duration::from_secs(60));
///
///     let start = weft::time::Instant::now();
///     // A program would say `sessions.next().await`, with tokio-stream's `StreamExt`.
///     let bob = poll_fn(|cx| sessions.poll_expired(cx)).await.unwrap();
///     assert_eq!((*bob.get_ref(), start.elapsed()), ("bob", Duration::from_secs(10)));
///     let alice = poll_fn(|cx| sessions.poll_expired(cx)).await.unwrap();
///     assert_eq!((alice.into_inner(), start.elapsed()), ("alice", Duration::from_secs(60)));
///     assert!(poll_fn(|cx| sessions.poll_expired(cx)).await.is_none());
/// }
/// ```
pub struct DelayQueue<T> {
    entries: Slab<Entry<T>>,
    keys: Keys,
    /// `(when, seq, slot)` of every entry, first due first.
    schedule: Schedule,
    /// Armed for the first deadline while a poll found nothing due.
    timer: Option<Sleep>,
    /// Deadlines are milliseconds after this instant.
    start: Instant,
    /// The milliseconds after `start` that the queue knows to have passed.
    reached: u64,
    next_seq: u64,
    /// The task that last polled the queue.
    waker: Option<Waker>,
}

struct Entry<T> {
    value: T,
    /// The deadline, in milliseconds after the queue's `start`.
    when: u64,
    /// Orders entries with the same deadline: the later insert or reset, the larger.
    seq: u64,
    /// The key handed out for this entry (its slot's number until a `compact`).
    key: Key,
}

/// Names an entry of a [`DelayQueue`], for [`DelayQueue::remove`], [`DelayQueue::reset`] and
/// [`DelayQueue::deadline`]. A key is valid until its entry expires or is removed; after that
/// the queue may hand the same key to a new entry, as tokio-util's does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    index: usize,
}

/// An entry that left a [`DelayQueue`], by expiring or by [`DelayQueue::remove`]: its value,
/// its deadline and its key.
#[derive(Debug)]
pub struct Expired<T> {
    data: T,
    deadline: Instant,
    key: Key,
}

/// The keys handed out, and the slots of `entries` that hold their entries.
///
/// Until the first `compact`, a key is its entry's slot and `moved` is `None`. `compact` moves
/// entries to fill the slab's holes, so from then on `moved` maps every live key to its slot;
/// a new entry takes its slot's number as key unless a live key already has that number, in
/// which case it takes the smallest number at or after `next_fresh` that none has.
struct Keys {
    moved: Option<HashMap<Key, usize>>,
    next_fresh: usize,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            moved: None,
            next_fresh: 0,
        }
    }

    /// The key for a new entry in `slot`, recorded.
    fn assign(&mut self, slot: usize) -> Key {
        let Some(moved) = &mut self.moved else {
            return Key { index: slot };
        };
        let mut key = Key { index: slot };
        while moved.contains_key(&key) {
            key = Key {
                index: self.next_fresh,
            };
            self.next_fresh = self.next_fresh.wrapping_add(1);
        }
        moved.insert(key, slot);
        key
    }

    /// The slot of `key`'s entry, if `key` is live (before a `compact`: if its slot is used).
    fn slot<T>(&self, key: Key, entries: &Slab<Entry<T>>) -> Option<usize> {
        match &self.moved {
            Some(moved) => moved.get(&key).copied(),
            None => entries.contains(key.index).then_some(key.index),
        }
    }

    fn release(&mut self, key: Key) {
        if let Some(moved) = &mut self.moved {
            moved.remove(&key);
        }
    }
}

impl<T> DelayQueue<T> {
    /// An empty queue. It allocates nothing until the first insert, and arms no timer until a
    /// poll finds nothing due, so it may be created outside a runtime.
    pub fn new() -> DelayQueue<T> {
        DelayQueue::with_capacity(0)
    }

    /// An empty queue with room for `capacity` entries before it allocates again.
    pub fn with_capacity(capacity: usize) -> DelayQueue<T> {
        DelayQueue {
            entries: Slab::with_capacity(capacity),
            keys: Keys::new(),
            schedule: Schedule::default(),
            timer: None,
            start: Instant::now(),
            reached: 0,
            next_seq: 0,
            waker: None,
        }
    }

    /// Inserts `value`, to expire `timeout` from now (any `timeout`: one past what `Instant`
    /// can hold is as good as never). Returns its key.
    #[track_caller]
    pub fn insert(&mut self, value: T, timeout: Duration) -> Key {
        self.insert_at(value, after(timeout))
    }

    /// Inserts `value`, to expire at `when` (at once if `when` has passed). Returns its key.
    ///
    /// # Panics
    ///
    /// If the queue already holds 2^30 - 1 entries (tokio-util's limit).
    #[track_caller]
    pub fn insert_at(&mut self, value: T, when: Instant) -> Key {
        assert!(self.entries.len() < MAX_ENTRIES, "max entries exceeded");
        let first = self.first_when();
        let when = self.millis_after_start(when);
        let seq = self.take_seq();
        let slot = self.entries.vacant_key();
        let key = self.keys.assign(slot);
        self.entries.insert(Entry {
            value,
            when,
            seq,
            key,
        });
        self.schedule.push((when, seq, slot));
        self.wake_if_first_changed(first);
        key
    }

    /// Removes the entry of `key` before it expires, and returns it.
    ///
    /// # Panics
    ///
    /// If `key` names no entry of this queue (it expired or was removed already).
    #[track_caller]
    pub fn remove(&mut self, key: &Key) -> Expired<T> {
        let slot = self.slot_or_panic(key);
        self.remove_slot(slot)
    }

    /// Removes the entry of `key` if it is still in the queue, as
    /// [`remove`](DelayQueue::remove) without the panic.
    pub fn try_remove(&mut self, key: &Key) -> Option<Expired<T>> {
        let slot = self.keys.slot(*key, &self.entries)?;
        Some(self.remove_slot(slot))
    }

    /// Moves the deadline of `key`'s entry to `timeout` from now.
    ///
    /// # Panics
    ///
    /// If `key` names no entry of this queue.
    #[track_caller]
    pub fn reset(&mut self, key: &Key, timeout: Duration) {
        self.reset_at(key, after(timeout));
    }

    /// Moves the deadline of `key`'s entry to `when` (at once if `when` has passed). Among
    /// entries with the same deadline, it now comes out last.
    ///
    /// # Panics
    ///
    /// If `key` names no entry of this queue.
    #[track_caller]
    pub fn reset_at(&mut self, key: &Key, when: Instant) {
        let slot = self.slot_or_panic(key);
        let first = self.first_when();
        let when = self.millis_after_start(when);
        let seq = self.take_seq();
        let entry = &mut self.entries[slot];
        (entry.when, entry.seq) = (when, seq);
        // The old element goes stale: the settle drops it if it was first.
        self.schedule.push((when, seq, slot));
        self.settle();
        self.wake_if_first_changed(first);
    }

    /// The deadline of `key`'s entry (rounded up to the millisecond).
    ///
    /// # Panics
    ///
    /// If `key` names no entry of this queue.
    #[track_caller]
    pub fn deadline(&self, key: &Key) -> Instant {
        let slot = self.slot_or_panic(key);
        self.instant_of(self.entries[slot].when)
    }

    /// The key of the entry that expires first (which the next expiry yields), if any.
    pub fn peek(&self) -> Option<Key> {
        let (_, _, slot) = self.schedule.first()?;
        Some(self.entries[slot].key)
    }

    /// Polls for the next entry whose deadline has passed: `Ready(Some(_))` with it,
    /// `Ready(None)` if the queue is empty, `Pending` otherwise (the task is woken when the
    /// first deadline passes, or when an insert, remove, reset or clear changes it).
    ///
    /// Each entry it yields spends a unit of the task's cooperative budget, as weft's other
    /// leaf futures do (tokio-util's does not): a task draining a queue with many entries due
    /// yields to the rest of the runtime once its budget is spent.
    pub fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<Option<Expired<T>>> {
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            self.waker = Some(cx.waker().clone());
        }
        let progress = std::task::ready!(coop::poll_proceed(cx));
        loop {
            let Some((when, _, slot)) = self.schedule.first() else {
                self.timer = None;
                progress.made_progress();
                return Poll::Ready(None);
            };
            let now = Instant::now().saturating_duration_since(self.start);
            self.reached = self.reached.max(ms_floor(now));
            if when <= self.reached {
                progress.made_progress();
                return Poll::Ready(Some(self.remove_slot(slot)));
            }
            let deadline = self.instant_of(when);
            let timer = match &mut self.timer {
                Some(timer) => {
                    if timer.deadline() != deadline {
                        Pin::new(&mut *timer).reset(deadline);
                    }
                    timer
                }
                None => self.timer.insert(sleep_until(deadline)),
            };
            std::task::ready!(Pin::new(timer).poll(cx));
            self.reached = self.reached.max(when);
        }
    }

    /// Removes every entry, and wakes the task that polled the queue if there were any.
    pub fn clear(&mut self) {
        let had_entries = !self.entries.is_empty();
        self.entries.clear();
        self.schedule.clear();
        self.keys = Keys::new();
        if had_entries {
            self.wake();
        }
    }

    /// How many entries the queue holds without allocating.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// How many entries the queue holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the queue holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Makes room for `additional` more entries.
    ///
    /// # Panics
    ///
    /// If the capacity would pass 2^30 - 1 entries (tokio-util's limit).
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) {
        let within_limit = self
            .capacity()
            .checked_add(additional)
            .is_some_and(|capacity| capacity <= MAX_ENTRIES);
        assert!(within_limit, "max queue capacity exceeded");
        self.entries.reserve(additional);
    }

    /// Gives back the memory of unused trailing capacity.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// Moves the entries to fill the holes that expired and removed ones left, and gives back
    /// the memory freed: afterwards [`capacity`](DelayQueue::capacity) is
    /// [`len`](DelayQueue::len). Every key handed out stays valid.
    pub fn compact(&mut self) {
        let moved = self.keys.moved.get_or_insert_with(|| {
            let live = self.entries.iter().map(|(slot, entry)| (entry.key, slot));
            live.collect()
        });
        self.entries.compact(|entry, _from, to| {
            moved.insert(entry.key, to);
            true
        });
        let live = self.entries.iter();
        self.schedule
            .rebuild(live.map(|(slot, entry)| (entry.when, entry.seq, slot)));
    }

    fn remove_slot(&mut self, slot: usize) -> Expired<T> {
        let first = self.first_when();
        let entry = self.entries.remove(slot);
        // Its element goes stale: the settle drops it if it was first.
        self.settle();
        self.keys.release(entry.key);
        self.wake_if_first_changed(first);
        Expired {
            deadline: self.instant_of(entry.when),
            data: entry.value,
            key: entry.key,
        }
    }

    #[track_caller]
    fn slot_or_panic(&self, key: &Key) -> usize {
        match self.keys.slot(*key, &self.entries) {
            Some(slot) => slot,
            None => panic!(
                "DelayQueue: {key:?} names no entry of this queue (it expired, was removed, \
                 or came from another queue)"
            ),
        }
    }

    fn first_when(&self) -> Option<u64> {
        self.schedule.first().map(|(when, _, _)| when)
    }

    /// Restores `schedule`'s invariants after `entries` changed.
    fn settle(&mut self) {
        let entries = &self.entries;
        let is_live = |(when, seq, slot): Scheduled| {
            entries
                .get(slot)
                .is_some_and(|entry| (entry.when, entry.seq) == (when, seq))
        };
        self.schedule.settle(entries.len(), is_live);
    }

    fn wake_if_first_changed(&mut self, before: Option<u64>) {
        if self.first_when() != before {
            self.wake();
        }
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn millis_after_start(&self, when: Instant) -> u64 {
        ms_ceil(when.saturating_duration_since(self.start))
    }

    fn instant_of(&self, when: u64) -> Instant {
        self.start
            .checked_add(Duration::from_millis(when))
            .unwrap_or_else(Instant::far_future)
    }
}

/// `timeout` from now; past what `Instant` can hold, as good as never (weft's timers' own
/// "never", `Instant::far_future`).
fn after(timeout: Duration) -> Instant {
    Instant::now()
        .checked_add(timeout)
        .unwrap_or_else(Instant::far_future)
}

// The queue never pins its values (it hands out `&T`, `&mut T` and `T`), so moving it is
// sound whatever `T` is; tokio-util's queue is `Unpin` for every `T` too.
impl<T> Unpin for DelayQueue<T> {}

impl<T> Default for DelayQueue<T> {
    fn default() -> DelayQueue<T> {
        DelayQueue::new()
    }
}

impl<T> Stream for DelayQueue<T> {
    type Item = Expired<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Expired<T>>> {
        self.get_mut().poll_expired(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Entries can be inserted while it is polled: no upper bound.
        (0, None)
    }
}

impl<T> fmt::Debug for DelayQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayQueue")
            .field("len", &self.len())
            .field(
                "next_deadline",
                &self.first_when().map(|w| self.instant_of(w)),
            )
            .finish_non_exhaustive()
    }
}

impl<T> Expired<T> {
    /// The value.
    pub fn get_ref(&self) -> &T {
        &self.data
    }

    /// The value, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Takes the value.
    pub fn into_inner(self) -> T {
        self.data
    }

    /// The entry's deadline (rounded up to the millisecond).
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The key the entry had.
    pub fn key(&self) -> Key {
        self.key
    }
}
