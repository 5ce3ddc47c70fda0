//! Process and engine limits.

pub use crate::binding::Limits;

/// Raises the process's open-file soft limit to its hard limit, so that many connections do
/// not run out of descriptors at the default soft limit (often 1024). Returns the new soft
/// limit.
pub fn raise_open_files_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}
