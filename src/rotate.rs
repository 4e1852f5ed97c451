//! `mfaenv rotate PROFILE`: a new access key for the profile's IAM user, through IAM signed
//! with the profile's MFA session; the old key is deleted only once the new one is stored and
//! answers GetCallerIdentity.
//!
//! The order is what makes a kill at any moment harmless. In a store (keyring or encrypted
//! file) the new key first goes beside the old one, under [`keystore::pending_name`]; then the
//! config's `mfaenv_access_key_id` names it (from here on [`keystore::load`] finds it in the
//! pending slot); then it replaces the old key in the profile's own slot; then the pending slot
//! goes. In the credentials file both values change in one atomic rename. Until that switch
//! the old key is the stored one, and it still works: IAM deletes it only after the switch.

use crate::cache::{self, Cache};
use crate::cli::RotateArgs;
use crate::commands::Output;
use crate::config_edit;
use crate::error::{Error, Result, error_chain, printable};
use crate::keystore::{self, KEY_ID_PROPERTY, Keys, Store};
use crate::log::Log;
use crate::obtain;
use crate::profile::{Files, Profile, ProfileName};
use crate::session::{Secret, Session};
use crate::sts::{self, Failure};
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use std::time::{Duration, Instant};

/// How long the new key may take to start working (IAM is eventually consistent; AWS says
/// seconds, rarely more): past this, the rotation is undone.
const WAIT_FOR_NEW_KEY: Duration = Duration::from_secs(90);
/// Overrides [`WAIT_FOR_NEW_KEY`] (slow regions, or tests that want it short); documented in
/// the README.
const WAIT_VARIABLE: &str = "MFAENV_ROTATE_WAIT_SECONDS";
/// The longest wait [`WAIT_VARIABLE`] may ask for: a rotation that holds its lock for longer
/// is more likely stuck than slow.
const WAIT_AT_MOST: u64 = 3600;

/// The bound on the wait for the new key: `MFAENV_ROTATE_WAIT_SECONDS`, else 90 s. A value
/// that is not a number of seconds is a usage error, said before anything changes, rather than
/// a silent default.
fn wait_bound() -> Result<Duration> {
    crate::session::seconds_setting(WAIT_VARIABLE, WAIT_FOR_NEW_KEY, WAIT_AT_MOST)
}

/// `mfaenv rotate PROFILE`.
pub async fn rotate(args: RotateArgs, log: Log) -> Result<Output> {
    let name = ProfileName::choose(Some(&args.profile), None)?;
    let bound = wait_bound()?;
    let (profile, files) = obtain::resolve_profile(Some(name.as_str()), None, log).await?;
    if !profile.roles.is_empty() {
        return Err(Error::Usage(format!(
            "profile '{name}' is a role; rotate rotates an IAM user's own keys: run mfaenv rotate {}",
            profile.identity
        )));
    }
    let place = Place::of(&profile, &files)?;
    // Another rotate of the same keys at once would make a third key or delete the new one.
    let _lock = rotation_lock(&name)?;
    // The store must open (keyring unlocked, passphrase right) before IAM is changed at all.
    let unlocked = obtain::with_secret(&profile, log)?;
    let user = user_name(&unlocked, args.session.timeout, log).await?;
    let session = obtain::session(Some(name.as_str()), &args.session, log).await?;
    let iam = Iam::new(&unlocked, &session, args.session.timeout, log).await;
    let old_id = unlocked.access_key_id.clone();

    let keys = iam.list(&user).await?;
    if !keys.iter().any(|k| k == &old_id) {
        return Err(Error::Config(format!(
            "IAM user {} has no access key {old_id}, the key of profile '{name}'; check the profile",
            printable(&user)
        )));
    }
    if keys.len() >= 2 {
        let others: Vec<&str> = keys
            .iter()
            .filter(|k| *k != &old_id)
            .map(String::as_str)
            .collect();
        return Err(Error::Runtime(format!(
            "IAM user {u} already has two access keys ({old_id}, used by profile '{name}', and {o}), the most IAM allows, so there is no room for a new one; if {o} is not in use, delete it (aws iam delete-access-key --user-name {u} --access-key-id {o}) and run mfaenv rotate {name} again",
            u = printable(&user),
            o = printable(&others.join(", "))
        )));
    }

    let new = iam.create(&user).await?;
    log.info(format_args!("IAM created access key {}", new.access_key_id));
    if let Place::Store(store) = place
        && let Err(e) = keystore::save(store, &keystore::pending_name(&name), &new)
    {
        return Err(undo(&iam, &user, &new, place, &name, e).await);
    }
    if let Err(e) = wait_until_it_works(&unlocked, &new, bound, args.session.timeout, log).await {
        return Err(undo(&iam, &user, &new, place, &name, e).await);
    }
    switch(place, &name, &files, &new)?;

    let deleted = iam.delete(&user, &old_id).await;
    let where_ = place.describe(&files);
    if let Err(why) = deleted {
        return Err(Error::Runtime(format!(
            "the new key {} of profile '{name}' is stored in {where_} and works, but IAM refused to delete the old key {old_id} ({why}), so it is still active: delete it with aws iam delete-access-key --user-name {} --access-key-id {old_id}",
            new.access_key_id,
            printable(&user)
        )));
    }
    let notices = if log.quiet {
        Vec::new()
    } else {
        vec![format!(
            "mfaenv: rotated the keys of profile '{name}': {} is stored in {where_} and works; {old_id} is deleted. Sessions already made with it last until they expire; the next use asks for a code.",
            new.access_key_id
        )]
    };
    Ok(Output {
        notices,
        ..Output::default()
    })
}

