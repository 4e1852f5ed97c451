//! Getting a session for a profile: from the cache when it is still good, else with one MFA
//! code (GetSessionToken for the identity) and, for role profiles, AssumeRole from there.

use crate::cache::{self, Cache, Entry, Kind, Lookup};
use crate::cli::SessionArgs;
use crate::config_edit::{self, Saved};
use crate::error::{Error, Result, printable};
use crate::keystore;
use crate::lock::LockError;
use crate::log::Log;
use crate::mfa::{self, Asker, CodeSource, TokenCode};
use crate::profile::{self, Files, MfaSerial, Profile, ProfileName, Role};
use crate::session::{Session, SessionDuration};
use crate::sts::{self, Failure, Signer, Sts};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The margin before expiry at which a session counts as lapsed: `MFAENV_REFRESH_MARGIN`
/// seconds (default 60), read by the one rule the shell hooks share
/// ([`crate::session::parse_margin`]); anything else is the default, with a warning.
pub fn refresh_margin(log: Log) -> time::Duration {
    let text = std::env::var("MFAENV_REFRESH_MARGIN").ok();
    let (seconds, warning) = crate::session::parse_margin(text.as_deref());
    if let Some(warning) = warning {
        log.notice(warning);
    }
    time::Duration::seconds(seconds.into())
}

/// The margin applied to a session asked to last `seconds`: at most half of it, the rule the
/// hooks apply too, so a long `MFAENV_REFRESH_MARGIN` never makes a new session count as lapsed
/// at once (nor every cached one, so a new code at every `use`).
pub fn margin_for(margin: time::Duration, seconds: u32) -> time::Duration {
    let kept = crate::session::hook_margin(
        u32::try_from(margin.whole_seconds()).unwrap_or(u32::MAX),
        seconds,
    );
    time::Duration::seconds(kept.into())
}

/// How long STS makes a role's session when asked for `duration_seconds`: its default is an
/// hour.
fn role_seconds(role: &Role) -> u32 {
    role.duration_seconds.unwrap_or(3600)
}

/// How long the MFA session asked for lasts.
fn mfa_seconds(args: &SessionArgs) -> u32 {
    args.duration.unwrap_or(SessionDuration::DEFAULT).seconds()
}

/// Resolves the profile asked for (`AWS_PROFILE`, then `default`, when none is named).
pub async fn resolve_profile(
    named: Option<&str>,
    serial_flag: Option<&str>,
    log: Log,
) -> Result<(Profile, Files)> {
    resolve_profile_now(named, serial_flag, log)
}

/// [`resolve_profile`] without an async runtime: reading the files is plain blocking I/O, and
/// aws-config's parser of their texts does none ([`profile::now`]).
fn resolve_profile_now(
    named: Option<&str>,
    serial_flag: Option<&str>,
    log: Log,
) -> Result<(Profile, Files)> {
    let aws_profile = std::env::var("AWS_PROFILE").ok();
    let name = ProfileName::choose(named, aws_profile.as_deref())?;
    let files = Files::locate()?;
    log.info(format_args!(
        "profile '{name}' from {} and {}",
        files.config.display(),
        files.credentials.display()
    ));
    let (set, texts) = profile::now(profile::load_texts(&files))?;
    crate::sdk_settings::check(&set, &name, &files)?;
    let mut profile = profile::resolve(&set, &name, serial_flag, &files)?;
    profile.texts = Some(texts);
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
    match lookup(named, args, log) {
        Err(e @ Error::Config(_)) => first_run_then_session(named, args, e, log).await,
        Err(e) => Err(e),
        Ok(Found::Cached(session)) => Ok(session),
        Ok(Found::Missing(missing)) => fetch_missing(*missing, args, log).await,
    }
}

/// [`session`] for a command that has no async runtime yet: a cached session is found and
/// returned without one (no runtime, no I/O driver, no timers: a cached `use` is start-up,
/// three file reads and a print); only when STS must be asked is a runtime built.
pub fn session_blocking(named: Option<&str>, args: &SessionArgs, log: Log) -> Result<Session> {
    match lookup(named, args, log) {
        Ok(Found::Cached(session)) => Ok(session),
        Ok(Found::Missing(missing)) => runtime()?.block_on(fetch_missing(*missing, args, log)),
        Err(e @ Error::Config(_)) => {
            runtime()?.block_on(first_run_then_session(named, args, e, log))
        }
        Err(e) => Err(e),
    }
}

