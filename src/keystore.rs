//! Where an IAM user's long-term keys live, behind one small interface: the OS keyring (macOS
//! Keychain, Windows Credential Manager, the Secret Service on Linux), or an age-encrypted file
//! for machines where no keyring answers. (The credentials file, the third place, is read by
//! `profile.rs` as the AWS CLI reads it.)
//!
//! A profile whose keys are in a store says so in the config file, with two properties that hold
//! nothing secret: `mfaenv_key_store = keyring|file` and `mfaenv_access_key_id = AKIA…`. The key
//! id there lets a cached session be matched to the current key without opening the store, so a
//! cached `use` never unlocks a keyring, talks D-Bus or asks for a passphrase.

use crate::atomic_file::{create_private_dir, parent_dir, write_atomic};
use crate::error::{Error, Result, printable};
use crate::log::Log;
use crate::profile::ProfileName;
use crate::session::Secret;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The setting that picks the store `add` and `import` put keys in.
pub const SETTING: &str = "MFAENV_KEY_STORE";
/// The config property naming the store that holds a profile's keys.
pub const STORE_PROPERTY: &str = "mfaenv_key_store";
/// The config property holding the (non-secret) access key id of a profile's stored keys.
pub const KEY_ID_PROPERTY: &str = "mfaenv_access_key_id";
/// The config property recording the day (`YYYY-MM-DD`, UTC) `add` or `import` stored the key
/// named by [`KEY_ID_PROPERTY`], so that `list` can tell its age without opening the store.
pub const CREATED_PROPERTY: &str = "mfaenv_key_created";
/// Keys older than this many days are flagged by `list` for rotation.
pub const OLD_KEY_DAYS: i64 = 90;

/// Today's date as [`CREATED_PROPERTY`] records it.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The date [`CREATED_PROPERTY`] holds, if it is one.
pub fn parse_created(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).ok()
}

/// The passphrase of the encrypted file, for automation (as aws-vault's
/// `AWS_VAULT_FILE_PASSPHRASE`); never passed on to a child process.
pub const PASSPHRASE_VARIABLE: &str = "MFAENV_FILE_PASSPHRASE";
/// Where the encrypted file is, instead of the default.
pub const FILE_VARIABLE: &str = "MFAENV_KEY_FILE";
/// The keyring service every entry of mfaenv is filed under; the profile is the user name.
const SERVICE: &str = "mfaenv";
/// scrypt's cost for new files: 2^17 rounds, 128 MiB, a fraction of a second.
const WORK_FACTOR: u8 = 17;
/// The most a file may demand when read (age's own CLI allows about this much).
const MAX_WORK_FACTOR: u8 = 22;

/// A store for long-term keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// The OS keyring.
    Keyring,
    /// The age-encrypted file, with a passphrase.
    File,
}

