//! An in-memory server that speaks the Aerospike wire protocol.
//!
//! It exists so that clients (ours, the official C client, the Rust crate) can be exercised over
//! real TCP, with cluster discovery and partition routing, on machines without an Aerospike server.
//! It shares no code with the client crate: its truth is the protocol document and real clients.

pub mod msgpack;
pub mod result_code;
pub mod value;
