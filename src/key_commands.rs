//! `add`, `import` and `remove`: the commands that put an IAM user's long-term keys into a store
//! (see [`crate::keystore`]) and take them out again.

use crate::cache::{self, Cache, Kind};
use crate::cli::{AddArgs, ImportArgs, RemoveArgs};
use crate::commands::Output;
use crate::config_edit;
use crate::error::{Error, Result, printable};
use crate::keystore::{self, CREATED_PROPERTY, KEY_ID_PROPERTY, Keys, STORE_PROPERTY, Store};
use crate::log::Log;
use crate::mfa;
use crate::obtain;
use crate::profile::{self, Files, MfaSerial, Profile, ProfileName};
use crate::session::Secret;
use crate::sts::Failure;

/// `mfaenv add PROFILE`: ask for (or, with `--env`, take) the keys, check them with
/// GetCallerIdentity, store them, and write the profile's section of the config file.
pub async fn add(args: AddArgs, log: Log) -> Result<Output> {
    let name = ProfileName::choose(Some(&args.profile), None)?;
    if !config_edit::can_name_profile(name.as_str()) {
        return Err(Error::Usage(format!(
            "'{}' cannot be written as a profile of the AWS config file; use letters, digits and _-/.%@:+",
            printable(name.as_str())
        )));
    }
    let files = Files::locate()?;
    let set = profile::load(&files).await?;
    let section = set.get_profile(name.as_str());
    let get = |key: &str| {
        section
            .and_then(|p| p.get(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if get("aws_access_key_id").is_some() {
        return Err(Error::Config(format!(
            "profile '{name}' already has keys in {}; run mfaenv import {name} to move them into a store",
            files.credentials.display()
        )));
    }
    let terminal = mfa::has_terminal();
    let keys = if args.env {
        keys_from_env()?
    } else if terminal {
        ask_keys(&name)?
    } else {
        return Err(Error::Usage(
            "add asks for the keys on the terminal, and there is none; run it in a terminal, or pass --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set".into(),
        ));
    };
    check_keys(&keys)?;
    // The store is settled before anything is asked of AWS or of the user.
    let store = keystore::chosen(log)?;
    keystore::ready(store)?;
    let env_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|r| !r.is_empty());
    let default_region = get("region")
        .map(str::to_owned)
        .or(env_region)
        .unwrap_or_else(|| "us-east-1".to_owned());
    let region = match args.region {
        Some(r) => r,
        None if terminal => ask_region(&name, &default_region)?,
        None => default_region,
    };
    check_region(&region)?;

    // The keys must work before they are stored: GetCallerIdentity needs no permission.
    let probe = Profile {
        name: name.clone(),
        identity: name.clone(),
        access_key_id: keys.access_key_id.clone(),
        secret_access_key: keys.secret_access_key.clone(),
        key_store: None,
        roles: Vec::new(),
        mfa_serial: None,
        mfa_process: None,
        region: Some(region.clone()),
        texts: None,
    };
    let client = obtain::client(&probe, args.timeout, log).await;
    let arn = client.caller_arn().await.map_err(|f| match f {
        Failure::Other(e) => e,
        Failure::InvalidCode | Failure::SessionRejected => Error::Runtime(format!(
            "AWS rejected the keys for profile '{name}'; check them and run mfaenv add {name} again"
        )),
    })?;
    let suggestion = obtain::suggested_serial(&arn);
    let existing = get("mfa_serial").and_then(|s| MfaSerial::parse(s).ok());
    let serial = match &args.serial_number {
        Some(s) => Some(MfaSerial::parse(s).map_err(Error::Usage)?),
        None if terminal => Some(mfa::ask_serial(
            &name,
            existing.as_ref().or(suggestion.as_ref()),
        )?),
        None => existing.or(suggestion),
    };

    keystore::save(store, &name, &keys)?;
    let previous = get(STORE_PROPERTY)
        .and_then(Store::parse)
        .filter(|&old| old != store);
    let mut properties = vec![
        (STORE_PROPERTY, store.name().to_owned()),
        (KEY_ID_PROPERTY, keys.access_key_id.clone()),
        (CREATED_PROPERTY, keystore::today()),
        ("region", region),
    ];
    if let Some(serial) = &serial {
        properties.push(("mfa_serial", serial.to_string()));
    }
    for (key, value) in &properties {
        save(&files, &name, key, value)?;
    }
    let mut notices = vec![format!(
        "mfaenv: stored the keys of profile '{name}' ({}, {}) in {}; profile '{name}' in {} names them",
        keys.access_key_id,
        printable(&arn),
        store.describe(),
        files.config.display()
    )];
    // The profile moved stores: no stale copy of a key may stay behind in the old one.
    if let Some(old) = previous {
        match keystore::delete(old, &name) {
            Ok(_) => {}
            Err(e) => notices.push(format!(
                "mfaenv: could not delete the old keys of profile '{name}' from {}: {e}",
                old.describe()
            )),
        }
    }
    if serial.is_none() {
        notices.push(format!(
            "mfaenv: profile '{name}' has no MFA device yet; run mfaenv setup {name}"
        ));
    }
    Ok(quiet_unless(log, notices))
}

/// `mfaenv import [PROFILE | --all]`: each profile's keys into the store, then out of the
/// credentials file in one atomic rewrite. The config names the store before the keys leave
/// the file, so a kill at any point leaves keys that resolve.
pub async fn import(args: ImportArgs, log: Log) -> Result<Output> {
    let files = Files::locate()?;
    let set = profile::load(&files).await?;
    let credentials_text = std::fs::read_to_string(&files.credentials).unwrap_or_default();
    // The credentials file alone: keys written in the config file are not this command's.
    let in_credentials = profile::parse("", &credentials_text, &files).await?;
    let names: Vec<ProfileName> = if args.all {
        let mut names: Vec<&str> = in_credentials
            .profiles()
            .filter(|n| {
                in_credentials
                    .get_profile(n)
                    .is_some_and(|p| p.get("aws_access_key_id").is_some())
            })
            .collect();
        names.sort_unstable();
        names
            .into_iter()
            .filter_map(|n| ProfileName::choose(Some(n), None).ok())
            .collect()
    } else {
        let aws_profile = std::env::var("AWS_PROFILE").ok();
        vec![ProfileName::choose(
            args.profile.as_deref(),
            aws_profile.as_deref(),
        )?]
    };
    if names.is_empty() {
        // Nothing left to move is what --all is for: done, not failed.
        return Ok(quiet_unless(
            log,
            vec![format!(
                "mfaenv: {} holds no long-term keys to import",
                files.credentials.display()
            )],
        ));
    }
    let mut notices = Vec::new();
    let mut store = None;
    let mut moved = Vec::new();
    for name in &names {
        let section = in_credentials.get_profile(name.as_str());
        let get = |key: &str| {
            section
                .and_then(|p| p.get(key))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if get("aws_session_token").is_some() {
            notices.push(format!(
                "mfaenv: skipped profile '{name}': it holds temporary credentials (aws_session_token), not an IAM user's keys"
            ));
            continue;
        }
        let (Some(id), Some(secret)) = (get("aws_access_key_id"), get("aws_secret_access_key"))
        else {
            return Err(Error::Config(format!(
                "profile '{name}' has no aws_access_key_id and aws_secret_access_key in {}; nothing to import",
                files.credentials.display()
            )));
        };
        let keys = Keys {
            access_key_id: id.to_owned(),
            secret_access_key: Secret::new(secret),
        };
        check_keys(&keys)?;
        if !config_edit::can_name_profile(name.as_str()) {
            return Err(Error::Config(format!(
                "profile '{}' cannot be written as a section of the AWS config file, so its keys stay where they are; rename it (letters, digits and _-/.%@:+)",
                printable(name.as_str())
            )));
        }
        let store = match store {
            Some(s) => s,
            None => {
                let chosen = keystore::chosen(log)?;
                keystore::ready(chosen)?;
                *store.insert(chosen)
            }
        };
        keystore::save(store, name, &keys)?;
        save(&files, name, STORE_PROPERTY, store.name())?;
        save(&files, name, KEY_ID_PROPERTY, id)?;
        // The key itself may be older (its day of creation is IAM's to know): this is the
        // day mfaenv took charge of it, the best known without a call.
        save(&files, name, CREATED_PROPERTY, &keystore::today())?;
        moved.push((name, id.to_owned(), store));
    }
    // One rewrite for all: a temp file of an interrupted rewrite never holds a key being moved.
    let profiles: Vec<&str> = moved.iter().map(|(n, _, _)| n.as_str()).collect();
    if !profiles.is_empty() {
        config_edit::remove_keys(&files.credentials, &profiles).map_err(|e| {
            Error::Runtime(format!(
                "the keys of {} are stored, but cannot be removed from {}: {e}; delete them there by hand",
                profiles.join(", "),
                files.credentials.display()
            ))
        })?;
    }
    for (name, id, store) in &moved {
        notices.push(format!(
            "mfaenv: moved the keys of profile '{name}' ({id}) from {} into {}",
            files.credentials.display(),
            store.describe()
        ));
        offer_credential_process(&set, name, &files, &mut notices)?;
    }
    Ok(quiet_unless(log, notices))
}

/// The AWS CLI and SDKs lose the keys with the import: offer them the way through mfaenv.
/// (mfaenv itself never runs a `credential_process`, so this line cannot make it call itself.)
fn offer_credential_process(
    set: &aws_config::profile::ProfileSet,
    name: &ProfileName,
    files: &Files,
    notices: &mut Vec<String>,
) -> Result<()> {
    let line = format!("mfaenv credential-process {name}");
    if set
        .get_profile(name.as_str())
        .and_then(|p| p.get("credential_process"))
        .is_some()
    {
        return Ok(());
    }
    let question = format!(
        "Add credential_process = {line} to profile '{name}' of {}, so the AWS CLI and SDKs keep working through mfaenv?",
        files.config.display()
    );
    if mfa::has_terminal() && mfa::confirm(&question, name)? {
        save(files, name, "credential_process", &line)?;
        notices.push(format!(
            "mfaenv: profile '{name}' now gets its credentials through mfaenv credential-process"
        ));
    } else {
        notices.push(format!(
            "mfaenv: for the AWS CLI and SDKs, add `credential_process = {line}` to profile '{name}'"
        ));
    }
    Ok(())
}

/// `mfaenv remove PROFILE`: delete the stored keys (after a question, unless `--yes`), the
/// config's pointer to them, and every cached session made with them.
pub async fn remove(args: RemoveArgs, log: Log) -> Result<Output> {
    let name = ProfileName::choose(Some(&args.profile), None)?;
    let files = Files::locate()?;
    let set = profile::load(&files).await?;
    let Some(section) = set.get_profile(name.as_str()) else {
        // Resolving gives the usual "not found; did you mean" message.
        profile::resolve(&set, &name, None, &files)?;
        return Err(Error::Config(format!("profile '{name}' not found")));
    };
    let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    let Some(store) = get(STORE_PROPERTY) else {
        return Err(Error::Config(match get("aws_access_key_id") {
            Some(_) => format!(
                "profile '{name}' keeps its keys in {}, not in a store; delete them there, or run mfaenv import {name} first",
                files.credentials.display()
            ),
            None => format!("profile '{name}' has no stored keys"),
        }));
    };
    let store = Store::parse(store).ok_or_else(|| {
        Error::Config(format!(
            "profile '{name}': {STORE_PROPERTY} = {} is not a key store (keyring or file)",
            printable(store)
        ))
    })?;
    let id = get(KEY_ID_PROPERTY).unwrap_or("?");
    if !args.yes {
        if !mfa::has_terminal() {
            return Err(Error::Usage(format!(
                "remove asks for confirmation on the terminal, and there is none; pass --yes to delete the keys of profile '{name}'"
            )));
        }
        let answer = mfa::read_terminal(
            &format!(
                "Delete the keys of profile '{name}' ({}) from {}? They cannot be recovered. [y/N] ",
                printable(id),
                store.describe()
            ),
            &name,
            16,
        )?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(Error::Cancelled);
        }
    }
    let deleted = keystore::delete(store, &name)?;
    let dropped = drop_sessions(&set, &name, &files)?;
    // The `credential_process` line `import` offered goes too: with no keys left it would
    // only make the AWS CLI fail through mfaenv. Anyone else's line stays.
    let own_process = format!("mfaenv credential-process {name}");
    let mut lines = vec![STORE_PROPERTY, KEY_ID_PROPERTY, CREATED_PROPERTY];
    if set
        .get_profile(name.as_str())
        .and_then(|p| p.get("credential_process"))
        .is_some_and(|v| v.trim() == own_process)
    {
        lines.push("credential_process");
    }
    config_edit::remove_properties(&files.config, name.as_str(), &lines)
        .map_err(|e| {
            Error::Runtime(format!(
                "the keys of profile '{name}' are deleted, but {} still names them: {e}; remove {STORE_PROPERTY} and {KEY_ID_PROPERTY} there by hand",
                files.config.display()
            ))
        })?;
    let what = if deleted {
        "deleted the keys"
    } else {
        "found no stored keys"
    };
    Ok(quiet_unless(
        log,
        vec![format!(
            "mfaenv: {what} of profile '{name}' in {}; dropped {dropped} cached session(s)",
            store.describe()
        )],
    ))
}

/// Drops the identity's MFA session and the role sessions of every profile built on it.
fn drop_sessions(
    set: &aws_config::profile::ProfileSet,
    identity: &ProfileName,
    files: &Files,
) -> Result<usize> {
    let Some(dir) = cache::default_dir() else {
        return Ok(0);
    };
    if !dir.is_dir() {
        return Ok(0);
    }
    let cache = Cache::open(dir)?;
    let mut dropped = usize::from(cache.remove(Kind::Mfa, identity)?);
    for other in set.profiles() {
        let Ok(other) = ProfileName::choose(Some(other), None) else {
            continue;
        };
        if let Ok(p) = profile::resolve(set, &other, None, files)
            && &p.identity == identity
            && !p.roles.is_empty()
        {
            dropped += usize::from(cache.remove(Kind::Role, &other)?);
        }
    }
    Ok(dropped)
}

fn quiet_unless(log: Log, notices: Vec<String>) -> Output {
    Output {
        notices: if log.quiet { Vec::new() } else { notices },
        ..Output::default()
    }
}

fn save(files: &Files, name: &ProfileName, key: &str, value: &str) -> Result<()> {
    config_edit::save_property(&files.config, name.as_str(), key, value)
        .map(|_| ())
        .map_err(|e| {
            Error::Runtime(format!(
                "cannot save {key} in {}: {e}",
                files.config.display()
            ))
        })
}

/// The keys from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, only with `--env`.
fn keys_from_env() -> Result<Keys> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    if var("AWS_SESSION_TOKEN").is_some() {
        return Err(Error::Usage(
            "AWS_SESSION_TOKEN is set: the environment holds temporary credentials (a session), not an IAM user's keys; unset them and set the long-term keys".into(),
        ));
    }
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Ok(Keys {
            access_key_id: id.trim().to_owned(),
            secret_access_key: Secret::new(secret.trim()),
        }),
        _ => Err(Error::Usage(
            "--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set to the IAM user's keys"
                .into(),
        )),
    }
}