impl Store {
    /// The name used in the setting and in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Store::Keyring => "keyring",
            Store::File => "file",
        }
    }

    /// The store named `text` (`keyring` or `file`).
    pub fn parse(text: &str) -> Option<Store> {
        match text.trim().to_ascii_lowercase().as_str() {
            "keyring" => Some(Store::Keyring),
            "file" => Some(Store::File),
            _ => None,
        }
    }

    /// Words for messages: "the OS keyring", "the encrypted file …".
    pub fn describe(self) -> String {
        match self {
            Store::Keyring => "the OS keyring".to_owned(),
            Store::File => format!("the encrypted file {}", key_file().display()),
        }
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An IAM user's long-term keys.
#[derive(Clone, Debug)]
pub struct Keys {
    /// The access key id (`AKIA…`): not a secret.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
}

/// The store new keys go to: `MFAENV_KEY_STORE` when set, else the OS keyring when it answers,
/// else the encrypted file (with a notice, so nobody is surprised by a passphrase prompt).
pub fn chosen(log: Log) -> Result<Store> {
    match std::env::var(SETTING) {
        Ok(text) if !text.trim().is_empty() => Store::parse(&text).ok_or_else(|| {
            Error::Usage(format!(
                "{SETTING}={} is not a key store; set it to keyring or file",
                printable(&text)
            ))
        }),
        _ => match keyring_status() {
            Ok(()) => Ok(Store::Keyring),
            Err(why) => {
                log.notice(format_args!(
                    "mfaenv: the OS keyring does not answer ({why}); using the encrypted file {} (set {SETTING}=keyring to insist)",
                    key_file().display()
                ));
                Ok(Store::File)
            }
        },
    }
}

/// Fails early, before anything is asked, when `store` cannot be used here.
pub fn ready(store: Store) -> Result<()> {
    match store {
        Store::Keyring => keyring_entry(&ProfileName::choose(Some(SERVICE), None)?).map(drop),
        Store::File => Ok(()),
    }
}

/// The secret stored for `profile` in `store`, checked to belong to `key_id`.
pub fn load(store: Store, profile: &ProfileName, key_id: &str) -> Result<Secret> {
    let pending = pending_name(profile);
    let (keys, new) = match store {
        Store::Keyring => {
            let keys = keyring_get(profile)?;
            // Only when the main entry does not answer for the config's key id: a rotation
            // was interrupted between naming the new key in the config and storing it there.
            let new = match &keys {
                Some(k) if k.access_key_id == key_id => None,
                _ => keyring_get(&pending)?,
            };
            (keys, new)
        }
        Store::File => {
            let passphrase = passphrase(false)?;
            let mut all = read_file(&passphrase)?;
            (all.remove(profile.as_str()), all.remove(pending.as_str()))
        }
    };
    if let Some(new) = new.filter(|n| n.access_key_id == key_id)
        && keys.as_ref().is_none_or(|k| k.access_key_id != key_id)
    {
        return Ok(new.secret_access_key);
    }
    let Some(keys) = keys else {
        return Err(Error::Config(format!(
            "profile '{profile}' says its keys are in {}, but none are stored there for it; run mfaenv add {profile}",
            store.describe()
        )));
    };
    if keys.access_key_id != key_id {
        return Err(Error::Config(format!(
            "the key stored for profile '{profile}' in {} is {}, but the config file says {KEY_ID_PROPERTY} = {}; run mfaenv add {profile} again",
            store.describe(),
            printable(&keys.access_key_id),
            printable(key_id)
        )));
    }
    Ok(keys.secret_access_key)
}

/// Stores `keys` for `profile` in `store`, replacing what was there.
pub fn save(store: Store, profile: &ProfileName, keys: &Keys) -> Result<()> {
    match store {
        Store::Keyring => keyring_set(profile, keys),
        Store::File => {
            let passphrase = passphrase(!key_file().exists())?;
            // Read, change, write under the lock: two saves at once must not lose a key.
            let _lock = lock_file()?;
            let mut all = read_file(&passphrase)?;
            all.insert(profile.as_str().to_owned(), keys.clone());
            write_file(&all, &passphrase, WORK_FACTOR)
        }
    }
}

/// Where `rotate` keeps a new key until it is the profile's own: a name no profile can have
/// (a config section name never holds a space), so it never meets a real profile's keys.
pub fn pending_name(profile: &ProfileName) -> ProfileName {
    ProfileName::choose(Some(&format!("{profile} (rotating)")), None)
        .unwrap_or_else(|_| profile.clone())
}

/// Deletes the keys of `profile` from `store`; false when there were none.
pub fn delete(store: Store, profile: &ProfileName) -> Result<bool> {
    match store {
        Store::Keyring => {
            let entry = keyring_entry(profile)?;
            match entry.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(keyring_error(e)),
            }
        }
        Store::File => {
            if !key_file().exists() {
                return Ok(false);
            }
            let passphrase = passphrase(false)?;
            let _lock = lock_file()?;
            let mut all = read_file(&passphrase)?;
            if all.remove(profile.as_str()).is_none() {
                return Ok(false);
            }
            write_file(&all, &passphrase, WORK_FACTOR)?;
            Ok(true)
        }
    }
}

