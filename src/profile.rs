//! Resolving a profile from the AWS config and credentials files, read by aws-config's loader.

use crate::error::{Error, Result, error_chain, printable};
use crate::session::Secret;
use aws_config::profile::{Profile as Section, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use std::fmt;
use std::path::{Path, PathBuf};

/// The name of a profile in the AWS config files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileName(String);

impl ProfileName {
    /// The profile to use: the one named, else `AWS_PROFILE`, else `default`.
    pub fn choose(named: Option<&str>, aws_profile: Option<&str>) -> Result<ProfileName> {
        let name = named
            .or(aws_profile.filter(|p| !p.is_empty()))
            .unwrap_or("default");
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Error::Usage(format!(
                "'{}' is not a profile name; name a profile from your AWS config file",
                printable(name)
            )));
        }
        // Wherever it came from (an argument after `--`, AWS_PROFILE, MFAENV_PROFILE), a name
        // that reads as an option is refused: no hook may end up running `--help`.
        if name.starts_with('-') {
            let from = if named.is_none() {
                " (from AWS_PROFILE)"
            } else {
                ""
            };
            return Err(Error::Usage(format!(
                "'{}'{from} is not a profile name: profile names cannot start with '-'; name a profile from your AWS config file",
                printable(name)
            )));
        }
        Ok(ProfileName(name.to_owned()))
    }

    /// The name as written in the files.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The identity of an MFA device, as STS takes it in `SerialNumber`: the ARN of a virtual or
/// FIDO device (`arn:aws:iam::123456789012:mfa/alice`) or a hardware device's serial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaSerial(String);

impl MfaSerial {
    /// Checks STS's own constraint: 9 to 256 characters of `[\w+=/:,.@-]`.
    pub fn parse(text: &str) -> std::result::Result<MfaSerial, String> {
        let len = text.chars().count();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c);
        if !(9..=256).contains(&len) || !text.chars().all(allowed) {
            return Err(format!(
                "invalid MFA serial '{}': expected the ARN of the MFA device, such as arn:aws:iam::123456789012:mfa/alice (9 to 256 characters of letters, digits and _+=/:,.@-)",
                printable(text)
            ));
        }
        Ok(MfaSerial(text.to_owned()))
    }

    /// The serial as STS takes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The account id in the device's ARN, when the serial is an ARN.
    pub fn account(&self) -> Option<&str> {
        let mut parts = self.0.split(':');
        let (arn, _partition, service, _region, account) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        (arn == "arn" && service == "iam" && !account.is_empty()).then_some(account)
    }
}

impl fmt::Display for MfaSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the AWS CLI, and so mfaenv, looks for its two files.
#[derive(Clone, Debug)]
pub struct Files {
    /// `AWS_CONFIG_FILE` or `~/.aws/config`.
    pub config: PathBuf,
    /// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    pub credentials: PathBuf,
}

impl Files {
    /// The paths as the AWS CLI finds them: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`
    /// (`~` is the home), else `.aws/` in the home. Without a home (`HOME`, on Windows also
    /// `USERPROFILE`, unset, empty or relative) a path that would need one is an error rather
    /// than a path relative to the working directory, whose `.aws/config` (and its
    /// `mfa_process`) may be anyone's.
    pub fn locate() -> Result<Files> {
        let home = home_dir();
        let pick = |var: &str, default: &str| {
            let path = match std::env::var_os(var) {
                Some(p) if !p.is_empty() => PathBuf::from(p),
                _ => PathBuf::from("~").join(".aws").join(default),
            };
            match (path.strip_prefix("~"), &home) {
                (Ok(rest), Some(home)) => Ok(home.join(rest)),
                (Err(_), _) if home.is_some() || path.is_absolute() => Ok(path),
                _ => Err(Error::Config(format!(
                    "no home directory to find the AWS {default} file in (HOME is unset, empty or not an absolute path, and {var} is not an absolute path); set HOME, or set AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE to absolute paths"
                ))),
            }
        };
        Ok(Files {
            config: pick("AWS_CONFIG_FILE", "config")?,
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
        })
    }
}

