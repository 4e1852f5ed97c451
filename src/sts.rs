//! The only place that talks to AWS: STS GetSessionToken, AssumeRole and GetCallerIdentity
//! through aws-sdk-sts. Every answer becomes a [`Session`] here, and only if it is usable.

use crate::error::{Error, printable};
use crate::log::Log;
use crate::mfa::TokenCode;
use crate::profile::{MfaSerial, Profile, ProfileName, Role, Texts};
use crate::session::{Secret, Session, SessionDuration, rfc3339};
use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_sts::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_sts::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_smithy_types::body::SdkBody;
use aws_types::service_config::ServiceConfigKey;
use http_body_util::{LengthLimitError, Limited};
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// The most mfaenv reads of one STS answer. Real answers are a few KiB (a role's session token
/// with session tags is the largest part); a broken or hostile endpoint must not make mfaenv
/// read without end. A slow endless answer under this size is stopped by `--timeout`.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// The longest session AWS grants a role assumed with temporary credentials (role chaining).
pub const CHAINED_ROLE_MAX_SECONDS: u32 = 3600;

/// Where no region is known, STS's global endpoint (`sts.amazonaws.com`), by the SDK's own rules.
const GLOBAL_REGION: &str = "aws-global";

/// Why STS gave no session.
#[derive(Debug)]
pub enum Failure {
    /// The MFA code was wrong, expired or already used: worth asking again.
    InvalidCode,
    /// AWS no longer accepts the session AssumeRole was signed with (expired or revoked):
    /// worth a new MFA session.
    SessionRejected,
    /// Any other failure, as a message for the user (names the profile and what to do).
    Other(Error),
}

/// An STS client signed with a profile's long-term keys (never the environment's).
pub struct Sts {
    client: aws_sdk_sts::Client,
    profile: ProfileName,
}

/// What an AssumeRole is signed with.
#[derive(Clone, Copy)]
pub enum Signer<'a> {
    /// The profile's long-term keys, with the MFA device and a code: a role asked for longer
    /// than role chaining allows is assumed this way (as aws-vault does).
    LongTerm(&'a MfaSerial, &'a TokenCode),
    /// Temporary credentials: the identity's MFA session, or the previous role of a chain.
    Session(&'a Session),
}

/// Wraps every answer's body so that reading stops after [`MAX_ANSWER_BYTES`].
#[derive(Debug)]
pub(crate) struct CapAnswer;

impl Intercept for CapAnswer {
    fn name(&self) -> &'static str {
        "mfaenv-cap-answer"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.response_mut().body_mut();
        let whole = std::mem::replace(body, SdkBody::taken());
        *body = SdkBody::from_body_1_x(Limited::new(whole, MAX_ANSWER_BYTES));
        Ok(())
    }
}

/// For `-v`: names the endpoint each request really goes to (as the SDK resolved it), once.
#[derive(Debug, Default)]
struct ShowEndpoint {
    shown: Mutex<Option<String>>,
}

impl Intercept for ShowEndpoint {
    fn name(&self) -> &'static str {
        "mfaenv-show-endpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let endpoint = endpoint_for_humans(context.request().uri());
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_deref() != Some(endpoint.as_str()) {
            Log {
                verbose: true,
                quiet: false,
            }
            .info(format_args!("STS endpoint {endpoint}"));
            *shown = Some(endpoint);
        }
        Ok(())
    }
}

/// `scheme://host:port/path` of a request URI: no user info (an endpoint URL may carry a
/// password) and no query, made inert for the terminal.
pub fn endpoint_for_humans(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let shown = if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    };
    printable(&shown)
}

/// The endpoint URL the SDK will use for STS, found as its STS config builder finds it (the
/// service's own setting, `AWS_ENDPOINT_URL_STS` or `[services …]` `sts.endpoint_url`, before
/// the general one), or `None` for AWS's own endpoints.
fn endpoint_url(config: &aws_types::SdkConfig) -> Option<String> {
    service_endpoint_url(config, "STS")
}

/// [`endpoint_url`] for the service `service_id` (`"IAM"` for `rotate`).
pub(crate) fn service_endpoint_url(
    config: &aws_types::SdkConfig,
    service_id: &str,
) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
}

