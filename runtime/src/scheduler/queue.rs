//! The run queues: crossbeam's work-stealing deque and injector, or a stand-in for models.
//!
//! Under loom and miri the scheduler runs on a stand-in with the same API (a `Mutex<VecDeque>`
//! from the loom facade), selected here and nowhere else:
//! - crossbeam's deque synchronises through its own `std` atomics and epoch-based
//!   reclamation, which loom cannot see (a model would explore nothing inside them and block on
//!   them for real);
//! - its slot reads are a deliberate benign race that miri reports (crossbeam tests itself
//!   with that check off).
//!
//! The real deque stays covered by the integration tests and by crossbeam's own suite; the
//! models check weft's protocol around it (the LIFO slot, stealing, parking), which is the same
//! code in both configurations.

#[cfg(not(any(all(test, loom), miri)))]
pub(crate) use crossbeam_deque::{Injector, Steal, Stealer, Worker};

#[cfg(any(all(test, loom), miri))]
pub(crate) use standin::{Injector, Steal, Stealer, Worker};

#[cfg(any(all(test, loom), miri))]
mod standin {
    use crate::loom::{lock, Arc, Mutex};
    use std::collections::VecDeque;

    /// Mirrors `crossbeam_deque::Steal`.
    #[derive(Debug)]
    pub(crate) enum Steal<T> {
        Empty,
        Success(T),
        #[allow(dead_code)]
        Retry,
    }

    /// How many tasks a batch steal moves at most (crossbeam moves up to half, capped).
    const BATCH: usize = 4;

    fn steal_batch_and_pop<T>(source: &Mutex<VecDeque<T>>, dest: &Worker<T>) -> Steal<T> {
        let mut source = lock(source);
        let Some(first) = source.pop_front() else {
            return Steal::Empty;
        };
        let extra = (source.len() / 2).min(BATCH);
        let mut dest = lock(&dest.queue);
        dest.extend(source.drain(..extra));
        Steal::Success(first)
    }

    #[derive(Debug)]
    pub(crate) struct Worker<T> {
        queue: Arc<Mutex<VecDeque<T>>>,
    }

    #[derive(Debug)]
    pub(crate) struct Stealer<T> {
        queue: Arc<Mutex<VecDeque<T>>>,
    }

    impl<T> Worker<T> {
        pub(crate) fn new_fifo() -> Worker<T> {
            Worker {
                queue: Arc::new(Mutex::new(VecDeque::new())),
            }
        }
        pub(crate) fn push(&self, task: T) {
            lock(&self.queue).push_back(task);
        }
        pub(crate) fn pop(&self) -> Option<T> {
            lock(&self.queue).pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            lock(&self.queue).is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            lock(&self.queue).len()
        }
        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer {
                queue: self.queue.clone(),
            }
        }
    }

    impl<T> Stealer<T> {
        pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
            steal_batch_and_pop(&self.queue, dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            lock(&self.queue).is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            lock(&self.queue).len()
        }
    }

    #[derive(Debug)]
    pub(crate) struct Injector<T> {
        queue: Mutex<VecDeque<T>>,
    }

    impl<T> Injector<T> {
        pub(crate) fn new() -> Injector<T> {
            Injector {
                queue: Mutex::new(VecDeque::new()),
            }
        }
        pub(crate) fn push(&self, task: T) {
            lock(&self.queue).push_back(task);
        }
        pub(crate) fn steal(&self) -> Steal<T> {
            match lock(&self.queue).pop_front() {
                Some(task) => Steal::Success(task),
                None => Steal::Empty,
            }
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
            steal_batch_and_pop(&self.queue, dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            lock(&self.queue).is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            lock(&self.queue).len()
        }
    }
}
