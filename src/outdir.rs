//! Raw per-device output files under `--out-dir`: names made safe, unique, and never outside the dir.

use crate::collect::CommandOutput;
use crate::inventory::Device;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The file name chosen for every device, fixed before the run so names never depend on timing.
pub struct OutDir {
    dir: PathBuf,
    names: Vec<String>,
}

impl OutDir {
    /// Creates `dir` and fixes every device's file name in it.
    pub fn create(dir: &Path, devices: &[Device]) -> std::io::Result<OutDir> {
        std::fs::create_dir_all(dir)?;
        let mut used = HashSet::new();
        let names = devices
            .iter()
            .map(|d| {
                let base = safe_name(&d.name);
                let mut name = base.clone();
                let mut n = 2;
                while !used.insert(name.to_ascii_lowercase()) {
                    name = format!("{base}-{n}");
                    n += 1;
                }
                name
            })
            .collect();
        Ok(OutDir {
            dir: dir.to_path_buf(),
            names,
        })
    }

    /// Write one device's outputs: `<name>.txt`, or with several commands each under a header
    /// line. Only what the device answered: a command it rejected has no section.
    pub fn write(&self, index: usize, outputs: &[CommandOutput]) -> std::io::Result<PathBuf> {
        let path = self.dir.join(format!("{}.txt", self.names[index]));
        crate::report::write_atomic(&path, |w| {
            if let [only] = outputs {
                return w.write_all(only.output.as_bytes());
            }
            for o in outputs.iter().filter(|o| o.error.is_none()) {
                writeln!(w, "===== {} =====", o.command)?;
                w.write_all(o.output.as_bytes())?;
                if !o.output.ends_with('\n') {
                    writeln!(w)?;
                }
            }
            Ok(())
        })?;
        Ok(path)
    }
}

/// Keep letters, digits, `.`, `-`, `_`; anything else becomes `_`. Never empty, never a dot
/// name, never a path: a device called `../../etc/passwd` stays inside the directory.
pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .take(120)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    if s.is_empty() {
        s.push('_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_inside_the_directory() {
        assert_eq!(safe_name("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_name(".."), "_.");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name("core-sw1.lab"), "core-sw1.lab");
        assert_eq!(safe_name("a/b\\c d"), "a_b_c_d");
    }
}
