//! `#[weft::main]` on `main` with a `Result` return type, `?` and an early `return`.

use std::error::Error;

#[weft::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n: u32 = "21".parse()?;
    let doubled = weft::spawn(async move { n * 2 }).await.unwrap();
    if doubled != 42 {
        return Err(format!("expected 42, got {doubled}").into());
    }
    Ok(())
}