/// Asks for the key id (shown: it is not secret) and the secret (not echoed).
fn ask_keys(name: &ProfileName) -> Result<Keys> {
    let id = mfa::read_terminal(&format!("Access key ID for profile '{name}': "), name, 128)?;
    if id.trim().is_empty() {
        return Err(Error::Cancelled);
    }
    let secret = match mfa::read_hidden("Secret access key (not shown): ") {
        Ok(secret) => secret,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            return Err(Error::Cancelled);
        }
        Err(e) => {
            return Err(Error::Usage(format!(
                "no terminal to ask for the secret key of profile '{name}' ({e}); pass --env"
            )));
        }
    };
    if secret.trim().is_empty() {
        return Err(Error::Cancelled);
    }
    Ok(Keys {
        access_key_id: id.trim().to_owned(),
        secret_access_key: Secret::new(secret.trim()),
    })
}

fn ask_region(name: &ProfileName, default: &str) -> Result<String> {
    let answer = mfa::read_terminal(
        &format!("Region for profile '{name}' [{default}]: "),
        name,
        64,
    )?;
    Ok(match answer.trim() {
        "" => default.to_owned(),
        r => r.to_owned(),
    })
}

fn check_region(region: &str) -> Result<()> {
    let ok = (1..=64).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "'{}' is not a region name such as eu-west-1",
            printable(region)
        )))
    }
}