/// Whether the OS keyring answers; the reason when it does not.
pub fn keyring_status() -> std::result::Result<(), String> {
    // Without a session bus the Secret Service cannot answer; say so instead of D-Bus's words.
    #[cfg(all(unix, not(target_os = "macos")))]
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none_or(|v| v.is_empty()) {
        return Err("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set".to_owned());
    }
    match keyring::Entry::store_status() {
        Ok(()) => Ok(()),
        Err(e) => Err(printable(&e.to_string())),
    }
}

fn keyring_entry(profile: &ProfileName) -> Result<keyring::Entry> {
    keyring_status().map_err(|why| {
        Error::Runtime(format!(
            "the OS keyring does not answer ({why}); unlock it or log in to a desktop session, or set {SETTING}=file"
        ))
    })?;
    keyring::Entry::new(SERVICE, profile.as_str()).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> Error {
    // The keyring's messages name the backend's failure, never the secret we handed it.
    if let keyring::Error::NoStorageAccess(_) = e {
        return Error::Runtime(format!(
            "the OS keyring is locked and was not unlocked ({}); unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock`), or set {SETTING}=file",
            printable(&crate::error::error_chain(&e))
        ));
    }
    Error::Runtime(format!(
        "the OS keyring failed: {}; unlock it, or set {SETTING}=file",
        printable(&crate::error::error_chain(&e))
    ))
}

fn keyring_get(profile: &ProfileName) -> Result<Option<Keys>> {
    match keyring_entry(profile)?.get_password() {
        Ok(text) => decode_one(&text)
            .map(Some)
            .ok_or_else(|| Error::Runtime(format!(
                "the OS keyring's entry {SERVICE}/{profile} is not mfaenv's; delete it and run mfaenv add {profile}"
            ))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    }
}

fn keyring_set(profile: &ProfileName, keys: &Keys) -> Result<()> {
    keyring_entry(profile)?
        .set_password(&encode_one(keys).to_string())
        .map_err(keyring_error)
}

/// The keys as one JSON object: the id travels with the secret, so a mix-up is noticed.
fn encode_one(keys: &Keys) -> serde_json::Value {
    serde_json::json!({
        "aws_access_key_id": keys.access_key_id,
        "aws_secret_access_key": keys.secret_access_key.expose(),
    })
}

fn decode_value(value: &serde_json::Value) -> Option<Keys> {
    let id = value.get("aws_access_key_id")?.as_str()?;
    let secret = value.get("aws_secret_access_key")?.as_str()?;
    Some(Keys {
        access_key_id: id.to_owned(),
        secret_access_key: Secret::new(secret),
    })
}

fn decode_one(text: &str) -> Option<Keys> {
    decode_value(&serde_json::from_str(text).ok()?)
}

/// `MFAENV_KEY_FILE`, else `$XDG_DATA_HOME/mfaenv/keys.age`, else `~/.local/share/mfaenv/keys.age`
/// (Windows: `%LOCALAPPDATA%\mfaenv\keys.age`).
pub fn key_file() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(path) = var(FILE_VARIABLE) {
        return PathBuf::from(path);
    }
    let data = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("LOCALAPPDATA").map(PathBuf::from))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_default();
    data.join("mfaenv").join("keys.age")
}

/// Holds the key file's lock (`keys.age.lock` beside it) until dropped.
fn lock_file() -> Result<std::fs::File> {
    let path = key_file();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock = path.with_file_name(name);
    let fail = |e: std::io::Error| Error::Runtime(format!("cannot lock {}: {e}", lock.display()));
    create_private_dir(parent_dir(&path)).map_err(fail)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&lock).map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(file)
}

/// The passphrase: `MFAENV_FILE_PASSPHRASE`, else asked on the terminal without echo (twice for
/// a new file, so a typo does not lock the keys away).
fn passphrase(new_file: bool) -> Result<Secret> {
    if let Ok(p) = std::env::var(PASSPHRASE_VARIABLE)
        && !p.is_empty()
    {
        return Ok(Secret::new(p));
    }
    // One question per run, even when `import --all` writes the file once per profile.
    static TYPED: std::sync::Mutex<Option<Secret>> = std::sync::Mutex::new(None);
    let mut typed = TYPED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = typed.as_ref() {
        return Ok(p.clone());
    }
    let answer = ask_passphrase(new_file)?;
    *typed = Some(answer.clone());
    Ok(answer)
}