/// The async runtime for the SDK: one thread, with I/O and timers.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start: {e}")))
}

/// What the files and the cache say of the profile asked for.
enum Found {
    /// A good cached session, ready to print.
    Cached(Session),
    /// None: STS must be asked, for this profile.
    Missing(Box<Missing>),
}

/// The profile resolved on the way to the cache, so that a miss does not read the files again.
struct Missing {
    profile: Profile,
    files: Files,
    cache: Option<Cache>,
    kind: Kind,
    margin: time::Duration,
}

/// Resolves the profile and looks in the cache, with no network and no async runtime.
fn lookup(named: Option<&str>, args: &SessionArgs, log: Log) -> Result<Found> {
    let serial = args.serial_number.as_deref();
    let (profile, files) = resolve_profile_now(named, serial, log)?;
    let margin = refresh_margin(log);
    let cache = if args.no_cache { None } else { open_cache(log) };
    // What answers for the profile: a role's own session, or the identity's MFA session.
    let kind = if profile.roles.is_empty() {
        Kind::Mfa
    } else {
        Kind::Role
    };
    if !args.force
        && let Some(entry) = cache
            .as_ref()
            .and_then(|c| cached(c, &profile, kind, args, margin, log))
    {
        log.info("session from the cache");
        return Ok(Found::Cached(finish(entry.session, &profile)));
    }
    Ok(Found::Missing(Box::new(Missing {
        profile,
        files,
        cache,
        kind,
        margin,
    })))
}

/// The first run's offer (see [`first_run`]), then the session. It costs nothing on the way
/// to a cached session: it is looked at only once the profile has failed to resolve.
async fn first_run_then_session(
    named: Option<&str>,
    args: &SessionArgs,
    failed: Error,
    log: Log,
) -> Result<Session> {
    first_run(named, args, failed, log).await?;
    match lookup(named, args, log)? {
        Found::Cached(session) => Ok(session),
        Found::Missing(missing) => fetch_missing(*missing, args, log).await,
    }
}

