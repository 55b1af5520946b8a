//! One file per command: each parses nothing (`main.rs` does) and returns the run's exit
//! code, decided by [`crate::exit::decide`] from its typed outcomes.

pub mod hard_delete;
pub mod select;
pub mod verify;
