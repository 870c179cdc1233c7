//! The machine line of the report is read from /proc and /etc/os-release.

use std::path::Path;

use provedex_bench::machine::{cpu_model, filesystem_type, os_name};

#[test]
fn reads_the_cpu_model_os_and_file_system() {
    let cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
    assert_eq!(cpu_model(cpuinfo).as_deref(), Some("AMD EPYC 7B13"));
    assert_eq!(cpu_model("processor\t: 0\n"), None);

    let os_release = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
    assert_eq!(os_name(os_release).as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));

    let mounts = "/dev/vda / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n/dev/vdb /work xfs rw 0 0\n";
    assert_eq!(filesystem_type(mounts, Path::new("/work/main/target")).as_deref(), Some("xfs"));
    assert_eq!(filesystem_type(mounts, Path::new("/tmp/x")).as_deref(), Some("tmpfs"));
    assert_eq!(filesystem_type(mounts, Path::new("/workshop")).as_deref(), Some("ext4"));
}
