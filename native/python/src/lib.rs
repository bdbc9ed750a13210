//! `aerospike_py._native`: the private extension module behind the typed `aerospike_py` package.

use pyo3::prelude::*;

mod devserver;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<devserver::DevServer>()?;
    Ok(())
}
