use mpy::{Module, PyResult};

#[mpy::module(nope, functions = [1 + 2], constants = [42])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}

fn main() {}
