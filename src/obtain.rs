//! Getting a session for a profile: from the cache when it is still good, else with one MFA
//! code (GetSessionToken for the identity) and, for role profiles, AssumeRole from there.

use crate::cache::{self, Cache, Entry, Kind, Lookup};
use crate::cli::SessionArgs;
use crate::config_edit::{self, Saved};
use crate::error::printable;
use crate::error::{Error, Result};
use crate::keystore;
use crate::log::Log;
use crate::mfa::{self, Asker, CodeSource};
use crate::profile::{self, Files, MfaSerial, Profile, ProfileName};
use crate::session::{Session, SessionDuration};
use crate::sts::{self, Failure, Sts};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The margin before expiry at which a session counts as lapsed: `MFAENV_REFRESH_MARGIN`
/// seconds (default 60), shared with the shell hooks.
pub fn refresh_margin(log: Log) -> time::Duration {
    const DEFAULT: i64 = 60;
    let seconds = match std::env::var("MFAENV_REFRESH_MARGIN") {
        Ok(text) => text
            .trim()
            .parse::<u32>()
            .map(i64::from)
            .unwrap_or_else(|_| {
                log.notice(format_args!(
                    "mfaenv: MFAENV_REFRESH_MARGIN={} is not a number of seconds; using {DEFAULT}",
                    printable(&text)
                ));
                DEFAULT
            }),
        Err(_) => DEFAULT,
    };
    time::Duration::seconds(seconds)
}

/// Resolves the profile asked for (`AWS_PROFILE`, then `default`, when none is named).
pub async fn resolve_profile(
    named: Option<&str>,
    serial_flag: Option<&str>,
    log: Log,
) -> Result<(Profile, Files)> {
    let aws_profile = std::env::var("AWS_PROFILE").ok();
    let name = ProfileName::choose(named, aws_profile.as_deref())?;
    let files = Files::locate();
    log.info(format_args!(
        "profile '{name}' from {} and {}",
        files.config.display(),
        files.credentials.display()
    ));
    let set = profile::load(&files).await?;
    let profile = profile::resolve(&set, &name, serial_flag, &files)?;
    if profile.identity != profile.name {
        log.info(format_args!(
            "keys of profile '{}', then {} role(s)",
            profile.identity,
            profile.roles.len()
        ));
    }
    Ok((profile, files))
}

/// The session for the profile named (or the default one), from the cache or from STS.
pub async fn session(named: Option<&str>, args: &SessionArgs, log: Log) -> Result<Session> {
    let (profile, files) = resolve_profile(named, args.serial_number.as_deref(), log).await?;
    let margin = refresh_margin(log);
    let cache = if args.no_cache { None } else { open_cache(log) };
    // What answers for the profile: a role's own session, or the identity's MFA session.
    let kind = if profile.roles.is_empty() {
        Kind::Mfa
    } else {
        Kind::Role
    };
    let cached = |c: &Cache| cached(c, &profile, kind, margin, log);
    if !args.force
        && let Some(entry) = cache.as_ref().and_then(cached)
    {
        log.info("session from the cache");
        return Ok(finish(entry.session, &profile));
    }
    let lock = match &cache {
        Some(c) => Some(c.lock(&profile.identity, || {
            log.notice(format_args!(
                "mfaenv: another mfaenv is getting a session for '{}'; waiting for it",
                profile.identity
            ))
        })?),
        None => None,
    };
    // Whoever held the lock may have just stored what we need.
    if !args.force
        && lock.as_ref().is_some_and(|l| l.waited)
        && let Some(entry) = cache.as_ref().and_then(cached)
    {
        log.info("session from the cache, stored while waiting");
        return Ok(finish(entry.session, &profile));
    }
    let fresh = fetch(&profile, &files, args, cache.as_ref(), margin, log).await?;
    Ok(finish(fresh, &profile))
}

