//! A hierarchical timing wheel over `u64` millisecond ticks: a pure data structure, with no
//! clock, no lock and no `unsafe`. It holds wakers but never wakes one, except through
//! [`Expired::wake_all`], which the driver calls outside its lock.
//!
//! The design is tokio's: [`LEVELS`] levels of [`SLOTS`] slots; a slot of level `l` spans
//! `64^l` ticks, so the wheel covers `64^6` ticks (about 2.2 years of milliseconds) past
//! `elapsed`, the last tick it has processed. An entry whose deadline is later than `elapsed`
//! sits in the level given by the highest bit in which its deadline differs from `elapsed`, in the
//! slot given by its deadline's digit at that level. Each level keeps a 64-bit occupancy bitmap,
//! so finding the next occupied slot is a rotate and a count of trailing zeros. Advancing time
//! processes slots in deadline order: a slot's due entries move to the ready list and the others
//! cascade to a lower level. Deadlines beyond the wheel's range clamp to the last level and
//! cascade back into it until they come into range.
//!
//! Entries live in a slab (a `Vec` plus a free list); a [`Key`] names a slab index and the
//! generation of its occupant, so a stale key (its timer fired or was cancelled, the slot maybe
//! reused) is rejected rather than hitting a stranger's timer (generations are 32-bit: a stale
//! key could alias only after 2^32 reuses of its slab slot while its holder kept it). Each slot is a `Vec` of slab
//! indices, and each entry stores its position in that `Vec`, so cancel is a `swap_remove`: O(1).
//! Vectors keep their capacity, so in steady state a timer costs no allocation.
//!
//! Invariants (checked by `check_invariants` in tests):
//! - every live entry is in exactly one list (a slot or the ready list) at the position it
//!   records, and every list index names a live entry;
//! - a level's occupancy bit is set exactly when its slot's list is non-empty;
//! - an entry in a slot has `deadline > elapsed`, sits at `level_for(elapsed, deadline)` (its
//!   level's range clamped to the last one) and at `slot_for(deadline, level)`;
//! - an entry in the ready list has `deadline <= elapsed`: it fires at the next `poll_expired`;
//! - `elapsed` only grows, and never past the start of an occupied slot that was not processed,
//!   so no entry fires before its deadline and none is skipped.

use crate::runtime::user_code::catch_user_panic;
use std::task::Waker;

/// Levels of the wheel.
const LEVELS: usize = 6;
/// Slots per level (the bits of a `u64` occupancy bitmap).
const SLOTS: usize = 64;
/// log2(SLOTS).
const SLOT_BITS: usize = 6;
/// The ticks past `elapsed` that the wheel places exactly; later deadlines clamp.
const RANGE: u64 = 1 << (SLOT_BITS * LEVELS);
/// The list index of the ready list (the slot lists come first).
const READY: u32 = (LEVELS * SLOTS) as u32;
/// `Entry::list` of a free slab entry.
const FREE: u32 = u32::MAX;

/// `next_expiration` scans the earliest slot's deadlines when it holds at most this many
/// timers: a bounded cost per park, paid only when no timer is due in the current 64-tick block.
const EXACT_SCAN: usize = 64;

/// The number of expired timers handed out per [`Wheel::poll_expired`] call.
pub(crate) const BATCH: usize = 32;

/// Names one timer in a [`Wheel`]; stale once the timer fires or is cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    index: u32,
    generation: u32,
}

/// What [`Wheel::update_waker`] did.
#[derive(Debug)]
pub(crate) enum WakerUpdate {
    /// The stored waker already wakes the same task: nothing changed.
    Unchanged,
    /// The waker was replaced; the old one is returned so the caller drops it outside any lock.
    Replaced(Waker),
    /// The key is stale: the timer fired or was cancelled.
    Gone,
}

