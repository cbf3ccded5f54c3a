use core::cell::Cell;

#[mpy::class]
struct Counter {
    n: Cell<i64>,
}

// Instances are shared: a method takes `&Counter`, never `&mut Counter` (mutate through
// `Cell`).
#[mpy::function(positional)]
fn reset(this: &mut Counter) {
    this.n.set(0);
}

// Nor by value: the instance belongs to Python.
#[mpy::function(positional)]
fn take(this: Counter) -> i64 {
    this.n.get()
}

fn main() {}
