//! The task's `Waker`: a pointer to the header plus one reference.
//!
//! One static `RawWakerVTable` serves every task; it reaches the task's own functions through
//! `Header::vtable`.

use super::raw::Header;
use super::state::ToNotified;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that borrows the runner's reference instead of owning one: valid while the task
/// is being polled. Cloning it takes a reference of its own.
pub(super) fn borrowed(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(ptr.as_ptr().cast_const().cast(), &WAKER_VTABLE);
    // SAFETY: the vtable's functions uphold the `RawWaker` contract for task headers, and
    // `ManuallyDrop` keeps this borrowed waker from dropping a reference it does not own.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// # Safety
/// `data` is the header of a live task whose reference the caller holds.
unsafe fn header<'a>(data: *const ()) -> (&'a Header, NonNull<Header>) {
    // SAFETY: every waker built here carries a non-null task header pointer, kept alive by
    // the waker's reference (or the runner's, for a borrowed waker).
    let ptr = unsafe { NonNull::new_unchecked(data.cast_mut().cast::<Header>()) };
    // SAFETY: as above: the header is alive while we hold a reference.
    (unsafe { ptr.as_ref() }, ptr)
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` comes from a waker of a live task.
    let (header, _) = unsafe { header(data) };
    header.state.ref_inc();
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `data` comes from an owned waker, whose reference we now consume.
    let (header, ptr) = unsafe { header(data) };
    match header.state.transition_to_notified_by_val() {
        // SAFETY: our reference moved into the `Notified` that `schedule` submits.
        ToNotified::Submit => unsafe { (header.vtable.schedule)(ptr) },
        // SAFETY: our reference was the last one.
        ToNotified::Dealloc => unsafe { (header.vtable.dealloc)(ptr) },
        ToNotified::DoNothing => {}
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: `data` comes from a live waker; the transition counted a new reference for the
    // `Notified` if it asks us to submit one.
    let (header, ptr) = unsafe { header(data) };
    if header.state.transition_to_notified_by_ref() == ToNotified::Submit {
        // SAFETY: the transition took a reference for this `Notified`.
        unsafe { (header.vtable.schedule)(ptr) }
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: `data` comes from an owned waker, whose reference we drop.
    let (header, ptr) = unsafe { header(data) };
    if header.state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { (header.vtable.dealloc)(ptr) }
    }
}