/// The home directory, when it is an absolute path: `HOME`, on Windows also `USERPROFILE`.
fn home_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    var("HOME").or_else(|| {
        if cfg!(windows) {
            var("USERPROFILE")
        } else {
            None
        }
    })
}

/// A role to assume, as a profile with `role_arn` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The profile that names the role.
    pub profile: ProfileName,
    /// `role_arn`.
    pub arn: String,
    /// `role_session_name`, when set.
    pub session_name: Option<String>,
    /// `external_id`, when set.
    pub external_id: Option<String>,
    /// `duration_seconds`, when set (STS's default is one hour).
    pub duration_seconds: Option<u32>,
}

/// What mfaenv needs of a profile: the long-term keys at the end of its `source_profile`
/// chain, the roles to assume from there, its MFA device and region.
#[derive(Clone, Debug)]
pub struct Profile {
    /// The profile asked for.
    pub name: ProfileName,
    /// The profile holding the long-term keys: `name` itself, or the end of its
    /// `source_profile` chain. Its MFA session serves every role built on it.
    pub identity: ProfileName,
    /// The IAM user's long-term access key id.
    pub access_key_id: String,
    /// The IAM user's long-term secret key; empty while `key_store` is set and the store has
    /// not been asked yet (see [`crate::keystore`]).
    pub secret_access_key: Secret,
    /// The store holding the keys, when they are not in the files: only the key id is known
    /// until a new MFA session needs the secret.
    pub key_store: Option<crate::keystore::Store>,
    /// Roles to assume in order, the first with the MFA session; empty for a plain profile.
    pub roles: Vec<Role>,
    /// `mfa_serial` (or `--serial-number`), checked: the first found from `name` down the chain.
    pub mfa_serial: Option<MfaSerial>,
    /// `mfa_process`: a command that prints the current code.
    pub mfa_process: Option<String>,
    /// `region`: the first found from `name` down the chain.
    pub region: Option<String>,
    /// The files' texts this profile was resolved from, for the SDK; `None` makes the SDK read
    /// the files itself.
    pub texts: Option<Texts>,
}

/// The two files' texts as mfaenv read them, handed to the SDK for its own settings (endpoint,
/// retries) so that it reads neither file a second time: one read is faster, and the SDK sees
/// exactly what mfaenv checked. The credentials text holds secrets, so `Debug` shows none of it.
#[derive(Clone)]
pub struct Texts {
    config: String,
    credentials: String,
}

impl Texts {
    /// The credentials file's text (it holds secrets: for parsing, never for showing).
    pub(crate) fn credentials(&self) -> &str {
        &self.credentials
    }

    /// The texts as the SDK's loader takes them (`ConfigLoader::profile_files`).
    pub fn sdk_files(&self) -> EnvConfigFiles {
        EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, self.config.as_str())
            .with_contents(EnvConfigFileKind::Credentials, self.credentials.as_str())
            .build()
    }
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Texts(..)")
    }
}

/// Runs to its end a future that does no I/O of its own, such as aws-config's parser over texts
/// in memory ([`load_texts`] once the files are read), without an async runtime: such a future
/// is ready at its first poll. Should a later aws-config ever wait inside one, a bare
/// current-thread runtime (no I/O driver, no timers) finishes it. Not for use inside a runtime.
pub fn now<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => runtime.block_on(future),
            // Building a runtime without drivers opens nothing; this cannot be reached.
            Err(e) => panic!("cannot start: {e}"),
        },
    }
}

