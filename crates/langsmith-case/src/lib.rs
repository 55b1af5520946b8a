//! The evidence of an erasure, as a library: the typed, versioned documents
//! `langsmith-examples` writes (`hard-delete --report`, `verify --report`, `select -o
//! json`) and reads back (`verify --from-report`), in [`evidence`].
//!
//! A workspace-wide case (find a person in every place, erase each copy, verify again)
//! is to live here too, on the same model: a run is a list of phases, each a list of
//! targets in one [`evidence::State`].

pub mod evidence;
