//! An MFA session: the temporary keys, when they lapse, and the variables that carry them.

use crate::error::printable;
use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A value that must never be shown: its `Debug` is redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that may use it (a request, an export script).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**redacted**)")
    }
}

/// Every variable `use` may set for the session (CLI.md's list), in the order it sets them;
/// the scripts add the bookkeeping [`SESSION_SECONDS`] and [`RECORD`], and `unset` gives each
/// back the state it had before the first `use` (see [`MANAGED`]).
pub const VARIABLES: [&str; 9] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "MFAENV_PROFILE",
];

/// Bookkeeping `use` also exports, not a secret: the seconds the session had left when `use`
/// handed it out, so that the hooks can keep the refresh margin below half of it.
pub const SESSION_SECONDS: &str = "MFAENV_SESSION_SECONDS";

/// Bookkeeping `use` also exports, value-free: the names of the variables mfaenv set in this
/// shell, space-separated, so that `unset` and the next `use` touch exactly those.
pub const RECORD: &str = "MFAENV_VARS";

/// Every variable whose earlier state the scripts save and `unset` restores: [`VARIABLES`] and
/// [`SESSION_SECONDS`], with `MFAENV_PROFILE` last (the scripts read it until their last line).
pub const MANAGED: [&str; 10] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    SESSION_SECONDS,
    "MFAENV_PROFILE",
];

/// A number of seconds from 1 to `most` in the variable `name`, or `default` when it is unset
/// or empty; anything else is a usage error naming the variable, never a silent default.
pub fn seconds_setting(
    name: &str,
    default: std::time::Duration,
    most: u64,
) -> crate::error::Result<std::time::Duration> {
    let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    let text = value.to_string_lossy();
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=most).contains(s))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| {
            crate::error::Error::Usage(format!(
                "{name}='{}' is not a number of seconds from 1 to {most}; set it so, or unset it for the default of {} s",
                printable(&text),
                default.as_secs()
            ))
        })
}

/// The refresh margin when `MFAENV_REFRESH_MARGIN` is unset or empty, in seconds.
pub const DEFAULT_MARGIN: u32 = 60;

/// `MFAENV_REFRESH_MARGIN` by the one rule the binary and every hook share: unset or empty is
/// the default; 1 to 6 ASCII digits are seconds; anything else is the default and a warning.
pub fn parse_margin(text: Option<&str>) -> (u32, Option<String>) {
    match text {
        None | Some("") => (DEFAULT_MARGIN, None),
        Some(t) if (1..=6).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) => {
            (t.parse().unwrap_or(DEFAULT_MARGIN), None)
        }
        Some(t) => (
            DEFAULT_MARGIN,
            Some(format!(
                "mfaenv: MFAENV_REFRESH_MARGIN={} is not a number of seconds (1 to 6 digits); using {DEFAULT_MARGIN}",
                crate::error::printable(t)
            )),
        ),
    }
}

/// The margin the hooks apply to a session that had `life` seconds left when handed out: at
/// most half of it, so that a new session never counts as lapsed at the next prompt.
pub fn hook_margin(margin: u32, life: u32) -> u32 {
    margin.min(life / 2)
}

/// Temporary credentials got with MFA, and what they belong to.
#[derive(Clone, Debug)]
pub struct Session {
    /// The temporary access key id (`ASIA…`); not a secret on its own.
    pub access_key_id: String,
    /// The temporary secret key.
    pub secret_access_key: Secret,
    /// The session token.
    pub session_token: Secret,
    /// When STS says the credentials lapse (UTC).
    pub expiration: OffsetDateTime,
    /// The profile's region, exported when known.
    pub region: Option<String>,
    /// The profile the session was made for.
    pub profile: String,
    /// The AWS account, when known (from the MFA device's or the role's ARN).
    pub account: Option<String>,
    /// For a role's session, the role's ARN; `None` for an MFA session (GetSessionToken).
    pub role_arn: Option<String>,
}

impl Session {
    /// The expiry as RFC 3339 UTC in whole seconds, e.g. `2026-11-23T19:27:32Z`.
    pub fn expiration_rfc3339(&self) -> String {
        rfc3339(self.expiration)
    }

