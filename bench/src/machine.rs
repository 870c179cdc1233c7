//! The machine a report was measured on: ratios travel between machines
//! better than times, but neither means much without the CPU and the disk.

use std::path::Path;

/// What the report says about the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub os: String,
    /// File system type of the directory the ledgers were written in: fsync's cost depends on it.
    pub filesystem: String,
}

impl Machine {
    /// Reads `/proc` and `/etc/os-release`; `unknown` for whatever is missing.
    pub fn detect(ledger_dir: &Path) -> Machine {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
        let distribution = os_name(&read("/etc/os-release")).unwrap_or_else(|| std::env::consts::OS.to_owned());
        let os = if kernel.is_empty() { distribution } else { format!("{distribution}, kernel {kernel}") };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let absolute = ledger_dir.canonicalize().unwrap_or_else(|_| ledger_dir.to_path_buf());
        Machine {
            cpu_model: cpu_model(&read("/proc/cpuinfo")).unwrap_or_else(|| "unknown".to_owned()),
            cores,
            os,
            filesystem: filesystem_type(&read("/proc/mounts"), &absolute).unwrap_or_else(|| "unknown".to_owned()),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "CPU: {} ({} cores available) · OS: {} · ledgers on: {}",
            self.cpu_model, self.cores, self.os, self.filesystem
        )
    }
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_owned())
    })
}

/// `PRETTY_NAME` of `/etc/os-release`.
pub fn os_name(os_release: &str) -> Option<String> {
    os_release.lines().find_map(|line| Some(line.strip_prefix("PRETTY_NAME=")?.trim_matches('"').to_owned()))
}

/// The file system type of the mount that holds `path`: the longest mount
/// point in `/proc/mounts` that is a prefix of it.
pub fn filesystem_type(mounts: &str, path: &Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let _device = fields.next()?;
            let mount_point = Path::new(fields.next()?);
            let fs_type = fields.next()?;
            path.starts_with(mount_point).then(|| (mount_point.as_os_str().len(), fs_type.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs_type)| fs_type)
}
