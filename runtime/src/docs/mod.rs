//! Guides that go beyond the API reference.

#[doc = include_str!("coming_from_asyncio.md")]
pub mod coming_from_asyncio {}
