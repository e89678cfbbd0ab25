//! A private PostgreSQL server for one test, for faults that must not touch the cluster the
//! other tests share (restarting it, for example).
//!
//! It runs Debian's server binaries (`/usr/lib/postgresql/<version>/bin`) on a free port of
//! 127.0.0.1 with trust authentication, its data, unix socket and log in a temporary
//! directory, small buffers and `fsync` on. `initdb` refuses to run as root, so when the test
//! runs as root the binaries run as the `postgres` system user. The server is stopped and the
//! directory deleted when the `PgServer` is dropped (unless `MOTGIFT_TEST_KEEP_PG_SERVER` is
//! set, to look at its log and data after a failure).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Where Debian installs the server binaries, one directory per major version.
const DEBIAN_BINARIES: &str = "/usr/lib/postgresql";

/// The system user that runs the binaries when the test runs as root.
const SYSTEM_USER: &str = "postgres";

/// A PostgreSQL server of this test's own.
pub struct PgServer {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`: a superuser, trust authentication.
    pub admin_url: String,
    pub port: u16,
    /// The directory of `initdb` and `pg_ctl`.
    bin: PathBuf,
    /// The temporary directory: `data/`, the unix socket and `server.log`.
    dir: PathBuf,
    /// Whether the binaries run as the `postgres` system user (the test runs as root).
    as_system_user: bool,
}

impl PgServer {
    /// Creates a cluster in a new temporary directory and starts it. Panics, saying what to
    /// install, when the server binaries are missing.
    pub async fn start() -> Self {
        let bin = server_binaries();
        let as_system_user = effective_uid() == Some(0);
        let dir = std::env::temp_dir().join(format!("motgift-pg-{}", uuid::Uuid::new_v4()));
        let dir_arg = dir.to_str().expect("a UTF-8 temp dir").to_owned();
        if as_system_user {
            // The data directory must belong to the user the server runs as.
            run_checked(
                as_system_user,
                Path::new("mkdir"),
                &["-m", "0700", &dir_arg],
                &std::env::temp_dir(),
            )
            .await;
        } else {
            std::fs::create_dir(&dir).expect("create the server's temp dir");
        }
        let mut server = Self {
            admin_url: String::new(),
            port: 0,
            bin,
            dir,
            as_system_user,
        };
        let data = server.data_arg();
        // `--no-sync` only skips initdb's own final flush of the files it wrote; the server
        // itself runs with fsync on.
        server
            .pg_tool(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    SYSTEM_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
            )
            .await;
        // A free port: the kernel picks one, the listener is closed, the server takes it. Another
        // process could grab it in between, so a failed start is retried on a new port.
        for attempt in 1..=3 {
            let port = free_port();
            server.configure(port);
            server.port = port;
            server.admin_url = format!("postgres://{SYSTEM_USER}@127.0.0.1:{port}/postgres");
            match server.pg_ctl(&["start", "-w", "-t", "60"]).await {
                Ok(()) => return server,
                Err(err) if attempt < 3 => eprintln!("retrying the private server's start: {err}"),
                Err(err) => panic!("{err}"),
            }
        }
        unreachable!()
    }

    /// Restarts the server with a fast shutdown: open sessions are terminated, transactions in
    /// flight roll back, committed ones stay. Returns once it accepts connections again.
    pub async fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast", "-w", "-t", "60"])
            .await
            .unwrap_or_else(|err| panic!("{err}"));
    }

    /// Stops the server with a fast shutdown.
    pub async fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"])
            .await
            .unwrap_or_else(|err| panic!("{err}"));
    }

    /// Starts the server again after `stop`.
    pub async fn start_again(&self) {
        self.pg_ctl(&["start", "-w", "-t", "60"])
            .await
            .unwrap_or_else(|err| panic!("{err}"));
    }

    fn data_arg(&self) -> String {
        self.dir.join("data").to_str().expect("UTF-8").to_owned()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Small settings for a short test; `fsync` stays on, it is what makes committed writes
    /// survive the restart.
    fn configure(&self, port: u16) {
        use std::io::Write;
        let settings = format!(
            "\n# motgift test server\n\
             port = {port}\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             max_connections = 60\n\
             shared_buffers = 16MB\n\
             fsync = on\n\
             synchronous_commit = on\n\
             full_page_writes = on\n\
             logging_collector = off\n",
            self.dir.display()
        );
        let path = self.dir.join("data").join("postgresql.conf");
        // Appending keeps the file's owner; a later setting wins over an earlier one.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .unwrap_or_else(|err| panic!("write {}: {err}", path.display()));
    }

    async fn pg_tool(&self, tool: &str, args: &[&str]) {
        run_checked(self.as_system_user, &self.bin.join(tool), args, &self.dir).await;
    }

    /// Runs `pg_ctl ACTION -D data -l server.log ...`; on failure the error carries the log's
    /// tail.
    async fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let data = self.data_arg();
        let log = self.log_path().to_str().expect("UTF-8").to_owned();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-D", &data, "-l", &log]);
        let output = command(
            self.as_system_user,
            &self.bin.join("pg_ctl"),
            &all,
            &self.dir,
        )
        .output()
        .await
        .map_err(|err| format!("run pg_ctl: {err}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl {} failed ({}):\n{}{}\n--- server.log ---\n{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                self.log_tail()
            ))
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if std::env::var_os("MOTGIFT_TEST_KEEP_PG_SERVER").is_some() {
            eprintln!(
                "MOTGIFT_TEST_KEEP_PG_SERVER: the private server keeps running in {}",
                self.dir.display()
            );
            return;
        }
        // Immediate: the data is thrown away anyway.
        let data = self.data_arg();
        let pg_ctl = self.bin.join("pg_ctl");
        let args = ["stop", "-m", "immediate", "-w", "-t", "30", "-D", &data];
        let mut stop = if self.as_system_user {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", SYSTEM_USER, "--"]).arg(&pg_ctl);
            c
        } else {
            std::process::Command::new(&pg_ctl)
        };
        let _ = stop
            .args(args)
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` and `pg_ctl`.
fn server_binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_BINARIES)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry
                .file_name()
                .to_str()?
                .split('.')
                .next()?
                .parse()
                .ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "This test starts a private PostgreSQL server and needs the server binaries \
             `initdb` and `pg_ctl` in {DEBIAN_BINARIES}/<version>/bin, which are missing.\n\
             Install Debian's PostgreSQL server package:\n\
             \x20   apt-get install postgresql\n\
             (or a versioned one such as `postgresql-15`)."
        ),
    }
}

/// The effective user id, from `/proc/self/status` (`Uid: real effective saved fs`).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `program args`, as the `postgres` system user when `as_system_user`.
fn command(
    as_system_user: bool,
    program: &Path,
    args: &[&str],
    cwd: &Path,
) -> tokio::process::Command {
    let mut command = if as_system_user {
        let mut c = tokio::process::Command::new("runuser");
        c.args(["-u", SYSTEM_USER, "--"]).arg(program);
        c
    } else {
        tokio::process::Command::new(program)
    };
    // The user the binaries run as may not be able to enter the test's working directory.
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn run_checked(as_system_user: bool, program: &Path, args: &[&str], cwd: &Path) {
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        command(as_system_user, program, args, cwd).output(),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{} {} took over two minutes",
            program.display(),
            args.join(" ")
        )
    })
    .unwrap_or_else(|err| panic!("run {}: {err}", program.display()));
    assert!(
        output.status.success(),
        "{} {} failed ({}):\n{}{}",
        program.display(),
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
