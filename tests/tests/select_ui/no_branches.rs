async fn run() {
    weft::select! {}
}

fn main() {
    let _ = run();
}
