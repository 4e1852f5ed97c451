//! Lock files: one process at a time edits a file or asks for a code for an identity.
//!
//! A lock file is opened without following symlinks and checked as a cache file is (a plain
//! file, ours, nobody else's to open), then locked with `flock`, which the kernel releases
//! when its holder dies, so a crash never leaves a stale lock. A lock that stays held is
//! waited for a bounded time, then refused with an error naming the file.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; dropping it lets the next process in.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    /// Whether another process held it first (and so may have done the work already).
    pub waited: bool,
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process held it for the whole bound.
    Busy {
        /// The lock file.
        path: PathBuf,
        /// How long it was waited for.
        waited: Duration,
    },
    /// The lock file cannot be created or is not safe to use (a symlink, not ours, open to others).
    Unusable {
        /// The lock file.
        path: PathBuf,
        /// What is wrong with it, for the user.
        why: String,
    },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Busy { path, waited } => write!(
                f,
                "another process has held the lock {} for {} s; let it finish or stop it (`fuser -v {}` names it), then try again",
                path.display(),
                waited.as_secs(),
                path.display()
            ),
            LockError::Unusable { path, why } => {
                write!(f, "cannot use the lock file {}: {why}", path.display())
            }
        }
    }
}

impl std::error::Error for LockError {}

/// Who may own a lock file besides the effective user, and whom a new one is given to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Owner {
    /// `(uid, gid)` of the owner of the directory the lock guards a file in: when root edits a
    /// user's file, the lock it leaves must stay usable by that user, so it is given to them.
    pub directory: Option<(u32, u32)>,
}

/// Waits (at most `bound`) for, then holds, the lock at `path`, creating it 0600 if needed.
/// `on_wait` runs once when another process holds it, to say why nothing happens.
pub fn acquire(
    path: &Path,
    owner: Owner,
    bound: Duration,
    on_wait: impl FnOnce(),
) -> Result<FileLock, LockError> {
    let file = open_checked(path, owner)?;
    let unusable = |e: io::Error| LockError::Unusable {
        path: path.to_path_buf(),
        why: crate::error::printable(&e.to_string()),
    };
    match file.try_lock() {
        Ok(()) => {
            return Ok(FileLock {
                _file: file,
                waited: false,
            });
        }
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(e)) => return Err(unusable(e)),
    }
    on_wait();
    let started = Instant::now();
    // Polling, not a blocking lock: only a poll can give up at a deadline. Short steps at
    // first (the holder is often nearly done), then a few per second.
    let mut step = Duration::from_millis(10);
    loop {
        let left = bound.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(LockError::Busy {
                path: path.to_path_buf(),
                waited: started.elapsed(),
            });
        }
        std::thread::sleep(step.min(left));
        step = (step * 2).min(Duration::from_millis(250));
        match file.try_lock() {
            Ok(()) => {
                return Ok(FileLock {
                    _file: file,
                    waited: true,
                });
            }
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(e)) => return Err(unusable(e)),
        }
    }
}

/// Opens (creating) the lock file without following a symlink, and checks what was opened.
fn open_checked(path: &Path, owner: Owner) -> Result<File, LockError> {
    let unusable = |why: String| LockError::Unusable {
        path: path.to_path_buf(),
        why,
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: a symlink planted at the lock's name must not make us create or lock
        // (or, with O_CREAT, make) the file it points to. O_NONBLOCK: a FIFO there must not
        // hang the open; it is refused below.
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return unusable("it is a symbolic link; remove it".into());
        }
        unusable(crate::error::printable(&e.to_string()))
    })?;
    // Checked on the open file, so nothing can be swapped in between the check and the use.
    let meta = file
        .metadata()
        .map_err(|e| unusable(crate::error::printable(&e.to_string())))?;
    if !meta.is_file() {
        return Err(unusable("not a plain file; remove it".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = effective_uid();
        let dir_owner = owner.directory.map(|(uid, _)| uid);
        if meta.uid() != me && Some(meta.uid()) != dir_owner {
            return Err(unusable(format!(
                "owned by another user (uid {}); remove it",
                meta.uid()
            )));
        }
        // Anyone who can open a lock can hold it: it is as private as a cache file.
        if meta.mode() & 0o077 != 0 {
            return Err(unusable(format!(
                "others may open it (mode {:o}); remove it",
                meta.mode() & 0o777
            )));
        }
        // Root creating the lock of a user's file: give it to that user, who could not open
        // a root-owned 0600 lock next time.
        if let Some((uid, gid)) = owner.directory
            && meta.uid() == me
            && me == 0
            && uid != 0
        {
            std::os::unix::fs::fchown(&file, Some(uid), Some(gid))
                .map_err(|e| unusable(crate::error::printable(&e.to_string())))?;
        }
    }
    #[cfg(not(unix))]
    let _ = owner;
    Ok(file)
}

/// The effective user id of this process.
#[cfg(unix)]
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_waited_for_a_bounded_time_then_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = acquire(&path, Owner::default(), Duration::ZERO, || {}).unwrap();
        assert!(!held.waited);
        let started = Instant::now();
        let mut told = false;
        let err = acquire(&path, Owner::default(), Duration::from_millis(300), || {
            told = true
        })
        .unwrap_err();
        let took = started.elapsed();
        assert!(told);
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        drop(held);
        let again = acquire(&path, Owner::default(), Duration::from_secs(1), || {}).unwrap();
        assert!(!again.waited);
    }

    #[test]
    fn a_lock_freed_while_waiting_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = acquire(&path, Owner::default(), Duration::ZERO, || {}).unwrap();
        let p = path.clone();
        let t = std::thread::spawn(move || {
            acquire(&p, Owner::default(), Duration::from_secs(5), || {}).unwrap()
        });
        std::thread::sleep(Duration::from_millis(100));
        drop(held);
        assert!(t.join().unwrap().waited);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_open_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        fs::write(&target, "keep").unwrap();
        let link = dir.path().join("x.lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = acquire(&link, Owner::default(), Duration::ZERO, || {}).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");

        let dangling = dir.path().join("y.lock");
        std::os::unix::fs::symlink(dir.path().join("made"), &dangling).unwrap();
        assert!(acquire(&dangling, Owner::default(), Duration::ZERO, || {}).is_err());
        assert!(
            !dir.path().join("made").exists(),
            "a dangling link was followed"
        );

        let open = dir.path().join("z.lock");
        fs::write(&open, "").unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o666)).unwrap();
        let err = acquire(&open, Owner::default(), Duration::ZERO, || {}).unwrap_err();
        assert!(err.to_string().contains("mode 666"), "{err}");

        let sub = dir.path().join("d.lock");
        fs::create_dir(&sub).unwrap();
        assert!(acquire(&sub, Owner::default(), Duration::ZERO, || {}).is_err());
    }
}
