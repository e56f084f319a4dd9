//! A minimal connection pool for readers: connections are made on demand and
//! kept for reuse (at most `KEEP` idle ones).

use std::sync::Mutex;

use crate::{Conn, Factory, Result};

const KEEP: usize = 16;

pub struct Pool {
    idle: Mutex<Vec<Box<dyn Conn>>>,
    make: Factory,
}

pub struct Lease<'a> {
    pool: &'a Pool,
    conn: Option<Box<dyn Conn>>,
}

impl Pool {
    pub fn new(make: Factory) -> Pool {
        Pool {
            idle: Mutex::new(Vec::new()),
            make,
        }
    }

    pub fn get(&self) -> Result<Lease<'_>> {
        let c = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match c {
            Some(c) => c,
            None => (self.make)()?,
        };
        Ok(Lease {
            pool: self,
            conn: Some(conn),
        })
    }
}

impl Lease<'_> {
    pub fn conn(&mut self) -> &mut dyn Conn {
        // The connection is only taken out by `discard` or `drop`, which consume the lease.
        &mut **self
            .conn
            .as_mut()
            .expect("lease holds a connection until dropped")
    }

    pub fn discard(mut self) {
        self.conn = None;
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if let Ok(mut v) = self.pool.idle.lock() {
                if v.len() < KEEP {
                    v.push(c);
                }
            }
        }
    }
}
