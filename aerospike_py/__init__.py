"""An Aerospike client with a native Rust core (the official `aerospike` crate on Tokio)."""

from aerospike_py._native import __version__

__all__ = ["__version__"]
