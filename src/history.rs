//! `--history DIR`: every run's JSON report kept under a dated name, `latest.json` replaced
//! atomically, the changes since the previous run saved beside it, `--keep N` retention, and
//! one lock so that two runs on the same history never overlap.

use crate::audit::saved::{SavedDevice, SavedFacts, SavedReport};
use crate::diff;
use crate::files;
use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const LOCK_FILE: &str = ".netinv.lock";
const LATEST: &str = "latest.json";
/// Dated reports are `netinv-<UTC time>.json`; their changes `netinv-<UTC time>.changes.txt`.
const PREFIX: &str = "netinv-";

/// Why the history cannot be used; nothing was contacted.
#[derive(Debug)]
pub enum HistoryError {
    /// Another run holds the lock.
    Locked {
        /// The lock file.
        lock: PathBuf,
        /// Who holds it, as the lock file says.
        holder: String,
    },
    /// The history directory or a file in it cannot be read or written.
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        error: std::io::Error,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::Locked { lock, holder } => write!(
                f,
                "another netinv run ({holder}) is using this history (lock {}); this run did not start. \
                 Wait for it to finish, or give a different --history directory",
                lock.display()
            ),
            HistoryError::Io { what, error } => write!(f, "{what}: {error}"),
        }
    }
}

impl std::error::Error for HistoryError {}

/// What a device was last seen running, from the previous runs (borrowed from the previous
/// report, which the history holds for the whole run).
#[derive(Debug, Clone, Copy)]
pub struct LastKnown<'h> {
    /// The facts last collected, if any.
    pub facts: Option<&'h SavedFacts>,
    /// When those facts were collected (RFC 3339).
    pub seen: Option<&'h str>,
}

/// An open, locked history directory.
pub struct History {
    dir: PathBuf,
    keep: Option<usize>,
    /// Holds the lock until the run ends (the kernel drops it if the process dies).
    _lock: File,
    /// The previous run's report, if there was one.
    previous: Option<SavedReport>,
    /// Set when a crashed run's lock file was found and taken over.
    pub took_over: Option<String>,
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("History").field("dir", &self.dir).finish()
    }
}

