//! The private on-disk session cache: one code a day serves every shell and every role.
//!
//! One JSON file per session, in a directory only the user can enter (0700), each file 0600,
//! written atomically (temp file, fsync, rename) so that a crash never leaves half a file.
//! A lock per identity makes concurrent shells ask for one code, not one each.

use crate::atomic_file::{create_private_dir, sweep_leftovers, write_atomic};
use crate::error::{Error, Result, printable};
use crate::lock::{LockError, Owner};
use crate::profile::ProfileName;
use crate::session::{Secret, Session, rfc3339};
use serde_json::{Value, json};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The format of the files this version writes; others are ignored.
const FORMAT: u64 = 1;

/// Which session a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The MFA session of an identity (GetSessionToken), shared by every role built on it.
    Mfa,
    /// The session of a role profile (AssumeRole with the MFA session).
    Role,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Mfa => "mfa",
            Kind::Role => "role",
        }
    }
}

/// A cached session and what it was made from, so a changed profile is not served stale keys.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The session itself.
    pub session: Session,
    /// The long-term access key id the session was made with.
    pub source_key_id: String,
    /// The MFA device used.
    pub mfa_serial: Option<String>,
    /// For a role session: the ARN of the last role assumed.
    pub role_arn: Option<String>,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// A session good for longer than the margin.
    Hit(Box<Entry>),
    /// Nothing usable (absent, lapsed, or made from other keys, device or role).
    Miss,
    /// A file that is not safe or not readable: ignored, with the reason for a warning.
    Ignored(String),
}

/// How long `use` waits for another process getting a session for the same identity: that
/// one may be waiting for a person to find their phone and type a code (three tries, each
/// within a 30 s code window), then for STS.
pub const LOCK_WAIT: Duration = Duration::from_secs(120);

/// The cache directory of this user.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
    /// Cleared once a write failed (or its lock could not be made): the rest of the run goes
    /// on without storing, having warned once.
    writable: Arc<AtomicBool>,
}

/// Held while one process asks for a code and calls STS for an identity; dropped, it lets
/// the next one in (which then finds the fresh session in the cache). `waited` says whether
/// another process held it first (and so may have stored a fresh session).
pub type Lock = crate::lock::FileLock;

/// The cache directory: `$XDG_CACHE_HOME/mfaenv` or `~/.cache/mfaenv`; `%LOCALAPPDATA%\mfaenv`.
/// Only absolute paths count: an unset, empty or relative home means no cache, never one
/// relative to the working directory.
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
    };
    if cfg!(windows) {
        return absolute("LOCALAPPDATA").map(|d| d.join("mfaenv"));
    }
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("mfaenv"))
}

