//! No allocation per operation: after a warm-up, a thousand TCP echo round trips (each read
//! waiting in the reactor for the other side's write) and a thousand UDP `send_to`/`recv_from`
//! round trips allocate nothing, and neither do a thousand `block_on` calls in a row. A global
//! allocator counts the allocations made on the test's own thread while counting is on; the
//! current-thread runtime runs everything there.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream, UdpSocket};

struct CountingAlloc;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the same arguments, which upholds
// `GlobalAlloc`'s contract; the counting touches only const-initialised thread-locals, which
// never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller's `layout` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller's `layout` is passed on unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through it) with
        // `layout`, as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Starts counting this thread's allocations, from zero.
fn start_counting() {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
}

/// Stops counting: the allocations made on this thread since `start_counting`.
fn stop_counting() -> usize {
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(Cell::get)
}

/// The allocations `f` makes on this thread.
async fn allocations_during<F: std::future::Future>(f: F) -> usize {
    start_counting();
    f.await;
    stop_counting()
}

const WARM_UP: usize = 100;
const MEASURED: usize = 1000;

fn runtime() -> weft::runtime::Runtime {
    weft::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `rounds` echo round trips of 64 bytes: the client's write, the server's read and write,
/// the client's read, joined in one task so that each read waits for the other's write.
async fn echo_rounds(client: &mut TcpStream, server: &mut TcpStream, rounds: usize) {
    let serve = async {
        let mut buf = [0u8; 64];
        for _ in 0..rounds {
            server.read_exact(&mut buf).await.unwrap();
            server.write_all(&buf).await.unwrap();
        }
    };
    let ask = async {
        let mut buf = [0u8; 64];
        for i in 0..rounds {
            let msg = [i as u8; 64];
            client.write_all(&msg).await.unwrap();
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf, msg);
        }
    };
    weft::join!(serve, ask);
}

#[test]
fn tcp_round_trips_allocate_nothing() {
    runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        echo_rounds(&mut client, &mut server, WARM_UP).await;
        let allocations = allocations_during(echo_rounds(&mut client, &mut server, MEASURED)).await;
        assert_eq!(allocations, 0, "allocations in {MEASURED} TCP round trips");
    });
}

async fn datagram_rounds(a: &UdpSocket, b: &UdpSocket, b_addr: SocketAddr, rounds: usize) {
    let serve = async {
        let mut buf = [0u8; 64];
        for _ in 0..rounds {
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            b.send_to(&buf[..n], from).await.unwrap();
        }
    };
    let ask = async {
        let mut buf = [0u8; 64];
        for i in 0..rounds {
            let msg = [i as u8; 48];
            a.send_to(&msg, b_addr).await.unwrap();
            let (n, _) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &msg[..]);
        }
    };
    weft::join!(serve, ask);
}

#[test]
fn udp_round_trips_allocate_nothing() {
    runtime().block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_addr = b.local_addr().unwrap();
        datagram_rounds(&a, &b, b_addr, WARM_UP).await;
        let allocations = allocations_during(datagram_rounds(&a, &b, b_addr, MEASURED)).await;
        assert_eq!(allocations, 0, "allocations in {MEASURED} UDP round trips");
    });
}

/// The allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    start_counting();
    f();
    stop_counting()
}

/// A thousand `block_on` calls, each of a future that yields once (so it waits for its waker),
/// allocate nothing on either flavor once the thread has made its first call; a `block_on` on
/// another runtime in between makes that one call allocate again, no more.
#[test]
fn block_on_in_a_loop_allocates_nothing() {
    let yield_once = || async {
        weft::task::yield_now().await;
        7
    };
    let multi = weft::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    for (flavor, rt) in [("current-thread", runtime()), ("multi-thread", multi)] {
        assert_eq!(rt.block_on(yield_once()), 7);
        let allocations = allocations_in(|| {
            for _ in 0..MEASURED {
                assert_eq!(rt.block_on(yield_once()), 7);
            }
        });
        assert_eq!(
            allocations, 0,
            "allocations in {MEASURED} {flavor} block_on calls"
        );
    }
    let (first, second) = (runtime(), runtime());
    first.block_on(yield_once());
    second.block_on(yield_once());
    let allocations = allocations_in(|| {
        for _ in 0..MEASURED {
            first.block_on(yield_once());
        }
    });
    assert!(allocations > 0, "switching runtimes makes a new waker");
    let switch = allocations;
    let allocations = allocations_in(|| {
        second.block_on(yield_once());
    });
    assert_eq!(allocations, switch, "one switch, one set of allocations");
}