/// The cached session of `kind` for the profile (a role's own, or its identity's MFA
/// session), if it is good and was made from the profile as it is now: the same long-term key,
/// the same device, the same role.
fn cached(
    cache: &Cache,
    profile: &Profile,
    kind: Kind,
    margin: time::Duration,
    log: Log,
) -> Option<Entry> {
    let key = match kind {
        Kind::Mfa => &profile.identity,
        Kind::Role => &profile.name,
    };
    let entry = match cache.load(kind, key, OffsetDateTime::now_utc(), margin) {
        Lookup::Hit(entry) => *entry,
        Lookup::Miss => return None,
        Lookup::Ignored(why) => {
            log.notice(format_args!(
                "mfaenv: ignoring cached session {why}; it will be replaced"
            ));
            return None;
        }
    };
    let made_here = entry.source_key_id == profile.access_key_id
        && match kind {
            Kind::Mfa => profile
                .mfa_serial
                .as_ref()
                .is_none_or(|s| entry.mfa_serial.as_deref() == Some(s.as_str())),
            Kind::Role => entry.role_arn.as_deref() == profile.roles.last().map(|r| r.arn.as_str()),
        };
    made_here.then_some(entry)
}

fn open_cache(log: Log) -> Option<Cache> {
    let Some(dir) = cache::default_dir() else {
        log.notice(
            "mfaenv: no HOME or XDG_CACHE_HOME, so no session cache; every use asks for a code",
        );
        return None;
    };
    match Cache::open(dir) {
        Ok(cache) => Some(cache),
        Err(e) => {
            log.notice(format_args!("mfaenv: {e}"));
            None
        }
    }
}

/// The session as the shell gets it: named for the profile asked for, with its region.
fn finish(mut session: Session, profile: &Profile) -> Session {
    session.profile = profile.name.to_string();
    session.region = profile.region.clone();
    session
}

/// An STS client for the profile: its region, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else
/// the global endpoint; `timeout` seconds at most per call.
pub async fn client(profile: &Profile, timeout: u64, log: Log) -> Sts {
    let env_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok();
    let region = sts::region(profile.region.as_deref(), env_region.as_deref());
    log.info(format_args!("STS region {region}"));
    Sts::new(profile, region, Duration::from_secs(timeout)).await
}

/// Gets a new session from STS: the identity's MFA session (cached unless `--force`), then
/// each role in turn.
async fn fetch(
    profile: &Profile,
    files: &Files,
    args: &SessionArgs,
    cache: Option<&Cache>,
    margin: time::Duration,
    log: Log,
) -> Result<Session> {
    // A role renews from its identity's MFA session when that is still good. (For a plain
    // profile that session was the one looked up already.)
    let cached_mfa = match (args.force || profile.roles.is_empty(), cache) {
        (false, Some(c)) => cached(c, profile, Kind::Mfa, margin, log),
        _ => None,
    };
    // A new MFA session needs the secret: take it from the store now, once.
    let unlocked;
    let profile = match cached_mfa {
        None if needs_secret(profile) => {
            unlocked = with_secret(profile, log)?;
            &unlocked
        }
        _ => profile,
    };
    let client = client(profile, args.timeout, log).await;
    let mut from_cache = cached_mfa.is_some();
    let mut mfa = match cached_mfa {
        Some(entry) => {
            log.info(format_args!(
                "MFA session of '{}' from the cache",
                profile.identity
            ));
            entry.session
        }
        None => new_mfa_session(profile, files, args, &client, cache, log).await?,
    };
    let session = loop {
        match assume_roles(&client, mfa.clone(), profile, log).await {
            Ok(session) => break session,
            // Revoked or expired early (a changed password, an admin's revocation): a cached MFA
            // session is worth replacing once, with a new code.
            Err(Failure::SessionRejected) if from_cache => {
                log.notice(format_args!(
                    "mfaenv: AWS no longer accepts the cached MFA session of '{}'; asking for a new code",
                    profile.identity
                ));
                if let Some(c) = cache {
                    c.remove(Kind::Mfa, &profile.identity)?;
                }
                mfa = new_mfa_session(profile, files, args, &client, cache, log).await?;
                from_cache = false;
            }
            Err(Failure::Other(e)) => return Err(e),
            Err(Failure::InvalidCode | Failure::SessionRejected) => {
                return Err(Error::Runtime(format!(
                    "AWS refused the new MFA session of '{}' for the role of profile '{}'; check the role's trust policy, then run mfaenv use --force",
                    profile.identity, profile.name
                )));
            }
        }
    };
    if let (Some(c), Some(last)) = (cache, profile.roles.last()) {
        c.store(
            Kind::Role,
            &profile.name,
            &Entry {
                session: session.clone(),
                source_key_id: profile.access_key_id.clone(),
                mfa_serial: profile.mfa_serial.as_ref().map(ToString::to_string),
                role_arn: Some(last.arn.clone()),
            },
        )?;
    }
    Ok(session)
}

