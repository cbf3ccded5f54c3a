use core::cell::Cell;

// The constructor must return the class (or `PyResult` of it).
#[mpy::class(constructor = make)]
struct Counter {
    n: Cell<i64>,
}

#[mpy::function(positional)]
fn make(start: i64) -> i64 {
    start
}

// A borrowed instance cannot be a new one either.
#[mpy::class(constructor = borrowed)]
struct Other;

static OTHER: Other = Other;

#[mpy::function(positional)]
fn borrowed() -> &'static Other {
    &OTHER
}

fn main() {}
