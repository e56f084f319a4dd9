//! `brightline token`: create, list and revoke API tokens.

use std::process::ExitCode;

use brightline_store::Role;

use crate::serve::{open_store, StoreArgs};
use crate::Failure;

#[derive(clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub cmd: TokenCmd,
}

#[derive(clap::Subcommand)]
pub enum TokenCmd {
    /// Create a token and print it once (only its hash is kept).
    Create {
        /// clerk (decide; own decisions), counsel (all decisions, reports), auditor (log), admin (tokens), witness (checkpoints only)
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Role::ALL.map(Role::as_str)))]
        role: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Change a token's role (the last admin token keeps its role). A running
    /// service applies it within 2 seconds.
    Role {
        id: String,
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Role::ALL.map(Role::as_str)))]
        role: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by id (tok_…). A running service stops accepting it within
    /// 2 seconds (it trusts a checked token that long); the last admin token cannot be revoked.
    Revoke {
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub fn run(a: TokenArgs) -> Result<ExitCode, Failure> {
    match a.cmd {
        TokenCmd::Create { role, name, store } => {
            let role = Role::parse(&role)
                .ok_or_else(|| Failure::Input(format!("--role: `{role}` is not a role")))?;
            let s = open_store(&store)?;
            let (info, secret) = s
                .create_token_by(brightline_store::OPERATOR, &name, role)
                .map_err(|e| Failure::Input(e.to_string()))?;
            eprintln!(
                "created {} ({}, {}); the token is shown this once:",
                info.id, info.name, info.role
            );
            println!("{secret}");
        }
        TokenCmd::List { store } => {
            let s = open_store(&store)?;
            let ts = s.list_tokens().map_err(|e| Failure::Input(e.to_string()))?;
            println!(
                "{:<18} {:<8} {:<28} {:<28} name",
                "id", "role", "created", "revoked"
            );
            for t in ts {
                println!(
                    "{:<18} {:<8} {:<28} {:<28} {}",
                    t.id,
                    t.role.as_str(),
                    t.created_at,
                    t.revoked_at.as_deref().unwrap_or("-"),
                    t.name
                );
            }
        }
        TokenCmd::Role { id, role, store } => {
            let role = Role::parse(&role)
                .ok_or_else(|| Failure::Input(format!("--role: `{role}` is not a role")))?;
            let s = open_store(&store)?;
            match s
                .set_role_by(brightline_store::OPERATOR, &id, role)
                .map_err(|e| Failure::Input(e.to_string()))?
            {
                Some(t) => println!("{} ({}) is now {}", t.id, t.name, t.role),
                None => return Err(Failure::Input(format!("no token `{id}`"))),
            }
        }
        TokenCmd::Revoke { id, store } => {
            let s = open_store(&store)?;
            match s
                .revoke_token_by(brightline_store::OPERATOR, &id)
                .map_err(|e| Failure::Input(e.to_string()))?
            {
                Some(t) => println!(
                    "revoked {} ({}) at {}",
                    t.id,
                    t.name,
                    t.revoked_at.unwrap_or_default()
                ),
                None => return Err(Failure::Input(format!("no token `{id}`"))),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
