//! Domain types (being built).
