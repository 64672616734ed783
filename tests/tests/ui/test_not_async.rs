#[weft::test]
fn not_async() {}

fn main() {}
