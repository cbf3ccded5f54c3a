// A result type with no conversion into an object.
#[mpy::function(positional)]
fn later() -> core::time::Duration {
    core::time::Duration::from_secs(1)
}

fn main() {}
