//! Contract tests (see `tests/*.rs`) and the client generated from the multi-operation
//! OpenAPI 3.1 fixture, compiled here to prove that the fixups yield a client that builds.

#[rustfmt::skip]
#[allow(dead_code, clippy::all)]
pub mod fixture_client;
