async fn run() {
    weft::select! {
        x = async { 1 } => x,
        y = async { 2 }
    }
}

fn main() {
    let _ = run();
}
