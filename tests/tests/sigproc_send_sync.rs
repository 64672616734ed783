//! The signal, process and stdio types are `Send + Sync + Unpin`, and their futures
//! `Send + Sync`, as tokio's are (so they can be held across `.await` in spawned tasks).

fn send_sync_unpin<T: Send + Sync + Unpin>() {}
fn send_sync<T: Send + Sync>(_: &T) {}

#[test]
fn types_are_send_sync_and_unpin() {
    send_sync_unpin::<weft::signal::unix::Signal>();
    send_sync_unpin::<weft::signal::unix::SignalKind>();
    send_sync_unpin::<weft::process::Command>();
    send_sync_unpin::<weft::process::Child>();
    send_sync_unpin::<weft::process::ChildStdin>();
    send_sync_unpin::<weft::process::ChildStdout>();
    send_sync_unpin::<weft::process::ChildStderr>();
    send_sync_unpin::<weft::io::Stdin>();
    send_sync_unpin::<weft::io::Stdout>();
    send_sync_unpin::<weft::io::Stderr>();
}

#[test]
fn futures_are_send_and_sync() {
    let runtime = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _entered = runtime.enter();
    send_sync(&weft::signal::ctrl_c());
    let mut listener = weft::signal::unix::signal(weft::signal::unix::SignalKind::from_raw(
        libc::SIGRTMIN() + 1,
    ))
    .unwrap();
    send_sync(&listener.recv());
    let mut child = weft::process::Command::new("true").spawn().unwrap();
    send_sync(&child.wait());
    send_sync(&child.kill());
    send_sync(&weft::process::Command::new("true").output());
    send_sync(&weft::process::Command::new("true").status());
    let child = weft::process::Command::new("true").spawn().unwrap();
    send_sync(&child.wait_with_output());
}
