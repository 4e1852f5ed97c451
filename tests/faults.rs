//! Every way STS and the network fail, as a table: for each, one clear line on stderr that says
//! what to do, a non-zero exit, empty stdout, the cache unchanged, no control character from
//! the server on the terminal, and no secret anywhere. Answers that parse but hold no usable
//! session (missing or empty keys, a missing, unreadable, past or too near expiry, a body
//! without end) are faults too, for GetSessionToken and AssumeRole alike.

mod common;

use common::fake_sts::{ACCESS_KEY_ID, Fault, GOOD_CODE, SERIAL, Shape};
use common::*;
use std::time::{Duration, Instant};

/// How a row makes STS fail.
enum Make {
    /// The fake answers every request this way.
    Sts(Fault),
    /// STS is somewhere else: this endpoint.
    Endpoint(String),
}

struct Row {
    what: &'static str,
    /// `foobar` (GetSessionToken, with --force over a cached session), `admin` (AssumeRole with
    /// the cached MFA session) or `long` (AssumeRole with the long-term keys and the code).
    profile: &'static str,
    make: Make,
    /// `AWS_MAX_ATTEMPTS`, or the SDK's default (3) when `None`.
    attempts: Option<&'static str>,
    extra: &'static [&'static str],
    needle: &'static str,
    requests: Option<usize>,
}

