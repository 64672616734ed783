//! [`JoinMap`]: a weft `JoinSet` whose tasks are found by key, and report their key when done.
//!
//! Invariants: `entries` holds exactly the tasks of `tasks` that the map still owns (a task
//! replaced under its key, or detached, is no longer there, and its output is never reported);
//! `by_hash` lists each entry's task id under the hash of its key, exactly once. The key lives
//! only in `entries` (no `K: Clone`): a lookup by key hashes it, then compares the candidates.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;
use weft::runtime::Handle;
use weft::task::{AbortHandle, Id, JoinError, JoinSet, LocalSet};

/// A collection of tasks spawned on weft, each under a key: a spawn under a key that is taken
/// aborts the task there and replaces it (its output is never reported);
/// [`join_next`](JoinMap::join_next) returns each finished task's key with its output; tasks
/// are aborted by key, by predicate or all at once, and when the map is dropped.
///
/// tokio-util's `JoinMap` (its `join-map` feature there, `rt` here), over weft's `JoinSet`.
///
/// ```
/// use weft_util::task::JoinMap;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let mut map = JoinMap::new();
///     for name in ["a", "bb", "ccc"] {
///         map.spawn(name, async move { name.len() });
///     }
///     map.spawn("bb", async { 20 }); // replaces the first "bb" task
///     let mut done = Vec::new();
///     while let Some((key, output)) = map.join_next().await {
///         done.push((key, output.unwrap()));
///     }
///     done.sort();
///     assert_eq!(done, [("a", 1), ("bb", 20), ("ccc", 3)]);
/// });
/// ```
pub struct JoinMap<K, V, S = RandomState> {
    tasks: JoinSet<V>,
    entries: HashMap<Id, (K, AbortHandle)>,
    by_hash: HashMap<u64, Vec<Id>>,
    hash_builder: S,
}

impl<K, V> JoinMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        JoinMap::with_hasher(RandomState::new())
    }

    /// An empty map with room for `capacity` tasks before it reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        JoinMap::with_capacity_and_hasher(capacity, RandomState::new())
    }
}

impl<K, V, S> JoinMap<K, V, S> {
    /// An empty map that hashes keys with `hash_builder`.
    pub fn with_hasher(hash_builder: S) -> Self {
        JoinMap::with_capacity_and_hasher(0, hash_builder)
    }

    /// An empty map with room for `capacity` tasks, hashing keys with `hash_builder`.
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        JoinMap {
            tasks: JoinSet::new(),
            entries: HashMap::with_capacity(capacity),
            by_hash: HashMap::with_capacity(capacity),
            hash_builder,
        }
    }

    /// How many tasks the map holds (running, or finished and not yet joined).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map holds no task.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many tasks the map can hold before it reallocates its tables.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The keys of the tasks the map holds, in no particular order.
    pub fn keys(&self) -> JoinMapKeys<'_, K, V> {
        JoinMapKeys {
            entries: self.entries.values(),
            _value: PhantomData,
        }
    }

    /// Whether the map holds the task with id `task`.
    pub fn contains_task(&self, task: &Id) -> bool {
        self.entries.contains_key(task)
    }

    /// Makes room for `additional` more tasks.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
        self.by_hash.reserve(additional);
    }

    /// Shrinks the tables to what the map holds.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
        self.by_hash.shrink_to_fit();
    }

    /// Shrinks the tables to at least `min_capacity`.
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.entries.shrink_to(min_capacity);
        self.by_hash.shrink_to(min_capacity);
    }
}

