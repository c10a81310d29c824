//! `wagate serve` as a real process: started with an environment of its own, its JSON log
//! captured, killed when dropped.

use std::{
    ffi::OsStr,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use serde_json::Value;

/// A running `wagate serve`.
pub struct ServerProcess {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    child: Child,
    log: Arc<Mutex<Vec<Value>>>,
    output: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts the binary with only `env` (plus `PATH`, JSON logs and a free port) and waits
    /// until it listens.
    pub fn start<K: AsRef<OsStr>, V: AsRef<OsStr>>(env: &[(K, V)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wagate"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs([("LOG_FORMAT", "json"), ("BIND_ADDR", "127.0.0.1:0")])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wagate serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let output = Arc::new(Mutex::new(String::new()));
        let (listening, address) = mpsc::channel();
        let lines = log.clone();
        let everything = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                everything.lock().expect("output lock").push_str(&(line + "\n"));
            }
        });
        let everything = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                everything.lock().expect("output lock").push_str(&format!("{line}\n"));
                let Ok(entry) = serde_json::from_str::<Value>(&line) else { continue };
                if let Some(addr) = entry["fields"]["addr"].as_str() {
                    let _ = listening.send(format!("http://{addr}"));
                }
                lines.lock().expect("log lock").push(entry);
            }
        });
        let address = address.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|error| {
            let said = || output.lock().expect("output lock").clone();
            if error == mpsc::RecvTimeoutError::Disconnected {
                // Its stdout closed: the process is ending.
                let status = child.wait().expect("wait for wagate serve");
                panic!("wagate serve exited ({status}) before listening; it said:\n{}", said());
            }
            let _ = child.kill();
            panic!("wagate serve did not log its address within 30 s; it said:\n{}", said());
        });
        Self { address, child, log, output }
    }

    /// Everything the process has written so far, stdout and stderr, line by line.
    pub fn output(&self) -> String {
        self.output.lock().expect("output lock").clone()
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would: no graceful
    /// shutdown, requests in flight cut. Returns once it is gone.
    pub fn kill_hard(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        // `Child::kill` sends SIGKILL on Unix.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The `message` of every log line so far.
    pub fn log_messages(&self) -> Vec<String> {
        let log = self.log.lock().expect("log lock");
        log.iter().filter_map(|entry| entry["fields"]["message"].as_str().map(str::to_owned)).collect()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