impl History {
    /// Create (if needed) and lock `dir`, and read the previous run's report.
    pub fn open(dir: &Path, keep: Option<usize>) -> Result<History, HistoryError> {
        let io = |what: String| move |error| HistoryError::Io { what, error };
        std::fs::create_dir_all(dir).map_err(io(format!(
            "cannot create the history directory {}",
            dir.display()
        )))?;
        let lock_path = dir.join(LOCK_FILE);
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(files::file_mode())
            .custom_flags(libc::O_NOFOLLOW)
            .open(&lock_path)
            .map_err(io(format!("cannot open the lock {}", lock_path.display())))?;
        let mut holder = String::new();
        let _ = lock.read_to_string(&mut holder);
        let holder = holder.trim().to_string();
        // flock, not the file's existence, is the lock: a run that crashed holds nothing, so
        // its leftover file is simply taken over.
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        if unsafe {
            libc::flock(
                std::os::fd::AsRawFd::as_raw_fd(&lock),
                libc::LOCK_EX | libc::LOCK_NB,
            )
        } != 0
        {
            return Err(HistoryError::Locked {
                lock: lock_path,
                holder: if holder.is_empty() {
                    "unknown process".into()
                } else {
                    holder
                },
            });
        }
        let took_over = (!holder.is_empty()).then_some(holder);
        let me = format!(
            "pid {} since {}",
            std::process::id(),
            humantime::format_rfc3339_seconds(SystemTime::now())
        );
        let _ = lock.set_len(0);
        let _ = lock.rewind();
        let _ = lock.write_all(me.as_bytes());
        let _ = lock.sync_all();

        let latest = dir.join(LATEST);
        let previous = if latest.exists() {
            match SavedReport::load(&latest) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!("the previous report in the history cannot be read ({e}); changes are not shown this time");
                    None
                }
            }
        } else {
            None
        };
        Ok(History {
            dir: dir.to_path_buf(),
            keep,
            _lock: lock,
            previous,
            took_over,
        })
    }

    /// Where the history is kept.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What each of `names` was last seen running, in their order: from the previous report,
    /// its facts when it was collected then, or what that report itself carried forward.
    pub fn last_known<'n>(
        &self,
        names: impl Iterator<Item = &'n str>,
    ) -> Vec<Option<LastKnown<'_>>> {
        let Some(prev) = &self.previous else {
            return names.map(|_| None).collect();
        };
        let by_name: HashMap<&str, &SavedDevice> =
            prev.devices.iter().map(|d| (d.name.as_str(), d)).collect();
        names
            .map(|name| {
                let d = by_name.get(name)?;
                let seen = match d.last_seen.as_deref() {
                    None if d.collected() => prev.started_at.as_deref(),
                    seen => seen,
                };
                Some(LastKnown {
                    facts: d.facts.as_ref(),
                    seen,
                })
            })
            .collect()
    }

    /// Keep this run's report (already written by `write`), point `latest.json` at it, save the
    /// changes since the previous run and prune. Returns the changes' text for the operator.
    /// The changes from the previous run to `now`; `None` on the first run of the history.
    pub fn changes_since_previous(&self, now: &SavedReport) -> Option<Vec<diff::Change>> {
        self.previous.as_ref().map(|prev| diff::changes(prev, now))
    }

    /// Keep this run's report (written by `write`) under a dated name with `changes` (from
    /// `changes_since_previous`) beside it, and make it `latest.json`. Returns the changes as text.
    pub fn record(
        &self,
        started_at: SystemTime,
        changes: Option<&[diff::Change]>,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<String, HistoryError> {
        let io = |what: String| move |error| HistoryError::Io { what, error };
        // `:` is not allowed in file names everywhere the history may be copied to.
        let stamp = humantime::format_rfc3339_micros(started_at)
            .to_string()
            .replace(':', "-");
        let mut name = format!("{PREFIX}{stamp}");
        let mut n = 1;
        while self.dir.join(format!("{name}.json")).exists() {
            n += 1;
            name = format!("{PREFIX}{stamp}-{n}");
        }
        let dated = self.dir.join(format!("{name}.json"));
        files::write_atomic(&dated, write)
            .map_err(io(format!("cannot write {}", dated.display())))?;

        let mut text = Vec::new();
        let prev_name = Path::new(LATEST);
        match changes {
            Some(changes) => {
                let _ = diff::write_text(&mut text, prev_name, &dated, changes);
            }
            None => {
                let _ = writeln!(text, "first run in this history: nothing to compare with");
            }
        }
        let changes_path = self.dir.join(format!("{name}.changes.txt"));
        files::write_atomic(&changes_path, |w| w.write_all(&text))
            .map_err(io(format!("cannot write {}", changes_path.display())))?;

        // latest.json: a second name for the dated file, swapped in by one rename.
        let tmp = self
            .dir
            .join(format!(".{LATEST}.{}.link", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::fs::hard_link(&dated, &tmp)
            .and_then(|()| std::fs::rename(&tmp, self.dir.join(LATEST)))
            .and_then(|()| File::open(&self.dir)?.sync_all())
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                HistoryError::Io {
                    what: format!("cannot replace {}", self.dir.join(LATEST).display()),
                    error: e,
                }
            })?;
        self.prune();
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// Keep the newest `keep` dated reports (and their changes); `latest.json` always stays.
    fn prune(&self) {
        let Some(keep) = self.keep else { return };
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut dated: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with(PREFIX) && n.ends_with(".json"))
            .collect();
        // RFC 3339 stamps sort by time as text.
        dated.sort();
        let excess = dated.len().saturating_sub(keep);
        for old in &dated[..excess] {
            let stem = old.trim_end_matches(".json");
            let _ = std::fs::remove_file(self.dir.join(old));
            let _ = std::fs::remove_file(self.dir.join(format!("{stem}.changes.txt")));
        }
    }
}
