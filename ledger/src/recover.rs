//! Recovery: removing the torn final line an interrupted write leaves, and
//! nothing else (spec/ledger-format.md, "Recovery").

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use provedex_format::display::shell_word;
use provedex_format::{Error, LedgerErrorKind, MAX_LINE_BYTES, Reason, Result};
use provedex_verify::files::open_existing_ledger;
use provedex_verify::{ChainReport, Verifier};

use crate::files::{lock_exclusive, parent_dir, sync_dir};

/// What [`recover`] did. Exhaustive on purpose: the bindings mirror every
/// outcome, and an outcome added later must not reach them unmapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoverOutcome {
    /// The ledger had no torn final line; nothing was changed.
    NothingToRecover(ChainReport),
    /// The torn final line was copied to `backup` and cut off the ledger.
    Truncated {
        /// Where the removed line began, which is the ledger's new length.
        offset: u64,
        /// How many bytes were removed (and saved).
        removed_bytes: u64,
        /// Where the removed bytes were saved.
        backup: PathBuf,
        /// The verification of the ledger after the cut.
        report: ChainReport,
    },
}

/// Removes a torn final line from the ledger at `path`, after copying it to
/// `<file name>.torn-<offset>` beside the ledger (spec/ledger-format.md,
/// "Recovery"). Refuses, changing nothing, when a writer holds the lock,
/// when the ledger has any other finding, or when the final segment does not
/// look like an unfinished ledger line (a file that is not a ledger).
pub fn recover(path: impl AsRef<Path>) -> Result<RecoverOutcome> {
    let path = path.as_ref();
    // Read-only until a cut is needed: a read-only ledger with nothing to recover is fine.
    let file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    lock_exclusive(&file, path)?;
    let mut offset = 0;
    let report = Verifier::new()
        .on_event(|_, progress| offset = progress.bytes)
        .reader(BufReader::new(&file))
        .map_err(|e| Error::ledger_io(path, "read the ledger", e))?;
    let len = file.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?.len();
    let refuse = |why: String| {
        Error::ledger(
            LedgerErrorKind::Broken,
            format!("{}: refusing to recover: {why}. {}", path.display(), damage_advice(path, &report, offset)),
        )
    };
    match report.reason {
        None => return Ok(RecoverOutcome::NothingToRecover(report)),
        Some(Reason::TornTail) => {}
        Some(_) => {
            return Err(refuse(format!(
                "{}; only a torn final line can be removed, and this is not what an interrupted write leaves",
                report.message
            )));
        }
    }
    let mut torn = Vec::with_capacity((len - offset) as usize);
    (&file).seek(SeekFrom::Start(offset)).map_err(|e| Error::ledger_io(path, "read the torn line", e))?;
    (&file)
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_to_end(&mut torn)
        .map_err(|e| Error::ledger_io(path, "read the torn line", e))?;
    if let Err(why) = check_torn_line(&torn) {
        return Err(refuse(format!(
            "the final {} bytes at byte {offset} have no LF but do not look like an unfinished ledger line ({why}); \
             the file may not be a ledger",
            torn.len()
        )));
    }
    let writable = open_same_file_for_writing(path, &file)?;
    let backup = save_backup(path, offset, &torn, &file)?;
    writable.set_len(offset).map_err(|e| Error::ledger_io(path, "truncate the torn line", e))?;
    writable.sync_all().map_err(|e| Error::ledger_io(path, "sync the ledger", e))?;
    let report = (&file)
        .seek(SeekFrom::Start(0))
        .and_then(|_| Verifier::new().reader(BufReader::new(&file)))
        .map_err(|e| Error::ledger_io(path, "read the ledger", e))?;
    Ok(RecoverOutcome::Truncated { offset, removed_bytes: torn.len() as u64, backup, report })
}

