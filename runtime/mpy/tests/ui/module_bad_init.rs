use mpy::PyResult;

// The init function takes the module.
#[mpy::module(no_panic_handler)]
fn init() -> PyResult<()> {
    Ok(())
}

fn main() {}
