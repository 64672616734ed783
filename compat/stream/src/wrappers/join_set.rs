//! [`JoinSetStream`]: a weft join set as a stream of its tasks' outputs.

use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::task::{JoinError, JoinSet};

/// A [`weft::task::JoinSet`] as a [`Stream`] of its tasks' results, in the order they finish;
/// it ends when the set is empty (and starts again if tasks are added through
/// [`AsMut`]).
#[derive(Debug)]
pub struct JoinSetStream<T> {
    set: JoinSet<T>,
}

impl<T> JoinSetStream<T> {
    /// Wraps `set`.
    pub fn new(set: JoinSet<T>) -> Self {
        JoinSetStream { set }
    }

    /// Unwraps the set, with the tasks not yet yielded.
    pub fn into_inner(self) -> JoinSet<T> {
        self.set
    }
}

impl<T: 'static> Stream for JoinSetStream<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().set.poll_join_next(cx)
    }

    /// Exactly the tasks in the set: `(len, Some(len))`.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let tasks = self.set.len();
        (tasks, Some(tasks))
    }
}

impl<T> AsRef<JoinSet<T>> for JoinSetStream<T> {
    fn as_ref(&self) -> &JoinSet<T> {
        &self.set
    }
}

impl<T> AsMut<JoinSet<T>> for JoinSetStream<T> {
    fn as_mut(&mut self) -> &mut JoinSet<T> {
        &mut self.set
    }
}

impl<T> From<JoinSet<T>> for JoinSetStream<T> {
    fn from(set: JoinSet<T>) -> Self {
        JoinSetStream::new(set)
    }
}
