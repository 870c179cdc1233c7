//! Helpers shared by the anchor tests against the real servers.

pub mod edits;
