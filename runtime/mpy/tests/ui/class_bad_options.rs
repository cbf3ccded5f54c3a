#[mpy::class(constructor)]
struct A;

#[mpy::class(methods = [1])]
struct B;

#[mpy::class(base = Exception)]
struct C;

#[mpy::class]
struct Generic<T>(T);

#[mpy::class]
fn not_a_type() {}

fn main() {}
