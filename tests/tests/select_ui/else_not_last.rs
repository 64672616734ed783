async fn run() -> u32 {
    weft::select! {
        else => 0,
        x = async { 1 } => x,
    }
}

fn main() {
    let _ = run();
}
