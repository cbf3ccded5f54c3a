use mpy::{Module, PyResult};

// `constants = [...]` stores values from a frame that may be jumped over: none may own
// anything with a destructor.
#[mpy::module(no_panic_handler, no_allocator, constants = [NAME = String::new()])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}

fn main() {}
