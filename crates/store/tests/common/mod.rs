//! One harness, two backends: every store test runs against SQLite and PostgreSQL.
//!
//! PostgreSQL comes from `BRIGHTLINE_TEST_PG` (a libpq-style string or URL).
//! Unset outside CI: the PostgreSQL half prints a visible SKIPPED line. Unset
//! with `CI=true`: it fails, so CI cannot pass without having run it.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use brightline_store::{Location, Store};

pub enum Raw {
    Sqlite(rusqlite::Connection),
    Pg(postgres::Client),
}

impl Raw {
    /// Runs SQL written for both dialects (plain statements, no parameters).
    pub fn exec(&mut self, sql: &str) {
        match self {
            Raw::Sqlite(c) => c.execute_batch(sql).unwrap(),
            Raw::Pg(c) => c.batch_execute(sql).unwrap(),
        }
    }
    pub fn text(&mut self, sql: &str) -> Vec<String> {
        match self {
            Raw::Sqlite(c) => {
                let mut st = c.prepare(sql).unwrap();
                let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
                rows.map(|r| r.unwrap()).collect()
            }
            Raw::Pg(c) => c
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect(),
        }
    }
    pub fn is_pg(&self) -> bool {
        matches!(self, Raw::Pg(_))
    }
}

pub struct Harness {
    pub loc: Location,
    pub name: &'static str,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

static N: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        brightline_store::now()
            .replace([':', '.', '-'], "")
            .to_lowercase()
    )
}

impl Harness {
    pub fn sqlite() -> Harness {
        let dir = std::env::temp_dir().join(unique("bl_store"));
        std::fs::create_dir_all(&dir).unwrap();
        Harness {
            loc: Location::Sqlite(dir.join("log.db")),
            name: "sqlite",
            dir: Some(dir),
            pg: None,
        }
    }

    /// `None` (after printing SKIPPED) when no PostgreSQL is configured outside CI.
    pub fn postgres(test: &str) -> Option<Harness> {
        let conn = match std::env::var("BRIGHTLINE_TEST_PG") {
            Ok(c) if !c.trim().is_empty() => c,
            _ => {
                if std::env::var("CI")
                    .map(|v| v == "true" || v == "1")
                    .unwrap_or(false)
                {
                    panic!("{test}: CI is set but BRIGHTLINE_TEST_PG is not: PostgreSQL tests must run in CI (see .ci/services.sh)");
                }
                // Written to the real stderr, past the test harness's capture, so it shows.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: no PostgreSQL (set BRIGHTLINE_TEST_PG) — {test}"
                );
                return None;
            }
        };
        let schema = unique("t");
        Some(Harness {
            loc: Location::Postgres {
                conn: conn.clone(),
                schema: Some(schema.clone()),
            },
            name: "postgres",
            dir: None,
            pg: Some((conn, schema)),
        })
    }

    pub fn open(&self) -> Store {
        Store::open(&self.loc).unwrap()
    }

    /// The PostgreSQL store with its connections named `app`, so that a test can
    /// find and cut them (`pg_terminate_backend`); `None` on SQLite.
    pub fn open_named(&self, app: &str) -> Option<Store> {
        let (conn, schema) = self.pg.as_ref()?;
        let named = if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
            let sep = if conn.contains('?') { '&' } else { '?' };
            format!("{conn}{sep}application_name={app}")
        } else {
            format!("{conn} application_name={app}")
        };
        Some(
            Store::open(&Location::Postgres {
                conn: named,
                schema: Some(schema.clone()),
            })
            .unwrap(),
        )
    }

    pub fn raw(&self) -> Raw {
        match (&self.dir, &self.pg) {
            (Some(d), _) => Raw::Sqlite(rusqlite::Connection::open(d.join("log.db")).unwrap()),
            (_, Some((conn, schema))) => {
                let mut c = postgres::Client::connect(conn, postgres::NoTls).unwrap();
                c.batch_execute(&format!("SET search_path TO \"{schema}\""))
                    .unwrap();
                Raw::Pg(c)
            }
            _ => unreachable!(),
        }
    }

    pub fn db_file(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("log.db"))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
        if let Some((conn, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(conn, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
            }
        }
    }
}

/// Declares `sqlite_NAME` and `postgres_NAME` tests running `NAME(&Harness)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&$crate::common::Harness::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() {
                if let Some(h) = $crate::common::Harness::postgres(concat!("postgres::", stringify!($name))) { super::$name(&h); }
            } )*
        }
    };
}
