//! Files written so that a crash or a kill never leaves half of one: private temp file, flush,
//! rename over the target. Used for the session cache and for edits of the AWS config file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The directory `path` is in (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Creates `dir` (and its parents) readable by the owner only, as `~/.aws` should be.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// How a written file must look: the mode and owner of the file it replaces.
#[derive(Clone, Debug, Default)]
pub struct Attributes {
    /// The mode to give the file (else 0600).
    pub permissions: Option<fs::Permissions>,
    /// `(uid, gid)` to give the file (Unix): a rename would otherwise hand a user's file to
    /// whoever wrote it (root, under sudo).
    pub owner: Option<(u32, u32)>,
}

/// Replaces `dest` with `bytes` in one rename, so readers see the old file or the new one, never a mix.
pub fn write_atomic(
    dest: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    write_atomic_as(
        dest,
        bytes,
        &Attributes {
            permissions,
            owner: None,
        },
    )
}

/// [`write_atomic`], giving the new file these attributes before it takes `dest`'s place.
pub fn write_atomic_as(dest: &Path, bytes: &[u8], attributes: &Attributes) -> io::Result<()> {
    let dir = parent_dir(dest);
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let mut temp = TempFile::create(dir, &name)?;
    temp.file.write_all(bytes)?;
    #[cfg(unix)]
    if let Some((uid, gid)) = attributes.owner {
        use std::os::unix::fs::MetadataExt;
        let meta = temp.file.metadata()?;
        if (meta.uid(), meta.gid()) != (uid, gid) {
            // Before the mode: chown may clear set-id bits that the mode then puts back.
            std::os::unix::fs::fchown(&temp.file, Some(uid), Some(gid)).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot keep the owner (uid {uid}, gid {gid}) of {}: {e}",
                        dest.display()
                    ),
                )
            })?;
        }
    }
    if let Some(permissions) = &attributes.permissions {
        temp.file.set_permissions(permissions.clone())?;
    }
    temp.file.sync_all()?;
    fs::rename(&temp.path, dest)?;
    temp.armed = false;
    // The rename is only durable once the directory is flushed; the file is already in place,
    // so a failure here is not worth reporting as a failed save.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    drop(temp);
    sweep_leftovers(dir, Some(&name));
    Ok(())
}

/// Removes the temp files of writes that were killed before their rename (of the target
/// `name`, or of every target when `None`): they may hold a session, and nobody else will ever
/// clean them up. Only provably dead ones go: a writer holds a lock on its temp file from
/// creation to rename, and the kernel drops that lock when the writer dies, so a temp file
/// whose lock is free is a leftover. Live writes of other processes are never touched.
pub fn sweep_leftovers(dir: &Path, name: Option<&str>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if is_temp_name(&file, name) {
            remove_if_dead(&entry.path());
        }
    }
}

/// The start of the names of the temp files of target `name`: `.NAME.mfaenv-`, with NAME cut
/// short when the whole temp name would pass the 255 bytes a file name may have (a target
/// that fits must not fail for its temp file's sake).
fn temp_prefix(name: &str) -> String {
    // `PID-N.tmp` with both numbers at their widest.
    const TAIL: usize = ".mfaenv-".len() + "4294967295-4294967295.tmp".len() + 1;
    let mut cut = name.len().min(255 - TAIL);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(".{}.mfaenv-", &name[..cut])
}

/// Whether `file` is the name of one of our temp files (of target `name`, when given).
fn is_temp_name(file: &str, name: Option<&str>) -> bool {
    if !file.ends_with(".tmp") {
        return false;
    }
    match name {
        Some(name) => file.starts_with(&temp_prefix(name)),
        None => file.starts_with('.') && file.contains(".mfaenv-"),
    }
}

