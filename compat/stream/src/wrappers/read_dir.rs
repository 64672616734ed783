//! [`ReadDirStream`]: a weft directory listing as a stream.

use futures_core::Stream;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::fs::{DirEntry, ReadDir};

/// A [`weft::fs::ReadDir`] as a [`Stream`] of its entries (each read on weft's blocking pool),
/// ending after the last one.
#[derive(Debug)]
pub struct ReadDirStream {
    read_dir: ReadDir,
}

impl ReadDirStream {
    /// Wraps `read_dir`.
    pub fn new(read_dir: ReadDir) -> Self {
        ReadDirStream { read_dir }
    }

    /// Unwraps the listing; it goes on from the entry the stream would have yielded next.
    pub fn into_inner(self) -> ReadDir {
        self.read_dir
    }
}

impl Stream for ReadDirStream {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // `Ok(None)` is the end of the listing; an error is an item, as tokio-stream's.
        self.get_mut()
            .read_dir
            .poll_next_entry(cx)
            .map(Result::transpose)
    }
}

impl AsRef<ReadDir> for ReadDirStream {
    fn as_ref(&self) -> &ReadDir {
        &self.read_dir
    }
}

impl AsMut<ReadDir> for ReadDirStream {
    fn as_mut(&mut self) -> &mut ReadDir {
        &mut self.read_dir
    }
}
