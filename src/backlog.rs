//! A bound on the output bytes that finished devices have handed to the main thread but it has
//! not yet parked on disk: when the main thread falls behind (a fleet of large outputs), workers
//! wait before handing over more, instead of memory growing with the fleet.

use std::sync::{Condvar, Mutex};

/// Output bytes allowed to wait between the workers and the main thread at once.
pub const BACKLOG_BYTES: usize = 128 << 20;

/// The bytes waiting between the workers and the main thread; workers wait past the bound.
#[derive(Default)]
pub struct Backlog {
    waiting: Mutex<usize>,
    taken: Condvar,
}

impl Backlog {
    /// Wait until `bytes` more fit, then count them. A record larger than the whole bound is let
    /// through alone, so no record can wait forever.
    pub fn reserve(&self, bytes: usize) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        while *waiting > 0 && waiting.saturating_add(bytes) > BACKLOG_BYTES {
            waiting = self.taken.wait(waiting).unwrap_or_else(|e| e.into_inner());
        }
        *waiting += bytes;
    }

    /// The main thread has dealt with `bytes` of them.
    pub fn release(&self, bytes: usize) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        *waiting = waiting.saturating_sub(bytes);
        self.taken.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_sender_waits_while_the_bound_is_full_and_goes_once_it_is_released() {
        let backlog = Arc::new(Backlog::default());
        backlog.reserve(BACKLOG_BYTES);
        let (b, (tx, rx)) = (Arc::clone(&backlog), std::sync::mpsc::channel());
        let sender = std::thread::spawn(move || {
            b.reserve(1);
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "must wait: the bound is full"
        );
        backlog.release(BACKLOG_BYTES);
        rx.recv().unwrap();
        sender.join().unwrap();
        backlog.release(1);
        backlog.reserve(3 * BACKLOG_BYTES);
        backlog.release(3 * BACKLOG_BYTES);
    }
}
