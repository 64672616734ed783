#[weft::main]
async fn main() -> Result<(), String> {
    let _n: u32 = "not a string";
    Ok(())
}
