#[weft::main]
async fn main() -> Result<(), String> {
    println!("hello");
    42
}
