//! The image's filesystem contract (docker/Dockerfile, docker/compose.yaml), checked without a
//! Docker engine: in a private mount (and network) namespace, temp folders are bind-mounted over
//! `/opt/zilla`, `/etc/zilla` and `/var/run/zilla` and laid out as the image lays them out; the
//! gateway starts as the image starts it (`/opt/zilla/zilla start -v -e`, no `-c`, as the image's
//! non-root user) and the upstream healthcheck commands run in the same namespace.
//!
//! Needs root and `unshare`/`nsenter` (util-linux): without them these tests fail, they do not
//! skip. Mount points missing on the machine (`/opt/zilla`, `/etc/zilla`, `/var/run/zilla`) are
//! created as empty folders and removed afterwards; nothing is ever mounted outside the namespace.

mod image_support;
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use image_support::{compose_zilla_service, project, read, Gateway, Namespace, IMAGE_UID};
use support::jwt::mint;
use support::wait_until;
use zilla_gateway::properties::Properties;
use zilla_gateway::settings;

/// The namespaces are private, but the mount points on the machine are shared: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The healthchecks of the upstream compose files, current and 0.9.
const READY_CHECK: [&str; 3] = ["sh", "-c", "test -f /var/run/zilla/ready"];
const PORT_CHECK: [&str; 3] = ["bash", "-c", "echo -n '' > /dev/tcp/127.0.0.1/7183"];

const ECHO_CONFIG: &str = "\
name: image-contract
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 0.0.0.0
      port: 7183
    exit: north_echo_server
  north_echo_server:
    type: echo
    kind: server
";

#[test]
fn the_image_layout_starts_without_arguments_and_passes_both_healthchecks() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let namespace = Namespace::new();
    namespace.install_image_files();
    fs::write(namespace.etc().join("zilla.yaml"), ECHO_CONFIG).expect("config");

    assert!(!namespace.probe(&READY_CHECK), "ready before the start");
    assert!(!namespace.probe(&PORT_CHECK), "7183 open before the start");

    // `zilla` on PATH is a link to /opt/zilla/zilla; the properties beside the real binary
    // still apply, so `validate` finds /etc/zilla/zilla.yaml without -c.
    let links = namespace.scratch().join("bin");
    fs::create_dir_all(&links).expect("bin");
    std::os::unix::fs::symlink("/opt/zilla/zilla", links.join("zilla")).expect("link");
    let validated = namespace
        .command("sh")
        .arg("-c")
        .arg(format!(
            "PATH={}:/usr/bin:/bin zilla validate",
            links.display()
        ))
        .output()
        .expect("validate");
    assert!(validated.status.success(), "{validated:?}");
    assert_eq!(String::from_utf8_lossy(&validated.stdout).trim(), "OK");

    let mut gateway = namespace.start_gateway(&["start", "-v", "-e"], &[], "echo");
    gateway.wait_ready(&namespace.ready_file());
    assert!(namespace.probe(&READY_CHECK), "{}", gateway.output());
    assert!(namespace.probe(&PORT_CHECK), "{}", gateway.output());
    assert!(namespace.probe(&[
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/7183; echo hello >&3; read -t 5 line <&3; [ \"$line\" = hello ]",
    ]));
    // -v prints the config as written.
    assert!(gateway.output().contains("north_echo_server"));

    let status = gateway.terminate();
    assert!(status.success(), "{status:?}\n{}", gateway.output());
    assert!(!namespace.ready_file().exists());
    assert!(!namespace.probe(&READY_CHECK), "ready after the stop");
    assert!(!namespace.probe(&PORT_CHECK), "7183 open after the stop");
}

#[test]
fn a_stale_ready_file_does_not_outlive_a_start_that_fails() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let namespace = Namespace::new();
    namespace.install_image_files();
    fs::write(
        namespace.etc().join("zilla.yaml"),
        ECHO_CONFIG.replace("exit: north_echo_server", "exit: nonesuch_server"),
    )
    .expect("config");
    fs::write(namespace.ready_file(), "stale\n").expect("stale ready file");
    assert!(namespace.probe(&READY_CHECK));

    let mut gateway = namespace.start_gateway(&["start", "-v", "-e"], &[], "stale");
    let status = gateway
        .exited_within(Duration::from_secs(15))
        .expect("a config that cannot start ends the process");
    assert!(!status.success());
    assert!(
        gateway.output().contains("nonesuch_server"),
        "{}",
        gateway.output()
    );
    assert!(!namespace.ready_file().exists());
    assert!(!namespace.probe(&READY_CHECK));
    assert!(!namespace.probe(&PORT_CHECK));
}