/// Each role of the profile in turn, starting from the MFA session.
async fn assume_roles(
    client: &Sts,
    mut session: Session,
    profile: &Profile,
    log: Log,
) -> std::result::Result<Session, Failure> {
    for role in &profile.roles {
        let started = Instant::now();
        session = client.assume_role(&session, role).await?;
        log.info(format_args!(
            "AssumeRole {} answered in {} ms",
            role.arn,
            started.elapsed().as_millis()
        ));
    }
    Ok(session)
}

/// A new MFA session for the profile's identity (registering its device first if it has
/// none), stored in the cache.
async fn new_mfa_session(
    profile: &Profile,
    files: &Files,
    args: &SessionArgs,
    client: &Sts,
    cache: Option<&Cache>,
    log: Log,
) -> Result<Session> {
    // Keys in a store are fetched only when a new MFA session is needed (here, or before the
    // client was built): a cached session never unlocks a keyring or asks for a passphrase.
    let unlocked = match needs_secret(profile) {
        true => {
            let profile = with_secret(profile, log)?;
            let client = self::client(&profile, args.timeout, log).await;
            Some((profile, client))
        }
        false => None,
    };
    let (profile, client) = match &unlocked {
        Some((p, c)) => (p, c),
        None => (profile, client),
    };
    let serial = match &profile.mfa_serial {
        Some(serial) => serial.clone(),
        None => register_serial(profile, files, args, client).await?,
    };
    let session = mfa_session(profile, &serial, args, client, log).await?;
    if let Some(c) = cache {
        c.store(
            Kind::Mfa,
            &profile.identity,
            &Entry {
                session: session.clone(),
                source_key_id: profile.access_key_id.clone(),
                mfa_serial: Some(serial.to_string()),
                role_arn: None,
            },
        )?;
    }
    Ok(session)
}

/// Whether the profile's secret is still in its store.
fn needs_secret(profile: &Profile) -> bool {
    profile.key_store.is_some() && profile.secret_access_key.expose().is_empty()
}

/// The profile with its secret, from the store that holds it (as it is when its keys are in
/// the files).
pub fn with_secret(profile: &Profile, log: Log) -> Result<Profile> {
    let Some(store) = profile.key_store else {
        return Ok(profile.clone());
    };
    log.info(format_args!(
        "keys of '{}' from {}",
        profile.identity,
        store.describe()
    ));
    let mut unlocked = profile.clone();
    unlocked.secret_access_key = keystore::load(store, &profile.identity, &profile.access_key_id)?;
    Ok(unlocked)
}

/// GetSessionToken with a code, re-asking on the terminal when AWS rejects one.
async fn mfa_session(
    profile: &Profile,
    serial: &MfaSerial,
    args: &SessionArgs,
    client: &Sts,
    log: Log,
) -> Result<Session> {
    let duration = args.duration.unwrap_or(SessionDuration::DEFAULT);
    let source = match (&args.token_code, &profile.mfa_process) {
        (Some(code), _) => CodeSource::Given(code.clone()),
        (None, Some(command)) => CodeSource::Process(command.clone()),
        (None, None) => CodeSource::Terminal,
    };
    let from_terminal = matches!(source, CodeSource::Terminal);
    log.info(format_args!(
        "MFA device {serial}; session of {} s; code from {}",
        duration.seconds(),
        match &source {
            CodeSource::Given(_) => "--token-code",
            CodeSource::Process(_) => "mfa_process",
            CodeSource::Terminal => "the terminal",
        }
    ));
    let name = &profile.identity;
    let mut asker = Asker::new(source, name, serial);
    let mut code = asker.code()?;
    loop {
        let started = Instant::now();
        let answer = client.get_session_token(serial, &code, duration).await;
        log.info(format_args!(
            "GetSessionToken answered in {} ms",
            started.elapsed().as_millis()
        ));
        match answer {
            Ok(session) => return Ok(session),
            Err(Failure::InvalidCode) if asker.can_retry() => {
                eprintln!(
                    "mfaenv: AWS rejected that code (wrong, expired or already used); enter the next one"
                );
                code = asker.code()?;
            }
            Err(Failure::InvalidCode) if from_terminal => return Err(mfa::too_many_tries(name)),
            Err(Failure::InvalidCode) => {
                return Err(Error::Runtime(format!(
                    "AWS rejected the MFA code for profile '{name}' (wrong, expired or already used); try again with the next code"
                )));
            }
            Err(Failure::Other(e)) => return Err(e),
            // Only AssumeRole reports this (GetSessionToken is signed with long-term keys).
            Err(Failure::SessionRejected) => {
                return Err(Error::Runtime(format!(
                    "AWS rejected the keys of profile '{name}'; check them in the credentials file"
                )));
            }
        }
    }
}

