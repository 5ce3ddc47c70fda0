//! Which CPUs each party of a benchmark runs on.
//!
//! On one machine the load clients, the broker and the gateway compete for the same cores, and
//! every microsecond one of them waits for a CPU shows up as latency, the gateway's most of
//! all, since a message through it wakes three processes instead of two. Given cores enough,
//! each can have its own: `--cpus-load 0-1 --cpus-broker 2 --cpus-gateway 3`. Unset, the
//! kernel places them as it likes.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use tokio::process::Command;

/// A set of CPUs as `taskset -c` writes it: numbers and ranges, comma-separated (`0-1,3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuList {
    cpus: Vec<usize>,
}

impl FromStr for CpuList {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("expected CPU numbers and ranges such as 0-1,3, got {text:?}");
        let mut cpus = Vec::new();
        for part in text.split(',') {
            let (first, last) = match part.split_once('-') {
                Some((first, last)) => (first, last),
                None => (part, part),
            };
            let first: usize = first.trim().parse().map_err(|_| invalid())?;
            let last: usize = last.trim().parse().map_err(|_| invalid())?;
            if first > last {
                return Err(invalid());
            }
            if last >= libc::CPU_SETSIZE as usize {
                return Err(format!(
                    "CPU {last} is beyond the {} a CPU set holds",
                    libc::CPU_SETSIZE
                ));
            }
            cpus.extend(first..=last);
        }
        cpus.sort_unstable();
        cpus.dedup();
        Ok(Self { cpus })
    }
}

impl fmt::Display for CpuList {
    /// Consecutive CPUs as ranges, the way `taskset -c` takes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut index = 0;
        while index < self.cpus.len() {
            let first = self.cpus[index];
            let mut last = first;
            while index + 1 < self.cpus.len() && self.cpus[index + 1] == last + 1 {
                index += 1;
                last = self.cpus[index];
            }
            parts.push(match first == last {
                true => first.to_string(),
                false => format!("{first}-{last}"),
            });
            index += 1;
        }
        f.write_str(&parts.join(","))
    }
}

impl CpuList {
    fn mask(&self) -> libc::cpu_set_t {
        // SAFETY: all-zero is an empty `cpu_set_t`.
        let mut mask: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &cpu in &self.cpus {
            // SAFETY: every CPU was checked against the set's size when the list was read.
            unsafe { libc::CPU_SET(cpu, &mut mask) };
        }
        mask
    }
}