/// A session from STS for a profile the cache had none for: under the identity's lock, so
/// that two shells asking at once cost one code.
async fn fetch_missing(missing: Missing, args: &SessionArgs, log: Log) -> Result<Session> {
    let Missing {
        profile,
        files,
        cache,
        kind,
        margin,
    } = missing;
    let cached = |c: &Cache| cached(c, &profile, kind, args, margin, log);
    let lock = match &cache {
        Some(c) => match c.lock(&profile.identity, || {
            log.notice(format_args!(
                "mfaenv: another mfaenv is getting a session for '{}'; waiting for it",
                profile.identity
            ))
        }) {
            Ok(lock) => Some(lock),
            Err(e @ LockError::Busy { .. }) => return Err(Error::Runtime(e.to_string())),
            // A cache that cannot be written (read-only, full, a name too long, a bad lock
            // file) must not cost the session: it is only read from now on.
            Err(e) => {
                not_cached(c, &e, log);
                None
            }
        },
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

/// A profile that is not set up at all, on a terminal: offer `mfaenv add` there and then, so
/// the first `use` on a fresh machine needs nothing but the keys. Returns once the keys are
/// stored; otherwise the error to show: `failed` itself for a profile that is set up but broken,
/// or one line naming `mfaenv add` (no terminal, or the offer declined).
async fn first_run(named: Option<&str>, args: &SessionArgs, failed: Error, log: Log) -> Result<()> {
    let aws_profile = std::env::var("AWS_PROFILE").ok();
    let name = ProfileName::choose(named, aws_profile.as_deref())?;
    let files = Files::locate()?;
    let set = profile::load(&files).await?;
    let Some(why) = profile::not_set_up(&set, &name) else {
        return Err(failed);
    };
    // The resolver's message already names `mfaenv add` for a section without keys.
    let unadded = |failed: Error| match why {
        profile::NotSetUp::Absent { .. } => {
            Error::Config(format!("{failed}; to set it up, run mfaenv add {name}"))
        }
        profile::NotSetUp::NoKeys => failed,
    };
    if !mfa::has_terminal() || !crate::config_edit::can_name_profile(name.as_str()) {
        return Err(unadded(failed));
    }
    // A likely typo of a profile that exists is not made a new profile by a bare Enter.
    let question = match why {
        profile::NotSetUp::Absent { close: Some(close) } => format!(
            "Profile '{name}' is not set up (did you mean '{close}'?); add its keys now? [y/N] "
        ),
        _ => format!("Profile '{name}' is not set up; add its keys now? [Y/n] "),
    };
    let default_yes = !matches!(why, profile::NotSetUp::Absent { close: Some(_) });
    let answer = mfa::read_terminal(&question, &name, 16)?;
    let yes = match answer.trim().to_ascii_lowercase().as_str() {
        "" => default_yes,
        "y" | "yes" => true,
        _ => false,
    };
    if !yes {
        return Err(Error::Config(format!(
            "profile '{name}' is not set up; run mfaenv add {name} to store its keys"
        )));
    }
    let added = crate::key_commands::add(
        crate::cli::AddArgs {
            profile: name.to_string(),
            env: false,
            region: None,
            serial_number: args.serial_number.clone(),
            timeout: args.timeout,
        },
        log,
    )
    .await?;
    // The script still has to come: what `add` says goes to stderr now.
    for notice in added.notices {
        eprintln!("{notice}");
    }
    Ok(())
}

/// The cached session of `kind` for the profile (a role's own, or its identity's MFA
/// session), if it is good and was made from the profile as it is now: the same long-term key,
/// the same device, the same role.
fn cached(
    cache: &Cache,
    profile: &Profile,
    kind: Kind,
    args: &SessionArgs,
    margin: time::Duration,
    log: Log,
) -> Option<Entry> {
    match (kind, profile.roles.last()) {
        (Kind::Role, Some(role)) => {
            let margin = margin_for(margin, role_seconds(role));
            let arn = Some(role.arn.as_str());
            cached_for(cache, profile, kind, &profile.name, arn, margin, log)
        }
        _ => {
            let margin = margin_for(margin, mfa_seconds(args));
            cached_for(cache, profile, kind, &profile.identity, None, margin, log)
        }
    }
}

/// The cached session of `kind` under `key` (for a role session, of the role `role_arn`), if
/// it is good and was made with the profile's long-term key (and, for an MFA session, device).
fn cached_for(
    cache: &Cache,
    profile: &Profile,
    kind: Kind,
    key: &ProfileName,
    role_arn: Option<&str>,
    margin: time::Duration,
    log: Log,
) -> Option<Entry> {
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
    let serial = profile.mfa_serial.as_ref().map(|s| s.as_str());
    made_with(&entry, &profile.access_key_id, serial, kind, role_arn).then_some(entry)
}

/// Whether a cached session of `kind` was made from the profile as it is now: with its
/// long-term key `key_id` and, for an MFA session, its device (`serial`, when it names one),
/// for a role session the role `role_arn`. Anything else (a session made with a key since
/// rotated, another device, another role) is not served, nor shown as if it would be.
pub fn made_with(
    entry: &Entry,
    key_id: &str,
    serial: Option<&str>,
    kind: Kind,
    role_arn: Option<&str>,
) -> bool {
    entry.source_key_id == key_id
        && match kind {
            Kind::Mfa => serial.is_none_or(|s| entry.mfa_serial.as_deref() == Some(s)),
            Kind::Role => entry.role_arn.as_deref() == role_arn,
        }
}

/// Stores `entry` unless this run already found the cache unwritable. A failed write warns
/// once and is otherwise ignored: by now the code has been used, so the session is printed
/// all the same.
fn keep(cache: &Cache, kind: Kind, profile: &ProfileName, entry: &Entry, log: Log) {
    if !cache.writable() {
        return;
    }
    if let Err(e) = cache.store(kind, profile, entry) {
        not_cached(cache, &e, log);
    }
}

/// The one warning of a run whose session cannot be cached.
fn not_cached(cache: &Cache, why: &dyn std::fmt::Display, log: Log) {
    if cache.mark_unwritable() {
        log.notice(format_args!(
            "mfaenv: {}; this session is not cached, so the next use asks for a code again",
            printable(&why.to_string())
        ));
    }
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
            log.notice(format_args!(
                "mfaenv: {e}; this session is not cached, so the next use asks for a code again"
            ));
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
    let region = sts::region_of(profile);
    log.info(format_args!("STS region {region}"));
    Sts::new(profile, region, Duration::from_secs(timeout), log).await
}

/// Whether a role is assumed straight from the long-term keys with its own code, as aws-vault
/// does: it asks for longer than AWS allows a role assumed with temporary credentials (the
/// MFA session), so it cannot share the MFA session.
fn assumed_directly(role: &Role) -> bool {
    role.duration_seconds
        .is_some_and(|d| d > sts::CHAINED_ROLE_MAX_SECONDS)
}

/// A role assumed from another role is always role chaining, limited to one hour by AWS: a
/// longer `duration_seconds` there is a configuration error, said before any code is asked.
fn check_chain(profile: &Profile) -> Result<()> {
    for pair in profile.roles.windows(2) {
        let (from, role) = (&pair[0], &pair[1]);
        if let Some(asked) = role
            .duration_seconds
            .filter(|d| *d > sts::CHAINED_ROLE_MAX_SECONDS)
        {
            return Err(Error::Config(format!(
                "role {} of profile '{}' is assumed from the role of profile '{}' (role chaining), which AWS limits to 1 hour; set duration_seconds = {} or less in profile '{}' (it asks for {asked} s)",
                role.arn,
                role.profile,
                from.profile,
                sts::CHAINED_ROLE_MAX_SECONDS,
                role.profile
            )));
        }
    }
    Ok(())
}

/// Gets a new session from STS: the base session (the identity's MFA session, or, for a
/// first role asked for more than an hour, that role's own session assumed with the long-term
/// keys and a code), cached, then each remaining role in turn.
async fn fetch(
    profile: &Profile,
    files: &Files,
    args: &SessionArgs,
    cache: Option<&Cache>,
    margin: time::Duration,
    log: Log,
) -> Result<Session> {
    check_chain(profile)?;
    let direct = profile.roles.first().filter(|r| assumed_directly(r));
    let (base_kind, base_key, base_role, rest) = match direct {
        Some(role) => (Kind::Role, &role.profile, Some(role), &profile.roles[1..]),
        None => (Kind::Mfa, &profile.identity, None, &profile.roles[..]),
    };
    if let (Some(role), Some(duration)) = (base_role, args.duration) {
        log.notice(format_args!(
            "mfaenv: --duration {} s is for MFA sessions; role {} of profile '{}' is assumed with your code for its duration_seconds ({} s)",
            duration.seconds(),
            role.arn,
            role.profile,
            role.duration_seconds.unwrap_or_default()
        ));
    }

    // The base is worth looking up when roles follow it (otherwise it is the answer itself,
    // looked up already).
    let cached_base = match (args.force || rest.is_empty(), cache) {
        (false, Some(c)) => cached_for(
            c,
            profile,
            base_kind,
            base_key,
            base_role.map(|r| r.arn.as_str()),
            margin_for(margin, base_role.map_or(mfa_seconds(args), role_seconds)),
            log,
        ),
        _ => None,
    };
    // A new base session needs the secret: take it from the store now, once. A cached one never
    // unlocks a keyring nor asks for a passphrase.
    let unlocked;
    let profile = match cached_base {
        None if needs_secret(profile) => {
            unlocked = with_secret(profile, log)?;
            &unlocked
        }
        _ => profile,
    };
    let client = client(profile, args.timeout, log).await;
    let new_base = async || match base_role {
        Some(role) => {
            direct_role_session(profile, role, files, args, &client, cache, margin, log).await
        }
        None => new_mfa_session(profile, files, args, &client, cache, margin, log).await,
    };
    let mut from_cache = cached_base.is_some();
    let mut base = match cached_base {
        Some(entry) => {
            log.info(format_args!("session of '{base_key}' from the cache"));
            entry.session
        }
        None => new_base().await?,
    };
    let session = loop {
        match assume_roles(&client, base.clone(), rest, margin, log).await {
            Ok(session) => break session,
            // Revoked or expired early (a changed password, an admin's revocation): a cached
            // session is worth replacing once, with a new code.
            Err(Failure::SessionRejected) if from_cache => {
                log.notice(format_args!(
                    "mfaenv: AWS no longer accepts the cached {} of '{base_key}'; asking for a new code",
                    match base_kind {
                        Kind::Mfa => "MFA session",
                        Kind::Role => "role session",
                    }
                ));
                // Not fatal: the new session replaces the file anyway, or warns it cannot.
                if let Some(Err(e)) = cache.map(|c| c.remove(base_kind, base_key)) {
                    log.info(e);
                }
                base = new_base().await?;
                from_cache = false;
            }
            Err(Failure::Other(e)) => return Err(e),
            Err(Failure::InvalidCode | Failure::SessionRejected) => {
                return Err(Error::Runtime(format!(
                    "AWS refused the new session of '{base_key}' for the role of profile '{}'; check the role's trust policy, then run mfaenv use --force",
                    profile.name
                )));
            }
        }
    };
    if let (Some(c), Some(last)) = (cache, rest.last()) {
        keep(
            c,
            Kind::Role,
            &profile.name,
            &Entry {
                session: session.clone(),
                source_key_id: profile.access_key_id.clone(),
                mfa_serial: profile.mfa_serial.as_ref().map(ToString::to_string),
                role_arn: Some(last.arn.clone()),
            },
            log,
        );
    }
    Ok(session)
}

/// Each of `roles` in turn, starting from `session` (which is temporary: role chaining).
async fn assume_roles(
    client: &Sts,
    mut session: Session,
    roles: &[Role],
    margin: time::Duration,
    log: Log,
) -> std::result::Result<Session, Failure> {
    for role in roles {
        let started = Instant::now();
        session = client
            .assume_role(
                Signer::Session(&session),
                role,
                margin_for(margin, role_seconds(role)),
            )
            .await?;
        log.info(format_args!(
            "AssumeRole {} answered in {} ms",
            role.arn,
            started.elapsed().as_millis()
        ));
    }
    Ok(session)
}

/// The MFA device of the profile, registering one first if it has none.
async fn device(
    profile: &Profile,
    files: &Files,
    args: &SessionArgs,
    client: &Sts,
) -> Result<MfaSerial> {
    match &profile.mfa_serial {
        Some(serial) => Ok(serial.clone()),
        None => register_serial(profile, files, args, client).await,
    }
}

/// A session of a role asked for more than an hour: AssumeRole with the long-term keys, the
/// device and a code (one code for this role's long session), stored in the cache as that
/// role profile's session.
#[allow(clippy::too_many_arguments)]
async fn direct_role_session(
    profile: &Profile,
    role: &Role,
    files: &Files,
    args: &SessionArgs,
    client: &Sts,
    cache: Option<&Cache>,
    margin: time::Duration,
    log: Log,
) -> Result<Session> {
    let unlocked = unlock(profile, args, log).await?;
    let (profile, client) = match &unlocked {
        Some((p, c)) => (p, c),
        None => (profile, client),
    };
    let serial = device(profile, files, args, client).await?;
    let what = format!(
        "AssumeRole {} for {} s with the long-term keys (longer than role chaining allows)",
        role.arn,
        role.duration_seconds.unwrap_or_default()
    );
    let session = with_code(
        profile,
        &serial,
        args,
        log,
        ("AssumeRole", &what),
        async |code| {
            client
                .assume_role(
                    Signer::LongTerm(&serial, code),
                    role,
                    margin_for(margin, role_seconds(role)),
                )
                .await
        },
    )
    .await?;
    if let Some(c) = cache {
        keep(
            c,
            Kind::Role,
            &role.profile,
            &Entry {
                session: session.clone(),
                source_key_id: profile.access_key_id.clone(),
                mfa_serial: Some(serial.to_string()),
                role_arn: Some(role.arn.clone()),
            },
            log,
        );
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
    margin: time::Duration,
    log: Log,
) -> Result<Session> {
    let unlocked = unlock(profile, args, log).await?;
    let (profile, client) = match &unlocked {
        Some((p, c)) => (p, c),
        None => (profile, client),
    };
    let serial = device(profile, files, args, client).await?;
    let duration = args.duration.unwrap_or(SessionDuration::DEFAULT);
    let what = format!("GetSessionToken for {} s", duration.seconds());
    let session = with_code(
        profile,
        &serial,
        args,
        log,
        ("GetSessionToken", &what),
        async |code| {
            client
                .get_session_token(
                    &serial,
                    code,
                    duration,
                    margin_for(margin, duration.seconds()),
                )
                .await
        },
    )
    .await?;
    if let Some(c) = cache {
        keep(
            c,
            Kind::Mfa,
            &profile.identity,
            &Entry {
                session: session.clone(),
                source_key_id: profile.access_key_id.clone(),
                mfa_serial: Some(serial.to_string()),
                role_arn: None,
            },
            log,
        );
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

/// The profile with its secret and a client signed with it, when the secret is still in its
/// store (a cached session was rejected, and a new one is needed); `None` when it is at hand.
async fn unlock(profile: &Profile, args: &SessionArgs, log: Log) -> Result<Option<(Profile, Sts)>> {
    if !needs_secret(profile) {
        return Ok(None);
    }
    let profile = with_secret(profile, log)?;
    let client = self::client(&profile, args.timeout, log).await;
    Ok(Some((profile, client)))
}

/// Calls STS with a code (`--token-code`, `mfa_process` or the terminal), re-asking on the
/// terminal when AWS rejects one. `action` and `what` name the call for `-v`.
async fn with_code(
    profile: &Profile,
    serial: &MfaSerial,
    args: &SessionArgs,
    log: Log,
    (action, what): (&str, &str),
    mut call: impl AsyncFnMut(&TokenCode) -> std::result::Result<Session, Failure>,
) -> Result<Session> {
    let source = match (&args.token_code, &profile.mfa_process) {
        (Some(code), _) => CodeSource::Given(code.clone()),
        (None, Some(command)) => CodeSource::Process(command.clone()),
        (None, None) => CodeSource::Terminal,
    };
    let from_terminal = matches!(source, CodeSource::Terminal);
    log.info(format_args!(
        "MFA device {serial}; {what}; code from {}",
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
        let answer = call(&code).await;
        log.info(format_args!(
            "{action} answered in {} ms",
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
            // Only a call signed with temporary credentials reports this; these are signed
            // with the long-term keys.
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
            Saved::Rewritten => ("saved", String::new()),
            Saved::Unchanged => ("already had", String::new()),
        };
        eprintln!(
            "mfaenv: {done} mfa_serial for profile '{}'{kept}",
            profile.name
        );
    }
    Ok(serial)
}

/// The device the IAM console names after a user, for the caller's identity:
/// `arn:PARTITION:iam::ACCOUNT:mfa/USER`, in the caller's partition (`aws`, `aws-cn`,
/// `aws-us-gov`, …) whatever service its ARN names (real STS says `iam`, others `sts`).
/// `None` for anything but an IAM user (a role cannot have an MFA device).
pub fn suggested_serial(caller_arn: &str) -> Option<MfaSerial> {
    let mut parts = caller_arn.splitn(6, ':');
    let (arn, partition, _service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if arn != "arn" || !partition_ok || !account_ok {
        return None;
    }
    let user = resource
        .strip_prefix("user/")?
        .rsplit('/')
        .next()
        .filter(|u| !u.is_empty())?;
    MfaSerial::parse(&format!("arn:{partition}:iam::{account}:mfa/{user}")).ok()
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

    #[test]
    fn the_suggested_device_is_in_the_callers_partition_and_always_iam() {
        let s = |arn| suggested_serial(arn).map(|s| s.as_str().to_owned());
        for (caller, device) in [
            // moto answers with `sts` for users
            (
                "arn:aws:sts::123456789012:user/moto",
                "arn:aws:iam::123456789012:mfa/moto",
            ),
            (
                "arn:aws-cn:iam::123456789012:user/alice",
                "arn:aws-cn:iam::123456789012:mfa/alice",
            ),
            (
                "arn:aws-us-gov:sts::123456789012:user/ops/bob",
                "arn:aws-us-gov:iam::123456789012:mfa/bob",
            ),
        ] {
            assert_eq!(s(caller).as_deref(), Some(device), "{caller}");
        }
        for not_a_user in [
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:user/",
            "arn:evil:iam::123456789012:user/alice",
            "arn:aws:iam::12345:user/alice",
            "arn:aws:iam::123456789012:user/al\u{1b}ice",
        ] {
            assert_eq!(s(not_a_user), None, "{not_a_user}");
        }
    }
}