/// Whether `url` is a plain-HTTP URL (the scheme is case-insensitive).
pub(crate) fn is_plain_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// [`region`] for `profile`, with `AWS_REGION`/`AWS_DEFAULT_REGION` read from the environment.
pub fn region_of(profile: &Profile) -> String {
    let env_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok();
    region(profile.region.as_deref(), env_region.as_deref())
}

/// The region for the STS call: the profile's, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the
/// global endpoint.
pub fn region(profile_region: Option<&str>, env_region: Option<&str>) -> String {
    profile_region
        .or(env_region)
        .filter(|r| !r.is_empty())
        .unwrap_or(GLOBAL_REGION)
        .to_owned()
}

/// The SDK configuration a client for `profile` is built from (STS's here, IAM's for `rotate`):
/// the profile's settings from the texts mfaenv read already (so that the SDK reads no file a
/// second time), `region`, `credentials` to sign with, and `timeout` per call.
pub async fn sdk_config(
    profile: &Profile,
    region: String,
    credentials: Credentials,
    timeout: Duration,
) -> aws_config::SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .operation_timeout(timeout)
        .build();
    let files = profile
        .texts
        .as_ref()
        .map_or_else(crate::sdk_settings::profile_files, Texts::sdk_files);
    aws_config::defaults(BehaviorVersion::latest())
        .profile_name(profile.name.as_str())
        .profile_files(files)
        .region(Region::new(region))
        .credentials_provider(credentials)
        .timeout_config(timeouts)
        .load()
        .await
}

impl Sts {
    /// Builds the client from the loaded AWS configuration, so the endpoint follows the SDK's
    /// rules (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`) and
    /// retries follow `AWS_MAX_ATTEMPTS`/`max_attempts`. `timeout` bounds the whole call, the
    /// answer's body included; answers are capped at [`MAX_ANSWER_BYTES`]. With `-v` every
    /// endpoint used is named.
    pub async fn new(profile: &Profile, region: String, timeout: Duration, log: Log) -> Sts {
        let credentials = Credentials::new(
            &profile.access_key_id,
            profile.secret_access_key.expose(),
            None,
            None,
            "mfaenv-profile",
        );
        let config = sdk_config(profile, region, credentials, timeout).await;
        let mut sts = aws_sdk_sts::config::Builder::from(&config).interceptor(CapAnswer);
        // The default client loads every system root certificate (the bundle, then each file
        // of the certificate directory) when it first connects, even to an `http://`
        // endpoint, where no certificate is ever checked: a few milliseconds of every call to
        // a local STS. An `http://` endpoint gets a client without TLS instead; should the SDK
        // ever send such a client an `https://` request, it fails rather than going without
        // TLS.
        if endpoint_url(&config).is_some_and(|url| is_plain_http(&url)) {
            sts = sts.http_client(aws_smithy_http_client::Builder::new().build_http());
        }
        if log.verbose {
            sts = sts.interceptor(ShowEndpoint::default());
        }
        Sts {
            client: aws_sdk_sts::Client::from_conf(sts.build()),
            profile: profile.name.clone(),
        }
    }

