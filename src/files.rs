//! Files netinv creates (reports, raw outputs, logs): private (0600 unless `--file-mode` says
//! otherwise), written atomically through
//! unpredictable temp names that never follow a symlink, and no temp file outliving its run.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// Temp files are named `.netinv-<pid>-<random>.tmp`: the random part makes them unguessable,
/// the PID tells a later run whether the run that made one is still alive.
const TEMP_PREFIX: &str = ".netinv-";
const TEMP_SUFFIX: &str = ".tmp";

/// Permission bits of every file netinv creates unless told otherwise: raw configs and reports
/// name every device.
pub const FILE_MODE: u32 = 0o600;

static MODE: AtomicU32 = AtomicU32::new(FILE_MODE);

/// Set once, before the run creates any file (`--file-mode`).
pub fn set_file_mode(mode: u32) {
    MODE.store(mode, Ordering::Relaxed);
}

/// The permission bits files are created with (the process umask still applies).
pub fn file_mode() -> u32 {
    MODE.load(Ordering::Relaxed)
}

/// The directory a file path is in: `.` for a bare file name.
pub fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Create `path` with the bytes `fill` writes, atomically: a new temp file beside it (O_EXCL,
/// random name, `file_mode()`), fsync, rename over `path` (a symlink at `path` is replaced, never
/// followed), fsync of the directory so the rename survives a power cut. On any error the temp
/// file is removed and `path` is untouched.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = directory_of(path);
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ));
    }
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(file_mode()))
        .tempfile_in(dir)?;
    let mut w = io::BufWriter::with_capacity(256 * 1024, tmp);
    fill(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Remove temp files that runs no longer alive left in `dir` (a SIGKILL or power cut during a
/// write): a report's temp file can be hundreds of megabytes. Temp files of live runs, and
/// anything not a plain file, are left alone. Returns how many were removed.
pub fn remove_stale_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The PID in a temp file name of ours, `None` for any other name.
fn temp_file_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, random) = rest.split_once('-')?;
    (!random.is_empty()).then_some(())?;
    pid.parse().ok()
}

fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks whether the process exists; nothing is delivered.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Open a log file for appending, creating it with `file_mode()`; a symlink in its place is refused rather
/// than followed (it could point anywhere).
pub fn open_log(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(file_mode())
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_temp_names_carry_a_pid() {
        assert_eq!(temp_file_pid(".netinv-123-aB9xQz.tmp"), Some(123));
        assert_eq!(temp_file_pid(".netinv-123-.tmp"), None);
        assert_eq!(temp_file_pid(".netinv-x-abc.tmp"), None);
        assert_eq!(temp_file_pid("report.json"), None);
        assert_eq!(temp_file_pid(".report.json.123.tmp"), None);
    }
}
