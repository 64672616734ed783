//! Building and entering a runtime: [`Builder`], [`Runtime`], [`Handle`].

mod builder;
pub(crate) mod context;
mod handle;
#[allow(clippy::module_inception)]
mod runtime;

pub use builder::Builder;
pub use handle::{Handle, TryCurrentError};
pub use runtime::Runtime;
