use mpy::Obj;

// The collector does not scan statics, so an `Obj` cannot be stored in one.
static LAST: Option<Obj> = None;

fn main() {
    let _ = &LAST;
}
