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

/// Replaces `dest` with `bytes` in one rename, so readers see the old file or the new one, never a mix.
pub fn write_atomic(
    dest: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = parent_dir(dest);
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let mut attempts = 0;
    let (mut temp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.mfaenv-{}-{n}.tmp", std::process::id()));
        let mut options = fs::OpenOptions::new();
        // create_new is O_EXCL: never write into a file someone else placed there.
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temp) {
            Ok(file) => {
                break (
                    TempFile {
                        path: temp,
                        armed: true,
                    },
                    file,
                );
            }
            // A leftover of a crashed run, or another save at the same moment: take the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => attempts += 1,
            Err(e) => return Err(e),
        }
    };
    file.write_all(bytes)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    file.sync_all()?;
    drop(file);
    fs::rename(&temp.path, dest)?;
    temp.armed = false;
    // The rename is only durable once the directory is flushed; the file is already in place,
    // so a failure here is not worth reporting as a failed save.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    sweep_leftovers(dir, &name);
    Ok(())
}

/// Removes temp files of earlier writes to the same target that were killed before their
/// rename: they may hold a session, and nobody else will ever clean them up. Callers write one
/// target at a time (the cache holds its lock), so no live write loses its file.
fn sweep_leftovers(dir: &Path, name: &str) {
    let prefix = format!(".{name}.mfaenv-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if file.starts_with(&prefix) && file.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A temporary file that removes itself unless the rename it was made for happened.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
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
