//! A fake AWS STS on 127.0.0.1 that speaks STS's query protocol and XML, so the real SDK in
//! mfaenv parses its answers unmodified. It checks the serial, the code and the signing key,
//! records every request, and can be told to fail in the ways real STS and networks fail.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Long-term keys the fake accepts (the ones `Fixture` writes into the credentials file).
pub const ACCESS_KEY_ID: &str = "AKIAFAKELONGTERM0001";
/// The MFA device the fake accepts.
pub const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
/// A code the fake accepts.
pub const GOOD_CODE: &str = "246810";
/// The temporary credentials the fake hands out.
pub const SESSION_KEY_ID: &str = "ASIAFAKESESSION00001";
/// Recognisable so that tests can prove it leaks nowhere.
pub const SESSION_SECRET: &str = "SeCrEtMaRkEr/sessionsecret+0123456789abcdef";
/// Recognisable so that tests can prove it leaks nowhere.
pub const SESSION_TOKEN: &str = "ToKeNmArKeR//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+fake=";

/// The role credentials the fake hands out; the key id marks which role.
pub const ROLE_KEY_PREFIX: &str = "ASIAFAKEROLE";
/// Recognisable so that tests can prove it leaks nowhere.
pub const ROLE_SECRET: &str = "RoLeSeCrEtMaRkEr/rolesecret+0123456789";
/// Recognisable so that tests can prove it leaks nowhere.
pub const ROLE_TOKEN: &str = "RoLeToKeNmArKeR//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+role=";
/// The IAM user the long-term keys belong to.
pub const USER_ARN: &str = "arn:aws:iam::123456789012:user/alice";