    /// The variables and values `use` exports for this session, in a stable order.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let expiry = self.expiration_rfc3339();
        let mut vars = vec![
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.secret_access_key.expose().to_owned(),
            ),
            ("AWS_SESSION_TOKEN", self.session_token.expose().to_owned()),
            ("AWS_SECURITY_TOKEN", self.session_token.expose().to_owned()),
            ("AWS_SESSION_EXPIRATION", expiry.clone()),
            ("AWS_CREDENTIAL_EXPIRATION", expiry),
        ];
        if let Some(region) = &self.region {
            vars.push(("AWS_REGION", region.clone()));
            vars.push(("AWS_DEFAULT_REGION", region.clone()));
        }
        vars.push(("MFAENV_PROFILE", self.profile.clone()));
        vars
    }

    /// What the `use` script exports: [`Session::variables`] and, before `MFAENV_PROFILE`,
    /// [`SESSION_SECONDS`], the seconds left at `now`.
    pub fn shell_variables(&self, now: OffsetDateTime) -> Vec<(&'static str, String)> {
        let mut vars = self.variables();
        let life = (self.expiration - now).whole_seconds().clamp(0, 999_999);
        vars.insert(vars.len() - 1, (SESSION_SECONDS, life.to_string()));
        vars
    }

    /// The one-line notice shown on stderr after a successful `use`: a role's session or an
    /// MFA session, and how long it lasts. Names and the account come from files and servers,
    /// so they are made inert for the terminal.
    pub fn notice(&self, now: OffsetDateTime) -> String {
        let account = match &self.account {
            Some(a) => format!(" (account {})", printable(a)),
            None => String::new(),
        };
        let kind = match self.role_arn {
            Some(_) => "role session",
            None => "MFA session",
        };
        format!(
            "mfaenv: profile '{}'{account}: {kind} valid for {}, until {}",
            printable(&self.profile),
            human_duration(self.expiration - now),
            self.expiration_rfc3339()
        )
    }
}