/// Whether a final segment without LF looks like the start of a ledger line
/// that a writer did not finish (spec/ledger-format.md, "Recovery", step 3).
pub(crate) fn check_torn_line(segment: &[u8]) -> Result<(), &'static str> {
    if segment.first() != Some(&b'{') {
        return Err("it does not begin with '{'");
    }
    if segment.len() > MAX_LINE_BYTES {
        return Err("it is longer than a line can be");
    }
    let text = match std::str::from_utf8(segment) {
        Ok(text) => text,
        // An error without a length is a character cut off by the end of the input.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&segment[..e.valid_up_to()]).expect("valid prefix"),
        Err(_) => return Err("it is not UTF-8"),
    };
    if text.bytes().any(|b| b < 0x20) {
        return Err("it holds a control character");
    }
    Ok(())
}

/// What to do about damage that recovery must not repair: where the part
/// that verifies ends, and how to look at what follows it.
fn damage_advice(path: &Path, report: &ChainReport, good_bytes: u64) -> String {
    let shown = shell_word(path);
    if report.event_count == 0 {
        return format!("No line verifies. Look at the start of the file with `head -c 300 {shown} | od -c`");
    }
    let lines = match report.event_count {
        1 => "1 line".to_owned(),
        n => format!("{n} lines"),
    };
    format!(
        "The first {lines} ({good_bytes} bytes) verify. Look at what follows with \
         `tail -c +{} {shown} | head -c 300 | od -c`; to keep the verified part, copy it with \
         `head -c {good_bytes} {shown} > {verified}` and keep the original for the investigation",
        good_bytes + 1,
        verified = shell_word(&sibling(path, ".verified")),
    )
}

/// Opens `path` again for writing and checks it is still the file `locked` refers to.
fn open_same_file_for_writing(path: &Path, locked: &File) -> Result<File> {
    let writable = open_existing_ledger(path, OpenOptions::new().write(true))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (a, b) = (
            locked.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?,
            writable.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?,
        );
        if (a.dev(), a.ino()) != (b.dev(), b.ino()) {
            return Err(Error::ledger(
                LedgerErrorKind::Io,
                format!("{}: the file was replaced during recovery; nothing was changed", path.display()),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = locked;
    Ok(writable)
}

/// Writes the removed bytes to a new file beside the ledger, with the
/// ledger's permission bits, and syncs it. A copy that cannot be written
/// whole is removed again.
fn save_backup(ledger: &Path, offset: u64, bytes: &[u8], ledger_file: &File) -> Result<PathBuf> {
    let dir = parent_dir(ledger);
    let base = format!(".torn-{offset}");
    let mut options = OpenOptions::new();
    // create_new is O_CREAT|O_EXCL: it never follows a symbolic link at the name.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let metadata = ledger_file.metadata().map_err(|e| Error::ledger_io(ledger, "read the ledger's metadata", e))?;
        options.mode(metadata.permissions().mode() & 0o777);
    }
    #[cfg(not(unix))]
    let _ = ledger_file;
    for attempt in 0u32.. {
        let candidate = sibling(ledger, &if attempt == 0 { base.clone() } else { format!("{base}.{attempt}") });
        match options.open(&candidate) {
            Ok(mut file) => {
                let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| sync_dir(dir));
                if let Err(e) = written {
                    drop(file);
                    let _ = fs::remove_file(&candidate);
                    return Err(Error::ledger_io(
                        &candidate,
                        "write the backup of the torn line (the copy was removed; the ledger is unchanged)",
                        e,
                    ));
                }
                return Ok(candidate);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::ledger_io(&candidate, "create the backup of the torn line", e)),
        }
    }
    unreachable!("some backup name is free")
}

/// The path beside `ledger` whose name is the ledger's file name followed by `suffix`.
fn sibling(ledger: &Path, suffix: &str) -> PathBuf {
    let mut name = ledger.file_name().unwrap_or("ledger".as_ref()).to_os_string();
    name.push(suffix);
    ledger.with_file_name(name)
}
