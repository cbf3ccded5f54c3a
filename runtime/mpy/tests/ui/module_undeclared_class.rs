use mpy::{Module, PyResult};

// A class listed in `classes = [...]` is built by the module's init, so it must declare its
// constructor or methods.
#[mpy::class]
struct Plain;

#[mpy::module(no_panic_handler, no_allocator, classes = [Plain])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}

fn main() {}
