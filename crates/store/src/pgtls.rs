//! How the PostgreSQL log is reached: over TLS with the server's certificate
//! verified, unless the connection string says `sslmode=disable` or names a
//! Unix socket.
//!
//! The `postgres` crate's own default, `sslmode=prefer`, falls back to plain
//! text when the server declines TLS and verifies nothing when it accepts, so
//! a network attacker could read or rewrite the log's traffic. Here every TCP
//! connection is `require` with full verification (libpq's `verify-full`):
//! the chain must lead to a trusted root and the certificate must name the
//! host. Trusted roots are the system's, or those in the PEM file named by
//! `sslrootcert=FILE` in the connection string (or the `PGSSLROOTCERT`
//! variable, as with libpq). A Unix socket never leaves the machine and
//! PostgreSQL offers no TLS on one, so, as libpq does, it is used as it is.

use std::sync::Arc;

use postgres::config::{Host, SslMode};
use postgres::{Client, NoTls};
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::{Result, StoreError};

/// Connects as `conn` says, verifying the server's certificate over TCP.
pub fn connect(conn: &str) -> Result<Client> {
    let (rest, root_file) = take_param(conn, "sslrootcert")?;
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e| StoreError::Invalid(format!("PostgreSQL connection string: {e}")))?;
    if !uses_tls(&config) {
        return Ok(config.connect(NoTls)?);
    }
    let root_file = root_file.or_else(|| std::env::var("PGSSLROOTCERT").ok());
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(root_file.as_deref())?);
    config.ssl_mode(SslMode::Require);
    config.connect(tls).map_err(|e| {
        StoreError::Invalid(format!(
            "cannot connect to PostgreSQL over verified TLS: {e}{}",
            source_chain(&e)
        ))
    })
}

/// Whether a connection made with `config` would use TLS: any TCP host, unless disabled.
pub fn uses_tls(config: &postgres::Config) -> bool {
    config.get_ssl_mode() != SslMode::Disable
        && config.get_hosts().iter().any(|h| matches!(h, Host::Tcp(_)))
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut out = String::new();
    let mut s = e.source();
    while let Some(x) = s {
        out.push_str(": ");
        out.push_str(&x.to_string());
        s = x.source();
    }
    out
}

fn client_config(root_file: Option<&str>) -> Result<rustls::ClientConfig> {
    let mut roots = RootCertStore::empty();
    match root_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| StoreError::Invalid(format!("sslrootcert {path}: {e}")))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(StoreError::Invalid(format!(
                    "sslrootcert {path}: no usable certificate in the file"
                )));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(StoreError::Invalid(
                    "cannot connect to PostgreSQL over verified TLS: no trusted root certificates \
                     found on this system to check its certificate against; name the CA \
                     with sslrootcert=FILE, or use sslmode=disable on a trusted network"
                        .into(),
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Invalid(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Removes `name=value` from a connection string (which the `postgres` crate
/// would refuse as unknown), returning the rest and the value.
// Long on purpose: both forms of a connection string (URL and key=value, with its quoting) are read here, so the parameter is found in either.
pub fn take_param(conn: &str, name: &str) -> Result<(String, Option<String>)> {
    if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        let Some((base, query)) = conn.split_once('?') else {
            return Ok((conn.to_string(), None));
        };
        let mut value = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| match kv.split_once('=') {
                Some((k, v)) if k == name => {
                    value = Some(percent_decode(v));
                    false
                }
                _ => true,
            })
            .collect();
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((rest, value));
    }
    // key = value pairs separated by spaces; a value may be 'quoted' with \ escapes.
    let b = conn.as_bytes();
    let mut i = 0;
    let mut value = None;
    let mut rest = String::new();
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &conn[start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == b.len() || b[i] != b'=' {
            return Err(StoreError::Invalid(format!(
                "PostgreSQL connection string: `{key}` has no `=`"
            )));
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut v = String::new();
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            loop {
                match b.get(i) {
                    None => {
                        return Err(StoreError::Invalid(format!(
                            "PostgreSQL connection string: unterminated quote in `{key}`"
                        )))
                    }
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') if i + 1 < b.len() => {
                        v.push(b[i + 1] as char);
                        i += 2;
                    }
                    Some(_) => {
                        let ch = conn[i..].chars().next().unwrap_or(' ');
                        v.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
        } else {
            let vs = i;
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            v.push_str(&conn[vs..i]);
        }
        if key == name {
            value = Some(v);
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(&conn[start..i]);
        }
    }
    Ok((rest, value))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslrootcert_is_taken_out_of_either_form() {
        let (r, v) = take_param(
            "host=db.example user=bl sslrootcert='/etc/my ca.pem' dbname=log",
            "sslrootcert",
        )
        .unwrap();
        assert_eq!(r, "host=db.example user=bl dbname=log");
        assert_eq!(v.as_deref(), Some("/etc/my ca.pem"));
        let (r, v) = take_param(
            "postgres://bl@db.example/log?sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5",
            "sslrootcert",
        )
        .unwrap();
        assert_eq!(r, "postgres://bl@db.example/log?connect_timeout=5");
        assert_eq!(v.as_deref(), Some("/etc/ca.pem"));
        let (r, v) = take_param("host=/var/run/postgresql user=root", "sslrootcert").unwrap();
        assert_eq!(r, "host=/var/run/postgresql user=root");
        assert_eq!(v, None);
        assert!(take_param("host", "sslrootcert").is_err());
    }

    #[test]
    fn tcp_uses_tls_unless_disabled_and_sockets_never_do() {
        let tls = |s: &str| uses_tls(&s.parse().unwrap());
        assert!(tls("host=db.example user=bl"));
        assert!(tls("postgres://bl@db.example/log"));
        assert!(tls("host=db.example user=bl sslmode=prefer"));
        assert!(!tls("host=db.example user=bl sslmode=disable"));
        assert!(!tls("host=/var/run/postgresql user=root"));
    }
}