/// An address where nothing listens and nothing can start to while the tests run: a TCP socket
/// bound to it but not listening, kept open for the life of the test process (a port merely
/// freed could be taken by a fake STS started by a test running beside this one).
fn closed_port() -> String {
    static PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    let port = *PORT.get_or_init(|| {
        // SAFETY: plain socket calls on a descriptor this function owns and never closes; the
        // address structures are initialised and their sizes passed.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket");
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(libc::bind(fd, (&raw const addr).cast(), len), 0, "bind");
            let mut bound: libc::sockaddr_in = std::mem::zeroed();
            let mut bound_len = len;
            assert_eq!(
                libc::getsockname(fd, (&raw mut bound).cast(), &mut bound_len),
                0,
                "getsockname"
            );
            u16::from_be(bound.sin_port)
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn rows() -> Vec<Row> {
    let sts = |what, fault, needle| Row {
        what,
        profile: "foobar",
        make: Make::Sts(fault),
        attempts: Some("1"),
        extra: &[],
        needle,
        requests: Some(1),
    };
    let mut rows = vec![
        sts(
            "wrong code",
            Fault::AccessDenied(
                "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
            ),
            "AWS rejected the MFA code for profile 'foobar' (wrong, expired or already used); try again with the next code",
        ),
        sts(
            "access denied",
            Fault::AccessDenied(
                "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:GetSessionToken",
            ),
            "AWS denied GetSessionToken for profile 'foobar'",
        ),
        sts(
            "expired token",
            Fault::Error(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            "the credentials of profile 'foobar' have expired",
        ),
        sts(
            "unknown key",
            Fault::Error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            "AWS does not know the access key of profile 'foobar'",
        ),
        sts(
            "wrong secret",
            Fault::Error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            ),
            "the secret key of profile 'foobar' does not match its access key",
        ),
        Row {
            attempts: None,
            requests: Some(3),
            ..sts(
                "throttling, retried",
                Fault::Error(400, "Throttling", "Rate exceeded"),
                "STS is throttling requests for profile 'foobar'",
            )
        },
        Row {
            attempts: None,
            requests: Some(3),
            ..sts(
                "500, retried",
                Fault::Status(500),
                "STS is unavailable (HTTP 500) for profile 'foobar'; try again in a minute",
            )
        },
        Row {
            attempts: None,
            requests: Some(3),
            ..sts(
                "503, retried",
                Fault::Status(503),
                "STS is unavailable (HTTP 503) for profile 'foobar'",
            )
        },
        sts(
            "malformed XML",
            Fault::Garbage,
            "STS answered for profile 'foobar' with a response that mfaenv cannot read",
        ),
        sts("connection closed", Fault::Hangup, "for profile 'foobar'"),
        Row {
            what: "connection refused",
            profile: "foobar",
            make: Make::Endpoint(closed_port()),
            attempts: Some("1"),
            extra: &[],
            needle: "cannot reach STS for profile 'foobar'",
            requests: None,
        },
        Row {
            what: "unresolvable host",
            profile: "foobar",
            make: Make::Endpoint("http://no-such-host.invalid".into()),
            attempts: Some("1"),
            extra: &[],
            needle: "cannot reach STS for profile 'foobar'",
            requests: None,
        },
        Row {
            what: "never answers",
            profile: "foobar",
            make: Make::Sts(Fault::Delay(Duration::from_secs(60))),
            attempts: Some("1"),
            extra: &["--timeout", "1"],
            needle: "STS did not answer in time for profile 'foobar'; check your network, or allow longer with --timeout SECONDS",
            requests: Some(1),
        },
        sts(
            "hostile error code and message",
            Fault::Error(
                403,
                "Evil\x1b[31mCode",
                "\x1b]0;pwned\x07sorry\r\nmfaenv: profile 'foobar': MFA session valid for 12h 00m",
            ),
            "STS refused GetSessionToken for profile 'foobar' (Evil\\u{1b}[31mCode)",
        ),
    ];
    // Answers that parse but give no usable session.
    let unusable = [
        (Shape::Without("Credentials"), "with no Credentials"),
        (Shape::Without("AccessKeyId"), "with no AccessKeyId"),
        (Shape::Empty("AccessKeyId"), "with no AccessKeyId"),
        (Shape::Without("SecretAccessKey"), "with no SecretAccessKey"),
        (Shape::Empty("SecretAccessKey"), "with no SecretAccessKey"),
        (Shape::Without("SessionToken"), "with no SessionToken"),
        (Shape::Empty("SessionToken"), "with no SessionToken"),
        (Shape::Without("Expiration"), "with no Expiration"),
        (
            Shape::Expiration("tomorrow"),
            "with an unreadable Expiration",
        ),
        (Shape::Empty("Expiration"), "with an unreadable Expiration"),
        (Shape::ExpiresIn(-60), "with a session that expired at"),
        (
            Shape::ExpiresIn(30),
            "within the refresh margin of 60 s (MFAENV_REFRESH_MARGIN)",
        ),
    ];
    for (profile, action) in [
        ("foobar", "GetSessionToken"),
        ("admin", "AssumeRole"),
        ("long", "AssumeRole"),
    ] {
        for (shape, needle) in unusable.clone() {
            rows.push(Row {
                what: format!("{action} ({profile}) answered {shape:?}").leak(),
                profile,
                make: Make::Sts(Fault::Answer(shape)),
                attempts: Some("1"),
                extra: &[],
                needle,
                requests: Some(1),
            });
        }
        for (what, fault, extra, needle) in [
            (
                "a body of 10 GB",
                Fault::Huge,
                &[][..],
                "STS sent an answer larger than 256 KiB",
            ),
            (
                "a body without end",
                Fault::Endless(None),
                &[],
                "STS sent an answer larger than 256 KiB",
            ),
            (
                "a slow body without end",
                Fault::Endless(Some(Duration::from_millis(20))),
                &["--timeout", "2"][..],
                "STS did not answer in time",
            ),
        ] {
            rows.push(Row {
                what: format!("{action} ({profile}) answered {what}").leak(),
                profile,
                make: Make::Sts(fault),
                attempts: Some("1"),
                extra,
                needle,
                requests: Some(1),
            });
        }
    }
    rows
}

#[test]
fn every_fault_is_one_clear_line_with_nothing_changed_or_leaked() {
    let rows = rows();
    let handles: Vec<_> = rows
        .into_iter()
        .map(|row| std::thread::spawn(move || check(row)))
        .collect();
    let mut failed = Vec::new();
    for h in handles {
        if let Err(e) = h.join() {
            failed.push(e.downcast_ref::<String>().cloned().unwrap_or_default());
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

const ROLE_ADMIN: &str = "arn:aws:iam::210987654321:role/admin";
const ROLE_LONG: &str = "arn:aws:iam::210987654321:role/long";

/// `foobar` with keys and device; `admin`, a role of an hour on it; `long`, a role of two
/// hours on it (assumed with the long-term keys).
fn fixture() -> Fixture {
    let f = Fixture::with_files(
        &format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n\
             [profile admin]\nrole_arn = {ROLE_ADMIN}\nsource_profile = foobar\n\n\
             [profile long]\nrole_arn = {ROLE_LONG}\nsource_profile = foobar\nduration_seconds = 7200\n"
        ),
        &format!(
            "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    f.sts.max_session(ROLE_LONG, 43200);
    f
}

fn check(row: Row) {
    let f = fixture();
    // A good session in the cache first: a failure must leave it as it was.
    f.login("foobar");
    let cache = f.path(".cache/mfaenv/mfa-foobar.json");
    let before = std::fs::read(&cache).unwrap();
    let primed_requests = f.sts.requests().len();

    let mut args = vec![
        "use",
        row.profile,
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ];
    if row.profile == "foobar" {
        args.push("--force");
    }
    args.extend_from_slice(row.extra);
    let mut cmd = f.cmd(&args);
    match &row.make {
        Make::Sts(fault) => {
            f.sts.always(fault.clone());
        }
        Make::Endpoint(url) => {
            cmd.env("AWS_ENDPOINT_URL_STS", url);
        }
    }
    match row.attempts {
        Some(n) => cmd.env("AWS_MAX_ATTEMPTS", n),
        None => cmd.env_remove("AWS_MAX_ATTEMPTS"),
    };
    let started = Instant::now();
    let run = Run::from(cmd.output().unwrap());
    let what = row.what;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{what}: took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, Some(1), "{what}: {run:#?}");
    assert_eq!(run.stdout, "", "{what}: stdout must be empty");
    assert!(run.stderr.contains(row.needle), "{what}: {run:#?}");
    assert_eq!(
        run.stderr.trim_end().lines().count(),
        1,
        "{what}: one line: {run:#?}"
    );
    assert!(!run.stderr.contains("panicked"), "{what}: {run:#?}");
    assert!(
        !run.stderr
            .trim_end_matches('\n')
            .chars()
            .any(char::is_control),
        "{what}: a control character reached the terminal: {run:#?}"
    );
    assert_no_secret(&run.stderr);
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        before,
        "{what}: the cache changed"
    );
    let role_file = f.path(&format!(".cache/mfaenv/role-{}.json", row.profile));
    assert!(
        !role_file.exists(),
        "{what}: an unusable session was cached"
    );
    if let Some(n) = row.requests {
        assert_eq!(
            f.sts.requests().len() - primed_requests,
            n,
            "{what}: attempts"
        );
    }
}
