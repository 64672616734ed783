#[weft::test(flavor = "multi-thread")]
async fn misspelled() {}

fn main() {}
