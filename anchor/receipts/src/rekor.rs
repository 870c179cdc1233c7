//! Receipts of this anchor type: being written.
