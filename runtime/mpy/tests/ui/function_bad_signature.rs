// Signatures a builtin function cannot have: every problem is reported in one compile.
#[mpy::function]
async fn fetch<T>((a, b): (i64, i64), t: T) -> i64 {
    a + b
}

struct Counter;

impl Counter {
    #[mpy::function]
    fn get(&self) -> i64 {
        0
    }
}

fn main() {}
