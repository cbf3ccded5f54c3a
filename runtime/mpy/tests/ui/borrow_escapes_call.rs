use mpy::Obj;

// An argument (and what is borrowed from it) lives only for the call: it cannot be
// returned as `'static`, nor kept in a static.
#[mpy::function(positional)]
fn keep<'a>(o: &'a Obj, s: &'a str) -> (&'static Obj, &'static str) {
    (o, s)
}

fn main() {}
