use mpy::Obj;

// The remaining positional arguments must be the last parameter...
#[mpy::function(positional)]
fn first(args: &[Obj], x: Obj) -> Obj {
    let _ = args;
    x
}

// ...and need a positional-only function.
#[mpy::function]
fn keywords(args: &[Obj]) -> usize {
    args.len()
}

fn main() {}