impl<K, V, S> JoinMap<K, V, S>
where
    K: Hash + Eq,
    V: 'static,
    S: BuildHasher,
{
    /// Spawns `task` on the current weft runtime under `key`, aborting and replacing the task
    /// that was there (whose output [`join_next`](JoinMap::join_next) will not report).
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, key: K, task: F)
    where
        F: Future<Output = V> + Send + 'static,
        V: Send,
    {
        let handle = self.tasks.spawn(task);
        self.insert(key, handle);
    }

    /// [`spawn`](JoinMap::spawn) on `handle`'s runtime.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, key: K, task: F, handle: &Handle)
    where
        F: Future<Output = V> + Send + 'static,
        V: Send,
    {
        let handle = self.tasks.spawn_on(task, handle);
        self.insert(key, handle);
    }

    /// Runs `f` on the current runtime's blocking pool under `key` (replacing as `spawn` does).
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, key: K, f: F)
    where
        F: FnOnce() -> V + Send + 'static,
        V: Send,
    {
        let handle = self.tasks.spawn_blocking(f);
        self.insert(key, handle);
    }

    /// [`spawn_blocking`](JoinMap::spawn_blocking) on `handle`'s runtime.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, key: K, f: F, handle: &Handle)
    where
        F: FnOnce() -> V + Send + 'static,
        V: Send,
    {
        let handle = self.tasks.spawn_blocking_on(f, handle);
        self.insert(key, handle);
    }

    /// Spawns a `!Send` `task` on the current `LocalSet` under `key`.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, key: K, task: F)
    where
        F: Future<Output = V> + 'static,
    {
        let handle = self.tasks.spawn_local(task);
        self.insert(key, handle);
    }

    /// Spawns a `!Send` `task` on `local_set` under `key`.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, key: K, task: F, local_set: &LocalSet)
    where
        F: Future<Output = V> + 'static,
    {
        let handle = self.tasks.spawn_local_on(task, local_set);
        self.insert(key, handle);
    }

    /// Waits for the next task to finish and returns its key and output (a cancelled
    /// [`JoinError`] for an aborted one); `None` once the map is empty.
    pub async fn join_next(&mut self) -> Option<(K, Result<V, JoinError>)> {
        loop {
            let joined = self.tasks.join_next_with_id().await?;
            if let Some(done) = self.take_joined(joined) {
                return Some(done);
            }
        }
    }

    /// [`join_next`](JoinMap::join_next) without waiting: `None` if no task has finished.
    pub fn try_join_next(&mut self) -> Option<(K, Result<V, JoinError>)> {
        loop {
            let joined = self.tasks.try_join_next_with_id()?;
            if let Some(done) = self.take_joined(joined) {
                return Some(done);
            }
        }
    }

    /// Aborts every task and waits until each has finished.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Aborts the task under `key`; it stays until [`join_next`](JoinMap::join_next) reports
    /// it (a cancelled error, unless it finished first). Whether there was one.
    pub fn abort<Q>(&mut self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Eq,
        K: Borrow<Q>,
    {
        match self.find(key) {
            Some(id) => {
                self.entries[&id].1.abort();
                true
            }
            None => false,
        }
    }

    /// Aborts every task whose key `predicate` accepts (they stay until joined, as `abort`).
    pub fn abort_matching(&mut self, mut predicate: impl FnMut(&K) -> bool) {
        for (key, handle) in self.entries.values() {
            if predicate(key) {
                handle.abort();
            }
        }
    }

    /// Whether a task runs under `key`.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Eq,
        K: Borrow<Q>,
    {
        self.find(key).is_some()
    }

    /// Files a spawned task under `key`, aborting and forgetting the one that was there.
    fn insert(&mut self, key: K, handle: AbortHandle) {
        let hash = self.hash_builder.hash_one(&key);
        let replaced = self
            .find_hashed(hash, &key)
            .and_then(|old| self.remove(old));
        let id = handle.id();
        self.by_hash.entry(hash).or_default().push(id);
        self.entries.insert(id, (key, handle));
        // The new task is filed before the old key is dropped: a key whose `Drop` panics then
        // unwinds out of `spawn` with the old task aborted and the new one in the map, as in
        // tokio-util (dropping it earlier, with the new key still in hand, panicked twice).
        if let Some((old_key, old_handle)) = replaced {
            old_handle.abort();
            drop(old_key);
        }
    }

    /// The id of the task under `key`.
    fn find<Q>(&self, key: &Q) -> Option<Id>
    where
        Q: ?Sized + Hash + Eq,
        K: Borrow<Q>,
    {
        self.find_hashed(self.hash_builder.hash_one(key), key)
    }

    /// [`find`](JoinMap::find), given the key's hash.
    fn find_hashed<Q>(&self, hash: u64, key: &Q) -> Option<Id>
    where
        Q: ?Sized + Eq,
        K: Borrow<Q>,
    {
        let ids = self.by_hash.get(&hash)?;
        ids.iter()
            .copied()
            .find(|id| self.entries[id].0.borrow() == key)
    }

    /// Removes task `id`'s entry and its place in `by_hash`.
    fn remove(&mut self, id: Id) -> Option<(K, AbortHandle)> {
        let (key, handle) = self.entries.remove(&id)?;
        let hash = self.hash_builder.hash_one(&key);
        if let Some(ids) = self.by_hash.get_mut(&hash) {
            ids.retain(|other| *other != id);
            if ids.is_empty() {
                self.by_hash.remove(&hash);
            }
        }
        Some((key, handle))
    }

    /// The key and output of a joined task, or `None` for one the map no longer owns (replaced
    /// under its key, or detached), whose output is dropped.
    fn take_joined(
        &mut self,
        joined: Result<(Id, V), JoinError>,
    ) -> Option<(K, Result<V, JoinError>)> {
        let (id, output) = match joined {
            Ok((id, value)) => (id, Ok(value)),
            Err(error) => (error.id(), Err(error)),
        };
        let (key, _) = self.remove(id)?;
        Some((key, output))
    }
}

impl<K, V, S> JoinMap<K, V, S>
where
    V: 'static,
{
    /// Aborts every task; they stay until joined, each reporting a cancelled error (unless it
    /// finished first).
    pub fn abort_all(&mut self) {
        self.tasks.abort_all();
    }

    /// Lets every task run on without the map: none is aborted when the map is dropped, and
    /// none is reported by `join_next`.
    pub fn detach_all(&mut self) {
        self.tasks.detach_all();
        self.entries.clear();
        self.by_hash.clear();
    }
}

impl<K, V> Default for JoinMap<K, V> {
    fn default() -> Self {
        JoinMap::new()
    }
}

impl<K: fmt::Debug, V, S> fmt::Debug for JoinMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys and task ids; the outputs are not the map's to show (and need not be `Debug`).
        let tasks = self.entries.iter().map(|(id, (key, _))| (key, id));
        f.debug_map().entries(tasks).finish()
    }
}

/// The keys of a [`JoinMap`] ([`JoinMap::keys`]).
pub struct JoinMapKeys<'a, K, V> {
    entries: std::collections::hash_map::Values<'a, Id, (K, AbortHandle)>,
    _value: PhantomData<&'a V>,
}

impl<'a, K, V> Iterator for JoinMapKeys<'a, K, V> {
    type Item = &'a K;

    fn next(&mut self) -> Option<&'a K> {
        self.entries.next().map(|(key, _)| key)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<K, V> ExactSizeIterator for JoinMapKeys<'_, K, V> {}

impl<K, V> std::iter::FusedIterator for JoinMapKeys<'_, K, V> {}

impl<K: fmt::Debug, V> fmt::Debug for JoinMapKeys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.clone().map(|(key, _)| key))
            .finish()
    }
}
