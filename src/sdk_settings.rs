//! Settings the AWS SDK reads by itself, from the environment and the profile, checked before
//! the SDK sees them: on some values aws-config panics (`max_attempts = 0`, `retry_mode =
//! legacy`, an empty endpoint URL) or retries for ever (`AWS_MAX_ATTEMPTS=4294967295`). Here
//! each is one line naming the setting and the fix, exit 2.
//!
//! Values are looked up as the SDK looks them up (aws-runtime's `EnvConfigValue`): the
//! environment first (for endpoints `AWS_ENDPOINT_URL_STS` before `AWS_ENDPOINT_URL`), then the
//! profile (for endpoints its `[services …]` section before its own `endpoint_url`); only the
//! value the SDK would use is checked.

use crate::error::{Error, Result, printable};
use crate::profile::{Files, ProfileName};
use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_runtime::env_config::property::PropertiesKey;

/// The most attempts per STS call mfaenv lets the SDK make: far above any useful number (the
/// default is 3), far below the counts at which the SDK's retry loop stops honouring
/// `--timeout`.
pub const MAX_ATTEMPTS: u32 = 100;

/// The service id the SDK uses for service-specific settings (`AWS_ENDPOINT_URL_STS`,
/// `[services …]` `sts =`).
const SERVICE: &str = "sts";

/// Where the SDK would find a setting.
enum Origin<'a> {
    /// An environment variable.
    Env(String),
    /// A property of the profile's section.
    Profile(&'a str),
    /// A property of the service's block in the `[services NAME]` section the profile names.
    Services(String, &'a str),
}

/// A setting's value and where it came from.
struct Found<'a> {
    value: String,
    origin: Origin<'a>,
}

struct Settings<'a> {
    set: &'a ProfileSet,
    profile: &'a ProfileName,
    files: &'a Files,
}

