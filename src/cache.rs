//! The private on-disk session cache: one code a day serves every shell and every role.
//!
//! One JSON file per session, in a directory only the user can enter (0700), each file 0600,
//! written atomically (temp file, fsync, rename) so that a crash never leaves half a file.
//! A lock per identity makes concurrent shells ask for one code, not one each.

use crate::atomic_file::{create_private_dir, write_atomic};
use crate::error::{Error, Result, printable};
use crate::profile::ProfileName;
use crate::session::{Secret, Session, rfc3339};
use serde_json::{Value, json};
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
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

/// The cache directory of this user.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// Held while one process asks for a code and calls STS for an identity; dropped, it lets
/// the next one in (which then finds the fresh session in the cache).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    /// Whether another process held it first (and so may have stored a fresh session).
    pub waited: bool,
}

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
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(fail)?;
            }
        }
        Ok(Cache { dir })
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
                "cannot save the session in {}: {e}; pass --no-cache to go without",
                path.display()
            ))
        })
    }

    /// Removes the session of `kind` for `profile`; whether there was one.
    pub fn remove(&self, kind: Kind, profile: &ProfileName) -> Result<bool> {
        let path = self.path(kind, profile);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::Runtime(format!(
                "cannot remove {}: {e}",
                path.display()
            ))),
        }
    }

    /// Removes every session file; how many there were.
    pub fn clear(&self) -> Result<usize> {
        let mut removed = 0;
        for path in self.files()? {
            fs::remove_file(&path)
                .map_err(|e| Error::Runtime(format!("cannot remove {}: {e}", path.display())))?;
            removed += 1;
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

    /// Waits for, then holds, the lock of `identity`. `on_wait` runs once if another process
    /// holds it (to say why nothing happens).
    pub fn lock(&self, identity: &ProfileName, on_wait: impl FnOnce()) -> Result<Lock> {
        let path = self
            .dir
            .join(format!("{}.lock", file_safe(identity.as_str())));
        let fail = |e: std::io::Error| {
            Error::Runtime(format!(
                "cannot lock {}: {e}; pass --no-cache to go without",
                path.display()
            ))
        };
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(fail)?;
        let waited = match file.try_lock() {
            Ok(()) => false,
            Err(fs::TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(fail)?;
                true
            }
            Err(fs::TryLockError::Error(e)) => return Err(fail(e)),
        };
        Ok(Lock {
            _file: file,
            waited,
        })
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
        },
        source_key_id: text("source_access_key_id")?,
        mfa_serial: text("mfa_serial"),
        role_arn: text("role_arn"),
    })
}

/// The file's text, `None` when absent; an error (the reason) when it is not safe to trust:
/// readable by others, not ours, or not a plain file.
fn read_private(path: &Path) -> std::result::Result<Option<String>, String> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
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
    fs::read_to_string(path)
        .map(Some)
        .map_err(|e| printable(&e.to_string()))
}

/// Options that create files readable by their owner only.
fn private_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

#[cfg(unix)]
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

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