/// A broken shape of an otherwise successful answer (GetSessionToken or AssumeRole).
#[derive(Clone, Debug)]
pub enum Shape {
    /// This element (`Credentials`, `AccessKeyId`, `SecretAccessKey`, `SessionToken`,
    /// `Expiration`) left out.
    Without(&'static str),
    /// This element present but empty.
    Empty(&'static str),
    /// `Expiration` holding this text.
    Expiration(&'static str),
    /// `Expiration` this many seconds from now (negative: already past).
    ExpiresIn(i64),
}

/// A way to answer one request instead of the normal checks.
#[derive(Clone, Debug)]
pub enum Fault {
    /// The normal answer, broken in this way.
    Answer(Shape),
    /// 200 with a body that never ends (chunked), pausing this long between chunks.
    Endless(Option<Duration>),
    /// 200 declaring a body of 10 GB and sending it as fast as it can.
    Huge,
    /// 403 AccessDenied with this message.
    AccessDenied(&'static str),
    /// 400 or 403 with this error code and message.
    Error(u16, &'static str, &'static str),
    /// This HTTP status with an STS error body (`InternalFailure`/`ServiceUnavailable`).
    Status(u16),
    /// 200 with a body that is not XML.
    Garbage,
    /// Wait this long before answering normally.
    Delay(Duration),
    /// Read the request, then close the connection without a word.
    Hangup,
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The form parameters (`Action`, `SerialNumber`, `TokenCode`, …).
    pub params: HashMap<String, String>,
    /// The access key id in the SigV4 `Authorization` header.
    pub access_key_id: String,
    /// Whether `X-Amz-Security-Token` was sent (signed with session credentials).
    pub session_signed: bool,
    /// The whole request as text, headers and body.
    pub raw: String,
}

#[derive(Default)]
struct State {
    faults: VecDeque<Fault>,
    always: Option<Fault>,
    requests: Vec<Request>,
    good_codes: Vec<String>,
    handout: Option<(String, String, String)>,
    max_session: HashMap<String, u64>,
    assumed_arn: Option<String>,
    /// The IAM user's access keys beside [`ACCESS_KEY_ID`] (made by CreateAccessKey).
    new_keys: Vec<String>,
    /// Whether [`ACCESS_KEY_ID`] was deleted through IAM.
    old_deleted: bool,
    /// Whether DeleteAccessKey is refused (AccessDenied).
    refuse_delete: bool,
    /// How many more GetCallerIdentity calls signed with a new key are answered
    /// InvalidClientTokenId, as IAM's eventual consistency does in the first seconds.
    unready: usize,
    /// How many keys CreateAccessKey made so far.
    created: usize,
    /// What every IAM call is answered with instead, when set: status and body.
    iam_answer: Option<(u16, String)>,
}

/// What the normal checks need to know, copied out of the shared state for one request.
struct Rules {
    good_codes: Vec<String>,
    handout: Option<(String, String, String)>,
    max_session: HashMap<String, u64>,
    assumed_arn: Option<String>,
    live_keys: Vec<String>,
}

/// A running fake STS; it stops when the test process ends.
#[derive(Clone)]
pub struct FakeSts {
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_STS`.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeSts {
    /// Starts a fake that accepts [`GOOD_CODE`] for [`SERIAL`] signed by [`ACCESS_KEY_ID`].
    pub fn start() -> FakeSts {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            good_codes: vec![GOOD_CODE.to_owned()],
            ..State::default()
        }));
        let shared = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                thread::spawn(move || serve(stream, &state));
            }
        });
        FakeSts { url, state }
    }

    /// Answers the next requests with these faults, one each, before behaving normally.
    pub fn then(&self, faults: impl IntoIterator<Item = Fault>) -> &Self {
        self.state.lock().unwrap().faults.extend(faults);
        self
    }

    /// Answers every request with this fault.
    pub fn always(&self, fault: Fault) -> &Self {
        self.state.lock().unwrap().always = Some(fault);
        self
    }

    /// Hands out these credentials (key id, secret, token) instead of the usual ones: for
    /// proving that hostile values are quoted safely.
    pub fn hand_out(&self, key_id: &str, secret: &str, token: &str) -> &Self {
        self.state.lock().unwrap().handout =
            Some((key_id.to_owned(), secret.to_owned(), token.to_owned()));
        self
    }

    /// Gives a role a MaxSessionDuration (every role has 3600 s, AWS's default, unless set).
    pub fn max_session(&self, role_arn: &str, seconds: u64) -> &Self {
        self.state
            .lock()
            .unwrap()
            .max_session
            .insert(role_arn.to_owned(), seconds);
        self
    }

    /// Answers AssumeRole with this `AssumedRoleUser` ARN: for proving that server text is
    /// made inert.
    pub fn assumed_arn(&self, arn: &str) -> &Self {
        self.state.lock().unwrap().assumed_arn = Some(arn.to_owned());
        self
    }

    /// Refuses IAM DeleteAccessKey from now on, as a policy without iam:DeleteAccessKey would.
    pub fn refuse_delete(&self) -> &Self {
        self.state.lock().unwrap().refuse_delete = true;
        self
    }

    /// Answers the next `calls` GetCallerIdentity calls signed with a key IAM created here
    /// InvalidClientTokenId (`usize::MAX`: never accepts a new key), as real IAM does while a
    /// new key has not yet reached STS.
    pub fn new_keys_unready(&self, calls: usize) -> &Self {
        self.state.lock().unwrap().unready = calls;
        self
    }

    /// How many GetCallerIdentity calls were signed with a key IAM created here: rotate's
    /// probes of the new key.
    pub fn new_key_probes(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.params.get("Action").map(String::as_str) == Some("GetCallerIdentity")
                    && r.access_key_id.starts_with(NEW_KEY_PREFIX)
            })
            .count()
    }

    /// Answers every IAM call with this status and body, as a proxy or a wrong endpoint would.
    pub fn iam_answer(&self, status: u16, body: &str) -> &Self {
        self.state.lock().unwrap().iam_answer = Some((status, body.to_owned()));
        self
    }

    /// Deletes an IAM key as the user would by hand (`aws iam delete-access-key`).
    pub fn delete_key(&self, id: &str) {
        let mut s = self.state.lock().unwrap();
        if id == ACCESS_KEY_ID {
            s.old_deleted = true;
        }
        s.new_keys.retain(|k| k != id);
    }

    /// The IAM user's live access keys, oldest first.
    pub fn iam_keys(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        live_keys(&s)
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// How many requests of this action were seen.
    pub fn count(&self, action: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.params.get("Action").map(String::as_str) == Some(action))
            .count()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let access_key_id = header("authorization")
        .and_then(|a| {
            let cred = a.split("Credential=").nth(1)?;
            Some(cred.split('/').next()?.to_owned())
        })
        .unwrap_or_default();
    let request = Request {
        params: parse_form(&body),
        access_key_id,
        session_signed: header("x-amz-security-token").is_some(),
        raw: format!("{head}{body}"),
    };
    let action = request.params.get("Action").cloned().unwrap_or_default();
    let is_iam = matches!(
        action.as_str(),
        "ListAccessKeys" | "CreateAccessKey" | "DeleteAccessKey"
    );
    let (fault, rules) = {
        let mut s = state.lock().unwrap();
        s.requests.push(request.clone());
        // IAM calls take no queued fault: the queue is for STS's answers.
        let mut fault = if is_iam {
            None
        } else {
            s.faults.pop_front().or_else(|| s.always.clone())
        };
        if action == "GetCallerIdentity"
            && s.unready > 0
            && s.new_keys.contains(&request.access_key_id)
        {
            s.unready -= 1;
            fault = Some(Fault::Error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ));
        }
        let rules = Rules {
            good_codes: s.good_codes.clone(),
            handout: s.handout.clone(),
            max_session: s.max_session.clone(),
            assumed_arn: s.assumed_arn.clone(),
            live_keys: live_keys(&s),
        };
        (fault, rules)
    };
    let iam = is_iam.then(|| iam(&request, &mut state.lock().unwrap()));
    let mut stream = stream;
    let (status, body) = match fault {
        Some(Fault::Delay(d)) => {
            thread::sleep(d);
            answer(&request, &rules)
        }
        Some(Fault::Answer(shape)) => match answer(&request, &rules) {
            (200, body) => (200, broken(&body, &shape)),
            other => other,
        },
        Some(Fault::Endless(pause)) => {
            endless(&mut stream, pause);
            return;
        }
        Some(Fault::Huge) => {
            huge(&mut stream);
            return;
        }
        Some(Fault::Hangup) => return,
        Some(Fault::Garbage) => (200, "this is not xml <<<".to_owned()),
        Some(Fault::AccessDenied(m)) => (403, error_xml("AccessDenied", m)),
        Some(Fault::Error(status, code, m)) => (status, error_xml(code, m)),
        Some(Fault::Status(status)) => {
            let code = if status == 503 {
                "ServiceUnavailable"
            } else {
                "InternalFailure"
            };
            (
                status,
                error_xml(code, "We encountered an internal error. Please try again."),
            )
        }
        None => iam.unwrap_or_else(|| answer(&request, &rules)),
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nx-amzn-RequestId: 4c7c3f1e-0000-4000-8000-000000000000\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

/// The start of a plausible answer, then filler without end, until the client hangs up.
fn endless(stream: &mut TcpStream, pause: Option<Duration>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let start = "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">";
    let filler = match pause {
        // A slow drip: a few bytes at a time, each chunk well within any read time-out.
        Some(_) => "<!-- -->".to_owned(),
        None => " ".repeat(64 * 1024),
    };
    let mut chunk = start.to_owned();
    loop {
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if stream.write_all(framed.as_bytes()).is_err() {
            return;
        }
        if let Some(p) = pause {
            thread::sleep(p);
        }
        chunk.clone_from(&filler);
    }
}

/// Declares 10 GB and sends filler as fast as the client reads it.
fn huge(stream: &mut TcpStream) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 10000000000\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let filler = vec![b' '; 64 * 1024];
    while stream.write_all(&filler).is_ok() {}
}

/// A success answer broken as `shape` says.
fn broken(body: &str, shape: &Shape) -> String {
    let element = |tag: &str| {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = body.find(&open).expect("element in the answer");
        let end = body.find(&close).expect("element in the answer") + close.len();
        (start, end, open, close)
    };
    let replace = |tag: &str, text: &str| {
        let (start, end, open, close) = element(tag);
        format!("{}{open}{text}{close}{}", &body[..start], &body[end..])
    };
    match shape {
        Shape::Without(tag) => {
            let (start, end, _, _) = element(tag);
            format!("{}{}", &body[..start], &body[end..])
        }
        Shape::Empty(tag) => replace(tag, ""),
        Shape::Expiration(text) => replace("Expiration", text),
        Shape::ExpiresIn(secs) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            replace("Expiration", &rfc3339((now + secs) as u64))
        }
    }
}

/// What real STS would say to a well-formed request.
fn answer(r: &Request, rules: &Rules) -> (u16, String) {
    let (good_codes, handout) = (&rules.good_codes, rules.handout.as_ref());
    let p = |k: &str| r.params.get(k).map(String::as_str).unwrap_or("");
    if !rules.live_keys.contains(&r.access_key_id) && !r.access_key_id.starts_with("ASIA") {
        return (
            403,
            error_xml(
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
        );
    }
    match p("Action") {
        "GetSessionToken" => {
            if r.session_signed {
                return (
                    403,
                    error_xml(
                        "AccessDenied",
                        "Cannot call GetSessionToken with session credentials",
                    ),
                );
            }
            if p("SerialNumber") != SERIAL || !good_codes.iter().any(|c| c == p("TokenCode")) {
                return (
                    403,
                    error_xml(
                        "AccessDenied",
                        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                    ),
                );
            }
            let duration: u64 = p("DurationSeconds").parse().unwrap_or(43200);
            if !(900..=129600).contains(&duration) {
                return (
                    400,
                    error_xml(
                        "ValidationError",
                        "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint",
                    ),
                );
            }
            (200, success_xml("GetSessionToken", duration, "", handout))
        }
        "GetCallerIdentity" => (
            200,
            format!(
                r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>{USER_ARN}</Arn>
    <UserId>AIDAFAKEUSER00000001</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#
            ),
        ),
        "AssumeRole" => assume_role(r, rules),
        other => (
            400,
            error_xml(
                "InvalidAction",
                &format!("Could not find operation {other} for version 2011-06-15"),
            ),
        ),
    }
}

/// The secret of every key the fake's IAM creates: recognisable, so tests can prove it leaks
/// nowhere.
pub const NEW_SECRET: &str = "NeWsEcReTmArKeR0123456789/rotatedsecretkey";
/// The start of the id of every key the fake's IAM creates (`AKIAFAKEROTATED00001`, …).
pub const NEW_KEY_PREFIX: &str = "AKIAFAKEROTATED";

fn live_keys(s: &State) -> Vec<String> {
    let old = (!s.old_deleted).then(|| ACCESS_KEY_ID.to_owned());
    old.into_iter().chain(s.new_keys.iter().cloned()).collect()
}

/// IAM's ListAccessKeys, CreateAccessKey and DeleteAccessKey for the one user, `alice`, signed
/// with a session as IAM demands of a user whose policy requires MFA; two keys at most.
fn iam(r: &Request, s: &mut State) -> (u16, String) {
    let p = |k: &str| r.params.get(k).map(String::as_str).unwrap_or("");
    let wrap = |action: &str, result: &str| {
        format!(
            r#"<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></{action}Response>"#
        )
    };
    let iam_error = |status: u16, code: &str, message: &str| {
        (
            status,
            format!(
                r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>"#
            ),
        )
    };
    if let Some(answer) = s.iam_answer.clone() {
        return answer;
    }
    if !r.session_signed || r.access_key_id != SESSION_KEY_ID {
        return iam_error(403, "AccessDenied", "MFA required");
    }
    if p("UserName") != "alice" {
        return iam_error(404, "NoSuchEntity", "The user cannot be found.");
    }
    let live = live_keys(s);
    match p("Action") {
        "ListAccessKeys" => {
            let members: String = live
                .iter()
                .map(|k| format!("<member><UserName>alice</UserName><AccessKeyId>{k}</AccessKeyId><Status>Active</Status><CreateDate>2026-01-01T00:00:00Z</CreateDate></member>"))
                .collect();
            (
                200,
                wrap(
                    "ListAccessKeys",
                    &format!(
                        "<UserName>alice</UserName><AccessKeyMetadata>{members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>"
                    ),
                ),
            )
        }
        "CreateAccessKey" if live.len() >= 2 => iam_error(
            409,
            "LimitExceeded",
            "Cannot exceed quota for AccessKeysPerUser: 2",
        ),
        "CreateAccessKey" => {
            // Numbered by creation, so a deleted key's id is never handed out again.
            s.created += 1;
            let id = format!("{NEW_KEY_PREFIX}{:05}", s.created);
            s.new_keys.push(id.clone());
            (
                200,
                wrap(
                    "CreateAccessKey",
                    &format!(
                        "<AccessKey><UserName>alice</UserName><AccessKeyId>{id}</AccessKeyId><Status>Active</Status><SecretAccessKey>{NEW_SECRET}</SecretAccessKey><CreateDate>2026-01-01T00:00:00Z</CreateDate></AccessKey>"
                    ),
                ),
            )
        }
        "DeleteAccessKey" if s.refuse_delete => iam_error(
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:DeleteAccessKey",
        ),
        _ => {
            let id = p("AccessKeyId");
            if id == ACCESS_KEY_ID && !s.old_deleted {
                s.old_deleted = true;
            } else if let Some(i) = s.new_keys.iter().position(|k| k == id) {
                s.new_keys.remove(i);
            } else {
                return iam_error(404, "NoSuchEntity", "The Access Key cannot be found.");
            }
            (200, wrap("DeleteAccessKey", ""))
        }
    }
}

/// AssumeRole as STS answers it. The role's trust policy requires MFA: the caller signs with
/// the long-term keys plus `SerialNumber`/`TokenCode`, or with a session made with MFA (the
/// MFA session, or a role's). Any call signed with a session is role chaining, limited to one
/// hour as AWS limits it; and no role grants more than its MaxSessionDuration.
fn assume_role(r: &Request, rules: &Rules) -> (u16, String) {
    let p = |k: &str| r.params.get(k).map(String::as_str).unwrap_or("");
    let with_session = r.session_signed
        && (r.access_key_id == SESSION_KEY_ID || r.access_key_id.starts_with(ROLE_KEY_PREFIX));
    let long_term = !r.session_signed && r.access_key_id == ACCESS_KEY_ID;
    if long_term && !p("SerialNumber").is_empty() {
        if p("SerialNumber") != SERIAL || !rules.good_codes.iter().any(|c| c == p("TokenCode")) {
            return (
                403,
                error_xml(
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                ),
            );
        }
    } else if !with_session {
        return (
            403,
            error_xml(
                "AccessDenied",
                "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole (MFA required)",
            ),
        );
    }
    let duration: u64 = p("DurationSeconds").parse().unwrap_or(3600);
    if with_session && duration > 3600 {
        return (
            400,
            error_xml(
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ),
        );
    }
    let arn = p("RoleArn");
    let max = rules.max_session.get(arn).copied().unwrap_or(3600);
    if duration > max {
        return (
            400,
            error_xml(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
        );
    }
    let Some(account) = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split(':').next())
    else {
        return (400, error_xml("ValidationError", "RoleArn is not valid"));
    };
    let role = arn.rsplit('/').next().unwrap_or("role");
    let session_name = p("RoleSessionName");
    let key_id = format!("{ROLE_KEY_PREFIX}{:0>8}", role.len());
    let assumed = match &rules.assumed_arn {
        Some(a) => xml_escape(a),
        None => format!("arn:aws:sts::{account}:assumed-role/{role}/{session_name}"),
    };
    let user = format!(
        "\n    <AssumedRoleUser>\n      <AssumedRoleId>AROAFAKE:{session_name}</AssumedRoleId>\n      <Arn>{assumed}</Arn>\n    </AssumedRoleUser>"
    );
    let handout = (key_id, ROLE_SECRET.to_owned(), ROLE_TOKEN.to_owned());
    (
        200,
        success_xml("AssumeRole", duration, &user, Some(&handout)),
    )
}

fn success_xml(
    action: &str,
    duration: u64,
    extra: &str,
    handout: Option<&(String, String, String)>,
) -> String {
    let expires = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + duration;
    let (key_id, secret, token) = match handout {
        Some((k, s, t)) => (xml_escape(k), xml_escape(s), xml_escape(t)),
        None => (
            SESSION_KEY_ID.to_owned(),
            SESSION_SECRET.to_owned(),
            SESSION_TOKEN.to_owned(),
        ),
    };
    format!(
        r#"<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result>
    <Credentials>
      <AccessKeyId>{key_id}</AccessKeyId>
      <SecretAccessKey>{secret}</SecretAccessKey>
      <SessionToken>{token}</SessionToken>
      <Expiration>{}</Expiration>
    </Credentials>{extra}
  </{action}Result>
  <ResponseMetadata>
    <RequestId>58c5dbae-abef-11e0-8cfe-09039844ac7d</RequestId>
  </ResponseMetadata>
</{action}Response>"#,
        rfc3339(expires)
    )
}

/// Escapes text for XML character data; control characters as numeric references, as a
/// server would send them.
fn xml_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push_str(&format!("&#x{:x};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn error_xml(code: &str, message: &str) -> String {
    let kind = if code == "InternalFailure" || code == "ServiceUnavailable" {
        "Receiver"
    } else {
        "Sender"
    };
    let (code, message) = (xml_escape(code), xml_escape(message));
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>{kind}</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>5fa1e7f0-0000-4000-8000-000000000000</RequestId>
</ErrorResponse>"#
    )
}

/// Seconds since the epoch as `2026-11-23T19:27:32Z`.
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86400;
    let rem = secs % 86400;
    // Civil-from-days (Howard Hinnant), for a test fixture without extra crates.
    let z = days as i64 + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((url_decode(k), url_decode(v)))
        })
        .collect()
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