#[test]
fn the_compose_service_reads_as_the_upstream_one() {
    let service = compose_zilla_service();
    let env = |name: &str| {
        service
            .environment
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(env("KEYSTORE_PASSWORD"), Some("zilla-local"));
    assert_eq!(env("MOSQUITTO_BROKER_HOST"), Some("mosquitto"));
    assert_eq!(env("MOSQUITTO_BROKER_PORT"), Some("1883"));
    assert_eq!(service.command, ["start", "-v", "-e"]);
    assert_eq!(service.healthcheck, READY_CHECK);
    assert!(service.volumes.contains(&(
        "../zilla.yaml".to_owned(),
        "/etc/zilla/zilla.yaml".to_owned()
    )));
    // The config names its keystore relative to its own folder.
    assert!(read(&project().join("zilla.yaml")).contains("store: etc/tls/localhost.p12"));
    assert!(service
        .volumes
        .iter()
        .any(|(source, target)| source == "../etc/tls" && target == "/etc/zilla/etc/tls"));

    let Some(shared) = support::shared() else {
        return;
    };
    let example = shared.join("upstream-examples/mqtt.proxy.jwt");
    let quoted = |argv: &[&str]| {
        let inner: Vec<String> = argv.iter().map(|arg| format!("{arg:?}")).collect();
        format!("[\"CMD\", {}]", inner.join(", "))
    };
    assert!(read(&example.join("compose.yaml")).contains(&quoted(&READY_CHECK)));
    assert!(read(&example.join("compose.legacy-0.9.yaml")).contains(&quoted(&PORT_CHECK)));
}

#[test]
fn the_compose_layout_serves_the_guide() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let service = compose_zilla_service();
    let namespace = Namespace::new();
    namespace.install_image_files();

    // The compose volumes, as bind mounts.
    for (source, target) in &service.volumes {
        let source = project().join("docker").join(source);
        let inside = Path::new(target)
            .strip_prefix("/etc/zilla")
            .expect("volumes under /etc/zilla");
        let mount_point = namespace.etc().join(inside);
        if source.is_dir() {
            fs::create_dir_all(&mount_point).expect("mount point");
        } else {
            fs::create_dir_all(mount_point.parent().expect("parent")).expect("mount point");
            fs::write(&mount_point, "").expect("mount point");
        }
        namespace.bind(&source, target);
    }
    // The compose network resolves the broker's service name.
    let hosts = namespace.scratch().join("hosts");
    fs::write(&hosts, "127.0.0.1 localhost mosquitto\n::1 localhost\n").expect("hosts");
    namespace.bind(&hosts, "/etc/hosts");

    let broker_conf = namespace.scratch().join("mosquitto.conf");
    fs::write(
        &broker_conf,
        "listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n",
    )
    .expect("broker config");
    let mut broker = Gateway {
        child: namespace
            .command("/usr/sbin/mosquitto")
            .arg("-c")
            .arg(&broker_conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts (scripts/setup.sh installs it)"),
        output: namespace.scratch().join("none"),
    };
    let broker_check = ["bash", "-c", "echo -n '' > /dev/tcp/127.0.0.1/1883"];
    assert!(wait_until(Duration::from_secs(10), || namespace.probe(&broker_check)));

    let command: Vec<&str> = service.command.iter().map(String::as_str).collect();
    let mut gateway = namespace.start_gateway(&command, &service.environment, "compose");
    gateway.wait_ready(&namespace.ready_file());
    let healthcheck: Vec<&str> = service.healthcheck.iter().map(String::as_str).collect();
    assert!(namespace.probe(&healthcheck), "{}", gateway.output());
    assert!(namespace.probe(&PORT_CHECK));

    let key = project().join("etc/jwt/private.pem");
    let audience = "https://api.example.com";
    let unscoped = mint(&key, "local", audience, "+1d", None);
    let refused = namespace
        .command("mosquitto_sub")
        .args(["--url", "mqtt://127.0.0.1:7183/zilla", "-W", "3", "-u"])
        .arg(format!("Bearer {unscoped}"))
        .output()
        .expect("mosquitto_sub");
    assert!(!refused.status.success(), "{refused:?}");
    assert!(refused.stdout.is_empty());

    // Subscribe over TLS (line-buffered, so that its SUBACK shows in the file at once) (the keystore found relative to /etc/zilla), publish over plain MQTT.
    let scoped = format!(
        "Bearer {}",
        mint(&key, "local", audience, "+1d", Some("mqtt:stream"))
    );
    let received = namespace.scratch().join("received");
    let ca = project().join("etc/tls/ca.crt");
    let mut subscriber = Gateway {
        child: namespace
            .command("stdbuf")
            .args(["-oL", "mosquitto_sub"])
            .args(["--url", "mqtts://localhost:7883/zilla", "-d", "-C", "1"])
            .args(["-W", "15", "--cafile"])
            .arg(&ca)
            .arg("-u")
            .arg(&scoped)
            .stdout(fs::File::create(&received).expect("file"))
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto_sub"),
        output: received.clone(),
    };
    assert!(
        wait_until(Duration::from_secs(10), || subscriber
            .output()
            .contains("received SUBACK")),
        "{}",
        subscriber.output()
    );
    let published = namespace
        .command("mosquitto_pub")
        .args([
            "--url",
            "mqtt://127.0.0.1:7183/zilla",
            "-m",
            "Hello, world",
            "-u",
        ])
        .arg(&scoped)
        .output()
        .expect("mosquitto_pub");
    assert!(published.status.success(), "{published:?}");
    let status = subscriber
        .exited_within(Duration::from_secs(15))
        .expect("the subscriber ends after one message");
    assert!(status.success(), "{}", subscriber.output());
    assert!(
        subscriber
            .output()
            .lines()
            .any(|line| line == "Hello, world"),
        "{}",
        subscriber.output()
    );

    let status = gateway.terminate();
    assert!(status.success(), "{status:?}\n{}", gateway.output());
    assert!(!namespace.ready_file().exists());
    let _ = broker.child.kill();
}

#[test]
fn the_dockerfile_and_properties_state_the_contract() {
    let dockerfile = read(&project().join("docker/Dockerfile"));
    for needle in [
        "ENTRYPOINT [\"/opt/zilla/zilla\"]",
        "CMD [\"start\", \"-v\", \"-e\"]",
        "/opt/zilla/.zilla/zilla.properties",
        "ln -s /opt/zilla/zilla /usr/local/bin/zilla",
        "chown zilla:zilla /var/run/zilla",
        "USER zilla",
        "ca-certificates",
        "bash",
        "--locked",
        &format!("--uid {IMAGE_UID}"),
    ] {
        assert!(
            dockerfile.contains(needle),
            "docker/Dockerfile lacks {needle}"
        );
    }
    assert!(dockerfile.matches("\nFROM ").count() >= 2, "multi-stage");

    let properties = Properties::parse(&read(&project().join("docker/zilla.properties")));
    let url = properties.get(settings::CONFIG_URL).expect("config url");
    assert_eq!(
        settings::config_path(url).expect("a file URL"),
        PathBuf::from("/etc/zilla/zilla.yaml")
    );
    assert_eq!(properties.get(settings::DIRECTORY), Some("/var/run/zilla"));

    // The build context keeps every workspace member and the lock file.
    let ignored: Vec<String> = read(&project().join("docker/Dockerfile.dockerignore"))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let manifest = read(&project().join("Cargo.toml"));
    let members: Vec<&str> = manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("workspace members")
        .split(',')
        .map(|member| member.trim().trim_matches('"'))
        .filter(|member| !member.is_empty())
        .collect();
    assert!(members.contains(&"bench"));
    for kept in members
        .iter()
        .copied()
        .chain(["Cargo.toml", "Cargo.lock", "src", "schemas"])
    {
        assert!(project().join(kept).exists(), "{kept} is missing");
        for pattern in &ignored {
            let pattern = pattern.trim_start_matches("**/").trim_end_matches('/');
            assert!(
                !(kept == pattern || kept.starts_with(&format!("{pattern}/"))),
                "docker/Dockerfile.dockerignore leaves {kept} out of the build"
            );
        }
    }
}