fn ask_passphrase(new_file: bool) -> Result<Secret> {
    let path = key_file();
    let no_terminal = |e: std::io::Error| {
        Error::Usage(format!(
            "no terminal to ask for the passphrase of {} ({e}); set {PASSPHRASE_VARIABLE} or use the OS keyring",
            path.display()
        ))
    };
    let ask = |prompt: &str| -> Result<String> {
        match crate::mfa::read_hidden(prompt) {
            Ok(answer) => Ok(answer),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                Err(Error::Cancelled)
            }
            Err(e) => Err(no_terminal(e)),
        }
    };
    if !new_file {
        let answer = ask(&format!("Passphrase of {}: ", path.display()))?;
        if answer.is_empty() {
            return Err(Error::Cancelled);
        }
        return Ok(Secret::new(answer));
    }
    let first = ask(&format!(
        "New passphrase for the encrypted key file {}: ",
        path.display()
    ))?;
    if first.is_empty() {
        return Err(Error::Cancelled);
    }
    if ask("The same passphrase again: ")? != first {
        return Err(Error::Usage(
            "the two passphrases differ; nothing was stored, run the command again".into(),
        ));
    }
    Ok(Secret::new(first))
}

/// Every profile's keys in the encrypted file; a missing file holds none.
fn read_file(passphrase: &Secret) -> Result<BTreeMap<String, Keys>> {
    let path = key_file();
    let bad = |what: &str| {
        Error::Runtime(format!(
            "{} {what}; restore it from a backup, or delete it and run mfaenv add again",
            path.display()
        ))
    };
    let bytes = match read_private(&path)? {
        Some(bytes) => bytes,
        None => return Ok(BTreeMap::new()),
    };
    let mut identity = age::scrypt::Identity::new(passphrase.expose().to_owned().into());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let plain = match age::decrypt(&identity, &bytes) {
        Ok(plain) => plain,
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
            return Err(Error::Usage(format!(
                "wrong passphrase for {} (or the file was altered); nothing was changed",
                path.display()
            )));
        }
        Err(age::DecryptError::ExcessiveWork { .. }) => {
            return Err(bad("demands more work to open than mfaenv allows"));
        }
        Err(_) => return Err(bad("is damaged or truncated (not a whole age file)")),
    };
    let value: serde_json::Value =
        serde_json::from_slice(&plain).map_err(|_| bad("does not hold mfaenv's keys"))?;
    let profiles = value
        .get("profiles")
        .and_then(|p| p.as_object())
        .ok_or_else(|| bad("does not hold mfaenv's keys"))?;
    profiles
        .iter()
        .map(|(name, v)| {
            decode_value(v)
                .map(|k| (name.clone(), k))
                .ok_or_else(|| bad("does not hold mfaenv's keys"))
        })
        .collect()
}

/// Encrypts every profile's keys with the passphrase and replaces the file in one rename.
fn write_file(all: &BTreeMap<String, Keys>, passphrase: &Secret, work_factor: u8) -> Result<()> {
    let path = key_file();
    let failed =
        |e: &dyn fmt::Display| Error::Runtime(format!("cannot write {}: {e}", path.display()));
    let profiles: serde_json::Map<String, serde_json::Value> = all
        .iter()
        .map(|(name, keys)| (name.clone(), encode_one(keys)))
        .collect();
    let plain = serde_json::json!({ "version": 1, "profiles": profiles }).to_string();
    let mut recipient = age::scrypt::Recipient::new(passphrase.expose().to_owned().into());
    recipient.set_work_factor(work_factor);
    let cipher = age::encrypt(&recipient, plain.as_bytes()).map_err(|e| failed(&e))?;
    create_private_dir(parent_dir(&path)).map_err(|e| failed(&e))?;
    write_atomic(&path, &cipher, None).map_err(|e| failed(&e))
}

