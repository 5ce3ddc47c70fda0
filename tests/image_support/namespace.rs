//! A private mount and network namespace with the image's mount points bind-mounted over
//! temp folders.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::{project, Gateway, IMAGE_UID};

const MOUNT_POINTS: [&str; 3] = ["/opt/zilla", "/etc/zilla", "/var/run/zilla"];

/// A private mount and network namespace, held open by a sleeping process.
pub struct Namespace {
    holder: Child,
    /// Folders created on the machine as mount points, innermost last.
    created: Vec<PathBuf>,
    scratch: tempfile::TempDir,
}

impl Namespace {
    pub fn new() -> Self {
        let scratch = tempfile::tempdir().expect("temp dir");
        let sources: Vec<PathBuf> = ["opt", "etc", "run"]
            .iter()
            .map(|name| scratch.path().join(name))
            .collect();
        for source in &sources {
            fs::create_dir_all(source).expect("mount source");
            fs::set_permissions(source, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        // As the Dockerfile does: the engine directory belongs to the image's user.
        std::os::unix::fs::chown(&sources[2], Some(IMAGE_UID), Some(IMAGE_UID))
            .expect("chown the engine directory");
        let mut created = Vec::new();
        for mount_point in MOUNT_POINTS {
            let missing: Vec<PathBuf> = Path::new(mount_point)
                .ancestors()
                .take_while(|path| !path.exists())
                .map(Path::to_path_buf)
                .collect();
            fs::create_dir_all(mount_point)
                .unwrap_or_else(|error| panic!("cannot create mount point {mount_point}: {error}"));
            created.extend(missing.into_iter().rev());
        }
        let spawned = Command::new("unshare")
            .args(["--mount", "--net", "--propagation", "private", "sh", "-c"])
            .arg(
                "set -e; mount --bind \"$1\" /opt/zilla; mount --bind \"$2\" /etc/zilla; \
                 mount --bind \"$3\" /var/run/zilla; ip link set lo up; echo namespace-ready; \
                 exec sleep 100000",
            )
            .arg("sh")
            .args(&sources)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut holder = match spawned {
            Ok(holder) => holder,
            Err(error) => panic!(
                "the image contract needs `unshare` (util-linux) for a private mount namespace: \
                 {error}"
            ),
        };
        let mut first = String::new();
        if let Some(stdout) = holder.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut first);
        }
        if first.trim() != "namespace-ready" {
            let _ = holder.kill();
            let output = holder.wait_with_output().expect("unshare output");
            panic!(
                "the image contract needs a private mount namespace with bind mounts \
                 (`unshare --mount`, as root) and could not get one: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Self {
            holder,
            created,
            scratch,
        }
    }

    /// What is `/opt/zilla`, `/etc/zilla` or `/var/run/zilla` inside, seen from outside.
    pub fn opt(&self) -> PathBuf {
        self.scratch.path().join("opt")
    }

    pub fn etc(&self) -> PathBuf {
        self.scratch.path().join("etc")
    }

    pub fn run(&self) -> PathBuf {
        self.scratch.path().join("run")
    }

    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// A command that runs inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg("--target")
            .arg(self.holder.id().to_string())
            .args(["--mount", "--net", "--"])
            .arg(program)
            .current_dir("/")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        command
    }

    /// Runs a healthcheck-style command inside; true when it exits 0.
    pub fn probe(&self, argv: &[&str]) -> bool {
        let (program, args) = argv.split_first().expect("a command");
        self.command(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("nsenter runs")
            .success()
    }

    pub fn bind(&self, source: &Path, target: &str) {
        let status = self
            .command("mount")
            .arg("--bind")
            .arg(source)
            .arg(target)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mount --bind {} {target}",
            source.display()
        );
    }

    /// Lays out `/opt/zilla` as the Dockerfile does: the binary and its properties file.
    pub fn install_image_files(&self) {
        let binary = self.opt().join("zilla");
        fs::copy(env!("CARGO_BIN_EXE_zilla"), &binary).expect("copy the binary");
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).expect("chmod");
        let dot = self.opt().join(".zilla");
        fs::create_dir_all(&dot).expect(".zilla");
        fs::set_permissions(&dot, fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::copy(
            project().join("docker/zilla.properties"),
            dot.join("zilla.properties"),
        )
        .expect("copy the properties");
    }

    /// `/opt/zilla/zilla ARGS…` inside, as the image's user; output goes to `name.out`.
    pub fn start_gateway(&self, args: &[&str], env: &[(String, String)], name: &str) -> Gateway {
        let output = self.scratch().join(format!("{name}.out"));
        let file = fs::File::create(&output).expect("output file");
        let mut command = self.command("setpriv");
        command
            .args(["--reuid", &IMAGE_UID.to_string()])
            .args(["--regid", &IMAGE_UID.to_string()])
            .args(["--clear-groups", "--", "/opt/zilla/zilla"])
            .args(args)
            .stdout(file.try_clone().expect("output file"))
            .stderr(file);
        for (name, value) in env {
            command.env(name, value);
        }
        Gateway {
            child: command.spawn().expect("the gateway starts"),
            output,
        }
    }

    pub fn ready_file(&self) -> PathBuf {
        self.run().join("ready")
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
        for path in self.created.iter().rev() {
            let _ = fs::remove_dir(path);
        }
    }
}
