#[mpy::function(bogus)]
fn a() {}

#[mpy::function(name = 42)]
fn b() {}

fn main() {}
