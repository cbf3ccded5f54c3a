// A parameter type with no conversion from an object.
#[mpy::function(positional)]
fn wait(d: core::time::Duration) -> u64 {
    d.as_secs()
}

fn main() {}