/// Reads and merges the config and credentials files with aws-config's own parser, honouring
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` as the AWS CLI does. mfaenv reads the
/// files itself so that an unreadable or non-UTF-8 file is an error naming it, not (as in the
/// SDK) silently an empty one.
pub async fn load(files: &Files) -> Result<ProfileSet> {
    Ok(load_texts(files).await?.0)
}

/// As [`load`], and the texts read, for the SDK (see [`Texts`]).
pub async fn load_texts(files: &Files) -> Result<(ProfileSet, Texts)> {
    let config = read_text(&files.config)?;
    let credentials = read_text(&files.credentials)?;
    let set = parse(&config, &credentials, files).await?;
    Ok((
        set,
        Texts {
            config,
            credentials,
        },
    ))
}

/// A file's text; missing is empty.
fn read_text(path: &Path) -> Result<String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot read {}: {e}; check that it is a file you can read",
                path.display()
            )));
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        Error::Config(format!(
            "{} is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Parses the two files' texts as the AWS CLI merges them.
pub async fn parse(config: &str, credentials: &str, files: &Files) -> Result<ProfileSet> {
    match parse_texts(config, credentials).await {
        Ok(set) => Ok(set),
        Err(e) => {
            // Say which file is malformed: parse each alone (only on this error path).
            let culprit = if parse_texts(config, "").await.is_err() {
                &files.config
            } else {
                &files.credentials
            };
            // The parser's message spans lines and names no file (it got text): one line here.
            let why = error_chain(&e)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let why = why.replace("could not parse profile file: error parsing on ", "");
            Err(Error::Config(format!(
                "{} is malformed: {}; fix that line",
                culprit.display(),
                printable(&why)
            )))
        }
    }
}

async fn parse_texts(
    config: &str,
    credentials: &str,
) -> std::result::Result<ProfileSet, aws_config::profile::ProfileFileLoadError> {
    let sources = EnvConfigFiles::builder()
        .with_contents(EnvConfigFileKind::Config, config)
        .with_contents(EnvConfigFileKind::Credentials, credentials)
        .build();
    aws_config::profile::load(&Fs::from_slice(&[]), &Env::from_slice(&[]), &sources, None).await
}

/// Resolves `name` from the merged files: follows `role_arn`/`source_profile` to the long-term
/// keys (never the environment's), and finds the MFA device and region along the way.
/// `serial_flag` (`--serial-number`) wins over every `mfa_serial`.
pub fn resolve(
    set: &ProfileSet,
    name: &ProfileName,
    serial_flag: Option<&str>,
    files: &Files,
) -> Result<Profile> {
    let mut roles = Vec::new();
    let mut chain = vec![name.clone()];
    let (mut serial, mut process, mut region) = (serial_flag.map(str::to_owned), None, None);
    let mut current = name.clone();
    loop {
        let Some(p) = set.get_profile(current.as_str()) else {
            return Err(match chain.len() {
                1 => not_found(set, name, files),
                _ => Error::Config(format!(
                    "profile '{}' names source_profile '{current}', which is not in {} or {}",
                    chain[chain.len() - 2],
                    files.config.display(),
                    files.credentials.display()
                )),
            });
        };
        let get = |key: &str| p.get(key).map(str::trim).filter(|v| !v.is_empty());
        serial = serial.or(get("mfa_serial").map(str::to_owned));
        process = process.or(get("mfa_process").map(str::to_owned));
        if region.is_none()
            && let Some(r) = get("region")
        {
            region = Some(check_region(&current, r)?);
        }
        let Some(arn) = get("role_arn") else {
            break;
        };
        roles.push(role(&current, arn, p)?);
        let Some(source) = get("source_profile") else {
            let hint = match get("credential_source") {
                Some(_) => "credential_source is not supported by mfaenv; ",
                None => "",
            };
            return Err(Error::Config(format!(
                "profile '{current}' has role_arn but no source_profile: {hint}name the profile holding your IAM user's keys with source_profile"
            )));
        };
        // The name goes into messages and the cache's file names: text from a file, so one
        // that could drive the terminal is refused here, as `ProfileName::choose` does.
        if source.chars().any(char::is_control) {
            return Err(Error::Config(format!(
                "profile '{current}': source_profile '{}' is not a profile name; name a profile from your AWS config file",
                printable(source)
            )));
        }
        let source = ProfileName(source.to_owned());
        if source == current {
            // `source_profile` naming itself: the role is assumed with this profile's own keys.
            break;
        }
        if chain.contains(&source) {
            let names: Vec<&str> = chain.iter().map(ProfileName::as_str).collect();
            return Err(Error::Config(format!(
                "source_profile loop: {} -> {source}; make the chain end at a profile with keys",
                names.join(" -> ")
            )));
        }
        chain.push(source.clone());
        current = source;
    }
    roles.reverse();
    let keys = set.get_profile(current.as_str()).expect("found above");
    let get = |key: &str| keys.get(key).map(str::trim).filter(|v| !v.is_empty());
    let missing = |key: &str| {
        Error::Config(format!(
            "profile '{current}' has no {key}: run mfaenv add {current}, or add the long-term keys of your IAM user to its section in {}",
            files.credentials.display()
        ))
    };
    // The files first (as the AWS CLI reads them), then the store the config names.
    let (access_key_id, secret, key_store) = match (
        get("aws_access_key_id"),
        get(crate::keystore::STORE_PROPERTY),
    ) {
        (None, Some(store)) => stored_keys(&current, store, &get, files)?,
        (id, _) => (
            id.ok_or_else(|| missing("aws_access_key_id"))?,
            get("aws_secret_access_key").ok_or_else(|| missing("aws_secret_access_key"))?,
            None,
        ),
    };
    if get("aws_session_token").is_some() {
        return Err(Error::Config(format!(
            "profile '{current}' holds temporary credentials (aws_session_token); mfaenv needs the long-term keys of an IAM user in {}",
            files.credentials.display()
        )));
    }
    let mfa_serial = match serial {
        Some(s) => Some(
            MfaSerial::parse(&s).map_err(|m| Error::Config(format!("profile '{name}': {m}")))?,
        ),
        None => None,
    };
    Ok(Profile {
        name: name.clone(),
        identity: current,
        access_key_id: access_key_id.to_owned(),
        secret_access_key: Secret::new(secret),
        key_store,
        roles,
        mfa_serial,
        mfa_process: process,
        region,
        texts: None,
    })
}

/// The key id and store of a profile whose keys are in a store; the secret stays there for now.
fn stored_keys<'a>(
    profile: &ProfileName,
    store: &str,
    get: &impl Fn(&str) -> Option<&'a str>,
    files: &Files,
) -> Result<(&'a str, &'a str, Option<crate::keystore::Store>)> {
    use crate::keystore::{KEY_ID_PROPERTY, STORE_PROPERTY, Store};
    let Some(kind) = Store::parse(store) else {
        return Err(Error::Config(format!(
            "profile '{profile}': {STORE_PROPERTY} = {} is not a key store (keyring or file); fix it in {}",
            printable(store),
            files.config.display()
        )));
    };
    let id = get(KEY_ID_PROPERTY).ok_or_else(|| {
        Error::Config(format!(
            "profile '{profile}' has {STORE_PROPERTY} but no {KEY_ID_PROPERTY}; run mfaenv add {profile}"
        ))
    })?;
    Ok((id, "", Some(kind)))
}

/// A region name as AWS spells them (`eu-west-1`, `us-gov-west-1`): it goes into requests and
/// into the shell, so anything else is refused.
fn check_region(profile: &ProfileName, region: &str) -> Result<String> {
    let ok = (1..=64).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(region.to_owned())
    } else {
        Err(Error::Config(format!(
            "profile '{profile}': region '{}' is not a region name such as eu-west-1",
            printable(region)
        )))
    }
}

fn role(profile: &ProfileName, arn: &str, section: &Section) -> Result<Role> {
    let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    let bad = |what: String| Error::Config(format!("profile '{profile}': {what}"));
    if !arn.starts_with("arn:") || arn.chars().any(char::is_control) {
        return Err(bad(format!(
            "role_arn '{}' is not an ARN such as arn:aws:iam::123456789012:role/admin",
            printable(arn)
        )));
    }
    let duration_seconds = match get("duration_seconds") {
        Some(d) => Some(
            d.parse::<u32>()
                .ok()
                .filter(|d| (900..=43200).contains(d))
                .ok_or_else(|| {
                    bad(format!(
                        "duration_seconds '{}' is not 900 to 43200 seconds",
                        printable(d)
                    ))
                })?,
        ),
        None => None,
    };
    Ok(Role {
        profile: profile.clone(),
        arn: arn.to_owned(),
        session_name: get("role_session_name").map(str::to_owned),
        external_id: get("external_id").map(str::to_owned),
        duration_seconds,
    })
}

/// Why a profile is one `mfaenv add` would set up.
#[derive(Debug, PartialEq, Eq)]
pub enum NotSetUp<'a> {
    /// No section of that name in either file; `close` is a name the user may have meant.
    Absent {
        /// The known profile nearest to the name asked for, when it looks like a typo.
        close: Option<&'a str>,
    },
    /// A section holding no credentials of any kind (only `region`, `mfa_serial`…).
    NoKeys,
}

/// Whether `name` is a profile that `add` would set up rather than one that is broken: absent,
/// or a section with nothing that gets credentials (no keys, store, role, SSO or process).
/// Anything else that fails to resolve keeps its own error, so no working setup is offered away.
pub fn not_set_up<'a>(set: &'a ProfileSet, name: &ProfileName) -> Option<NotSetUp<'a>> {
    const CREDENTIAL_KEYS: &[&str] = &[
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        crate::keystore::STORE_PROPERTY,
        "role_arn",
        "source_profile",
        "credential_source",
        "credential_process",
        "sso_session",
        "sso_start_url",
        "web_identity_token_file",
    ];
    match set.get_profile(name.as_str()) {
        None => {
            let mut names: Vec<&str> = set.profiles().collect();
            names.sort_unstable();
            Some(NotSetUp::Absent {
                close: closest(name.as_str(), &names),
            })
        }
        Some(p) => {
            (!CREDENTIAL_KEYS.iter().any(|k| p.get(k).is_some())).then_some(NotSetUp::NoKeys)
        }
    }
}

fn not_found(set: &ProfileSet, name: &ProfileName, files: &Files) -> Error {
    let mut names: Vec<&str> = set.profiles().collect();
    names.sort_unstable();
    let hint = match closest(name.as_str(), &names) {
        Some(close) => format!(" (did you mean '{close}'?)"),
        None if names.is_empty() => {
            "; no profiles are defined there (see the README for a config example)".to_owned()
        }
        None => format!("; profiles there: {}", names.join(", ")),
    };
    Error::Config(format!(
        "profile '{name}' not found in {} or {}{hint}",
        files.config.display(),
        files.credentials.display()
    ))
}

/// The known name nearest to `wanted`, when one is near enough to be a likely typo.
fn closest<'a>(wanted: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (edit_distance(wanted, n), *n))
        .filter(|(d, n)| *d <= (n.chars().count().max(3) / 3).max(1))
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        Files {
            config: "/h/.aws/config".into(),
            credentials: "/h/.aws/credentials".into(),
        }
    }

    fn set(config: &str, credentials: &str) -> ProfileSet {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(parse(config, credentials, &files())).unwrap()
    }

    #[test]
    fn regions_are_checked() {
        let creds = "[a]\naws_access_key_id = A\naws_secret_access_key = s\n";
        let err = resolve(
            &set("[profile a]\nregion = eu west;1\n", creds),
            &name("a"),
            None,
            &files(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("region 'eu west;1' is not a region name"),
            "{err}"
        );
        let ok = resolve(
            &set("[profile a]\nregion = us-gov-west-1\n", creds),
            &name("a"),
            None,
            &files(),
        );
        assert_eq!(ok.unwrap().region.as_deref(), Some("us-gov-west-1"));
    }

    #[test]
    fn malformed_files_are_named() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt
            .block_on(parse(
                "[profile a]\nthis line has no equals\n",
                "",
                &files(),
            ))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("/h/.aws/config is malformed"),
            "{err}"
        );
        let err = rt.block_on(parse("", "[a\n", &files())).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/h/.aws/credentials is malformed"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn unreadable_and_non_utf8_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("cannot read {}", dir.path().display())),
            "{err}"
        );
        let latin1 = dir.path().join("config");
        std::fs::write(&latin1, b"[default]\nregion = caf\xe9\n").unwrap();
        let err = read_text(&latin1).unwrap_err().to_string();
        assert!(
            err.contains("is not UTF-8 text (invalid byte at offset 22)"),
            "{err}"
        );
        assert_eq!(read_text(&dir.path().join("missing")).unwrap(), "");
    }

    fn name(n: &str) -> ProfileName {
        ProfileName::choose(Some(n), None).unwrap()
    }

    const CREDS: &str = "[foobar]\naws_access_key_id = AKIAFOO\naws_secret_access_key = s3cr3t\n";

    #[test]
    fn merges_profile_section_of_config_with_credentials() {
        let config = "[profile foobar]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n";
        let p = resolve(&set(config, CREDS), &name("foobar"), None, &files()).unwrap();
        assert_eq!(p.access_key_id, "AKIAFOO");
        assert_eq!(p.secret_access_key.expose(), "s3cr3t");
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
        let serial = p.mfa_serial.unwrap();
        assert_eq!(serial.account(), Some("123456789012"));
    }

    #[test]
    fn default_profile_is_bare_in_config() {
        let config = "[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/bob\n";
        let creds = "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n";
        let chosen = ProfileName::choose(None, None).unwrap();
        let p = resolve(&set(config, creds), &chosen, None, &files()).unwrap();
        assert!(p.mfa_serial.is_some());
    }

    #[test]
    fn profile_choice_follows_aws_profile_then_default() {
        assert_eq!(ProfileName::choose(None, Some("x")).unwrap().as_str(), "x");
        assert_eq!(
            ProfileName::choose(Some("y"), Some("x")).unwrap().as_str(),
            "y"
        );
        assert_eq!(
            ProfileName::choose(None, Some("")).unwrap().as_str(),
            "default"
        );
        assert!(ProfileName::choose(Some(""), None).is_err());
        for option in ["-h", "--help", "--version", "-V", "--shell=fish", "-"] {
            let err = ProfileName::choose(Some(option), None).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{option}");
            let err = ProfileName::choose(None, Some(option))
                .unwrap_err()
                .to_string();
            assert!(err.contains("AWS_PROFILE") && err.contains("'-'"), "{err}");
        }
        assert_eq!(
            ProfileName::choose(Some("a-b"), None).unwrap().as_str(),
            "a-b"
        );
    }

    #[test]
    fn serial_flag_wins_and_is_validated() {
        let s = set("", CREDS);
        let p = resolve(&s, &name("foobar"), Some("GAHT12345678"), &files()).unwrap();
        assert_eq!(p.mfa_serial.unwrap().as_str(), "GAHT12345678");
        let err = resolve(&s, &name("foobar"), Some("arn;rm -rf"), &files()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("invalid MFA serial"), "{err}");
    }

    #[test]
    fn serial_constraints_are_stss() {
        assert!(MfaSerial::parse("12345678").is_err());
        assert!(MfaSerial::parse("123456789").is_ok());
        assert!(MfaSerial::parse(&"a".repeat(256)).is_ok());
        assert!(MfaSerial::parse(&"a".repeat(257)).is_err());
        assert!(MfaSerial::parse("arn:aws:iam::1:mfa/a b").is_err());
        assert!(MfaSerial::parse("arn:aws:iam::123456789012:mfa/a.b@c_d+e=f,g-h").is_ok());
        assert_eq!(MfaSerial::parse("GAHT12345678").unwrap().account(), None);
    }

    #[test]
    fn missing_profile_suggests_the_closest_name() {
        let err = resolve(&set("", CREDS), &name("foobaz"), None, &files()).unwrap_err();
        assert!(err.to_string().contains("did you mean 'foobar'"), "{err}");
        let err = resolve(&set("", CREDS), &name("zzzzzzzzzz"), None, &files()).unwrap_err();
        assert!(err.to_string().contains("profiles there: foobar"), "{err}");
    }

    #[test]
    fn roles_follow_source_profile_chains_to_the_keys() {
        let config = "[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n\
                      [profile admin]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = base\n\
                      duration_seconds = 7200\nexternal_id = ext\nrole_session_name = me\n\
                      [profile deep]\nrole_arn = arn:aws:iam::333333333333:role/deep\nsource_profile = admin\nregion = us-east-2\n";
        let creds = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n";
        let s = set(config, creds);
        let p = resolve(&s, &name("deep"), None, &files()).unwrap();
        assert_eq!(p.identity.as_str(), "base");
        assert_eq!(p.access_key_id, "AKIABASE");
        let arns: Vec<&str> = p.roles.iter().map(|r| r.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::210987654321:role/admin",
                "arn:aws:iam::333333333333:role/deep"
            ]
        );
        assert_eq!(p.roles[0].duration_seconds, Some(7200));
        assert_eq!(p.roles[0].external_id.as_deref(), Some("ext"));
        assert_eq!(p.roles[0].session_name.as_deref(), Some("me"));
        assert_eq!(
            p.region.as_deref(),
            Some("us-east-2"),
            "the nearest region wins"
        );
        assert!(
            p.mfa_serial.is_some(),
            "the source's mfa_serial serves the role"
        );
        let plain = resolve(&s, &name("base"), None, &files()).unwrap();
        assert!(plain.roles.is_empty());
        assert_eq!(plain.identity.as_str(), "base");
    }

    #[test]
    fn mfa_serial_on_the_role_profile_serves_the_source() {
        let config = "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = k\nmfa_serial = arn:aws:iam::123456789012:mfa/bob\n";
        let creds = "[k]\naws_access_key_id = A\naws_secret_access_key = s\n";
        let p = resolve(&set(config, creds), &name("r"), None, &files()).unwrap();
        assert_eq!(
            p.mfa_serial.unwrap().as_str(),
            "arn:aws:iam::123456789012:mfa/bob"
        );
        assert_eq!(p.identity.as_str(), "k");
    }

    #[test]
    fn source_profile_loops_and_gaps_are_config_errors() {
        let config = "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
                      [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n\
                      [profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = nowhere\n\
                      [profile d]\nrole_arn = arn:aws:iam::1:role/d\n\
                      [profile e]\nrole_arn = arn:aws:iam::1:role/e\nsource_profile = e\naws_access_key_id = A\naws_secret_access_key = s\n\
                      [profile f]\nrole_arn = arn:aws:iam::1:role/f\nsource_profile = e\nduration_seconds = lots\n";
        let s = set(config, "");
        let err = |n: &str| {
            resolve(&s, &name(n), None, &files())
                .unwrap_err()
                .to_string()
        };
        assert!(
            err("a").contains("source_profile loop: a -> b -> a"),
            "{}",
            err("a")
        );
        assert!(
            err("c").contains("source_profile 'nowhere'"),
            "{}",
            err("c")
        );
        assert!(err("d").contains("no source_profile"), "{}", err("d"));
        assert!(err("f").contains("duration_seconds 'lots'"), "{}", err("f"));
        let own = resolve(&s, &name("e"), None, &files()).unwrap();
        assert_eq!((own.identity.as_str(), own.roles.len()), ("e", 1));
    }

    #[test]
    fn a_source_profile_that_could_drive_the_terminal_is_refused_inert() {
        let config = "[profile g]\nrole_arn = arn:aws:iam::1:role/g\nsource_profile = ev\x1b]0;pwned\x07il\n";
        let s = set(config, "");
        let err = resolve(&s, &name("g"), None, &files())
            .unwrap_err()
            .to_string();
        assert!(!err.chars().any(char::is_control), "{err:?}");
        assert!(
            err.contains("source_profile 'ev\\u{1b}]0;pwned\\u{7}il'"),
            "{err}"
        );
    }

    #[test]
    fn missing_keys_and_temporary_keys_are_config_errors() {
        let err = resolve(
            &set("[profile a]\nregion=x\n", ""),
            &name("a"),
            None,
            &files(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("aws_access_key_id"), "{err}");
        let creds = "[a]\naws_access_key_id = A\naws_secret_access_key = s3cr3t\naws_session_token = t0k3n\n";
        let err = resolve(&set("", creds), &name("a"), None, &files()).unwrap_err();
        assert!(err.to_string().contains("temporary"), "{err}");
        assert!(!err.to_string().contains("s3cr3t"));
    }
}
