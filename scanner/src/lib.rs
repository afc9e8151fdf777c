//! scanner crate (being built).
