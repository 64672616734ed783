async fn run() -> u32 {
    weft::select! {
        x = async { 1 } => x,
        else => 0,
        y = async { 2 } => y,
    }
}

fn main() {
    let _ = run();
}
