//! This server: being written.
