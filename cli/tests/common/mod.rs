//! What the command tests share: a scratch HOME with keys and a ledger,
//! and the `provedex` binary run in it.

// Each test file uses the part it needs.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn arg(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// [`Dir::run`] with these environment variables set.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_provedex"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("PROVEDEX_KEY")
            .env_remove("PROVEDEX_LEDGER")
            // The anchors' secrets come from `env` only.
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("PROVEDEX_ETH_KEY")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// A 0600 key file with this seed; returns its path and public key.
    pub fn key(&self, name: &str, seed: u8) -> (String, String) {
        let path = self.path(name);
        fs::write(&path, [seed; 32]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let pubkey = self.run(&["pubkey", "--key", &self.arg(name)]).stdout.trim().to_owned();
        (self.arg(name), pubkey)
    }

    pub fn record(&self, key: &str, event: &str) -> Run {
        self.run(&["record", "--key", key, "--ledger", &self.arg("ledger.ndjson"), event])
    }

    pub fn write(&self, name: &str, text: &str) -> String {
        fs::write(self.path(name), text).unwrap();
        self.arg(name)
    }
}

pub fn bytes(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap()
}
