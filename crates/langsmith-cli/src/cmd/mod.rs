//! One file per command: each parses nothing (`main.rs` does) and returns the run's exit
//! status, the highest rank of its phases' ([`crate::exit::ExitStatus::worst`]).

pub mod hard_delete;
pub mod select;
pub mod verify;
