//! Collected outputs parked on disk between their arrival and the JSON report, so that a run's
//! memory does not grow with the fleet's output (10,000 running configs are gigabytes).
//!
//! The file is unlinked as soon as it is created: nothing is left behind, even after a crash.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Where one output's text lies in the spool file.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    len: usize,
}

/// The spool file and where each device's outputs lie in it.
#[derive(Debug)]
pub struct Spool {
    file: File,
    end: u64,
    /// Inventory index → the spans of that device's outputs, in command order.
    spans: HashMap<usize, Vec<Span>>,
}

impl Spool {
    /// An anonymous spool file in `dir` (the report's own directory keeps it on the same
    /// disk as the report, rather than on a RAM-backed /tmp).
    pub fn create_in(dir: &Path) -> io::Result<Spool> {
        // O_TMPFILE where the file system has it: the file never has a name, not even for a
        // moment, so no crash can leave it behind and nobody can open it.
        let file = tempfile::tempfile_in(dir)?;
        Ok(Spool {
            file,
            end: 0,
            spans: HashMap::new(),
        })
    }

    /// Move the texts of device `index`'s outputs to disk, leaving them empty in memory. On an
    /// error (a full disk) every text stays where it was: nothing is lost, only not parked.
    pub fn park<'t>(
        &mut self,
        index: usize,
        texts: impl IntoIterator<Item = &'t mut String>,
    ) -> io::Result<()> {
        let texts: Vec<&mut String> = texts.into_iter().collect();
        let mut spans = Vec::with_capacity(texts.len());
        let mut end = self.end;
        for text in &texts {
            if let Err(e) = self.file.write_all_at(text.as_bytes(), end) {
                // What did fit must not go on filling the disk (the file has no name: nobody
                // could ever remove it before the run ends).
                let _ = self.file.set_len(self.end);
                return Err(e);
            }
            spans.push(Span {
                offset: end,
                len: text.len(),
            });
            end += text.len() as u64;
        }
        self.end = end;
        for text in texts {
            *text = String::new();
        }
        self.spans.insert(index, spans);
        Ok(())
    }

    /// Output `k` of device `index`: read back from disk if parked there, else `held`.
    pub fn text<'h>(&self, index: usize, k: usize, held: &'h str) -> io::Result<Cow<'h, str>> {
        let Some(span) = self.spans.get(&index).and_then(|s| s.get(k)) else {
            return Ok(Cow::Borrowed(held));
        };
        let mut buf = vec![0u8; span.len];
        self.file.read_exact_at(&mut buf, span.offset)?;
        // Parked texts were `String`s, so they are valid UTF-8 unless the file was tampered with.
        String::from_utf8(buf)
            .map(Cow::Owned)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_texts_come_back_whole_and_leave_memory_and_the_directory() {
        let dir = std::env::temp_dir().join(format!("netinv-spool-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut spool = Spool::create_in(&dir).unwrap();
        let mut a = [
            "first\nline".to_string(),
            String::new(),
            "ünïcode".to_string(),
        ];
        let mut b = ["other device".to_string()];
        spool.park(7, a.iter_mut()).unwrap();
        spool.park(2, b.iter_mut()).unwrap();
        assert!(a.iter().chain(&b).all(|t| t.is_empty()));
        assert_eq!(spool.text(7, 0, "").unwrap(), "first\nline");
        assert_eq!(spool.text(7, 1, "").unwrap(), "");
        assert_eq!(spool.text(7, 2, "").unwrap(), "ünïcode");
        assert_eq!(spool.text(2, 0, "").unwrap(), "other device");
        assert_eq!(spool.text(3, 0, "held").unwrap(), "held", "never parked");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file left");
        std::fs::remove_dir(&dir).unwrap();
    }
}
