//! SCAFFOLD: schedulers.
