//! What a child process spent: CPU time (and how much of it in user space) and times scheduled
//! onto a CPU, over all its threads, read from /proc so a step can be charged per message.

use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu: Duration,
    /// The part of `cpu` spent in user space rather than in the kernel, to clock-tick precision.
    pub user: Duration,
    /// Times a thread was put on a CPU: about one per wakeup, each costing a context switch.
    pub runs: u64,
}

impl Usage {
    /// The process's usage so far; zero where /proc cannot tell (not Linux, or it exited).
    pub fn of(pid: Option<u32>) -> Self {
        let Some(pid) = pid else {
            return Self::default();
        };
        let (cpu, runs) = schedstat(pid);
        Self {
            cpu: Duration::from_nanos(cpu),
            user: user_time(pid),
            runs,
        }
    }

    /// What was spent between `earlier` and `self`.
    pub fn since(self, earlier: Self) -> Self {
        Self {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            user: self.user.saturating_sub(earlier.user),
            runs: self.runs.saturating_sub(earlier.runs),
        }
    }
}

/// Nanoseconds on CPU and times scheduled, summed over the threads: the first and third fields
/// of each thread's schedstat (unlike /proc/PID/stat, not rounded to clock ticks).
fn schedstat(pid: u32) -> (u64, u64) {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return (0, 0);
    };
    threads
        .flatten()
        .filter_map(|thread| std::fs::read_to_string(thread.path().join("schedstat")).ok())
        .filter_map(|line| {
            let mut fields = line
                .split_whitespace()
                .map(|field| field.parse::<u64>().ok());
            let cpu = fields.next()??;
            let runs = fields.nth(1)??;
            Some((cpu, runs))
        })
        .fold((0, 0), |(cpu, runs), (more_cpu, more_runs)| {
            (cpu + more_cpu, runs + more_runs)
        })
}

/// User-space CPU time of all the process's threads: `utime` in /proc/PID/stat, in clock ticks.
fn user_time(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The command name in field 2 may hold spaces; the fields after it start at the last ')',
    // with the state (field 3) first and utime (field 14) eleven after it.
    let ticks = stat
        .rsplit_once(')')
        .and_then(|(_, fields)| fields.split_whitespace().nth(11))
        .and_then(|field| field.parse::<u64>().ok())
        .unwrap_or(0);
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if per_second <= 0 {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(ticks as f64 / per_second as f64)
}
