//! Heavy work, off the async threads and bounded, so that no request — and no burst
//! of requests — can stall the others or take memory past a ceiling.
//!
//! Two queues, each a semaphore in front of `spawn_blocking`:
//! - **passwords**: argon2id holds about 19 MiB for each hash while it runs. Forty
//!   sign-ins at once used to take the server from 40 MB to 800 MB; now at most
//!   [`password_slots`] hashes run at once and the rest wait their turn.
//! - **files**: parsing imports and drawing PDFs, at most one per core at once.
//!
//! Work that cannot start within [`WAIT`] is refused with [`Busy`], which pages turn
//! into a friendly "try again in a moment".

use std::sync::LazyLock;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Longest a piece of work waits for its turn before we give up and say so.
pub const WAIT: Duration = Duration::from_secs(10);

/// Too much is going on right now; try again in a moment.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy")]
pub struct Busy;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// How many password hashes may run at once: one per core, at most four (so at most
/// about 80 MiB of hashing memory, however many people sign in at once).
pub fn password_slots() -> usize {
    cores().clamp(1, 4)
}

static PASSWORDS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(password_slots()));
static FILES: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(cores().clamp(1, 8)));

async fn run<T: Send + 'static>(
    queue: &'static Semaphore,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    let permit = tokio::time::timeout(WAIT, queue.acquire())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
    let out = tokio::task::spawn_blocking(move || {
        let out = f();
        drop(permit);
        out
    })
    .await;
    match out {
        Ok(v) => Ok(v),
        // A panic in the work is a bug: let it surface as one.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Hash or check a password, waiting for a free slot.
pub async fn password<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    run(&PASSWORDS, f).await
}

/// Parse an uploaded file or draw a document, waiting for a free slot.
pub async fn file<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    run(&FILES, f).await
}

/// Hand large blocks back to the operating system when they are freed.
///
/// glibc's allocator raises its "use mmap" threshold each time a large block is freed,
/// so after the first argon2 hash its 19 MiB blocks come from the heap, where they stay
/// after use: one burst of 100 sign-ins (two hashes at a time) left the server at
/// 250 MB and it never shrank. Fixing the threshold at 1 MiB keeps such blocks
/// (password hashing, request bodies, file parsing) out of the heap: the same burst
/// peaks at about 60 MB and falls back to 20 MB. Called once at start-up.
#[allow(unsafe_code)]
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tuning value of the C allocator; it is called at
    // start-up, before the server allocates large blocks on other threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// How many password hashes are running right now (for tests and benchmarks).
pub fn passwords_running() -> usize {
    password_slots() - PASSWORDS.available_permits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_than_the_slots_at_once() {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..24)
            .map(|_| {
                let (now, most) = (now.clone(), most.clone());
                tokio::spawn(password(move || {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    now.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for j in jobs {
            j.await.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most >= 1 && most <= password_slots(), "{most}");
    }
}
