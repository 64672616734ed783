//! SCAFFOLD: time. Owned by the time work.
pub(crate) mod driver;