/// Where the profile's keys live, so where the new one goes.
#[derive(Clone, Copy)]
enum Place {
    Store(Store),
    CredentialsFile,
}

impl Place {
    fn of(profile: &Profile, files: &Files) -> Result<Place> {
        if let Some(store) = profile.key_store {
            keystore::ready(store)?;
            return Ok(Place::Store(store));
        }
        // The keys must be where rotate can replace them: one pair in the credentials file.
        let text = std::fs::read_to_string(&files.credentials).unwrap_or_default();
        let placeholder = ("AKIAPLACEHOLDER00000", "placeholder");
        if config_edit::replace_keys_text(&text, profile.identity.as_str(), placeholder).is_none() {
            return Err(Error::Config(format!(
                "the keys of profile '{}' are not one aws_access_key_id and aws_secret_access_key in its section of {}, so rotate cannot replace them; run mfaenv import {} first",
                profile.identity,
                files.credentials.display(),
                profile.identity
            )));
        }
        Ok(Place::CredentialsFile)
    }

    fn describe(self, files: &Files) -> String {
        match self {
            Place::Store(store) => store.describe(),
            Place::CredentialsFile => files.credentials.display().to_string(),
        }
    }
}

/// Makes the new key the profile's: after this, every run uses it.
fn switch(place: Place, name: &ProfileName, files: &Files, new: &Keys) -> Result<()> {
    let stuck = |e: &dyn std::fmt::Display| {
        Error::Runtime(format!(
            "the new key {} of profile '{name}' works but could not be stored as the profile's ({e}); the old key is kept and still works; run mfaenv rotate {name} again after deleting {} in IAM",
            new.access_key_id, new.access_key_id
        ))
    };
    match place {
        Place::CredentialsFile => config_edit::replace_keys(
            &files.credentials,
            name.as_str(),
            (&new.access_key_id, new.secret_access_key.expose()),
        )
        .map_err(|e| stuck(&e)),
        Place::Store(store) => {
            config_edit::save_property(
                &files.config,
                name.as_str(),
                KEY_ID_PROPERTY,
                &new.access_key_id,
            )
            .map_err(|e| stuck(&e))?;
            // From here the config names the new key, found in the pending slot until the
            // profile's own slot holds it too.
            keystore::save(store, name, new)?;
            // A pending slot left behind holds a key that is the profile's anyway.
            let _ = keystore::delete(store, &keystore::pending_name(name));
            Ok(())
        }
    }
}

