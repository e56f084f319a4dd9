//! `brightline log`: verify the decision log's hash chain; replay a decision.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::serve::{open_store, static_library, StoreArgs};
use crate::Failure;

#[derive(clap::Args)]
pub struct LogArgs {
    #[command(subcommand)]
    pub cmd: LogCmd,
}

#[derive(clap::Subcommand)]
pub enum LogCmd {
    /// Check every entry's hash and link; name the first entry that was edited, deleted, inserted or moved.
    Verify {
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
        LogCmd::Verify { store } => {
            let s = open_store(&store)?;
            let v = s.verify().map_err(|e| Failure::Input(e.to_string()))?;
            match &v.first_bad {
                None => {
                    println!(
                        "ok: {} entries, head {} {}",
                        v.entries, v.head_seq, v.head_hash
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!("TAMPERED: first bad entry {}: {}", b.seq, b.problem);
                    Ok(ExitCode::from(1))
                }
            }
        }
        LogCmd::Replay {
            id,
            force,
            json,
            store,
        } => {
            let lib = static_library(laws)?;
            let s = open_store(&store)?;
            let e = s
                .get(id)
                .map_err(|e| Failure::Input(e.to_string()))?
                .ok_or_else(|| Failure::Input(format!("no log entry {id}")))?;
            let r = brightline_server::replay(lib, &lib.content_hash(), &e, force)
                .map_err(|e| Failure::Input(e.message))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                let d: brightline_core::Decision = match lib.decide_json(&e.body_json()["request"])
                {
                    Ok(d) => d,
                    Err(err) => return Err(Failure::Input(err.to_string())),
                };
                print!("{}", d.to_text());
                print!("{}", crate::show::trace_text(&d));
                println!(
                    "\nlogged {} as entry {}: outcome {} under law {}{}",
                    e.logged_at,
                    e.seq,
                    r["stored_outcome"].as_str().unwrap_or("?"),
                    e.law_hash,
                    if r["law_hash_matches"] == true {
                        " (the running law)"
                    } else {
                        " (NOT the running law: --force)"
                    }
                );
                println!(
                    "replayed outcome {}: {}",
                    d.outcome.as_str(),
                    if r["outcome_matches"] == true {
                        "matches"
                    } else {
                        "DIFFERS from the logged outcome"
                    }
                );
            }
            Ok(if r["outcome_matches"] == true {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
