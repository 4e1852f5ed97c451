//! Every way STS and the network fail, as a table: for each, one clear line on stderr that says
//! what to do, a non-zero exit, empty stdout, the cache unchanged, and no secret anywhere.

mod common;

use common::fake_sts::{Fault, GOOD_CODE};
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
    make: Make,
    /// `AWS_MAX_ATTEMPTS`, or the SDK's default (3) when `None`.
    attempts: Option<&'static str>,
    extra: &'static [&'static str],
    needle: &'static str,
    requests: Option<usize>,
}

fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

fn rows() -> Vec<Row> {
    let sts = |what, fault, needle| Row {
        what,
        make: Make::Sts(fault),
        attempts: Some("1"),
        extra: &[],
        needle,
        requests: Some(1),
    };
    vec![
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
            make: Make::Endpoint(closed_port()),
            attempts: Some("1"),
            extra: &[],
            needle: "cannot reach STS for profile 'foobar'",
            requests: None,
        },
        Row {
            what: "unresolvable host",
            make: Make::Endpoint("http://no-such-host.invalid".into()),
            attempts: Some("1"),
            extra: &[],
            needle: "cannot reach STS for profile 'foobar'",
            requests: None,
        },
        Row {
            what: "never answers",
            make: Make::Sts(Fault::Delay(Duration::from_secs(60))),
            attempts: Some("1"),
            extra: &["--timeout", "1"],
            needle: "STS did not answer in time for profile 'foobar'; check your network, or allow longer with --timeout SECONDS",
            requests: Some(1),
        },
    ]
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

fn check(row: Row) {
    let f = Fixture::new();
    // A good session in the cache first: a failure must leave it as it was.
    f.login("foobar");
    let cache = f.path(".cache/mfaenv/mfa-foobar.json");
    let before = std::fs::read(&cache).unwrap();
    let primed_requests = f.sts.requests().len();

    let mut args = vec![
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "--force",
    ];
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
    assert_no_secret(&run.stderr);
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        before,
        "{what}: the cache changed"
    );
    if let Some(n) = row.requests {
        assert_eq!(
            f.sts.requests().len() - primed_requests,
            n,
            "{what}: attempts"
        );
    }
}
