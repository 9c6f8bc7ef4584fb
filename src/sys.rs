//! Process-level plumbing: the open-file limit and terminal detection.

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

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
