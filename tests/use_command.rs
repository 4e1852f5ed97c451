//! `mfaenv use` end to end against the fake STS.

mod common;

use common::fake_sts::{self, Fault, GOOD_CODE};
use common::*;

#[test]
fn success_prints_bash_exports_and_a_notice() {
    let f = Fixture::new();
    let run = f.run(&["use", "foobar", "--shell", "bash", "--token-code", GOOD_CODE]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains(&format!("export AWS_SECRET_ACCESS_KEY='{}'", fake_sts::SESSION_SECRET)));
    assert!(run.stderr.contains("profile 'foobar' (account 123456789012)"), "{run:#?}");
    let req = &f.sts.requests()[0];
    assert_eq!(req.params["Action"], "GetSessionToken");
    assert_eq!(req.params["SerialNumber"], fake_sts::SERIAL);
    assert_eq!(req.params["TokenCode"], GOOD_CODE);
    assert_eq!(req.params["DurationSeconds"], "43200");
}
