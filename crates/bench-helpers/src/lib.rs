//! Benchmark programs for `cargo xtask bench` live in `src/bin/`; nothing here is for users.
