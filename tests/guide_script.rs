//! `scripts/guide.sh` walks the seed guide with real tools against a gateway it starts itself;
//! here it runs as part of the suite, once per mode. The upstream mode passes with SKIPPED when
//! `../shared` is absent.
//!
//! The script uses the example's fixed port 7183. Runs in this file take turns; where the machine
//! allows it (root with `unshare`), each run also gets a private network namespace, so that other
//! programs on the machine that use 7183 or 1883 do not meet it.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;

static FIXED_PORTS: Mutex<()> = Mutex::new(());

fn private_network_available() -> bool {
    Command::new("unshare")
        .args(["--net", "sh", "-c", "ip link set lo up"])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn run_guide(mode: &str) -> Output {
    let _turn = FIXED_PORTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("scripts/guide.sh");
    let zilla = env!("CARGO_BIN_EXE_zilla");
    let mut command = if private_network_available() {
        let mut command = Command::new("unshare");
        command.args([
            "--net",
            "sh",
            "-c",
            "ip link set lo up && exec bash \"$@\"",
            "sh",
        ]);
        command
    } else {
        eprintln!("note: no private network namespace here; the guide uses the host's ports");
        Command::new("bash")
    };
    command
        .arg(&script)
        .args([mode, zilla])
        .current_dir(root)
        .env_remove("RUST_LOG")
        .env_remove("MOSQUITTO_BROKER_HOST")
        .env_remove("MOSQUITTO_BROKER_PORT");
    let output = command.output().expect("bash runs scripts/guide.sh");
    eprintln!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn the_guide_script_passes_with_the_project_config_and_keys() {
    let output = run_guide("project");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("guide (project): token without scope: refused without a CONNACK"));
    assert!(stdout.contains("guide (project): the subscriber received: Hello, world"));
    assert!(stdout.contains("guide (project): PASSED"), "{stdout}");
}

#[test]
fn the_guide_script_passes_with_the_upstream_example_or_skips_without_it() {
    let output = run_guide("upstream");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    let present = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/upstream-examples/mqtt.proxy.jwt")
        .is_dir();
    if present {
        assert!(stdout.contains("guide (upstream): PASSED"), "{stdout}");
    } else {
        assert!(stdout.contains("guide (upstream): SKIPPED"), "{stdout}");
    }
}

#[test]
fn an_unknown_mode_is_a_usage_error() {
    let output = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/guide.sh"))
        .arg("nonesuch")
        .output()
        .expect("bash runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage:"));
}
