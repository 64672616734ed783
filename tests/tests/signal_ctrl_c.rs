//! weft::signal::ctrl_c with real SIGINTs (its own binary: SIGINT is process-wide).

mod common;

use weft::runtime::Builder;

fn raise_interrupt() {
    // SAFETY: kill(2) with our own pid and a valid signal number has no memory effects.
    let result = unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
    assert_eq!(result, 0, "kill: {}", std::io::Error::last_os_error());
}

#[test]
fn ctrl_c_completes_once_per_interrupt_raised_after_its_first_poll() {
    common::guard(|| {
        let runtime = Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut completed = 0;
            for _ in 0..3 {
                let ctrl_c = weft::signal::ctrl_c();
                // The interrupt is raised by a task that runs only once `ctrl_c` has been
                // polled (and its listener made): the test task yields at the `.await`.
                weft::spawn(async { raise_interrupt() });
                ctrl_c.await.unwrap();
                completed += 1;
            }
            assert_eq!(completed, 3);
        });
    });
}
