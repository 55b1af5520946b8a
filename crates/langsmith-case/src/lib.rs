//! The evidence of an erasure, as a library: the typed, versioned documents
//! `langsmith-examples` writes (`hard-delete --report`, `verify --report`, `select -o
//! json`) and reads back (`verify --from-report`), in [`evidence`].
//!
//! A workspace-wide case (find a person in every place, erase each copy, verify again)
//! lives in [`case`] (the model and its directory), [`find`] (the searches of every
//! place: examples, experiment traces, traces of every project, source runs, feedback,
//! share links; rules and exports as warnings), [`erase`] (each item re-read and
//! re-checked right before its deletion) and [`verify`] (every item read back, every
//! place searched again); the hash chain of its log and of the CLI's journal in
//! [`chain`]; durable writes in [`durable`].

pub mod case;
pub mod chain;
pub mod durable;
pub mod erase;
mod erase_more;
pub mod evidence;
pub mod find;
mod readback;
pub mod verify;
mod verify_more;
