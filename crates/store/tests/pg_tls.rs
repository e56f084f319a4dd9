//! TLS to the real PostgreSQL server CI runs (`BRIGHTLINE_TEST_PG`, reached
//! over its Unix socket for setup): a TCP connection string without
//! `sslmode=disable` must never reach the server in plain text nor trust a
//! certificate it cannot verify; with the server's CA named it connects over TLS.

use brightline_store::{Location, Store};
use postgres::{Client, NoTls};

fn admin() -> Option<Client> {
    let Ok(conn) = std::env::var("BRIGHTLINE_TEST_PG") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but BRIGHTLINE_TEST_PG is not (see .ci/services.sh)"
        );
        eprintln!("SKIPPED: no PostgreSQL (set BRIGHTLINE_TEST_PG) — pg_tls");
        return None;
    };
    Some(Client::connect(&conn, NoTls).expect("the test PostgreSQL"))
}

fn show(c: &mut Client, what: &str) -> String {
    c.query_one(&format!("SHOW {what}"), &[]).unwrap().get(0)
}

#[test]
fn tcp_connections_verify_the_server_certificate() {
    let Some(mut a) = admin() else { return };
    let port = show(&mut a, "port");
    let ssl = show(&mut a, "ssl") == "on";
    // A role that may log in over TCP with a password (the Unix socket uses peer auth).
    let pw = format!("tls-{}", std::process::id());
    let dbname = show_db(&mut a);
    a.batch_execute(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bl_tls_test') \
         THEN CREATE ROLE bl_tls_test LOGIN; END IF; END $$; \
         ALTER ROLE bl_tls_test PASSWORD '{pw}'; GRANT ALL ON DATABASE {dbname} TO bl_tls_test"
    ))
    .unwrap();
    let tcp = format!("host=localhost hostaddr=127.0.0.1 port={port} user=bl_tls_test password={pw} dbname={dbname}");

    // By default: TLS required, the chain checked against the system's roots
    // and the name against the host. Whether or not this system trusts the
    // server's self-signed certificate, it does not name this host.
    let wrong = tcp.replace("host=localhost", "host=not-this-server.invalid");
    let err = brightline_store::pgtls::connect(&wrong)
        .err()
        .expect("a server that cannot be verified must be refused");
    let msg = err.to_string();
    assert!(msg.contains("verified TLS"), "{msg}");
    if !ssl {
        assert!(msg.contains("does not support TLS"), "{msg}");
        let err = brightline_store::pgtls::connect(&tcp)
            .err()
            .expect("no plain-text fallback");
        assert!(err.to_string().contains("does not support TLS"), "{err}");
        eprintln!("note: this PostgreSQL has ssl=off; only the refusals were tested");
        return;
    }
    assert!(msg.to_lowercase().contains("certificate"), "{msg}");
    // Roots that do not include the server's issuer: refused.
    let public = "/etc/ssl/certs/ca-certificates.crt";
    if std::path::Path::new(public).is_file() {
        let err = brightline_store::pgtls::connect(&format!("{tcp} sslrootcert={public}"))
            .err()
            .expect("a certificate from an untrusted issuer must be refused");
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    }

    // With the server's certificate named as the trusted root, over TLS.
    let cert = show(&mut a, "ssl_cert_file");
    let mut c = brightline_store::pgtls::connect(&format!("{tcp} sslrootcert={cert}"))
        .expect("TLS with the server's CA");
    let on_tls: bool = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(on_tls, "the connection is not encrypted");

    // The log itself opens over it.
    let schema = format!("bl_tls_{}", std::process::id());
    a.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema} AUTHORIZATION bl_tls_test"
    ))
    .unwrap();
    let store = Store::open(&Location::Postgres {
        conn: format!("{tcp} sslrootcert={cert}"),
        schema: Some(schema.clone()),
    })
    .expect("the log over verified TLS");
    assert_eq!(store.count().unwrap(), 0);
    store.close();
    drop(store);

    // The explicit opt-out connects in plain text.
    let mut c = brightline_store::pgtls::connect(&format!("{tcp} sslmode=disable")).unwrap();
    let on_tls: bool = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!on_tls);
    drop(c);
    a.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

fn show_db(c: &mut Client) -> String {
    c.query_one("SELECT current_database()", &[])
        .unwrap()
        .get(0)
}
