const N: usize = 4;

#[weft::main(worker_threads = N)]
async fn main() {}
