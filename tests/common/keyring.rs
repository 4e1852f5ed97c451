//! A real Secret Service for the tests: gnome-keyring-daemon on a private D-Bus session bus.

use super::{Fixture, Run, have};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A gnome-keyring-daemon on its own session bus, with the keyring files in `home`.
pub struct Keyring {
    session: Child,
    pub address: String,
}

impl Keyring {
    /// Starts the daemon, unlocking (and on first use creating) the login keyring with a
    /// password when `unlock`; `None` where the tools are missing (a failure under CI).
    pub fn start(home: &Path, unlock: bool) -> Option<Keyring> {
        if !have("dbus-run-session") || !have("gnome-keyring-daemon") || !have("secret-tool") {
            return None;
        }
        let start = if unlock {
            "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
        } else {
            "gnome-keyring-daemon --start --components=secrets >/dev/null"
        };
        Some(Keyring::spawn(home, &[], start))
    }

    /// For a test run once per store: with `store` "keyring", a started (unlocked) keyring and
    /// its bus address; with any other store, no keyring and an empty address. `None` where the
    /// keyring's tools are missing (a failure under CI), so the caller skips that store.
    pub fn for_store(store: &str, home: &Path) -> Option<(Option<Keyring>, String)> {
        if store != "keyring" {
            return Some((None, String::new()));
        }
        let keyring = Keyring::start(home, true)?;
        let address = keyring.address.clone();
        Some((Some(keyring), address))
    }

    /// A session bus with no Secret Service on it (and none to activate): a headless server's
    /// systemd user bus, say. `None` where the tools are missing.
    pub fn bare_bus(home: &Path) -> Option<Keyring> {
        if !have("dbus-run-session") {
            return None;
        }
        let conf = home.join("bare-bus.conf");
        std::fs::write(
            &conf,
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        )
        .unwrap();
        let mut arg = std::ffi::OsString::from("--config-file=");
        arg.push(&conf);
        Some(Keyring::spawn(home, &[arg], "true"))
    }

    /// `dbus-run-session ARGS -- sh -c 'START; …'`, waiting for the bus address.
    fn spawn(home: &Path, args: &[std::ffi::OsString], start: &str) -> Keyring {
        let file = home.join(format!("bus-{}", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let script =
            format!("{start} && echo \"$DBUS_SESSION_BUS_ADDRESS\" > \"$1\" && exec sleep 600");
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(args)
            .args(["--", "sh", "-c", &script, "sh"])
            .arg(&file)
            .env("HOME", home)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        // Owned at once, so that a failed start still stops the bus (Drop).
        let mut keyring = Keyring {
            session: cmd.spawn().expect("dbus-run-session starts"),
            address: String::new(),
        };
        let started = Instant::now();
        loop {
            let address = std::fs::read_to_string(&file).unwrap_or_default();
            if address.ends_with('\n') {
                let _ = std::fs::remove_file(&file);
                keyring.address = address.trim().to_owned();
                return keyring;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the keyring daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the Secret Service holds for mfaenv's entry of `profile`, read with secret-tool.
    pub fn lookup(&self, profile: &str) -> String {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", "mfaenv", "username", profile])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stderr(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The profiles of every entry mfaenv has in the Secret Service, read with secret-tool.
    pub fn entries(&self) -> Vec<String> {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "service", "mfaenv"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        // secret-tool prints the attributes on stdout or stderr, by version.
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        text.lines()
            .filter_map(|l| l.strip_prefix("attribute.username = "))
            .map(str::to_owned)
            .collect()
    }

    pub fn run(&self, f: &Fixture, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut all = vec![("DBUS_SESSION_BUS_ADDRESS", self.address.as_str())];
        all.extend_from_slice(vars);
        f.run_env(args, &all)
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // The whole group: dbus-run-session, its bus, sleep and the daemon.
        #[cfg(unix)]
        unsafe {
            libc::kill(-(self.session.id() as i32), libc::SIGTERM);
        }
        let _ = self.session.wait();
    }
}
