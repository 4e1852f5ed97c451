//! moto's server (PyPI `moto[server]`, `moto_server`): a third-party STS and IAM on 127.0.0.1,
//! written by nobody here, for checking mfaenv against more than its own fake.

use super::have;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server, stopped (its whole process group) when dropped.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`/`AWS_ENDPOINT_URL_STS`.
    pub url: String,
}

impl Moto {
    /// A moto that checks no signatures; `None` where it is not installed (a failure under CI).
    pub fn start() -> Option<Moto> {
        Moto::spawn(None)
    }

    /// A moto that checks SigV4 signatures (the project's fake does not) after its first
    /// `unsigned` requests, which set it up; `None` where it is not installed.
    pub fn checking_signatures(unsigned: u32) -> Option<Moto> {
        Moto::spawn(Some(unsigned))
    }

    fn spawn(unsigned: Option<u32>) -> Option<Moto> {
        if !have("moto_server") {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(n) = unsigned {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
        }
        // Its own group, so that Drop stops the Python behind any launcher shim too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let moto = Moto {
            child: cmd.spawn().expect("start moto_server"),
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// One IAM call (its query form, e.g. `Action=ListAccessKeys&UserName=alice`) over plain
    /// HTTP, unsigned (the credential scope tells moto the service); the answer, which must be
    /// a 200.
    pub fn iam(&self, form: &str) -> String {
        let body = format!("{form}&Version=2010-05-08");
        let host = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=AKIASETUP/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answer
    }

    /// Makes IAM user `user`, allowed everything, with one access key: its id and secret
    /// (three IAM calls).
    pub fn user_with_key(&self, user: &str) -> (String, String) {
        self.iam(&format!("Action=CreateUser&UserName={user}"));
        self.iam(&format!(
            "Action=PutUserPolicy&UserName={user}&PolicyName=all&PolicyDocument=\
             %7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C\
             %22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"
        ));
        let answer = self.iam(&format!("Action=CreateAccessKey&UserName={user}"));
        let id = elements(&answer, "AccessKeyId").remove(0);
        let secret = elements(&answer, "SecretAccessKey").remove(0);
        (id, secret)
    }

    /// The ids of IAM user `user`'s access keys.
    pub fn keys(&self, user: &str) -> Vec<String> {
        elements(
            &self.iam(&format!("Action=ListAccessKeys&UserName={user}")),
            "AccessKeyId",
        )
    }
}

/// The text of every `<tag>…</tag>` in an answer, in order.
fn elements(answer: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    answer
        .split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(text, _)| text.to_owned()))
        .collect()
}

impl Drop for Moto {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: kill(2) on the group this handle started; no memory is touched.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGTERM);
        }
        #[cfg(not(unix))]
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
