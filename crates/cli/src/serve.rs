//! `brightline serve`: the decision service (see docs/api.md).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use brightline::Library;

use crate::Failure;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the SQLite decision log and the identifier key.
    #[arg(long, value_name = "DIR", default_value = "brightline-data")]
    pub data: PathBuf,
    /// Keep the log in PostgreSQL instead (`postgres://…` or `host=… user=…`), shared by several instances.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The log's private key (`brightline log keygen`; keep it outside the data
    /// folder): sign a checkpoint after every commit (docs/witness.md).
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// The key that turns booking numbers and names into keyed hashes, created
    /// if missing (mode 0600). Default: beside the data folder, as
    /// `<data>.identifier.key` (docs/privacy.md).
    #[arg(long, value_name = "FILE")]
    pub identifier_key: Option<PathBuf>,
    /// Seconds a client has to send a request's headers (also the keep-alive idle limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a connection may move no byte either way before it is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub idle_timeout: u64,
    /// Open connections at most; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Log appends that may wait for the writer; beyond this, 503 at once.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub writer_queue: usize,
    /// Requests per second each token may make, sustained (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub rate_limit: u32,
    /// Requests each token may make in a burst above --rate-limit.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub rate_burst: u32,
    /// Actions one decision may have recorded against it.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_actions: usize,
}

/// The library the server decides with, for the life of the process.
pub fn static_library(laws: &Option<PathBuf>) -> Result<&'static Library, Failure> {
    match laws {
        None => brightline::bundled().map_err(|d| Failure::Laws(d.to_vec())),
        Some(dir) => {
            let sources = crate::read_packs(dir).map_err(Failure::Input)?;
            let lib = brightline::load(&sources).map_err(Failure::Laws)?;
            // Loaded once and used until exit: leaking it gives handlers a plain reference.
            Ok(Box::leak(Box::new(lib)))
        }
    }
}

pub fn run(args: ServeArgs, laws: &Option<PathBuf>) -> Result<ExitCode, Failure> {
    let lib = static_library(laws)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("cannot start the runtime: {e}")))?;
    let cfg = brightline_server::Config {
        listen: args.listen,
        data: args.data,
        database: args.database,
        signing_key: args.signing_key,
        identifier_key: args.identifier_key,
        limits: brightline_server::limits::Limits {
            header_read: Duration::from_secs(args.header_timeout.max(1)),
            idle: Duration::from_secs(args.idle_timeout.max(1)),
            max_connections: args.max_connections.max(1),
            request_deadline: Duration::from_secs(args.request_timeout.max(1)),
            writer_queue: args.writer_queue,
            rate_per_second: args.rate_limit,
            rate_burst: args.rate_burst,
            max_actions: args.max_actions.max(1),
        },
    };
    match rt.block_on(brightline_server::serve(cfg, lib)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Where the log is, for the `token` and `log` commands.
#[derive(clap::Args, Clone)]
pub struct StoreArgs {
    /// The data folder `brightline serve` uses.
    #[arg(long, value_name = "DIR", default_value = "brightline-data")]
    pub data: PathBuf,
    /// The PostgreSQL log `brightline serve --database` uses.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

pub fn open_store(a: &StoreArgs) -> Result<brightline_store::Store, Failure> {
    let loc = existing_log(a)?;
    brightline_store::Store::open(&loc)
        .map_err(|e| Failure::Input(format!("cannot open the decision log: {e}")))
}

/// Opens the log for reading only: nothing, not even its schema, is written.
pub fn open_store_read_only(a: &StoreArgs) -> Result<brightline_store::Store, Failure> {
    let loc = existing_log(a)?;
    brightline_store::Store::open_read_only(&loc)
        .map_err(|e| Failure::Input(format!("cannot open the decision log: {e}")))
}

fn existing_log(a: &StoreArgs) -> Result<brightline_store::Location, Failure> {
    if a.database.is_none() && !a.data.join("log.db").is_file() {
        return Err(Failure::Input(format!("no decision log in {} (start `brightline serve --data {}` first, or pass --data/--database)", a.data.display(), a.data.display())));
    }
    Ok(brightline_server::location(
        Path::new(&a.data),
        a.database.as_deref(),
    ))
}
