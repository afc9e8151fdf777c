//! printer crate (being built).