impl<'a> Settings<'a> {
    /// The value the SDK would use for `env_var` / `key`; `per_service` also looks at the
    /// STS-specific variable and `[services …]` block first, as the SDK does for endpoints.
    fn lookup(&self, env_var: &str, key: &'a str, per_service: bool) -> Option<Found<'a>> {
        let env = |name: String| {
            std::env::var(&name).ok().map(|value| Found {
                value,
                origin: Origin::Env(name),
            })
        };
        let service_env = per_service
            .then(|| env(format!("{env_var}_{}", SERVICE.to_uppercase())))
            .flatten();
        if let Some(found) = service_env.or_else(|| env(env_var.to_owned())) {
            return Some(found);
        }
        let section = self.set.get_profile(self.profile.as_str())?;
        if per_service
            && let Some(services) = section.get("services")
            && let Ok(property) = PropertiesKey::builder()
                .section_key("services")
                .section_name(services)
                .property_name(SERVICE)
                .sub_property_name(key)
                .build()
            && let Some(value) = self.set.other_sections().get(&property)
        {
            return Some(Found {
                value: value.clone(),
                origin: Origin::Services(services.to_owned(), key),
            });
        }
        section.get(key).map(|value| Found {
            value: value.to_owned(),
            origin: Origin::Profile(key),
        })
    }

    /// The one-line error for `found`, which `must` be something else.
    fn bad(&self, found: &Found<'_>, must: &str, fix: &str) -> Error {
        let value = printable(&found.value);
        let config = self.files.config.display();
        let profile = self.profile;
        Error::Config(match &found.origin {
            Origin::Env(name) => format!("{name}='{value}' {must}; {fix}, or unset {name}"),
            Origin::Profile(key) => format!(
                "{key} = '{value}' in profile '{profile}' of {config} {must}; {fix}, or remove that line"
            ),
            Origin::Services(section, key) => format!(
                "{key} = '{value}' under {SERVICE} in [services {}] of {config} {must}; {fix}, or remove that line",
                printable(section)
            ),
        })
    }
}

/// Checks every setting of profile `profile` and of the environment that the SDK would panic
/// or hang on, before the SDK is given them.
pub fn check(set: &ProfileSet, profile: &ProfileName, files: &Files) -> Result<()> {
    let s = Settings {
        set,
        profile,
        files,
    };
    if let Some(found) = s.lookup("AWS_MAX_ATTEMPTS", "max_attempts", false) {
        // Parsed as strictly as the SDK parses it (no spaces: " 3" makes it panic too).
        let ok = found
            .value
            .parse::<u32>()
            .is_ok_and(|n| (1..=MAX_ATTEMPTS).contains(&n));
        if !ok {
            return Err(s.bad(
                &found,
                &format!("is not a number of attempts from 1 to {MAX_ATTEMPTS}"),
                "set it to 3 (the default)",
            ));
        }
    }
    if let Some(found) = s.lookup("AWS_RETRY_MODE", "retry_mode", false) {
        let mode = found.value.trim();
        if !(mode.eq_ignore_ascii_case("standard") || mode.eq_ignore_ascii_case("adaptive")) {
            return Err(s.bad(
                &found,
                "is not a retry mode the AWS SDK for Rust knows",
                "set it to standard or adaptive",
            ));
        }
    }
    let ignored =
        |f: Option<Found<'_>>| f.is_some_and(|f| f.value.trim().eq_ignore_ascii_case("true"));
    if !ignored(s.lookup(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
        false,
    )) && let Some(found) = s.lookup("AWS_ENDPOINT_URL", "endpoint_url", true)
        && !is_endpoint_url(&found.value)
    {
        return Err(s.bad(
            &found,
            "is not an endpoint URL",
            "set it to a URL such as https://sts.eu-west-1.amazonaws.com",
        ));
    }
    // The environment's region is used where the profile names none (the SDK refuses anything
    // but a host label later, as an obscure network error).
    let own_region = set
        .get_profile(profile.as_str())
        .is_some_and(|p| p.get("region").is_some());
    if !own_region
        && let Some(found) = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|name| {
                std::env::var(name)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(|value| Found {
                        value,
                        origin: Origin::Env(name.to_owned()),
                    })
            })
        && !is_region(&found.value)
    {
        return Err(s.bad(
            &found,
            "is not a region name",
            "set it to one such as eu-west-1",
        ));
    }
    // The SDK puts it in the User-Agent header, where a control character fails every call.
    if let Ok(value) = std::env::var("AWS_EXECUTION_ENV")
        && value.chars().any(char::is_control)
    {
        let found = Found {
            value,
            origin: Origin::Env("AWS_EXECUTION_ENV".to_owned()),
        };
        return Err(s.bad(
            &found,
            "holds control characters, which no HTTP header can carry",
            "remove them",
        ));
    }
    Ok(())
}

/// A region as a host label: letters, digits and inner hyphens (`eu-west-1`, `us-gov-west-1`).
fn is_region(region: &str) -> bool {
    (1..=63).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// `http://` or `https://`, a host, and nothing a URL cannot hold (an empty URL makes the SDK
/// panic; spaces and other schemes fail only later, as a network error).
fn is_endpoint_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with(['/', ':', '?', '#'])
            && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// The files mfaenv reads, for the SDK's own reading of settings (endpoint, retries), so that
/// it reads exactly those: never a `.aws/` relative to the working directory when there is no
/// home. Where they cannot be located (mfaenv has refused to go on before it gets here), none.
pub fn profile_files() -> EnvConfigFiles {
    match Files::locate() {
        Ok(files) => EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, &files.config)
            .with_file(EnvConfigFileKind::Credentials, &files.credentials)
            .build(),
        Err(_) => EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, "")
            .with_contents(EnvConfigFileKind::Credentials, "")
            .build(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_need_a_scheme_and_a_host() {
        for good in [
            "https://sts.eu-west-1.amazonaws.com",
            "http://127.0.0.1:4566",
            "http://[::1]:8080/",
        ] {
            assert!(is_endpoint_url(good), "{good}");
        }
        for bad in [
            "",
            " ",
            "https://",
            "sts.amazonaws.com",
            "ftp://x",
            "http://a b",
            "http:///x",
        ] {
            assert!(!is_endpoint_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn regions_are_host_labels() {
        assert!(is_region("eu-west-1") && is_region("us-gov-west-1"));
        for bad in ["", "-", "eu west", "a/b", "caf\u{e9}", "x-", "\u{1b}[31m"] {
            assert!(!is_region(bad), "{bad:?}");
        }
    }
}