/// A profile without `mfa_serial`: ask for it on the terminal and offer to save it, or, where
/// nobody can be asked, say how to set it.
async fn register_serial(
    profile: &Profile,
    files: &Files,
    args: &SessionArgs,
    client: &Sts,
) -> Result<MfaSerial> {
    let missing = Error::Config(format!(
        "profile '{}' has no mfa_serial: run `mfaenv setup {}`, add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/USER` to its section in {}, or pass --serial-number ARN",
        profile.name,
        profile.name,
        files.config.display()
    ));
    if args.token_code.is_some() || profile.mfa_process.is_some() || !mfa::has_terminal() {
        return Err(missing);
    }
    eprintln!(
        "mfaenv: profile '{}' has no MFA device registered (mfa_serial)",
        profile.name
    );
    ask_and_save_serial(profile, files, client).await
}

/// Asks for the MFA device (suggesting the one named like the IAM user) and offers to save it
/// as `mfa_serial` in the profile's section of the config file.
pub async fn ask_and_save_serial(
    profile: &Profile,
    files: &Files,
    client: &Sts,
) -> Result<MfaSerial> {
    let suggestion = match client.caller_arn().await {
        Ok(arn) => suggested_serial(&arn),
        Err(_) => None,
    };
    let serial = mfa::ask_serial(&profile.name, suggestion.as_ref())?;
    let question = format!(
        "Save mfa_serial = {serial} in profile '{}' of {}?",
        profile.name,
        files.config.display()
    );
    if mfa::confirm(&question, &profile.name)? {
        let backup = config_edit::save_property(
            &files.config,
            profile.name.as_str(),
            "mfa_serial",
            serial.as_str(),
        )
        .map_err(|e| {
            Error::Runtime(format!(
                "cannot save mfa_serial in {}: {e}",
                files.config.display()
            ))
        })?;
        let (done, kept) = match backup {
            Saved::Updated { backup } => (
                "saved",
                format!("; the previous file is kept as {}", backup.display()),
            ),
            Saved::Created => ("saved", format!(" in a new {}", files.config.display())),
            Saved::Unchanged => ("already had", String::new()),
        };
        eprintln!(
            "mfaenv: {done} mfa_serial for profile '{}'{kept}",
            profile.name
        );
    }
    Ok(serial)
}

/// `arn:aws:iam::123456789012:user/path/alice` → `arn:aws:iam::123456789012:mfa/alice`, the
/// name the IAM console gives a user's first virtual device.
pub fn suggested_serial(user_arn: &str) -> Option<MfaSerial> {
    let (head, resource) = user_arn.split_once(":user/")?;
    let user = resource.rsplit('/').next()?;
    MfaSerial::parse(&format!("{head}:mfa/{user}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggested_device_is_named_like_the_user() {
        let s = suggested_serial("arn:aws:iam::123456789012:user/team/alice").unwrap();
        assert_eq!(s.as_str(), "arn:aws:iam::123456789012:mfa/alice");
        assert!(suggested_serial("arn:aws:sts::123456789012:assumed-role/x/y").is_none());
    }
}