    /// The ARN of the IAM user the long-term keys belong to (GetCallerIdentity).
    pub async fn caller_arn(&self) -> Result<String, Failure> {
        let answer = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.failure(e, "GetCallerIdentity", None))?;
        answer
            .arn
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Failure::Other(self.unreadable("an identity without an ARN")))
    }

    /// The caller's ARN as [`Sts::caller_arn`], but `None` when AWS does not know the key
    /// (InvalidClientTokenId): for a key IAM has just made, that means "not yet" (IAM is
    /// eventually consistent), not a mistake in the profile.
    pub async fn new_key_arn(&self) -> Result<Option<String>, Failure> {
        match self.client.get_caller_identity().send().await {
            Err(SdkError::ServiceError(e)) if e.err().code() == Some("InvalidClientTokenId") => {
                Ok(None)
            }
            Err(e) => Err(self.failure(e, "GetCallerIdentity", None)),
            Ok(answer) => answer
                .arn
                .filter(|a| !a.is_empty())
                .map(Some)
                .ok_or_else(|| Failure::Other(self.unreadable("an identity without an ARN"))),
        }
    }

    /// AssumeRole of `role` signed as `signer` says: a session for the role's profile that
    /// lasts more than `margin`.
    pub async fn assume_role(
        &self,
        signer: Signer<'_>,
        role: &Role,
        margin: time::Duration,
    ) -> Result<Session, Failure> {
        let session_name = role
            .session_name
            .clone()
            .unwrap_or_else(|| format!("mfaenv-{}", OffsetDateTime::now_utc().unix_timestamp()));
        let request = self
            .client
            .assume_role()
            .role_arn(&role.arn)
            .role_session_name(session_name)
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.duration_seconds.map(|d| d as i32));
        let chained = matches!(signer, Signer::Session(_));
        let answer = match signer {
            Signer::LongTerm(serial, code) => {
                request
                    .serial_number(serial.as_str())
                    .token_code(code.as_str())
                    .send()
                    .await
            }
            Signer::Session(with) => {
                let credentials = Credentials::new(
                    &with.access_key_id,
                    with.secret_access_key.expose(),
                    Some(with.session_token.expose().to_owned()),
                    None,
                    "mfaenv-session",
                );
                request
                    .customize()
                    .config_override(
                        aws_sdk_sts::Config::builder().credentials_provider(credentials),
                    )
                    .send()
                    .await
            }
        }
        .map_err(|e| self.failure(e, "AssumeRole", Some((role, chained))))?;
        // The account of an assumed role is the fifth field of its ARN; a server's text, so
        // only digits are taken.
        let account = answer
            .assumed_role_user
            .and_then(|u| u.arn.split(':').nth(4).map(str::to_owned))
            .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()));
        let mut session = self.session(answer.credentials, &role.profile, account, margin)?;
        session.role_arn = Some(role.arn.clone());
        Ok(session)
    }

    /// GetSessionToken with the device and code: an MFA session of `duration`.
    pub async fn get_session_token(
        &self,
        serial: &MfaSerial,
        code: &TokenCode,
        duration: SessionDuration,
        margin: time::Duration,
    ) -> Result<Session, Failure> {
        let answer = self
            .client
            .get_session_token()
            .serial_number(serial.as_str())
            .token_code(code.as_str())
            .duration_seconds(duration.seconds() as i32)
            .send()
            .await
            .map_err(|e| self.failure(e, "GetSessionToken", None))?;
        let account = serial.account().map(str::to_owned);
        self.session(answer.credentials, &self.profile, account, margin)
    }

    /// The session in an STS answer, for `profile`, if it is usable: every key present and
    /// an expiry later than `margin` from now. The SDK fills what an answer lacks with
    /// defaults (an empty key, an expiry of 0), so this is where a broken answer is caught.
    fn session(
        &self,
        creds: Option<aws_sdk_sts::types::Credentials>,
        profile: &ProfileName,
        account: Option<String>,
        margin: time::Duration,
    ) -> Result<Session, Failure> {
        let unusable = |what: &str| Failure::Other(self.unusable(what));
        let creds = creds.ok_or_else(|| unusable("no Credentials"))?;
        for (field, value) in [
            ("AccessKeyId", &creds.access_key_id),
            ("SecretAccessKey", &creds.secret_access_key),
            ("SessionToken", &creds.session_token),
        ] {
            if value.trim().is_empty() {
                return Err(unusable(&format!("no {field}")));
            }
        }
        if creds.expiration.secs() == 0 && creds.expiration.subsec_nanos() == 0 {
            return Err(unusable("no Expiration"));
        }
        let expiration = OffsetDateTime::from_unix_timestamp(creds.expiration.secs())
            .map_err(|_| unusable("an impossible Expiration"))?;
        let now = OffsetDateTime::now_utc();
        if expiration <= now {
            return Err(Failure::Other(Error::Runtime(format!(
                "STS answered for profile '{}' with a session that expired at {} (it is {} here); check this machine's clock, and AWS_ENDPOINT_URL_STS/endpoint_url if set",
                self.profile,
                rfc3339(expiration),
                rfc3339(now)
            ))));
        }
        if expiration <= now + margin {
            return Err(Failure::Other(Error::Runtime(format!(
                "STS answered for profile '{}' with a session that lapses at {}, within the refresh margin of {} s (MFAENV_REFRESH_MARGIN); ask for a longer session (--duration, duration_seconds) or a smaller MFAENV_REFRESH_MARGIN, and check this machine's clock",
                self.profile,
                rfc3339(expiration),
                margin.whole_seconds()
            ))));
        }
        Ok(Session {
            access_key_id: creds.access_key_id,
            secret_access_key: Secret::new(creds.secret_access_key),
            session_token: Secret::new(creds.session_token),
            expiration,
            region: None,
            profile: profile.to_string(),
            account,
            role_arn: None,
        })
    }

    /// An answer that parsed but holds no usable session.
    fn unusable(&self, what: &str) -> Error {
        Error::Runtime(format!(
            "STS answered for profile '{}' with {what}, so there is no usable session; nothing was saved; check AWS_ENDPOINT_URL_STS/endpoint_url if set, else try again later",
            self.profile
        ))
    }

    fn unreadable(&self, what: &str) -> Error {
        Error::Runtime(format!(
            "STS answered for profile '{}' with {what} that mfaenv cannot read; check AWS_ENDPOINT_URL_STS/endpoint_url if set, else try again later",
            self.profile
        ))
    }

    /// Turns an SDK error into one line naming the profile and what to do. Only the error code,
    /// STS's message and the root cause are shown (made inert): never requests, headers or
    /// keys. `assumed`: for AssumeRole, the role and whether the call was signed with
    /// temporary credentials (so a refused token is that session's, not the profile's keys).
    fn failure<E>(
        &self,
        err: SdkError<E, HttpResponse>,
        action: &str,
        assumed: Option<(&Role, bool)>,
    ) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let p = &self.profile;
        let status = err.raw_response().map(|r| r.status().as_u16());
        let runtime = |m: String| Failure::Other(Error::Runtime(m));
        let config = |m: String| Failure::Other(Error::Config(m));
        let chained = assumed.is_some_and(|(_, chained)| chained);
        match &err {
            SdkError::TimeoutError(_) => runtime(timed_out(p)),
            SdkError::DispatchFailure(d) if d.is_timeout() => runtime(timed_out(p)),
            SdkError::DispatchFailure(_) => runtime(format!(
                "cannot reach STS for profile '{p}' ({}); check your network, proxy or AWS_ENDPOINT_URL_STS and try again",
                root_cause(&err)
            )),
            SdkError::ResponseError(_) if caused_by::<LengthLimitError>(&err) => runtime(format!(
                "STS sent an answer larger than {} KiB for profile '{p}'; mfaenv stopped reading it; check AWS_ENDPOINT_URL_STS/endpoint_url if set",
                MAX_ANSWER_BYTES / 1024
            )),
            SdkError::ResponseError(_) => Failure::Other(self.unreadable("a response")),
            SdkError::ServiceError(service) => {
                let e = service.err();
                let message = printable(e.message().unwrap_or_default());
                let message = message.trim_end_matches('.');
                let code = e.code().map(printable);
                match (code.as_deref(), status) {
                    (Some("AccessDenied"), _) if message.contains("MultiFactorAuthentication") => {
                        Failure::InvalidCode
                    }
                    (Some("AccessDenied"), _) if message.contains("session credentials") => {
                        runtime(format!(
                            "STS refused {action} for profile '{p}': its keys are temporary; put the long-term keys of your IAM user in the profile"
                        ))
                    }
                    (Some("AccessDenied"), _) if action == "AssumeRole" => runtime(format!(
                        "AWS denied AssumeRole for profile '{p}': {message}; check that the role's trust policy admits your IAM user with MFA"
                    )),
                    (Some("AccessDenied"), _) => runtime(format!(
                        "AWS denied {action} for profile '{p}': {message}; check that the IAM user may call sts:{action} and that mfa_serial is its own device"
                    )),
                    (Some("ExpiredToken" | "InvalidClientTokenId"), _) if chained => {
                        Failure::SessionRejected
                    }
                    (Some("InvalidClientTokenId"), _) => runtime(format!(
                        "AWS does not know the access key of profile '{p}' (InvalidClientTokenId); check aws_access_key_id, or create a new key for your IAM user"
                    )),
                    (Some("SignatureDoesNotMatch"), _) => runtime(format!(
                        "the secret key of profile '{p}' does not match its access key (SignatureDoesNotMatch); check aws_secret_access_key"
                    )),
                    (Some("ExpiredToken"), _) => runtime(format!(
                        "the credentials of profile '{p}' have expired (ExpiredToken); check the keys in its section of the credentials file"
                    )),
                    (Some(c), _) if c.contains("Throttl") => runtime(format!(
                        "STS is throttling requests for profile '{p}' ({c}); wait a minute and try again"
                    )),
                    (_, Some(s)) if s >= 500 => runtime(format!(
                        "STS is unavailable (HTTP {s}) for profile '{p}'; try again in a minute"
                    )),
                    (Some("ValidationError"), _) if message.contains("role chaining") => {
                        let (arn, profile) = assumed
                            .map(|(r, _)| (r.arn.as_str(), r.profile.as_str()))
                            .unwrap_or(("", p.as_str()));
                        config(format!(
                            "AWS limits role {arn} of profile '{profile}' to 1 hour ({CHAINED_ROLE_MAX_SECONDS} s) because it is assumed with temporary credentials (role chaining); set duration_seconds = {CHAINED_ROLE_MAX_SECONDS} or less in that profile"
                        ))
                    }
                    (Some("ValidationError"), _) if message.contains("MaxSessionDuration") => {
                        let (arn, profile, asked) = assumed
                            .map(|(r, _)| (r.arn.as_str(), r.profile.as_str(), r.duration_seconds))
                            .unwrap_or(("", p.as_str(), None));
                        let asked = asked.map_or_else(String::new, |s| format!(" of {s} s"));
                        config(format!(
                            "role {arn} of profile '{profile}' does not allow sessions{asked}: its MaxSessionDuration is lower (1 hour unless its owner raised it); lower duration_seconds in that profile, or ask the role's owner to raise its maximum session duration"
                        ))
                    }
                    (Some("ValidationError"), _) => runtime(format!(
                        "STS rejected {action} for profile '{p}': {message}; check --duration and the profile's settings"
                    )),
                    (Some(c), _) => runtime(format!(
                        "STS refused {action} for profile '{p}' ({c}): {message}"
                    )),
                    // The SDK's parser refuses a timestamp it cannot read with this wording
                    // (and gives an answer without it a default, caught in `session`).
                    (None, _) if root_cause(&err).contains("timestamp") => {
                        Failure::Other(self.unusable("an unreadable Expiration"))
                    }
                    (None, _) => Failure::Other(self.unreadable("a response")),
                }
            }
            _ => runtime(format!(
                "cannot call STS for profile '{p}' ({}); check the endpoint and region settings",
                root_cause(&err)
            )),
        }
    }
}

