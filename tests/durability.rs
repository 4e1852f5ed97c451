//! Nothing lost: killing mfaenv at any moment of a refresh never leaves a partial cache file,
//! and the temp files of killed writes are swept by the next write.
#![cfg(unix)]

mod common;

use common::fake_sts::GOOD_CODE;
use common::*;
use std::time::Duration;

fn check_whole(file: &std::path::Path, round: u32) {
    match std::fs::read(file) {
        Ok(bytes) => {
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("round {round}: partial cache file ({e}): {bytes:?}"));
            assert!(v.get("SessionToken").is_some(), "round {round}: {v}");
        }
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "round {round}"),
    }
}

#[test]
fn killing_use_at_any_moment_never_leaves_a_partial_cache_file() {
    let f = Fixture::new();
    let file = f.path(".cache/mfaenv/mfa-foobar.json");
    // How long one refresh takes here, to spread the kills over all of it.
    let started = std::time::Instant::now();
    f.login("foobar");
    let span = started.elapsed().as_micros().max(2000) as u64;
    const ROUNDS: u32 = 60;
    for round in 0..ROUNDS {
        let mut child = f
            .cmd(&[
                "use",
                "foobar",
                "--shell",
                "bash",
                "--token-code",
                GOOD_CODE,
                "--force",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread over 0..1.2 × the usual run time, so some kills land during the write.
        std::thread::sleep(Duration::from_micros(
            span * 12 / 10 * u64::from(round) / u64::from(ROUNDS),
        ));
        let _ = child.kill();
        let _ = child.wait();
        check_whole(&file, round);
    }
    // A last refresh that writes (--force: no cache hit), sweeping what the kills left.
    let run = f.run(&["use", "foobar", "--token-code", GOOD_CODE, "--force", "-q"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    check_whole(&file, ROUNDS);
    let leftovers: Vec<_> = std::fs::read_dir(f.path(".cache/mfaenv"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

/// Run by the test below in a child process, which it kills: saves `mfa_serial` over and over.
#[test]
#[ignore = "a child of killing_a_config_save_never_leaves_a_partial_file"]
fn config_writer_child() {
    let Ok(path) = std::env::var("MFAENV_TEST_CONFIG") else {
        return;
    };
    for i in 0u64.. {
        let serial = format!("arn:aws:iam::123456789012:mfa/user{}", i % 2);
        mfaenv::config_edit::save_property(path.as_ref(), "p", "mfa_serial", &serial).unwrap();
    }
}

#[test]
fn killing_a_config_save_never_leaves_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    // Large enough that a write takes a while: comments and many sections.
    let filler: String = (0..400)
        .map(|i| format!("# comment {i}\n[profile other{i}]\nregion = eu-west-1\n\n"))
        .collect();
    let original = format!("[profile p]\nregion = eu-west-1\n\n{filler}");
    std::fs::write(&path, &original).unwrap();
    let with = |user: u8| {
        original.replacen(
            "region = eu-west-1\n",
            &format!("region = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/user{user}\n"),
            1,
        )
    };
    let allowed = [original.clone(), with(0), with(1)];
    let me = std::env::current_exe().unwrap();
    let mut saved = 0;
    for round in 0..30u64 {
        let mut child = std::process::Command::new(&me)
            .args(["--exact", "config_writer_child", "--ignored", "--quiet"])
            .env("MFAENV_TEST_CONFIG", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(5 + round * 3));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            allowed.contains(&text),
            "round {round}: partial config file:\n{text}"
        );
        saved += usize::from(text != original);
    }
    assert!(saved > 0, "the child never saved: the test proved nothing");
    let backup = std::fs::read_to_string(dir.path().join("config.mfaenv.bak")).unwrap();
    assert!(allowed.contains(&backup), "partial backup");
}
