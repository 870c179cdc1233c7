//! The client of this anchor: being written.