fn timed_out(profile: &ProfileName) -> String {
    format!(
        "STS did not answer in time for profile '{profile}'; check your network, or allow longer with --timeout SECONDS"
    )
}

/// Whether `T` is among the causes of `err`.
fn caused_by<T: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.is::<T>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The innermost cause of an error, the part that says what went wrong on the wire.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    printable(&cause.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_prefers_profile_then_env_then_global() {
        assert_eq!(region(Some("eu-west-1"), Some("us-east-2")), "eu-west-1");
        assert_eq!(region(None, Some("us-east-2")), "us-east-2");
        assert_eq!(region(None, None), "aws-global");
        assert_eq!(region(None, Some("")), "aws-global");
    }

    #[test]
    fn the_endpoint_shown_has_no_password_query_or_control_characters() {
        assert_eq!(
            endpoint_for_humans("https://sts.eu-west-1.amazonaws.com/"),
            "https://sts.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            endpoint_for_humans("https://user:pa55@proxy.example:8443/sts?X-Amz-Signature=abc"),
            "https://proxy.example:8443/sts"
        );
        assert_eq!(
            endpoint_for_humans("http://127.0.0.1:9"),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            endpoint_for_humans("http://h\x1b]0;x\x07/"),
            "http://h\\u{1b}]0;x\\u{7}/"
        );
    }
}