fn remove_if_dead(path: &Path) {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let Ok(file) = options.open(path) else {
        return;
    };
    if file.try_lock().is_err() {
        return; // a live write, or something we cannot judge: leave it
    }
    // Holding its lock, nobody can rename or remove it under us (writers give up a name whose
    // lock they cannot take), so the name still means the file judged dead.
    if same_file(&file, path) {
        let _ = fs::remove_file(path);
    }
}

/// Whether `path` still names the file open as `file`.
fn same_file(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// A temporary file, locked by this process from creation to rename (which is how sweeps
/// tell it from a leftover); it removes itself unless the rename it was made for happened.
struct TempFile {
    path: PathBuf,
    file: fs::File,
    armed: bool,
}

impl TempFile {
    fn create(dir: &Path, name: &str) -> io::Result<TempFile> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let mut attempts = 0;
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "{}{}-{n}.tmp",
                temp_prefix(name),
                std::process::id()
            ));
            let mut options = fs::OpenOptions::new();
            // create_new is O_EXCL: never write into a file someone else placed there.
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                // Between the creation and the lock a sweep may judge the file dead: it then
                // holds the lock or has removed the name, and the file is given up to it.
                Ok(file) => match file.try_lock() {
                    Ok(()) if same_file(&file, &path) => {
                        return Ok(TempFile {
                            path,
                            file,
                            armed: true,
                        });
                    }
                    _ => {}
                },
                // A leftover of a crashed run, or another save at the same moment: take the next name.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            attempts += 1;
            if attempts >= 100 {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("no free temp file name in {}", dir.display()),
                ));
            }
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Still holding the lock, so no sweep can be judging this name at the same time.
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        write_atomic(&path, b"one", None).unwrap();
        write_atomic(&path, b"two", None).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_and_directories_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        create_private_dir(&sub).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sub), 0o700);
        write_atomic(&sub.join("f"), b"x", None).unwrap();
        assert_eq!(mode(&sub.join("f")), 0o600);
    }

    #[test]
    fn leftovers_of_killed_writes_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        fs::write(dir.path().join(".f.json.mfaenv-999-0.tmp"), "half").unwrap();
        fs::write(dir.path().join(".other.json.mfaenv-999-0.tmp"), "not ours").unwrap();
        write_atomic(&path, b"whole", None).unwrap();
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".other.json.mfaenv-999-0.tmp", "f.json"]);
    }

    #[test]
    fn live_temp_files_of_other_writers_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let live = dir.path().join(".f.json.mfaenv-1-0.tmp");
        fs::write(&live, "being written").unwrap();
        // Another open file description holds the lock, as a live writer's does.
        let holder = fs::File::open(&live).unwrap();
        holder.lock().unwrap();
        write_atomic(&path, b"whole", None).unwrap();
        assert!(live.exists(), "a live write lost its temp file");
        drop(holder);
        sweep_leftovers(dir.path(), None);
        assert!(!live.exists());
    }

    #[test]
    fn temp_names_are_told_apart() {
        assert!(is_temp_name(".f.json.mfaenv-1-0.tmp", Some("f.json")));
        assert!(is_temp_name(".f.json.mfaenv-1-0.tmp", None));
        assert!(!is_temp_name(".f.json.mfaenv-1-0.tmp", Some("f")));
        assert!(!is_temp_name(".config.mfaenv.lock", None));
        assert!(!is_temp_name("config.mfaenv.bak", None));
        assert!(!is_temp_name("mfa-x.json", None));
        let long = "é".repeat(120);
        let prefix = temp_prefix(&long);
        assert!(prefix.len() + "4294967295-4294967295.tmp".len() <= 255);
        assert!(is_temp_name(&format!("{prefix}1-0.tmp"), Some(&long)));
    }

    #[test]
    fn a_long_name_that_fits_gets_a_temp_file_that_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x".repeat(250));
        write_atomic(&path, b"whole", None).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("is-a-dir");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), "x").unwrap();
        assert!(write_atomic(&target, b"data", None).is_err());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["is-a-dir"]);
    }
}
