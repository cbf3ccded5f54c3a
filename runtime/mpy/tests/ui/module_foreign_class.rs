use mpy::{Module, PyResult};

// `classes = [...]` lists this crate's `#[mpy::class]` types: a type from another crate
// (here `core`'s) is not a class, and the module could not mark it as built by its init.
#[mpy::module(no_panic_handler, no_allocator, classes = [core::time::Duration])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}

fn main() {}