/// The rotation failed before the switch: the old key is still the stored one. The new key is
/// taken out of IAM and of the pending slot, so nothing unused stays active.
async fn undo(
    iam: &Iam,
    user: &str,
    new: &Keys,
    place: Place,
    name: &ProfileName,
    cause: Error,
) -> Error {
    if let Place::Store(store) = place {
        let _ = keystore::delete(store, &keystore::pending_name(name));
    }
    let left = match iam.delete(user, &new.access_key_id).await {
        Ok(()) => "it was deleted again".to_owned(),
        Err(why) => format!(
            "IAM did not delete it ({why}): delete it with aws iam delete-access-key --user-name {} --access-key-id {}",
            printable(user),
            new.access_key_id
        ),
    };
    let (Error::Usage(m) | Error::Config(m) | Error::Runtime(m)) = &cause else {
        return cause;
    };
    Error::Runtime(format!(
        "{m}; the keys of profile '{name}' are unchanged, and the new key {} is not used: {left}",
        new.access_key_id
    ))
}

/// Waits, with backoff and a bound, until the new key answers GetCallerIdentity as the same
/// user as the old one.
async fn wait_until_it_works(
    old: &Profile,
    new: &Keys,
    bound: Duration,
    timeout: u64,
    log: Log,
) -> Result<()> {
    let user_arn = obtain::client(old, timeout, log)
        .await
        .caller_arn()
        .await
        .map_err(failure)?;
    let probe = Profile {
        access_key_id: new.access_key_id.clone(),
        secret_access_key: new.secret_access_key.clone(),
        key_store: None,
        ..old.clone()
    };
    let client = obtain::client(&probe, timeout, log).await;
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        let last = match client.new_key_arn().await {
            Ok(Some(arn)) if arn == user_arn => return Ok(()),
            Ok(Some(arn)) => {
                return Err(Error::Runtime(format!(
                    "the new key answers as {}, not as {}",
                    printable(&arn),
                    printable(&user_arn)
                )));
            }
            Ok(None) => "AWS does not know it yet: InvalidClientTokenId".to_owned(),
            Err(Failure::Other(e)) => e.to_string(),
            Err(_) => "AWS does not accept it yet".to_owned(),
        };
        if started.elapsed() + pause > bound {
            return Err(Error::Runtime(format!(
                "the new key {} did not work within {} s ({last})",
                new.access_key_id,
                bound.as_secs()
            )));
        }
        log.info(format_args!(
            "new key not working yet ({last}); again in {} ms",
            pause.as_millis()
        ));
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(8));
    }
}

/// The IAM user the profile's keys belong to, from GetCallerIdentity (its ARN's last part).
async fn user_name(profile: &Profile, timeout: u64, log: Log) -> Result<String> {
    let arn = obtain::client(profile, timeout, log)
        .await
        .caller_arn()
        .await
        .map_err(failure)?;
    match arn.split_once(":user/") {
        Some((_, path)) if !path.is_empty() => {
            Ok(path.rsplit('/').next().unwrap_or(path).to_owned())
        }
        _ => Err(Error::Config(format!(
            "the keys of profile '{}' belong to {}, not an IAM user; rotate only rotates an IAM user's access keys",
            profile.identity,
            printable(&arn)
        ))),
    }
}

fn failure(f: Failure) -> Error {
    match f {
        Failure::Other(e) => e,
        Failure::InvalidCode | Failure::SessionRejected => {
            Error::Runtime("AWS rejected the profile's keys".to_owned())
        }
    }
}

/// Holds `rotate`'s own lock for the profile (not the session lock, which getting the MFA
/// session takes itself) until dropped; no lock where there is no cache directory.
fn rotation_lock(name: &ProfileName) -> Result<Option<crate::cache::Lock>> {
    let Some(dir) = cache::default_dir() else {
        return Ok(None);
    };
    let cache = Cache::open(dir)?;
    let key = ProfileName::choose(Some(&format!("rotate {name}")), None)?;
    cache
        .lock(&key, || {
            eprintln!("mfaenv: another mfaenv is rotating the keys of '{name}'; waiting for it")
        })
        .map(Some)
        .map_err(|e| Error::Runtime(e.to_string()))
}