/// IAM's own shape for keys: a 16 to 128 character id of capitals and digits (`AKIA…` for an
/// IAM user; `ASIA…` is a session), and a secret of printable characters. The secret is never
/// quoted back.
fn check_keys(keys: &Keys) -> Result<()> {
    let id = &keys.access_key_id;
    if !(16..=128).contains(&id.len())
        || !id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(Error::Usage(format!(
            "'{}' is not an access key id (16 to 128 capitals and digits, such as AKIAIOSFODNN7EXAMPLE)",
            printable(id)
        )));
    }
    if id.starts_with("ASIA") {
        return Err(Error::Usage(format!(
            "{id} is a temporary session's key id; mfaenv stores an IAM user's long-term keys (AKIA…)"
        )));
    }
    let secret = keys.secret_access_key.expose();
    if secret.is_empty() || secret.len() > 128 || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Usage(
            "that is not a secret access key (printable characters without spaces); nothing was stored"
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(id: &str, secret: &str) -> Keys {
        Keys {
            access_key_id: id.into(),
            secret_access_key: Secret::new(secret),
        }
    }

    #[test]
    fn keys_are_checked_without_quoting_the_secret() {
        assert!(check_keys(&keys("AKIAIOSFODNN7EXAMPLE", "wJalr/K7MDENG+bPxRfiCY")).is_ok());
        assert!(check_keys(&keys("ASIAIOSFODNN7EXAMPLE", "s")).is_err());
        assert!(check_keys(&keys("akia", "s")).is_err());
        let err = check_keys(&keys("AKIAIOSFODNN7EXAMPLE", "has space\x1b")).unwrap_err();
        assert!(!err.to_string().contains("has space"), "{err}");
    }
}
