//! The only place that talks to AWS: STS GetSessionToken through aws-sdk-sts.

use crate::error::{Error, printable};
use crate::mfa::TokenCode;
use crate::profile::{MfaSerial, Profile, ProfileName, Role};
use crate::session::{Secret, Session, SessionDuration};
use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::{Credentials, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use std::time::Duration;
use time::OffsetDateTime;

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

/// The region for the STS call: the profile's, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the
/// global endpoint.
pub fn region(profile_region: Option<&str>, env_region: Option<&str>) -> String {
    profile_region
        .or(env_region)
        .filter(|r| !r.is_empty())
        .unwrap_or(GLOBAL_REGION)
        .to_owned()
}

impl Sts {
    /// Builds the client from the loaded AWS configuration, so the endpoint follows the SDK's
    /// rules (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`) and
    /// retries follow `AWS_MAX_ATTEMPTS`/`max_attempts`. `timeout` bounds the whole call.
    pub async fn new(profile: &Profile, region: String, timeout: Duration) -> Sts {
        let credentials = Credentials::new(
            &profile.access_key_id,
            profile.secret_access_key.expose(),
            None,
            None,
            "mfaenv-profile",
        );
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .operation_timeout(timeout)
            .build();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .profile_name(profile.name.as_str())
            .profile_files(crate::sdk_settings::profile_files())
            .region(Region::new(region))
            .credentials_provider(credentials)
            .timeout_config(timeouts)
            .load()
            .await;
        Sts {
            client: aws_sdk_sts::Client::new(&config),
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
            .map_err(|e| self.failure(e, "GetCallerIdentity"))?;
        answer
            .arn
            .ok_or_else(|| Failure::Other(self.unreadable("an identity without an ARN")))
    }

    /// AssumeRole signed with `with` (the MFA session, or the previous role of a chain): a
    /// session of `role` for `profile`.
    pub async fn assume_role(&self, with: &Session, role: &Role) -> Result<Session, Failure> {
        let credentials = Credentials::new(
            &with.access_key_id,
            with.secret_access_key.expose(),
            Some(with.session_token.expose().to_owned()),
            None,
            "mfaenv-session",
        );
        let session_name = role
            .session_name
            .clone()
            .unwrap_or_else(|| format!("mfaenv-{}", OffsetDateTime::now_utc().unix_timestamp()));
        let answer = self
            .client
            .assume_role()
            .role_arn(&role.arn)
            .role_session_name(session_name)
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.duration_seconds.map(|d| d as i32))
            .customize()
            .config_override(aws_sdk_sts::Config::builder().credentials_provider(credentials))
            .send()
            .await
            .map_err(|e| match self.failure(e, "AssumeRole") {
                Failure::Other(Error::Runtime(m)) if m.contains("role chaining") => {
                    Failure::Other(Error::Config(format!(
                        "role {} of profile '{}' is assumed from another role (role chaining), and AWS limits such sessions to 1 hour; set duration_seconds = 3600 or less in that profile",
                        role.arn, role.profile
                    )))
                }
                other => other,
            })?;
        let account = answer
            .assumed_role_user
            .and_then(|u| u.arn.split(':').nth(4).map(str::to_owned))
            .filter(|a| !a.is_empty());
        self.session(answer.credentials, &role.profile, account)
    }

    /// GetSessionToken with the device and code: an MFA session of `duration`.
    pub async fn get_session_token(
        &self,
        serial: &MfaSerial,
        code: &TokenCode,
        duration: SessionDuration,
    ) -> Result<Session, Failure> {
        let answer = self
            .client
            .get_session_token()
            .serial_number(serial.as_str())
            .token_code(code.as_str())
            .duration_seconds(duration.seconds() as i32)
            .send()
            .await
            .map_err(|e| self.failure(e, "GetSessionToken"))?;
        let account = serial.account().map(str::to_owned);
        self.session(answer.credentials, &self.profile, account)
    }

    /// The session in an STS answer, for `profile`.
    fn session(
        &self,
        creds: Option<aws_sdk_sts::types::Credentials>,
        profile: &ProfileName,
        account: Option<String>,
    ) -> Result<Session, Failure> {
        let creds = creds
            .ok_or_else(|| Failure::Other(self.unreadable("an answer without credentials")))?;
        let expiration = OffsetDateTime::from_unix_timestamp(creds.expiration.secs())
            .map_err(|_| Failure::Other(self.unreadable("an impossible expiry")))?;
        Ok(Session {
            access_key_id: creds.access_key_id,
            secret_access_key: Secret::new(creds.secret_access_key),
            session_token: Secret::new(creds.session_token),
            expiration,
            region: None,
            profile: profile.to_string(),
            account,
        })
    }

    fn unreadable(&self, what: &str) -> Error {
        Error::Runtime(format!(
            "STS answered for profile '{}' with {what} that mfaenv cannot read; check AWS_ENDPOINT_URL_STS/endpoint_url if set, else try again later",
            self.profile
        ))
    }

    /// Turns an SDK error into one line naming the profile and what to do. Only the error code,
    /// STS's message and the root cause are shown: never requests, headers or keys.
    fn failure<E>(&self, err: SdkError<E, HttpResponse>, action: &str) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let p = &self.profile;
        let status = err.raw_response().map(|r| r.status().as_u16());
        let runtime = |m: String| Failure::Other(Error::Runtime(m));
        match &err {
            SdkError::TimeoutError(_) => runtime(timed_out(p)),
            SdkError::DispatchFailure(d) if d.is_timeout() => runtime(timed_out(p)),
            SdkError::DispatchFailure(_) => runtime(format!(
                "cannot reach STS for profile '{p}' ({}); check your network, proxy or AWS_ENDPOINT_URL_STS and try again",
                root_cause(&err)
            )),
            SdkError::ResponseError(_) => Failure::Other(self.unreadable("a response")),
            SdkError::ServiceError(service) => {
                let e = service.err();
                let message = printable(e.message().unwrap_or_default());
                let message = message.trim_end_matches('.');
                match (e.code(), status) {
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
                    (Some("ExpiredToken" | "InvalidClientTokenId"), _)
                        if action == "AssumeRole" =>
                    {
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
                    (Some("ValidationError"), _) => runtime(format!(
                        "STS rejected {action} for profile '{p}': {message}; check --duration and the profile's settings"
                    )),
                    (Some(c), _) => runtime(format!(
                        "STS refused {action} for profile '{p}' ({c}): {message}"
                    )),
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
}
