//! `provedex-local-anchors` refuses what is not one folder before it starts
//! a server or creates anything: an option is never taken for a folder.

use std::process::Command;

fn run(args: &[&str], cwd: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_provedex-local-anchors")).args(args).current_dir(cwd).output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

#[test]
fn help_prints_the_usage_and_anything_but_one_folder_is_refused_creating_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    for help in ["--help", "-h"] {
        let (code, stdout, _) = run(&[help], cwd.path());
        assert_eq!(code, 0, "{help}");
        assert!(stdout.starts_with("usage: provedex-local-anchors DIR"), "{help}: {stdout}");
    }
    for refused in [&[][..], &["--dir"], &["-x"], &["a", "b"]] {
        let (code, stdout, stderr) = run(refused, cwd.path());
        assert_eq!((code, stdout.as_str()), (2, ""), "{refused:?}");
        assert!(stderr.starts_with("usage: provedex-local-anchors DIR"), "{refused:?}: {stderr}");
    }
    std::fs::write(cwd.path().join("file"), "x").unwrap();
    let (code, _, stderr) = run(&["file"], cwd.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("file: Not a directory"), "{stderr}");
    let (code, _, stderr) = run(&["."], cwd.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("is not empty"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["file"], "nothing was created");
}