/// The file's bytes, refused when others could read or replace it (as ssh refuses a loose key):
/// encrypted or not, a file others can swap is a file that can be made to hold their keys.
fn read_private(path: &std::path::Path) -> Result<Option<Vec<u8>>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Runtime(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::Config(format!(
                "{} is readable or writable by others (mode {mode:o}); run chmod 600 on it",
                path.display()
            )));
        }
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(Error::Config(format!(
                "{} belongs to another user; mfaenv reads only your own key file",
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read(path)
        .map(Some)
        .map_err(|e| Error::Runtime(format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The tests change this process's environment: one at a time.
    static ENV: Mutex<()> = Mutex::new(());

    fn keys(id: &str, secret: &str) -> Keys {
        Keys {
            access_key_id: id.into(),
            secret_access_key: Secret::new(secret),
        }
    }

    fn name(n: &str) -> ProfileName {
        ProfileName::choose(Some(n), None).unwrap()
    }

    /// Runs `f` with the key file in a fresh directory and this passphrase in the environment.
    fn with_file(passphrase: &str, f: impl FnOnce(&std::path::Path)) {
        let _guard = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/keys.age");
        // SAFETY: the tests that touch the environment hold ENV.
        unsafe {
            std::env::set_var(FILE_VARIABLE, &path);
            std::env::set_var(PASSPHRASE_VARIABLE, passphrase);
        }
        f(&path);
        unsafe {
            std::env::remove_var(FILE_VARIABLE);
            std::env::remove_var(PASSPHRASE_VARIABLE);
        }
    }

    fn set_passphrase(p: &str) {
        // SAFETY: called inside with_file, which holds ENV.
        unsafe { std::env::set_var(PASSPHRASE_VARIABLE, p) };
    }

    fn put(path: &std::path::Path, profile: &str, k: &Keys) {
        let _ = path;
        let passphrase = Secret::new(std::env::var(PASSPHRASE_VARIABLE).unwrap());
        let mut all = read_file(&passphrase).unwrap();
        all.insert(profile.into(), k.clone());
        // A low cost keeps the tests quick; the format is the same.
        write_file(&all, &passphrase, 10).unwrap();
    }

    #[test]
    fn the_file_round_trips_and_is_private_and_encrypted() {
        with_file("correct horse", |path| {
            put(path, "a", &keys("AKIAAAAAAAAAAAAAAAAA", "secret-a"));
            put(path, "b", &keys("AKIABBBBBBBBBBBBBBBB", "secret-b"));
            let got = load(Store::File, &name("a"), "AKIAAAAAAAAAAAAAAAAA").unwrap();
            assert_eq!(got.expose(), "secret-a");
            let got = load(Store::File, &name("b"), "AKIABBBBBBBBBBBBBBBB").unwrap();
            assert_eq!(got.expose(), "secret-b");
            let bytes = std::fs::read(path).unwrap();
            assert!(bytes.starts_with(b"age-encryption.org/v1"));
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("secret-a") && !text.contains("AKIA"),
                "{text}"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = |p: &std::path::Path| {
                    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
                };
                assert_eq!(mode(path), 0o600);
                assert_eq!(mode(path.parent().unwrap()), 0o700);
            }
            assert!(delete(Store::File, &name("a")).unwrap());
            assert!(!delete(Store::File, &name("a")).unwrap());
            let err = load(Store::File, &name("a"), "AKIAAAAAAAAAAAAAAAAA").unwrap_err();
            assert!(err.to_string().contains("none are stored there"), "{err}");
            // The file and its lock: no temp file or backup beside it.
            let mut names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(names, ["keys.age", "keys.age.lock"]);
        });
    }

    #[test]
    fn a_wrong_passphrase_is_one_clear_error() {
        with_file("right", |path| {
            put(path, "a", &keys("AKIAAAAAAAAAAAAAAAAA", "s"));
            set_passphrase("wrong");
            let err = load(Store::File, &name("a"), "AKIAAAAAAAAAAAAAAAAA").unwrap_err();
            assert!(err.to_string().starts_with("wrong passphrase for"), "{err}");
            assert_eq!(err.exit_code(), 2);
        });
    }

    #[test]
    fn damaged_or_truncated_files_are_named_not_trusted() {
        with_file("pw", |path| {
            put(path, "a", &keys("AKIAAAAAAAAAAAAAAAAA", "s"));
            let whole = std::fs::read(path).unwrap();
            for (what, bytes) in [
                ("truncated", whole[..whole.len() - 10].to_vec()),
                ("header only", whole[..40].to_vec()),
                ("empty", Vec::new()),
                ("garbage", b"not an age file at all\n".to_vec()),
                ("flipped", {
                    let mut b = whole.clone();
                    let n = b.len() - 5;
                    b[n] ^= 1;
                    b
                }),
            ] {
                std::fs::write(path, &bytes).unwrap();
                let err = load(Store::File, &name("a"), "AKIAAAAAAAAAAAAAAAAA").unwrap_err();
                let msg = err.to_string();
                assert!(
                    msg.contains("damaged or truncated") || msg.contains("altered"),
                    "{what}: {msg}"
                );
                assert!(msg.contains(&path.display().to_string()), "{what}: {msg}");
            }
        });
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        with_file("pw", |path| {
            put(path, "a", &keys("AKIAAAAAAAAAAAAAAAAA", "s"));
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = load(Store::File, &name("a"), "AKIAAAAAAAAAAAAAAAAA").unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
        });
    }

    #[test]
    fn a_stored_key_must_match_the_configured_key_id() {
        with_file("pw", |path| {
            put(path, "a", &keys("AKIAAAAAAAAAAAAAAAAA", "s"));
            let err = load(Store::File, &name("a"), "AKIAOTHEROTHEROTHER0").unwrap_err();
            assert!(err.to_string().contains("mfaenv_access_key_id"), "{err}");
        });
    }

    #[test]
    fn profiles_name_their_store_and_key_id_and_the_files_come_first() {
        use crate::profile::{Files, parse, resolve};
        let files = Files {
            config: "/h/.aws/config".into(),
            credentials: "/h/.aws/credentials".into(),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let config = "[profile k]\nmfaenv_key_store = keyring\nmfaenv_access_key_id = AKIAKKKKKKKKKKKKKKKK\n\
                      [profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = k\n\
                      [profile both]\nmfaenv_key_store = file\nmfaenv_access_key_id = AKIASTORESTORESTORE0\n\
                      [profile bad]\nmfaenv_key_store = vault\nmfaenv_access_key_id = AKIA\n\
                      [profile noid]\nmfaenv_key_store = file\n";
        let creds = "[both]\naws_access_key_id = AKIAFILEFILEFILEFILE\naws_secret_access_key = s\n";
        let set = rt.block_on(parse(config, creds, &files)).unwrap();
        let r = resolve(&set, &name("r"), None, &files).unwrap();
        assert_eq!(r.identity.as_str(), "k");
        assert_eq!(r.key_store, Some(Store::Keyring));
        assert_eq!(r.access_key_id, "AKIAKKKKKKKKKKKKKKKK");
        assert_eq!(r.secret_access_key.expose(), "", "not asked yet");
        let both = resolve(&set, &name("both"), None, &files).unwrap();
        assert_eq!(
            (both.key_store, both.access_key_id.as_str()),
            (None, "AKIAFILEFILEFILEFILE")
        );
        let err = resolve(&set, &name("bad"), None, &files).unwrap_err();
        assert!(err.to_string().contains("is not a key store"), "{err}");
        let err = resolve(&set, &name("noid"), None, &files).unwrap_err();
        assert!(err.to_string().contains("no mfaenv_access_key_id"), "{err}");
    }

    #[test]
    fn store_names_parse() {
        assert_eq!(Store::parse("Keyring"), Some(Store::Keyring));
        assert_eq!(Store::parse("file"), Some(Store::File));
        assert_eq!(Store::parse("credentials"), None);
    }
}
