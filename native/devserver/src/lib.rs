//! An in-memory server that speaks the Aerospike wire protocol.
//!
//! It exists so that clients (ours, the official C client, the Rust crate) can be exercised over
//! real TCP, with cluster discovery and partition routing, on machines without an Aerospike server.
//! It shares no code with the client crate: its truth is the protocol document and real clients.
//!
//! Start one with [`Cluster::start`] on a Tokio runtime; [`Cluster::addresses`] lists the nodes.

pub mod background;
pub mod batch;
pub mod cdt;
pub mod cluster;
pub mod command;
mod data_ops;
pub mod exp;
pub mod faults;
pub mod info;
pub mod message;
pub mod msgpack;
pub mod proto;
pub mod query;
pub mod reply_stream;
pub mod result_code;
pub mod server;
pub mod sindex;
pub mod store;
pub mod udf;
pub mod value;

pub use cluster::{Cluster, ClusterConfig};
pub use store::NamespaceConfig;