impl Cache {
    /// Opens (creating it 0700 if needed) the cache at `dir`. A directory others can enter is
    /// made private again; one owned by someone else is refused.
    pub fn open(dir: PathBuf) -> Result<Cache> {
        let fail = |e: std::io::Error| {
            Error::Runtime(format!(
                "cannot use the session cache {}: {e}; fix its permissions or pass --no-cache",
                dir.display()
            ))
        };
        create_private_dir(&dir).map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let meta = fs::symlink_metadata(&dir).map_err(fail)?;
            if !meta.is_dir() || meta.uid() != effective_uid() {
                return Err(fail(std::io::Error::new(
                    ErrorKind::PermissionDenied,
                    "it is not a directory of yours",
                )));
            }
            if meta.mode() & 0o077 != 0 {
                // Only take from others: a directory its owner made read-only stays so.
                fs::set_permissions(&dir, fs::Permissions::from_mode(meta.mode() & 0o700))
                    .map_err(fail)?;
            }
        }
        Ok(Cache {
            dir,
            writable: Arc::new(AtomicBool::new(true)),
        })
    }

    /// The cache at `dir` for looking only: unlike [`Cache::open`] it creates and repairs
    /// nothing (completion peeks at it on every Tab). Each file is still checked as it is read.
    pub fn peek(dir: PathBuf) -> Cache {
        Cache {
            dir,
            writable: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether sessions may still be stored in this run (no write has failed yet).
    pub fn writable(&self) -> bool {
        self.writable.load(Ordering::Relaxed)
    }

    /// Records that the cache cannot be written; whether that is news (so warn only then).
    pub fn mark_unwritable(&self) -> bool {
        self.writable.swap(false, Ordering::Relaxed)
    }

    /// The directory, for messages.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, kind: Kind, profile: &ProfileName) -> PathBuf {
        self.dir.join(format!(
            "{}-{}.json",
            kind.prefix(),
            file_safe(profile.as_str())
        ))
    }

    /// The session of `kind` for `profile`, if it is good for more than `margin` at `now`.
    pub fn load(
        &self,
        kind: Kind,
        profile: &ProfileName,
        now: OffsetDateTime,
        margin: time::Duration,
    ) -> Lookup {
        let path = self.path(kind, profile);
        let text = match read_private(&path) {
            Ok(Some(text)) => text,
            Ok(None) => return Lookup::Miss,
            Err(why) => return Lookup::Ignored(format!("{}: {why}", path.display())),
        };
        match parse(&text) {
            Some(entry) if entry.session.expiration - now > margin => Lookup::Hit(Box::new(entry)),
            Some(_) => Lookup::Miss,
            None => Lookup::Ignored(format!(
                "{}: not a session file of this mfaenv",
                path.display()
            )),
        }
    }

    /// Saves `entry` as the session of `kind` for `profile`, atomically and privately.
    pub fn store(&self, kind: Kind, profile: &ProfileName, entry: &Entry) -> Result<()> {
        let path = self.path(kind, profile);
        write_atomic(&path, render(kind, entry).as_bytes(), None).map_err(|e| {
            Error::Runtime(format!(
                "cannot save the session in {}: {e}",
                path.display()
            ))
        })
    }

    /// Removes the session of `kind` for `profile`, and what killed writes of it left;
    /// whether there was one.
    pub fn remove(&self, kind: Kind, profile: &ProfileName) -> Result<bool> {
        let path = self.path(kind, profile);
        if let Some(name) = path.file_name() {
            sweep_leftovers(&self.dir, Some(&name.to_string_lossy()));
        }
        remove_file(&path)
    }

    /// Removes every session file, and what killed writes left; how many sessions there were.
    pub fn clear(&self) -> Result<usize> {
        sweep_leftovers(&self.dir, None);
        let mut removed = 0;
        for path in self.files()? {
            // Another logout may have been first: not a failure, and not ours to count.
            removed += usize::from(remove_file(&path)?);
        }
        Ok(removed)
    }

    fn files(&self) -> Result<Vec<PathBuf>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(Error::Runtime(format!(
                    "cannot read {}: {e}",
                    self.dir.display()
                )));
            }
        };
        Ok(entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect())
    }

    /// Waits (at most [`LOCK_WAIT`]) for, then holds, the lock of `identity`. `on_wait` runs
    /// once if another process holds it (to say why nothing happens).
    pub fn lock(
        &self,
        identity: &ProfileName,
        on_wait: impl FnOnce(),
    ) -> std::result::Result<Lock, LockError> {
        self.lock_within(identity, LOCK_WAIT, on_wait)
    }

    /// [`Cache::lock`] with another bound.
    pub fn lock_within(
        &self,
        identity: &ProfileName,
        bound: Duration,
        on_wait: impl FnOnce(),
    ) -> std::result::Result<Lock, LockError> {
        let path = self
            .dir
            .join(format!("{}.lock", file_safe(identity.as_str())));
        crate::lock::acquire(&path, Owner::default(), bound, on_wait)
    }
}

/// Removes `path`; whether it was there.
fn remove_file(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::Runtime(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// A profile name as part of a file name: letters, digits, `.`, `_`, `-` kept, every other byte
/// (path separators above all) `%XX`. Names always get a prefix, so `..` stays harmless.
fn file_safe(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn render(kind: Kind, entry: &Entry) -> String {
    let s = &entry.session;
    let value = json!({
        "mfaenv": FORMAT,
        "kind": kind.prefix(),
        "profile": s.profile,
        "account": s.account,
        "source_access_key_id": entry.source_key_id,
        "mfa_serial": entry.mfa_serial,
        "role_arn": entry.role_arn,
        "AccessKeyId": s.access_key_id,
        "SecretAccessKey": s.secret_access_key.expose(),
        "SessionToken": s.session_token.expose(),
        "Expiration": rfc3339(s.expiration),
    });
    value.to_string()
}

fn parse(text: &str) -> Option<Entry> {
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("mfaenv")?.as_u64()? != FORMAT {
        return None;
    }
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let expiration = OffsetDateTime::parse(&text("Expiration")?, &Rfc3339).ok()?;
    Some(Entry {
        session: Session {
            access_key_id: text("AccessKeyId")?,
            secret_access_key: Secret::new(text("SecretAccessKey")?),
            session_token: Secret::new(text("SessionToken")?),
            expiration,
            region: None,
            profile: text("profile")?,
            account: text("account"),
            role_arn: text("role_arn"),
        },
        source_key_id: text("source_access_key_id")?,
        mfa_serial: text("mfa_serial"),
        role_arn: text("role_arn"),
    })
}

/// The file's text, `None` when absent; an error (the reason) when it is not safe to trust:
/// readable by others, not ours, or not a plain file.
fn read_private(path: &Path) -> std::result::Result<Option<String>, String> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Checked on what was opened, not on a name that could change in between.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        // A logout at the same moment, or a name too long to be stored: nothing cached.
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENAMETOOLONG) => return Ok(None),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err("a symbolic link".into());
        }
        Err(e) => return Err(printable(&e.to_string())),
    };
    let meta = file.metadata().map_err(|e| printable(&e.to_string()))?;
    if !meta.is_file() {
        return Err("not a plain file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != effective_uid() {
            return Err("owned by another user".into());
        }
        if meta.mode() & 0o077 != 0 {
            return Err(format!(
                "readable by others (mode {:o})",
                meta.mode() & 0o777
            ));
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| printable(&e.to_string()))?;
    Ok(Some(text))
}