/// An IAM client signed with the MFA session.
struct Iam {
    client: aws_sdk_iam::Client,
}

impl Iam {
    /// Built as STS's client is (see [`crate::sts::Sts::new`]): the SDK's endpoint rules
    /// (`AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, `endpoint_url`), `timeout` per call, capped
    /// answers, and no TLS roots for an `http://` endpoint.
    async fn new(profile: &Profile, session: &Session, timeout: u64, log: Log) -> Iam {
        let credentials = Credentials::new(
            &session.access_key_id,
            session.secret_access_key.expose(),
            Some(session.session_token.expose().to_owned()),
            None,
            "mfaenv-session",
        );
        let region = sts::region_of(profile);
        let timeout = Duration::from_secs(timeout);
        let config = sts::sdk_config(profile, region, credentials, timeout).await;
        let endpoint = sts::service_endpoint_url(&config, "IAM");
        if let Some(url) = &endpoint {
            log.info(format_args!("IAM endpoint {}", printable(url)));
        }
        let mut iam = aws_sdk_iam::config::Builder::from(&config).interceptor(sts::CapAnswer);
        if endpoint.is_some_and(|url| sts::is_plain_http(&url)) {
            iam = iam.http_client(aws_smithy_http_client::Builder::new().build_http());
        }
        Iam {
            client: aws_sdk_iam::Client::from_conf(iam.build()),
        }
    }

    /// The ids of the user's access keys.
    async fn list(&self, user: &str) -> Result<Vec<String>> {
        let answer = self
            .client
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .map_err(|e| Error::Runtime(format!("IAM ListAccessKeys failed: {}", why(&e))))?;
        Ok(answer
            .access_key_metadata
            .into_iter()
            .filter_map(|k| k.access_key_id)
            .collect())
    }

    async fn create(&self, user: &str) -> Result<Keys> {
        let answer = self
            .client
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .map_err(|e| Error::Runtime(format!("IAM CreateAccessKey failed: {}", why(&e))))?;
        let key = answer.access_key.ok_or_else(|| {
            Error::Runtime("IAM CreateAccessKey answered without a key; nothing changed".into())
        })?;
        let keys = Keys {
            access_key_id: key.access_key_id,
            secret_access_key: Secret::new(key.secret_access_key),
        };
        let id = &keys.access_key_id;
        let secret = keys.secret_access_key.expose();
        let shaped = (16..=128).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && !secret.is_empty()
            && secret.len() <= 128
            && secret.bytes().all(|b| b.is_ascii_graphic());
        if !shaped {
            // Not stored, so not used: say so, and which key to delete if it is real.
            return Err(Error::Runtime(format!(
                "IAM answered CreateAccessKey with a key that is not shaped like one ({}); nothing was stored; delete it in IAM if it exists",
                printable(id)
            )));
        }
        Ok(keys)
    }

    /// Deletes a key; the reason, made inert, when IAM refuses.
    async fn delete(&self, user: &str, key_id: &str) -> std::result::Result<(), String> {
        self.client
            .delete_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| why(&e))
    }
}

/// One line for an IAM failure: the error code and IAM's message, or the root cause; never a
/// request, header or key.
fn why<E>(err: &SdkError<E, aws_sdk_iam::config::http::HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match e.code() {
                Some(code) => printable(&format!("{code}: {}", e.message().unwrap_or_default())),
                // An answer without IAM's error shape (a proxy, or another service's format):
                // its status is all that can be said of it.
                None => format!(
                    "HTTP {} with an answer that is not IAM's; check AWS_ENDPOINT_URL_IAM/AWS_ENDPOINT_URL if set",
                    service.raw().status().as_u16()
                ),
            }
        }
        SdkError::TimeoutError(_) => "timed out".to_owned(),
        other => printable(&error_chain(other)),
    }
}
