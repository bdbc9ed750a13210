//! `aerospike_py._native`: the private extension module behind the typed `aerospike_py` package.

mod batch;
mod bridge;
mod busy_poll;
mod client;
mod config;
mod convert;
mod core;
mod errors;
mod expressions;
mod fields;
mod gate;
mod index;
mod operations;
mod policy;
mod query;
mod reply;
mod runtime;
mod stream;
mod udf;

use pyo3::prelude::*;

mod devserver;

/// The worker count of this process's Tokio runtime, or None before the first connect.
#[pyfunction]
fn runtime_workers() -> Option<usize> {
    runtime::running_workers()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(runtime_workers, m)?)?;
    client::register(m)?;
    m.add_class::<devserver::DevServer>()?;
    Ok(())
}