/// Pins the calling thread, and every thread it starts from then on, to `list`. Called
/// before the runtime starts, it holds for the whole benchmark process: the load clients.
fn pin_current(list: &CpuList) -> anyhow::Result<()> {
    let mask = list.mask();
    // SAFETY: `mask` lives for the call; pid 0 is the calling thread.
    let pinned = unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&mask), &mask) };
    if pinned != 0 {
        anyhow::bail!(
            "cannot run the load clients on CPUs {list}: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

/// Has `command`'s process start on `list`; a list the kernel refuses fails the spawn.
fn pin_command(command: &mut Command, list: &CpuList) {
    let mask = list.mask();
    // SAFETY: the closure runs in the child between fork and exec and makes one system call,
    // which is async-signal-safe, on a mask copied before the fork.
    unsafe {
        command.pre_exec(move || {
            if libc::sched_setaffinity(0, std::mem::size_of_val(&mask), &mask) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// Where each party runs, from the command line.
#[derive(Debug, clap::Args)]
pub struct PlacementArgs {
    /// CPUs for the load clients (this process and its threads), e.g. `0-1`; unset, the
    /// kernel places them. With `--cpus-broker` and `--cpus-gateway`, on a machine with cores
    /// enough, the three parties stop competing for a CPU.
    #[arg(long, global = true, value_name = "LIST")]
    cpus_load: Option<CpuList>,
    /// CPUs for the broker, e.g. `2`.
    #[arg(long, global = true, value_name = "LIST")]
    cpus_broker: Option<CpuList>,
    /// CPUs for the gateway, or for socat in its place, e.g. `3`.
    #[arg(long, global = true, value_name = "LIST")]
    cpus_gateway: Option<CpuList>,
}

impl PlacementArgs {
    /// Pins this process to the load's CPUs, prints the placement and keeps the rest for the
    /// broker and the gateway started later. Call it before any other thread starts.
    pub fn apply(self) -> anyhow::Result<()> {
        if let Some(list) = &self.cpus_load {
            pin_current(list)?;
        }
        let parts: Vec<String> = [
            ("load clients", &self.cpus_load),
            ("broker", &self.cpus_broker),
            ("gateway", &self.cpus_gateway),
        ]
        .into_iter()
        .filter_map(|(party, list)| list.as_ref().map(|list| format!("{party} on {list}")))
        .collect();
        if !parts.is_empty() {
            println!("CPUs: {}", parts.join("; "));
        }
        set_placement(Placement {
            broker: self.cpus_broker,
            gateway: self.cpus_gateway,
        });
        Ok(())
    }
}

/// Has `command` start on `list`, when there is one; returns " on CPUs LIST" for the command's
/// error messages, or nothing.
pub fn place(command: &mut Command, list: Option<&CpuList>) -> String {
    match list {
        Some(list) => {
            pin_command(command, list);
            format!(" on CPUs {list}")
        }
        None => String::new(),
    }
}

/// Where the broker and the gateway (or socat in its place) run, for every one started.
#[derive(Debug, Default)]
pub struct Placement {
    pub broker: Option<CpuList>,
    pub gateway: Option<CpuList>,
}

static PLACEMENT: OnceLock<Placement> = OnceLock::new();

/// Sets the placement for every broker and gateway started from now on; only the first call
/// counts.
fn set_placement(placement: Placement) {
    let _ = PLACEMENT.set(placement);
}

pub fn placement() -> &'static Placement {
    static UNSET: Placement = Placement {
        broker: None,
        gateway: None,
    };
    PLACEMENT.get().unwrap_or(&UNSET)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> CpuList {
        text.parse().unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn lists_read_as_taskset_writes_them_and_print_back() {
        assert_eq!(list("3").cpus, vec![3]);
        assert_eq!(list("0-2,5").cpus, vec![0, 1, 2, 5]);
        assert_eq!(list("5,0-1,1").cpus, vec![0, 1, 5]);
        assert_eq!(list("5,0-1,1,2").to_string(), "0-2,5");
        assert_eq!(list("7").to_string(), "7");
    }

    #[test]
    fn malformed_lists_are_refused_with_the_text() {
        for bad in ["", "a", "1-", "-1", "3-1", "0,,1", "1.5"] {
            let error = bad.parse::<CpuList>().err();
            assert!(
                error
                    .as_deref()
                    .is_some_and(|error| error.contains("0-1,3")),
                "{bad:?}: {error:?}"
            );
        }
        let beyond = "0-5000".parse::<CpuList>().err();
        assert!(beyond.is_some_and(|error| error.contains("beyond")));
    }

    /// The CPUs the calling thread may run on, as the kernel lists them.
    fn allowed_here() -> Option<String> {
        let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
            .map(|value| value.trim().to_owned())
    }

    /// One CPU this test may use: the first the kernel allows it, which need not be 0.
    fn some_allowed_cpu() -> String {
        let allowed = allowed_here().unwrap_or_else(|| panic!("no Cpus_allowed_list"));
        list(&allowed).cpus[0].to_string()
    }

    #[test]
    fn a_pinned_thread_runs_only_on_its_cpus_and_threads_it_starts_inherit_them() {
        let cpu = some_allowed_cpu();
        let pinned = list(&cpu);
        let (own, started) = std::thread::spawn(move || {
            pin_current(&pinned).unwrap_or_else(|error| panic!("{error}"));
            let started = std::thread::spawn(allowed_here)
                .join()
                .unwrap_or_else(|_| panic!("started thread"));
            (allowed_here(), started)
        })
        .join()
        .unwrap_or_else(|_| panic!("pinned thread"));
        assert_eq!(own.as_deref(), Some(cpu.as_str()));
        assert_eq!(started.as_deref(), Some(cpu.as_str()));
    }

    #[tokio::test]
    async fn a_command_starts_on_its_cpus() {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("grep Cpus_allowed_list /proc/self/status");
        let cpu = some_allowed_cpu();
        pin_command(&mut command, &list(&cpu));
        let output = command
            .output()
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.trim().ends_with(&format!(":\t{cpu}")), "{text:?}");
    }
}
