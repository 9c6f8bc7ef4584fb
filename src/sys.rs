//! Process-level plumbing: the open-file limit, how many workers the process can run, and
//! terminal detection.

use std::io::IsTerminal;

/// Raise the soft open-file limit to the hard limit: every device in flight holds a socket,
/// and the usual soft limit of 1024 is what makes other collectors die with "too many open files".
/// Returns the new soft limit.
pub fn raise_nofile_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let wanted = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0 {
                return Some(wanted.rlim_cur);
            }
        }
    }
    Some(lim.rlim_cur)
}

/// Keep large buffers (device outputs of megabytes) out of glibc's heap: with a fixed mmap
/// threshold they are mapped and unmapped on their own, so a run's memory goes back down after
/// each big device instead of ratcheting up (glibc otherwise raises the threshold to the
/// largest block ever freed and keeps such blocks in the heap).
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters; called before the workers start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Whether stderr is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The most workers a run can have. Every worker thread logs inside a per-device span, and the
/// logging library (tracing-subscriber's span registry, a sharded-slab) holds at most 4,096
/// threads at once: past that, span creation panics inside the workers (devices misreported
/// as internal errors) or on the main thread (no reports). 96 threads are left for the main
/// thread, the signal handler, the progress bar and whatever a library starts.
pub const MAX_WORKERS: usize = 4000;

/// Memory one live worker needs, measured: libssh2's session (~81 KB), the touched part of the
/// thread stack, OpenSSL and allocator per-thread state, the log span (about 120 KiB at 1,000
/// workers), with headroom.
const WORKER_MEMORY: u64 = 256 * 1024;

/// Why this process cannot run `workers` worker threads, if it cannot: the per-user thread
/// limit (RLIMIT_NPROC) or the memory available now.
pub fn workers_unavailable(workers: usize) -> Option<String> {
    let workers = workers as u64;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut lim) };
    // Root is not held to RLIMIT_NPROC by the kernel.
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if rc == 0 && !root && lim.rlim_cur != libc::RLIM_INFINITY && workers + 16 > lim.rlim_cur {
        return Some(format!(
            "{workers} workers need {workers} threads, but this user may run only {} processes \
             and threads in all (ulimit -u): use -w {} or fewer, or raise the limit",
            lim.rlim_cur,
            lim.rlim_cur.saturating_sub(16).max(1)
        ));
    }
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| mem_available(&m));
    if let Some(bytes) = available {
        if workers * WORKER_MEMORY > bytes {
            return Some(format!(
                "{workers} workers need about {} MiB of memory, but only {} MiB is available: \
                 use -w {} or fewer",
                (workers * WORKER_MEMORY) >> 20,
                bytes >> 20,
                (bytes / WORKER_MEMORY).max(1)
            ));
        }
    }
    None
}

/// `MemAvailable` of /proc/meminfo, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_memory_is_read_from_meminfo() {
        let m = "MemTotal:       24000000 kB\nMemAvailable:    2048 kB\n";
        assert_eq!(mem_available(m), Some(2048 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn the_documented_maximum_fits_this_machine() {
        assert_eq!(workers_unavailable(1), None);
    }
}
