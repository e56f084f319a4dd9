//! `brightline log`: verify the decision log (its hash chain, and against
//! signed checkpoints), make keys and checkpoints, witness a running log,
//! replay a decision.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brightline::views::Logged;
use brightline_store::checkpoint::{self, StandardVerifierKey};
use brightline_store::merkle::{check_consistency, parse_b64};
use brightline_store::Checkpoint;

use crate::serve::{open_store, open_store_read_only, static_library, StoreArgs};
use crate::Failure;

#[derive(clap::Args)]
pub struct LogArgs {
    #[command(subcommand)]
    pub cmd: LogCmd,
}

#[derive(clap::Subcommand)]
pub enum LogCmd {
    /// Check every entry's hash and link, and with --public-key that the log is
    /// the one its signed checkpoints commit to; name the first problem. Opens
    /// the log read-only.
    Verify {
        /// A checkpoint kept outside the operator's reach (`log checkpoint`,
        /// `GET /v1/log/checkpoint`, a witness's state): the log's first N
        /// entries must still hash to its root. Needs --public-key.
        #[arg(long, value_name = "FILE", requires = "public_key")]
        checkpoint: Option<PathBuf>,
        /// The log's public key (log.pub): also check the log's own last signed
        /// checkpoint, which every entry must be covered by.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a new Ed25519 key pair for signing checkpoints: DIR/log.key (0600) and DIR/log.pub.
    Keygen {
        /// A folder outside the data folder (whoever can read the log should not hold its key).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The log's name, the checkpoints' origin line: no spaces or `+`.
        #[arg(long, default_value = "brightline.local/decision-log")]
        origin: String,
    },
    /// Sign a checkpoint of the log as it is now and write it to FILE, after
    /// checking that the log verifies against its own last signed checkpoint.
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_name = "FILE")]
        signing_key: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Fetch a service's checkpoint, check its signature and that it extends the
    /// last one kept in --state; exit 1 with ALARM on a fork or rollback (docs/witness.md).
    Witness {
        /// The service's base URL (http://host:port).
        #[arg(long)]
        url: String,
        /// A token of the service (role `witness` reads checkpoints and nothing else).
        #[arg(long, env = "BRIGHTLINE_WITNESS_TOKEN", hide_env_values = true)]
        token: String,
        /// The witness's own folder: the public key and the last checkpoint it accepted.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The log's public key (needed on the first run; kept in --state after).
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        /// Check again every this many seconds until an alarm (default: once).
        #[arg(long, value_name = "SECONDS")]
        every: Option<u64>,
    },
    /// Destroy the key of a decision's personal facts once its retention has
    /// run: the facts can never be read again; every hash, proof and checkpoint
    /// stays valid. The erasure is itself logged (docs/privacy.md).
    Erase {
        /// The decision's log id; or --expired for every decision past retention.
        #[arg(required_unless_present = "expired")]
        id: Option<i64>,
        /// Erase every decision logged longer ago than the retention.
        #[arg(long, conflicts_with = "id")]
        expired: bool,
        /// Days a decision's facts are kept (default: five years, as for the
        /// § 9-131 reports' source records).
        #[arg(long, value_name = "DAYS", default_value_t = 1826)]
        retention_days: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Re-derive a logged decision and its trace under the recorded law version.
    Replay {
        id: i64,
        /// Replay even if the running law packs are not the ones the decision was made under.
        #[arg(long)]
        force: bool,
        /// Print the re-derived decision as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub fn run(a: LogArgs, laws: &Option<PathBuf>) -> Result<ExitCode, Failure> {
    match a.cmd {
        LogCmd::Verify {
            checkpoint,
            public_key,
            store,
        } => verify(checkpoint, public_key, store),
        LogCmd::Keygen { out, origin } => keygen(out, origin),
        LogCmd::Checkpoint {
            out,
            signing_key,
            store,
        } => checkpoint_to(out, signing_key, store),
        LogCmd::Witness {
            url,
            token,
            state,
            public_key,
            every,
        } => witness(url, token, state, public_key, every),
        LogCmd::Erase {
            id,
            expired,
            retention_days,
            store,
        } => erase(id, expired, retention_days, store),
        LogCmd::Replay {
            id,
            force,
            json,
            store,
        } => replay(id, force, json, store, laws),
    }
}

fn verify(
    checkpoint: Option<PathBuf>,
    public_key: Option<PathBuf>,
    store: StoreArgs,
) -> Result<ExitCode, Failure> {
    let key = public_key.as_deref().map(read_key).transpose()?;
    let external = match &checkpoint {
        Some(p) => {
            let note = std::fs::read_to_string(p)
                .map_err(|e| Failure::Input(format!("{}: {e}", p.display())))?;
            let key = key
                .as_ref()
                .ok_or_else(|| Failure::Input("--checkpoint needs --public-key".into()))?;
            match checkpoint::open(&note, key) {
                Ok(c) => Some(c),
                Err(e) => {
                    println!("FAILED: {}: {e}", p.display());
                    return Ok(ExitCode::from(1));
                }
            }
        }
        None => None,
    };
    let s = open_store_read_only(&store)?;
    let v = match &key {
        Some(k) => s.verify_against(k, external.as_ref()),
        None => s.verify(),
    }
    .map_err(|e| Failure::Input(e.to_string()))?;
    match &v.first_bad {
        None => {
            println!(
                "ok: {} entries, head {} {}, root {}",
                v.entries, v.head_seq, v.head_hash, v.root
            );
            if let Some(c) = &external {
                println!(
                    "consistent with the checkpoint of {} entries signed for {}",
                    c.size, c.origin
                );
            }
            if key.is_some() {
                println!("every entry is covered by the log's own signed checkpoint");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(b) => {
            println!("TAMPERED: first bad entry {}: {}", b.seq, b.problem);
            Ok(ExitCode::from(1))
        }
    }
}

fn keygen(out: PathBuf, origin: String) -> Result<ExitCode, Failure> {
    let (k, p) = checkpoint::keygen(&out, &origin).map_err(|e| Failure::Input(e.to_string()))?;
    let public = std::fs::read_to_string(&p).unwrap_or_default();
    println!(
        "wrote {} (private, mode 0600) and {}",
        k.display(),
        p.display()
    );
    println!("public key: {}", public.trim());
    eprintln!(
        "start the service with --signing-key {}; give log.pub to every witness and auditor",
        k.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn checkpoint_to(
    out: PathBuf,
    signing_key: PathBuf,
    store: StoreArgs,
) -> Result<ExitCode, Failure> {
    let key = checkpoint::read_signer(&signing_key).map_err(|e| Failure::Input(e.to_string()))?;
    let s = open_store_read_only(&store)?;
    match s
        .sign_now(&key)
        .map_err(|e| Failure::Input(e.to_string()))?
    {
        Ok(signed) => {
            std::fs::write(&out, &signed.note)
                .map_err(|e| Failure::Input(format!("{}: {e}", out.display())))?;
            println!(
                "wrote {}: {} entries, root {}",
                out.display(),
                signed.checkpoint.size,
                signed.checkpoint.root
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(v) => {
            let b = v.first_bad.unwrap_or(brightline_store::BadEntry {
                seq: 0,
                problem: "unknown".into(),
            });
            println!(
                "TAMPERED: not signed: first bad entry {}: {}",
                b.seq, b.problem
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn witness(
    url: String,
    token: String,
    state: PathBuf,
    public_key: Option<PathBuf>,
    every: Option<u64>,
) -> Result<ExitCode, Failure> {
    loop {
        match witness_once(&url, &token, &state, public_key.as_deref()) {
            Ok(msg) => println!("{msg}"),
            Err(Witnessed::Alarm(msg)) => {
                println!("ALARM: {msg}");
                return Ok(ExitCode::from(1));
            }
            Err(Witnessed::Failed(msg)) => {
                if every.is_none() {
                    return Err(Failure::Input(msg));
                }
                eprintln!("brightline witness: {msg} (will retry)");
            }
        }
        match every {
            Some(secs) => std::thread::sleep(std::time::Duration::from_secs(secs.max(1))),
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}

fn erase(
    id: Option<i64>,
    expired: bool,
    retention_days: u32,
    store: StoreArgs,
) -> Result<ExitCode, Failure> {
    use brightline_store::Erased;
    let s = open_store(&store)?;
    let ids = match id {
        Some(i) => vec![i],
        None if expired => s
            .expired(retention_days)
            .map_err(|e| Failure::Input(e.to_string()))?,
        None => Vec::new(),
    };
    let mut refused = false;
    for i in &ids {
        match s
            .erase(brightline_store::OPERATOR, *i, retention_days)
            .map_err(|e| Failure::Input(e.to_string()))?
        {
            Erased::Erased => println!("erased entry {i}: its key is destroyed"),
            Erased::AlreadyErased => println!("entry {i} was already erased"),
            Erased::NoSuchEntry => return Err(Failure::Input(format!("no log entry {i}"))),
            Erased::NotSealed => {
                println!("entry {i} holds no personal facts under a key of its own (not a decision, or logged before sealing)");
                refused = true;
            }
            Erased::TooRecent {
                logged_at,
                retention_days,
            } => {
                println!("entry {i} was logged {logged_at}, within the retention of {retention_days} days: not erased");
                refused = true;
            }
        }
    }
    if expired {
        println!("{} decisions past {retention_days} days erased", ids.len());
    }
    Ok(if refused {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn replay(
    id: i64,
    force: bool,
    json: bool,
    store: StoreArgs,
    laws: &Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let lib = static_library(laws)?;
    let s = open_store(&store)?;
    let e = s
        .get(id)
        .map_err(|e| Failure::Input(e.to_string()))?
        .ok_or_else(|| Failure::Input(format!("no log entry {id}")))?;
    let body = e.body_json();
    let logged = Logged {
        id: e.seq,
        kind: &e.kind,
        law_hash: &e.law_hash,
        body: &body,
    };
    let r = lib
        .replay(&logged, &lib.content_hash(), force)
        .map_err(|e| Failure::Input(e.to_string()))?;
    if json {
        let v = serde_json::to_value(&r).unwrap_or_default();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let d = &r.decision;
        print!("{}", d.to_text());
        print!("{}", crate::show::trace_text(d));
        println!(
            "\nlogged {} as entry {}: outcome {} under law {}{}",
            e.logged_at,
            e.seq,
            r.stored_outcome,
            e.law_hash,
            if r.law_hash_matches {
                " (the running law)"
            } else {
                " (NOT the running law: --force)"
            }
        );
        println!(
            "replayed outcome {}: {}",
            d.outcome.as_str(),
            if r.outcome_matches {
                "matches"
            } else {
                "DIFFERS from the logged outcome"
            }
        );
    }
    Ok(if r.outcome_matches {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_key(p: &Path) -> Result<StandardVerifierKey, Failure> {
    checkpoint::read_verifier(p).map_err(|e| Failure::Input(e.to_string()))
}

/// Why a witness round did not accept a checkpoint.
enum Witnessed {
    /// The log contradicts what it signed before: a fork, a rollback, a forged signature.
    Alarm(String),
    /// The witness could not do its check (network, files): no verdict.
    Failed(String),
}

fn fetch(http: &reqwest::blocking::Client, url: &str, token: &str) -> Result<String, Witnessed> {
    let r = http
        .get(url)
        .bearer_auth(token)
        .send()
        .map_err(|e| Witnessed::Failed(format!("GET {url}: {e}")))?;
    let status = r.status();
    let text = r
        .text()
        .map_err(|e| Witnessed::Failed(format!("GET {url}: {e}")))?;
    if !status.is_success() {
        return Err(Witnessed::Failed(format!(
            "GET {url}: {status}: {}",
            text.chars().take(300).collect::<String>()
        )));
    }
    Ok(text)
}

/// Replaces `path` with `text` atomically (write beside it, sync, rename).
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// One witness round: fetch, check, keep. The kept checkpoint changes only when
/// the new one is proven to extend it.
// Long on purpose: one witness round: fetch, verify the signature, prove consistency with the last checkpoint kept, then keep the new one; each step's failure is its own alarm.
fn witness_once(
    base: &str,
    token: &str,
    state: &Path,
    public_key: Option<&Path>,
) -> Result<String, Witnessed> {
    let failed = |e: String| Witnessed::Failed(e);
    brightline_store::create_private_dir(state)
        .map_err(|e| failed(format!("{}: {e}", state.display())))?;
    let kept_key = state.join("log.pub");
    let key_text = match public_key {
        Some(p) => {
            let given =
                std::fs::read_to_string(p).map_err(|e| failed(format!("{}: {e}", p.display())))?;
            match std::fs::read_to_string(&kept_key) {
                Ok(old) if old.trim() != given.trim() => {
                    return Err(Witnessed::Alarm(format!(
                        "the public key {} is not the one this witness was started with ({}): a log that changes its key starts a new history",
                        p.display(),
                        kept_key.display()
                    )))
                }
                Ok(_) => {}
                Err(_) => replace_file(&kept_key, &given)
                    .map_err(|e| failed(format!("{}: {e}", kept_key.display())))?,
            }
            given
        }
        None => std::fs::read_to_string(&kept_key).map_err(|_| {
            failed(format!(
                "no public key: pass --public-key on the first run (none kept in {})",
                state.display()
            ))
        })?,
    };
    let key = checkpoint::parse_verifier(key_text.trim()).map_err(failed)?;
    let http = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let base = base.trim_end_matches('/');
    let note = fetch(&http, &format!("{base}/v1/log/checkpoint"), token)?;
    let new = checkpoint::open(&note, &key)
        .map_err(|e| Witnessed::Alarm(format!("the served checkpoint: {e}")))?;
    let kept_path = state.join("checkpoint");
    let old: Option<Checkpoint> = match std::fs::read_to_string(&kept_path) {
        Ok(t) => Some(
            checkpoint::open(&t, &key)
                .map_err(|e| failed(format!("the kept {}: {e}", kept_path.display())))?,
        ),
        Err(_) => None,
    };
    let evidence = |why: &str| {
        // Keep what the log served, signed: it is the proof of the alarm.
        let p = state.join(format!(
            "alarm-{}.checkpoint",
            brightline_store::now().replace(':', "")
        ));
        let _ = std::fs::write(&p, &note);
        format!("{why}; the served checkpoint is kept as {}", p.display())
    };
    let msg = match &old {
        None => format!(
            "ok: first checkpoint of {}: {} entries, root {}",
            new.origin, new.size, new.root
        ),
        Some(o) if new.size < o.size => {
            return Err(Witnessed::Alarm(evidence(&format!(
                "rollback: {} now signs {} entries, but it signed {} before (root {})",
                new.origin, new.size, o.size, o.root
            ))))
        }
        Some(o) if new.size == o.size => {
            if new.root != o.root {
                return Err(Witnessed::Alarm(evidence(&format!(
                    "fork: {} signed two different trees of {} entries ({} before, {} now)",
                    new.origin, new.size, o.root, new.root
                ))));
            }
            format!("ok: {} unchanged at {} entries", new.origin, new.size)
        }
        Some(o) => {
            let body = fetch(
                &http,
                &format!("{base}/v1/log/consistency?from={}&to={}", o.size, new.size),
                token,
            )?;
            let v: serde_json::Value = serde_json::from_str(&body)
                .map_err(|e| failed(format!("the consistency proof is not JSON: {e}")))?;
            let items: Vec<String> = v["proof"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let proof = parse_b64(&items)
                .ok_or_else(|| failed("the consistency proof holds a malformed hash".into()))?;
            if !check_consistency(&proof, o.size, o.root, new.size, new.root) {
                return Err(Witnessed::Alarm(evidence(&format!(
                    "fork: the tree of {} entries {} signs now does not extend the tree of {} it signed before (no valid consistency proof)",
                    new.size, new.origin, o.size
                ))));
            }
            format!(
                "ok: {} grew from {} to {} entries, consistently",
                new.origin, o.size, new.size
            )
        }
    };
    replace_file(&kept_path, &note).map_err(|e| failed(format!("{}: {e}", kept_path.display())))?;
    Ok(msg)
}
