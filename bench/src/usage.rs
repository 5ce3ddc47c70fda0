//! What a process spent: CPU time (and how much of it in user space), times scheduled onto a
//! CPU and time spent waiting for one, over all its threads, read from /proc so a step can be
//! charged per message.

use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu: Duration,
    /// The part of `cpu` spent in user space rather than in the kernel, to clock-tick precision.
    pub user: Duration,
    /// Times a thread was put on a CPU: about one per wakeup, each costing a context switch.
    /// None where they cannot be told (processes that ended take theirs with them).
    pub runs: Option<u64>,
    /// Time its threads were ready to run but waited for a CPU: on a machine with fewer cores
    /// than busy processes, part of every message's latency. None where it cannot be told.
    pub waited: Option<Duration>,
}

impl Usage {
    /// The process's usage so far; zero where /proc cannot tell (not Linux, or it exited).
    pub fn of(pid: Option<u32>) -> Self {
        let Some(pid) = pid else {
            return Self::default();
        };
        let threads = schedstat(pid);
        Self {
            cpu: Duration::from_nanos(threads.cpu),
            user: from_ticks(user_ticks(pid)),
            runs: Some(threads.runs),
            waited: Some(Duration::from_nanos(threads.waited)),
        }
    }

    /// The usage of a process that forks one of its own per connection: its own, its running
    /// children's, and that of the children that ended and were waited for, whose CPU time the
    /// kernel keeps (to clock-tick precision) but not their wakeups.
    pub fn of_tree(pid: Option<u32>) -> Self {
        let Some(pid) = pid else {
            return Self::default();
        };
        let mut usage = Self::of(Some(pid));
        for child in children(pid) {
            let child = Self::of_tree(Some(child));
            usage.cpu += child.cpu;
            usage.user += child.user;
        }
        let ended = ended_children_ticks(pid);
        usage.cpu += from_ticks(ended.user + ended.system);
        usage.user += from_ticks(ended.user);
        usage.runs = None;
        usage.waited = None;
        usage
    }

    /// What was spent between `earlier` and `self`.
    pub fn since(self, earlier: Self) -> Self {
        Self {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            user: self.user.saturating_sub(earlier.user),
            runs: self
                .runs
                .zip(earlier.runs)
                .map(|(now, before)| now.saturating_sub(before)),
            waited: self
                .waited
                .zip(earlier.waited)
                .map(|(now, before)| now.saturating_sub(before)),
        }
    }
}

/// A process's threads' schedstat fields, summed.
#[derive(Default)]
struct Scheduled {
    /// Nanoseconds on a CPU.
    cpu: u64,
    /// Nanoseconds ready to run, waiting for a CPU.
    waited: u64,
    /// Times put on a CPU.
    runs: u64,
}

/// The three fields of each thread's schedstat (unlike /proc/PID/stat, not rounded to clock
/// ticks), summed over the threads.
fn schedstat(pid: u32) -> Scheduled {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Scheduled::default();
    };
    threads
        .flatten()
        .filter_map(|thread| std::fs::read_to_string(thread.path().join("schedstat")).ok())
        .filter_map(|line| {
            let mut fields = line
                .split_whitespace()
                .map(|field| field.parse::<u64>().ok());
            Some(Scheduled {
                cpu: fields.next()??,
                waited: fields.next()??,
                runs: fields.next()??,
            })
        })
        .fold(Scheduled::default(), |total, thread| Scheduled {
            cpu: total.cpu + thread.cpu,
            waited: total.waited + thread.waited,
            runs: total.runs + thread.runs,
        })
}

/// The process's running children, from each thread's `children` list.
fn children(pid: u32) -> Vec<u32> {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    threads
        .flatten()
        .filter_map(|thread| std::fs::read_to_string(thread.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// The fields of /proc/PID/stat after the command name, which may hold spaces: the state
/// (field 3) first.
fn stat_fields(pid: u32) -> Vec<u64> {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Vec::new();
    };
    let Some((_, fields)) = stat.rsplit_once(')') else {
        return Vec::new();
    };
    // The state is a letter and parses as 0, keeping field N at index N - 3.
    fields
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect()
}

/// User-space CPU time of all the process's threads: `utime` (field 14), in clock ticks.
fn user_ticks(pid: u32) -> u64 {
    stat_fields(pid).get(11).copied().unwrap_or(0)
}

struct Ticks {
    user: u64,
    system: u64,
}

/// CPU time of the children that ended and were waited for: `cutime` and `cstime` (fields 16
/// and 17), in clock ticks.
fn ended_children_ticks(pid: u32) -> Ticks {
    let fields = stat_fields(pid);
    let field = |index: usize| fields.get(index).copied().unwrap_or(0);
    Ticks {
        user: field(13),
        system: field(14),
    }
}

fn from_ticks(count: u64) -> Duration {
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if per_second <= 0 {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(count as f64 / per_second as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_tree_counts_the_children_that_ended() {
        let me = Some(std::process::id());
        let before = Usage::of_tree(me);
        // A child that spends a measurable amount of CPU and is waited for.
        let status = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done"])
            .status()
            .expect("sh runs");
        assert!(status.success());
        let spent = Usage::of_tree(me).since(before);
        let own = Usage::of(me);
        assert!(
            spent.cpu >= Duration::from_millis(50),
            "the child's CPU time is counted: {spent:?}"
        );
        assert_eq!(spent.runs, None, "an ended child's wakeups cannot be told");
        assert!(own.runs.is_some_and(|runs| runs > 0));
    }
}
