//! Profile names for the shells' Tab completion, each with a short description.
//!
//! This runs on every Tab press, inside the user's shell: it builds no SDK client, makes no
//! network call and writes nothing. It reads the two AWS files and, per profile, at most one
//! small cache file (never creating or repairing the cache directory). Nothing it offers can
//! run as code when the user presses Enter on the completed line: a name a shell would need
//! quoted is not offered, and descriptions (text from the files) have their control characters
//! escaped.

use crate::cache::{Cache, Kind, Lookup};
use crate::error::printable;
use crate::profile::{self, Files, ProfileName};
use crate::session::human_duration;
use clap_complete::engine::CompletionCandidate;
use time::OffsetDateTime;

/// The variable through which a shell asks for completions (`MFAENV_COMPLETE=bash mfaenv --
/// mfaenv use ''`), and with no argument after `--` for its registration script.
pub const ENV_VAR: &str = "MFAENV_COMPLETE";

/// What completion knows of one profile usable with mfaenv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Known {
    /// The name as written in the files.
    pub name: String,
    /// The ARN of the last role assumed, for a role profile.
    pub role_arn: Option<String>,
    /// The MFA device, from the profile or down its `source_profile` chain.
    pub mfa_serial: Option<String>,
    /// Whether the session `use` would serve is a role's (else the MFA session of its keys).
    pub is_role: bool,
    /// The id of the long-term key at the end of its chain (not secret): a cached session
    /// made with another key (one since rotated) is not shown.
    pub key_id: String,
}

/// The candidates for a profile argument: every profile `use` can take, sorted, with its role,
/// MFA device and cached time left. Any failure (no home, a malformed file) means no
/// candidates: a completion must never print an error into the user's command line.
pub fn profile_candidates() -> Vec<CompletionCandidate> {
    let Ok(files) = Files::locate() else {
        return Vec::new();
    };
    let cache = crate::cache::default_dir().map(Cache::peek);
    let now = OffsetDateTime::now_utc();
    known_profiles(&files)
        .into_iter()
        .filter(|k| offerable(&k.name))
        .map(|k| {
            let left = cache.as_ref().and_then(|c| time_left(c, &k, now));
            let help = describe(&k, left);
            CompletionCandidate::new(k.name).help(Some(help.into()))
        })
        .collect()
}

/// Every profile usable with mfaenv, from the AWS config and credentials files: those that
/// resolve as `use` resolves them (long-term keys at the end of their `source_profile` chain).
///
/// This is the one place that lists profiles for completion: the key store (issue 9) adds the
/// profiles whose keys it holds here, after the files' own.
pub fn known_profiles(files: &Files) -> Vec<Known> {
    let Some(set) = load(files) else {
        return Vec::new();
    };
    let mut names: Vec<&str> = set.profiles().collect();
    names.sort_unstable();
    names
        .into_iter()
        .filter_map(|name| {
            let chosen = ProfileName::choose(Some(name), None).ok()?;
            let p = profile::resolve(&set, &chosen, None, files).ok()?;
            Some(Known {
                name: name.to_owned(),
                role_arn: p.roles.last().map(|r| r.arn.clone()),
                mfa_serial: p.mfa_serial.map(|s| s.to_string()),
                is_role: !p.roles.is_empty(),
                key_id: p.access_key_id.clone(),
            })
        })
        .collect()
}

/// The merged files, parsed by the same loader as `use`; `None` when unreadable or malformed.
fn load(files: &Files) -> Option<aws_config::profile::ProfileSet> {
    // The parser is async but does no I/O of its own: run without a runtime, as `use` does.
    profile::now(profile::load(files)).ok()
}

/// Whether `name` may be offered: only names that every shell inserts as one plain word, so
/// that accepting a completion can neither split the word nor run anything (`$(…)`, `;`, a
/// glob, `~`, PowerShell's `@` splat). Others are typed by hand, quoted.
pub fn offerable(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || "_-.@+,:/".contains(c))
}

/// How long the session `use` would serve for this profile has left, from the cache.
fn time_left(cache: &Cache, known: &Known, now: OffsetDateTime) -> Option<time::Duration> {
    let name = ProfileName::choose(Some(&known.name), None).ok()?;
    let kind = if known.is_role { Kind::Role } else { Kind::Mfa };
    match cache.load(kind, &name, now, time::Duration::ZERO) {
        Lookup::Hit(entry)
            if crate::obtain::made_with(
                &entry,
                &known.key_id,
                known.mfa_serial.as_deref(),
                kind,
                known.role_arn.as_deref(),
            ) =>
        {
            Some(entry.session.expiration - now)
        }
        Lookup::Hit(_) | Lookup::Miss | Lookup::Ignored(_) => None,
    }
}

/// One short line: `role admin@210987654321, MFA alice, 11h 58m left`; every piece taken from
/// a file has its control characters escaped (a tab or newline would break the protocol).
pub fn describe(known: &Known, left: Option<time::Duration>) -> String {
    let mut parts = Vec::new();
    if let Some(arn) = &known.role_arn {
        parts.push(format!("role {}", short_arn(arn, "role/")));
    }
    match &known.mfa_serial {
        Some(serial) => parts.push(format!("MFA {}", short_arn(serial, "mfa/"))),
        None => parts.push("no MFA device yet".to_owned()),
    }
    if let Some(left) = left {
        parts.push(format!("{} left", human_duration(left)));
    }
    printable(&parts.join(", "))
}

/// `arn:aws:iam::210987654321:role/path/admin` as `admin@210987654321`; anything else as it is.
fn short_arn(arn: &str, kind: &str) -> String {
    let mut fields = arn.splitn(6, ':');
    match (
        fields.next(),
        fields.nth(3),
        fields.next().and_then(|r| r.strip_prefix(kind)),
    ) {
        (Some("arn"), Some(account), Some(resource)) if !account.is_empty() => {
            let name = resource.rsplit('/').next().unwrap_or(resource);
            format!("{name}@{account}")
        }
        _ => arn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_words_are_offered() {
        for name in [
            "foobar",
            "prod-admin",
            "a.b_c@d+e,f:g/h",
            "_x",
            "prödüktion",
            "9",
        ] {
            assert!(offerable(name), "{name}");
        }
        for name in [
            "",
            "-h",
            "--help",
            "a b",
            "a\tb",
            "a\nb",
            "a\x1b[31m",
            "$(id)",
            "a;b",
            "a*",
            "~x",
            "@x",
            "a'b",
            "a\"b",
            "a`b",
            "a|b",
            "a&b",
            "a>b",
            "a\\b",
            "a=b",
            "{a,b}",
            "a#b",
        ] {
            assert!(!offerable(name), "{name:?}");
        }
    }

    #[test]
    fn descriptions_are_short_and_inert() {
        let known = Known {
            name: "prod".into(),
            role_arn: Some("arn:aws:iam::210987654321:role/team/admin".into()),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/alice".into()),
            is_role: true,
            key_id: "AKIAEXAMPLE".into(),
        };
        assert_eq!(
            describe(&known, Some(time::Duration::minutes(718))),
            "role admin@210987654321, MFA alice@123456789012, 11h 58m left"
        );
        let odd = Known {
            role_arn: Some("x\tmade\nup\x1b]0;".into()),
            mfa_serial: None,
            ..known
        };
        let text = describe(&odd, None);
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert_eq!(text, "role x\\tmade\\nup\\u{1b}]0;, no MFA device yet");
    }
}