/// Expired timers collected under the wheel's owner's lock, to be woken after releasing it.
/// A fixed-capacity batch that lives on the stack.
#[derive(Debug)]
pub(crate) struct Expired {
    items: [Option<(Key, Waker)>; BATCH],
    len: usize,
}

impl Expired {
    pub(crate) fn new() -> Expired {
        Expired {
            items: std::array::from_fn(|_| None),
            len: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn is_full(&self) -> bool {
        self.len == BATCH
    }

    fn push(&mut self, key: Key, waker: Waker) {
        self.items[self.len] = Some((key, waker));
        self.len += 1;
    }

    /// Takes the collected timers out, leaving the batch empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (Key, Waker)> + '_ {
        let len = std::mem::replace(&mut self.len, 0);
        self.items[..len].iter_mut().filter_map(Option::take)
    }

    /// Wakes every collected timer and empties the batch; the number woken.
    ///
    /// A waker is user code, and the callers (a parked worker, the monitor, shutdown) must not
    /// unwind: a waker that panics is caught (the panic hook has reported it) and the rest of
    /// the batch is still woken, so that no other task loses its wake-up.
    pub(crate) fn wake_all(&mut self) -> usize {
        let mut woken = 0;
        for (_, waker) in self.drain() {
            catch_user_panic(|| waker.wake());
            woken += 1;
        }
        woken
    }
}

#[derive(Debug)]
struct Entry {
    deadline: u64,
    waker: Option<Waker>,
    generation: u32,
    /// The list holding this entry (`level * SLOTS + slot`, or `READY`), or `FREE`.
    list: u32,
    /// The position of this entry in its list.
    pos: u32,
}

/// The level an entry with `deadline > elapsed` belongs to.
fn level_for(elapsed: u64, deadline: u64) -> usize {
    let mut masked = (elapsed ^ deadline) | (SLOTS as u64 - 1);
    if masked >= RANGE {
        masked = RANGE - 1;
    }
    let significant = 63 - masked.leading_zeros() as usize;
    significant / SLOT_BITS
}

/// The slot of `deadline` in `level`.
fn slot_for(deadline: u64, level: usize) -> usize {
    ((deadline >> (level * SLOT_BITS)) as usize) & (SLOTS - 1)
}

/// A hierarchical timing wheel; see the module documentation.
#[derive(Debug)]
pub(crate) struct Wheel {
    /// The last tick processed: every deadline `<= elapsed` is in the ready list.
    elapsed: u64,
    entries: Vec<Entry>,
    free: Vec<u32>,
    /// `LEVELS * SLOTS` slot lists, then the ready list.
    lists: Vec<Vec<u32>>,
    occupied: [u64; LEVELS],
    /// An empty list with spare capacity, swapped with a slot's list while processing it.
    scratch: Vec<u32>,
    len: usize,
}

impl Wheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            entries: Vec::new(),
            free: Vec::new(),
            lists: (0..=READY).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS],
            scratch: Vec::new(),
            len: 0,
        }
    }

    /// The last tick processed.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// The number of pending timers.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no timer is pending.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Registers a timer that wakes `waker` once `poll_expired` reaches `deadline` (at the next
    /// `poll_expired` if `deadline <= elapsed`).
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> Key {
        let index = match self.free.pop() {
            Some(index) => {
                let entry = &mut self.entries[index as usize];
                entry.deadline = deadline;
                entry.waker = Some(waker);
                index
            }
            None => {
                let index = u32::try_from(self.entries.len()).expect("too many timers");
                assert!(index != FREE, "too many timers");
                self.entries.push(Entry {
                    deadline,
                    waker: Some(waker),
                    generation: 0,
                    list: FREE,
                    pos: 0,
                });
                index
            }
        };
        self.place(index);
        self.len += 1;
        Key {
            index,
            generation: self.entries[index as usize].generation,
        }
    }

    /// Removes a pending timer and returns its waker (to be dropped outside any lock); `None`
    /// (a no-op) if the key is stale.
    pub(crate) fn cancel(&mut self, key: Key) -> Option<Waker> {
        let index = self.lookup(key)?;
        self.unlink(index);
        Some(self.release(index))
    }

    /// Moves a pending timer to a new deadline, keeping its waker; `false` if the key is stale.
    pub(crate) fn reset(&mut self, key: Key, deadline: u64) -> bool {
        let Some(index) = self.lookup(key) else {
            return false;
        };
        self.unlink(index);
        self.entries[index as usize].deadline = deadline;
        self.place(index);
        true
    }

    /// Makes a pending timer wake `waker`, cloning it only if the stored one would not wake the
    /// same task.
    pub(crate) fn update_waker(&mut self, key: Key, waker: &Waker) -> WakerUpdate {
        let Some(index) = self.lookup(key) else {
            return WakerUpdate::Gone;
        };
        let slot = &mut self.entries[index as usize].waker;
        match slot {
            Some(stored) if stored.will_wake(waker) => WakerUpdate::Unchanged,
            _ => match slot.replace(waker.clone()) {
                Some(old) => WakerUpdate::Replaced(old),
                None => WakerUpdate::Unchanged,
            },
        }
    }

    /// The deadline of a pending timer; `None` if the key is stale (fired or cancelled).
    pub(crate) fn state(&self, key: Key) -> Option<u64> {
        self.lookup(key)
            .map(|index| self.entries[index as usize].deadline)
    }

    /// Advances to `now` (never backwards), moving every timer with `deadline <= now` out of the
    /// wheel into `out` (their keys go stale). Stops when `out` is full; returns `true` if it
    /// stopped because of that (more may be expired: call again), `false` once every expired
    /// timer was handed out.
    pub(crate) fn poll_expired(&mut self, now: u64, out: &mut Expired) -> bool {
        let now = now.max(self.elapsed);
        loop {
            if self.pop_ready(out) {
                return true;
            }
            match self.next_slot() {
                Some((level, slot, deadline)) if deadline <= now => {
                    self.process_slot(level, slot, deadline);
                }
                _ => {
                    self.elapsed = now;
                    return false;
                }
            }
        }
    }

    /// Removes every pending timer (whatever its deadline) into `out`; like `poll_expired`,
    /// returns `true` if `out` filled up before the wheel emptied.
    pub(crate) fn drain(&mut self, out: &mut Expired) -> bool {
        if self.pop_ready(out) {
            return true;
        }
        for level in 0..LEVELS {
            while self.occupied[level] != 0 {
                let slot = self.occupied[level].trailing_zeros() as usize;
                let list = level * SLOTS + slot;
                while let Some(&index) = self.lists[list].last() {
                    if out.is_full() {
                        return true;
                    }
                    let key = Key {
                        index,
                        generation: self.entries[index as usize].generation,
                    };
                    self.unlink(index);
                    let waker = self.release(index);
                    out.push(key, waker);
                }
            }
        }
        false
    }

    /// A tick at which `poll_expired` will fire or cascade something: never later than the
    /// earliest pending deadline, and equal to it when that timer is already due, is due within
    /// the current 64-tick block (level 0), or lies in a slot of at most [`EXACT_SCAN`] timers
    /// within the wheel's range (the slot's deadlines are then scanned); otherwise it is the start of that slot,
    /// where the wheel cascades. Advancing to it and asking again converges on the exact
    /// earliest deadline in at most `LEVELS` steps while every deadline is within the wheel's
    /// range; a deadline beyond it (over two years away) clamps to the last level and costs
    /// extra steps, each still moving time forward (the fuzz target `timer_wheel` checks both).
    /// `None` if no timer is pending.
    ///
    /// Why scan: the driver holder sleeps until this tick, and a slot boundary is a wake-up
    /// that fires nothing. A 10 ms interval crosses a level-1 boundary every 64 ms, so a
    /// runtime whose only work is that interval woke 116 times a second instead of 100
    /// (tokio's wheel does the same).
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if !self.lists[READY as usize].is_empty() {
            return Some(self.elapsed);
        }
        let (level, slot, start) = self.next_slot()?;
        let items = &self.lists[level * SLOTS + slot];
        // A level-0 slot spans one tick, its start is every entry's deadline. The last level
        // may hold clamped far-future entries, which make its first slot not the earliest; it
        // is over 12 days wide, so its boundaries cost nothing worth a scan.
        if level == 0 || level == LEVELS - 1 || items.len() > EXACT_SCAN {
            return Some(start);
        }
        // Every entry of a slot of level 1 to LEVELS - 2 has its deadline within the slot's
        // span, after `start`, and before any entry of a later slot or higher level.
        items
            .iter()
            .map(|&index| self.entries[index as usize].deadline)
            .min()
    }

    /// The index of the live entry `key` names.
    fn lookup(&self, key: Key) -> Option<u32> {
        let entry = self.entries.get(key.index as usize)?;
        (entry.generation == key.generation && entry.list != FREE).then_some(key.index)
    }

    /// Puts a slab entry (in no list) into the list its deadline calls for.
    fn place(&mut self, index: u32) {
        let deadline = self.entries[index as usize].deadline;
        if deadline <= self.elapsed {
            self.push_ready(index);
            return;
        }
        let level = level_for(self.elapsed, deadline);
        let slot = slot_for(deadline, level);
        self.occupied[level] |= 1 << slot;
        self.push(index, (level * SLOTS + slot) as u32);
    }

    fn push_ready(&mut self, index: u32) {
        self.push(index, READY);
    }

    fn push(&mut self, index: u32, list: u32) {
        let items = &mut self.lists[list as usize];
        let entry = &mut self.entries[index as usize];
        entry.list = list;
        entry.pos = items.len() as u32;
        items.push(index);
    }

    /// Takes an entry out of its list (it stays live in the slab).
    fn unlink(&mut self, index: u32) {
        let Entry { list, pos, .. } = self.entries[index as usize];
        let items = &mut self.lists[list as usize];
        debug_assert_eq!(items[pos as usize], index);
        items.swap_remove(pos as usize);
        if let Some(&moved) = items.get(pos as usize) {
            self.entries[moved as usize].pos = pos;
        }
        if list != READY && items.is_empty() {
            let (level, slot) = (list as usize / SLOTS, list as usize % SLOTS);
            self.occupied[level] &= !(1 << slot);
        }
    }

    /// Frees an unlinked entry's slab slot (its key goes stale) and returns its waker.
    fn release(&mut self, index: u32) -> Waker {
        let entry = &mut self.entries[index as usize];
        entry.list = FREE;
        entry.generation = entry.generation.wrapping_add(1);
        let waker = entry.waker.take().expect("a pending timer has a waker");
        self.free.push(index);
        self.len -= 1;
        waker
    }

    /// Moves ready entries into `out` until one of them runs out; `true` if `out` filled up
    /// while entries remain ready.
    fn pop_ready(&mut self, out: &mut Expired) -> bool {
        while let Some(&index) = self.lists[READY as usize].last() {
            if out.is_full() {
                return true;
            }
            self.lists[READY as usize].pop();
            let key = Key {
                index,
                generation: self.entries[index as usize].generation,
            };
            let waker = self.release(index);
            out.push(key, waker);
        }
        false
    }

    /// The earliest occupied slot: `(level, slot, the tick at which it must be processed)`.
    /// The lowest occupied level holds the earliest deadlines (an entry's level grows with the
    /// distance of its deadline from `elapsed`), so the first level with any entry decides.
    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        (0..LEVELS).find_map(|level| {
            let occupied = self.occupied[level];
            if occupied == 0 {
                return None;
            }
            let now_slot = ((self.elapsed >> (level * SLOT_BITS)) % SLOTS as u64) as u32;
            // An entry's digit at its level is above `elapsed`'s, so its slot lies after
            // `now_slot` in this rotation of the level...
            let ahead = occupied & (!0u64).checked_shl(now_slot + 1).unwrap_or(0);
            let slot = if ahead != 0 {
                ahead.trailing_zeros() as usize
            } else {
                // ...except a clamped far-future entry of the last level, whose slot may be at
                // or behind `now_slot`: it comes around in the next rotation (or a later one,
                // in which case it cascades back into the last level).
                debug_assert_eq!(level, LEVELS - 1);
                occupied.trailing_zeros() as usize
            };
            Some((level, slot, self.slot_tick(level, slot)))
        })
    }

    /// The tick at which slot `slot` of `level`, if occupied, is processed: its start in this
    /// rotation of the level if it lies after `elapsed`'s slot, else in the next rotation (only
    /// the last level's clamped entries sit there).
    fn slot_tick(&self, level: usize, slot: usize) -> u64 {
        let slot_range = 1u64 << (level * SLOT_BITS);
        let level_range = slot_range << SLOT_BITS;
        let start = (self.elapsed & !(level_range - 1)) + slot as u64 * slot_range;
        let now_slot = (self.elapsed >> (level * SLOT_BITS)) % SLOTS as u64;
        if slot as u64 > now_slot {
            start
        } else {
            start + level_range
        }
    }

    /// The tick at which `poll_expired` next acts on the pending timer `key`: `elapsed` if it
    /// is due, else the processing tick of the slot that holds it (where it fires, or cascades
    /// closer). Never after its deadline, and never after `next_expiration` would report for
    /// its slot, so the minimum over the timers is a lower bound of `next_expiration` (the
    /// time driver keeps one per shard to skip shards with nothing to do). `None` if stale.
    pub(crate) fn next_action(&self, key: Key) -> Option<u64> {
        let index = self.lookup(key)?;
        let list = self.entries[index as usize].list;
        if list == READY {
            return Some(self.elapsed);
        }
        let (level, slot) = (list as usize / SLOTS, list as usize % SLOTS);
        Some(self.slot_tick(level, slot))
    }

    /// Advances `elapsed` to the start of a slot and redistributes its entries: due ones to the
    /// ready list, the others to the lower level their remaining distance calls for.
    fn process_slot(&mut self, level: usize, slot: usize, deadline: u64) {
        debug_assert!(deadline > self.elapsed);
        self.elapsed = deadline;
        self.occupied[level] &= !(1 << slot);
        let list = level * SLOTS + slot;
        let mut items = std::mem::replace(&mut self.lists[list], std::mem::take(&mut self.scratch));
        for index in items.drain(..) {
            self.place(index);
        }
        self.scratch = items;
    }

    /// Asserts the invariants listed in the module documentation.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn check_invariants(&self) {
        let mut live = 0;
        for (list, items) in self.lists.iter().enumerate() {
            if list != READY as usize {
                let bit = self.occupied[list / SLOTS] >> (list % SLOTS) & 1;
                assert_eq!(bit == 1, !items.is_empty(), "occupancy of list {list}");
            }
            for (pos, &index) in items.iter().enumerate() {
                let entry = &self.entries[index as usize];
                assert_eq!((entry.list as usize, entry.pos as usize), (list, pos));
                assert!(entry.waker.is_some());
                if list == READY as usize {
                    assert!(entry.deadline <= self.elapsed);
                } else {
                    assert!(entry.deadline > self.elapsed);
                    let level = level_for(self.elapsed, entry.deadline);
                    assert_eq!(list, level * SLOTS + slot_for(entry.deadline, level));
                }
                live += 1;
            }
        }
        assert_eq!(live, self.len);
        assert_eq!(self.entries.len(), self.len + self.free.len());
        for &index in &self.free {
            assert_eq!(self.entries[index as usize].list, FREE);
        }
    }
}

#[cfg(test)]
mod tests;