#[cfg(unix)]
use crate::lock::effective_uid;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    fn entry(expires: OffsetDateTime) -> Entry {
        Entry {
            session: Session {
                access_key_id: "ASIAX".into(),
                secret_access_key: Secret::new("secret"),
                session_token: Secret::new("token"),
                expiration: expires,
                region: None,
                profile: "p".into(),
                account: Some("123456789012".into()),
                role_arn: None,
            },
            source_key_id: "AKIAX".into(),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/a".into()),
            role_arn: None,
        }
    }

    fn name(n: &str) -> ProfileName {
        ProfileName::choose(Some(n), None).unwrap()
    }

    fn margin() -> time::Duration {
        time::Duration::seconds(60)
    }

    #[test]
    fn stored_sessions_come_back_until_within_the_margin() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().join("mfaenv")).unwrap();
        cache
            .store(
                Kind::Mfa,
                &name("p"),
                &entry(datetime!(2026-11-23 13:00:00 UTC)),
            )
            .unwrap();
        let Lookup::Hit(hit) = cache.load(Kind::Mfa, &name("p"), NOW, margin()) else {
            panic!("miss")
        };
        assert_eq!(hit.session.secret_access_key.expose(), "secret");
        assert_eq!(hit.source_key_id, "AKIAX");
        assert!(matches!(
            cache.load(Kind::Role, &name("p"), NOW, margin()),
            Lookup::Miss
        ));
        let late = datetime!(2026-11-23 12:59:30 UTC);
        assert!(matches!(
            cache.load(Kind::Mfa, &name("p"), late, margin()),
            Lookup::Miss
        ));
        assert!(cache.remove(Kind::Mfa, &name("p")).unwrap());
        assert!(!cache.remove(Kind::Mfa, &name("p")).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn directory_and_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mfaenv");
        fs::create_dir(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        let cache = Cache::open(path.clone()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o700);
        cache
            .store(
                Kind::Mfa,
                &name("p"),
                &entry(datetime!(2026-11-23 13:00:00 UTC)),
            )
            .unwrap();
        assert_eq!(mode(&path.join("mfa-p.json")), 0o600);
        fs::set_permissions(path.join("mfa-p.json"), fs::Permissions::from_mode(0o644)).unwrap();
        let Lookup::Ignored(why) = cache.load(Kind::Mfa, &name("p"), NOW, margin()) else {
            panic!("a world-readable file was trusted")
        };
        assert!(why.contains("readable by others"), "{why}");
    }

    #[test]
    fn corrupt_or_foreign_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().to_path_buf()).unwrap();
        for text in ["{not json", "{\"mfaenv\": 99}", "[]", ""] {
            write_atomic(&dir.path().join("mfa-p.json"), text.as_bytes(), None).unwrap();
            assert!(
                matches!(
                    cache.load(Kind::Mfa, &name("p"), NOW, margin()),
                    Lookup::Ignored(_)
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn profile_names_become_safe_file_names() {
        assert_eq!(file_safe("dev-1_a.b"), "dev-1_a.b");
        assert_eq!(file_safe("../x"), "..%2Fx");
        assert_eq!(file_safe("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn a_lock_held_too_long_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().to_path_buf()).unwrap();
        let _held = cache
            .lock(&name("p"), || panic!("free lock waited"))
            .unwrap();
        let started = std::time::Instant::now();
        let err = cache
            .lock_within(&name("p"), Duration::from_millis(200), || {})
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(matches!(err, LockError::Busy { .. }));
        let lock = dir.path().join("p.lock").display().to_string();
        assert!(err.to_string().contains(&lock), "{err}");
    }

    #[test]
    fn the_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().to_path_buf()).unwrap();
        let held = cache
            .lock(&name("p"), || panic!("free lock waited"))
            .unwrap();
        let other = cache.clone();
        let waited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = waited.clone();
        let t = std::thread::spawn(move || {
            other
                .lock(&name("p"), || {
                    flag.store(true, std::sync::atomic::Ordering::SeqCst)
                })
                .unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(held);
        t.join().unwrap();
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
    }
}