/// Formats a UTC instant as RFC 3339 in whole seconds with a `Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// `11h 59m`, `4m 10s`, `0s`: how long is left, for people.
pub fn human_duration(d: time::Duration) -> String {
    let secs = d.whole_seconds().max(0);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn session(region: Option<&str>) -> Session {
        Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("SECRETKEYVALUE"),
            session_token: Secret::new("TOKENVALUE"),
            expiration: datetime!(2026-11-23 19:27:32.5 UTC),
            region: region.map(str::to_owned),
            profile: "foobar".into(),
            account: Some("123456789012".into()),
            role_arn: None,
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!("{:?}", session(None));
        assert!(!shown.contains("SECRETKEYVALUE"), "{shown}");
        assert!(!shown.contains("TOKENVALUE"), "{shown}");
        assert!(shown.contains("ASIAEXAMPLE"));
    }

    #[test]
    fn expiry_is_rfc3339_utc_whole_seconds() {
        assert_eq!(session(None).expiration_rfc3339(), "2026-11-23T19:27:32Z");
    }

    #[test]
    fn variables_follow_the_design_and_region_only_when_known() {
        let names = |s: &Session| s.variables().iter().map(|v| v.0).collect::<Vec<_>>();
        assert_eq!(names(&session(Some("eu-west-1"))), VARIABLES);
        assert!(!names(&session(None)).contains(&"AWS_REGION"));
        let vars = session(None).variables();
        assert_eq!(vars[3], ("AWS_SECURITY_TOKEN", "TOKENVALUE".to_owned()));
    }

    #[test]
    fn shell_variables_add_the_seconds_left_before_the_profile() {
        let s = session(Some("eu-west-1"));
        let vars = s.shell_variables(datetime!(2026-11-23 07:27:32 UTC));
        let names: Vec<&str> = vars.iter().map(|v| v.0).collect();
        assert_eq!(names, MANAGED);
        assert_eq!(vars[8], (SESSION_SECONDS, "43200".to_owned()));
        let late = s.shell_variables(datetime!(2027-01-01 00:00:00 UTC));
        assert_eq!(late[8].1, "0");
    }

    #[test]
    fn margin_follows_one_rule_and_stays_below_half_the_session() {
        assert_eq!(parse_margin(None), (60, None));
        assert_eq!(parse_margin(Some("")), (60, None));
        assert_eq!(parse_margin(Some("0")), (0, None));
        assert_eq!(parse_margin(Some("300")), (300, None));
        assert_eq!(parse_margin(Some("999999")), (999_999, None));
        for bad in [
            " 60", "60 ", "+60", "-1", "1e3", "1000000", "٦٠", "6\x1b0", "$(id)",
        ] {
            let (m, warning) = parse_margin(Some(bad));
            assert_eq!(m, 60, "{bad}");
            let warning = warning.unwrap_or_else(|| panic!("no warning for {bad:?}"));
            assert!(warning.contains("MFAENV_REFRESH_MARGIN"), "{warning}");
            assert!(!warning.contains('\x1b'), "{warning}");
        }
        assert_eq!(hook_margin(60, 43200), 60);
        assert_eq!(hook_margin(43200, 43200), 21600);
        assert_eq!(hook_margin(999_999, 900), 450);
        assert_eq!(hook_margin(60, 0), 0);
    }

    #[test]
    fn notice_names_profile_account_and_time_left() {
        let n = session(None).notice(datetime!(2026-11-23 07:27:32 UTC));
        assert_eq!(
            n,
            "mfaenv: profile 'foobar' (account 123456789012): MFA session valid for 12h 00m, until 2026-11-23T19:27:32Z"
        );
        let role = Session {
            role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
            profile: "ad\x1b]0;x\x07min".into(),
            ..session(None)
        };
        assert_eq!(
            role.notice(datetime!(2026-11-23 18:27:32 UTC)),
            "mfaenv: profile 'ad\\u{1b}]0;x\\u{7}min' (account 123456789012): role session valid for 1h 00m, until 2026-11-23T19:27:32Z"
        );
        assert_eq!(human_duration(time::Duration::seconds(250)), "4m 10s");
        assert_eq!(human_duration(time::Duration::seconds(-5)), "0s");
    }
}

/// How long an MFA session is asked to last: 900 s to 36 h, STS's range for IAM users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionDuration(u32);

impl SessionDuration {
    /// Twelve hours: a working day on one code.
    pub const DEFAULT: SessionDuration = SessionDuration(12 * 3600);
    const MIN: u32 = 900;
    const MAX: u32 = 36 * 3600;

    /// Parses `900`, `900s`, `90m` or `12h`; out of range or malformed is an error.
    pub fn parse(text: &str) -> std::result::Result<SessionDuration, String> {
        let text = text.trim();
        let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
            Some((i, _)) => text.split_at(i),
            None => (text, "s"),
        };
        let scale = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => 0,
        };
        let seconds = digits
            .parse::<u32>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .filter(|s| (Self::MIN..=Self::MAX).contains(s));
        seconds.map(SessionDuration).ok_or_else(|| {
            format!(
                "'{}' is not a session length mfaenv can ask for: give 900 to 129600 seconds (15m to 36h), such as 900, 90m or 12h",
                crate::error::printable(text)
            )
        })
    }

    /// The length in seconds, as STS takes it.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod duration_tests {
    use super::SessionDuration;

    #[test]
    fn durations_in_seconds_minutes_and_hours() {
        let s = |t| SessionDuration::parse(t).map(SessionDuration::seconds);
        assert_eq!(s("900"), Ok(900));
        assert_eq!(s("900s"), Ok(900));
        assert_eq!(s("90m"), Ok(5400));
        assert_eq!(s("12h"), Ok(43200));
        assert_eq!(s("36h"), Ok(129600));
        for bad in [
            "899",
            "14m",
            "37h",
            "129601",
            "",
            "h",
            "1d",
            "-900",
            "4294967296",
            "12 h",
        ] {
            assert!(s(bad).is_err(), "{bad}");
        }
        assert_eq!(SessionDuration::DEFAULT.seconds(), 43200);
    }
}
