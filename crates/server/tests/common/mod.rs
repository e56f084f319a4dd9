//! A server on a real socket for the integration tests: its own runtime on a
//! thread of its own, stopped and joined on `stop` or drop; and a server with
//! a fresh data folder and store around it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use brightline_server::limits::Limits;
use brightline_server::{AppState, Config};
use reqwest::blocking::Client;

pub struct Running {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn spawn(state: Arc<AppState>) -> Running {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            rt.block_on(brightline_server::serve_on(listener, state, async {
                let _ = rx.await;
            }))
            .unwrap();
        });
        Running {
            base: format!("http://{addr}"),
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// Shuts the server down (queued log appends are committed first) and waits for it.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

static N: AtomicU64 = AtomicU64::new(0);

/// A number no other call in this test process gets.
pub fn unique() -> u64 {
    N.fetch_add(1, Ordering::Relaxed)
}

/// A fresh folder under the temp dir, for one test alone.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bl_{tag}_{}_{}", std::process::id(), unique()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A server over a fresh data folder, with its first admin token. Its log is
/// in SQLite in that folder, or in a PostgreSQL schema of its own
/// (`database`: a connection string and the schema to create), and goes with
/// it on drop.
pub struct Server {
    pub base: String,
    pub admin: String,
    pub dir: PathBuf,
    pub state: Arc<AppState>,
    pub http: Client,
    run: Running,
    pg_schema: Option<(String, String)>,
}

impl Server {
    pub fn launch(limits: Limits, database: Option<(String, String)>) -> Server {
        let dir = temp_dir("srv");
        let cfg = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data: dir.clone(),
            database: None,
            signing_key: None,
            identifier_key: Some(dir.join("identifier.key")),
            limits: limits.clone(),
        };
        let (store, key, admin) = match &database {
            None => brightline_server::open_store(&cfg).unwrap(),
            Some((conn, schema)) => {
                let store = brightline_store::Store::open(&brightline_store::Location::Postgres {
                    conn: conn.clone(),
                    schema: Some(schema.clone()),
                })
                .unwrap();
                let (_, secret) = store
                    .create_token("first admin", brightline_store::Role::Admin)
                    .unwrap();
                (
                    Arc::new(store),
                    brightline_store::load_or_create_key(&dir).unwrap(),
                    Some(secret),
                )
            }
        };
        let lib = brightline::bundled().unwrap();
        let state = Arc::new(AppState::new(lib, store, key).unwrap().with_limits(limits));
        let run = Running::spawn(state.clone());
        Server {
            base: run.base.clone(),
            admin: admin.expect("a fresh data folder creates the first admin token"),
            dir,
            state,
            http: Client::new(),
            run,
            pg_schema: database,
        }
    }

    /// The SQLite log, read directly as an attacker with the file would.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join("log.db")).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.run.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((conn, schema)) = &self.pg_schema {
            if let Ok(mut c) = postgres::Client::connect(conn, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
            }
        }
    }
}
