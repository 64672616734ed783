async fn run() {
    weft::select! { biased; }
}

fn main() {
    let _ = run();
}
