//! Writing to stdout and stderr without `println!`, which panics when the
//! write fails.
//!
//! When the reader of stdout goes away (`provedex show | head -1`), the
//! write fails with EPIPE (Rust ignores SIGPIPE). The process then ends at
//! once and quietly, as a Unix tool killed by SIGPIPE does, with the status a
//! shell shows for one: 141 (128 + 13). Any other failure to write stdout (a
//! full disk) is reported, exit 2. Failures to write stderr are ignored:
//! there is nowhere left to report them.

use std::io::{ErrorKind, Write};

/// The exit status after stdout's reader went away.
pub const BROKEN_PIPE: u8 = 141;

/// Writes `text` to `out` and flushes it; on failure ends the process as
/// the module says.
pub fn write_or_exit(out: &mut impl Write, text: impl AsRef<[u8]>) {
    if let Err(e) = out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE.into());
        }
        err(format!("error: cannot write to stdout: {e}\n"));
        std::process::exit(2);
    }
}

/// Writes `text` to stdout (see [`write_or_exit`]).
pub fn out(text: impl AsRef<[u8]>) {
    write_or_exit(&mut std::io::stdout().lock(), text);
}

/// Writes `text` to stderr, ignoring failures.
pub fn err(text: impl AsRef<[u8]>) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_ref()).and_then(|()| stderr.flush());
}
