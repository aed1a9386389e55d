//! The `tandem` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Settings, TABLE};
use crate::db::CreateUser;
use crate::domain::model::NewUser;
use crate::domain::{now, validate};
use crate::{security, startup, telemetry};

/// Tandem: a shared workspace for partnerships of organisations.
///
/// Settings come from built-in defaults, then an optional TOML file (--config or
/// TANDEM_CONFIG), then TANDEM_* environment variables. `tandem config` shows the result.
#[derive(Parser, Debug)]
#[command(name = "tandem", version, after_help = settings_help())]
pub struct Cli {
    /// A TOML file of settings (keys as in `tandem config`).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do; without one, `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web app (the default). Applies migrations first; on a fresh install prints a one-time
    /// set-up link for the first administrator.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrator accounts from the server's shell.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Copy the SQLite database to FILE while Tandem keeps running.
    ///
    /// For PostgreSQL use its own tool instead, for example:
    /// pg_dump --format=custom --file=tandem.dump "$TANDEM_DATABASE_URL"
    /// (restore with pg_restore).
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: PathBuf,
    },
    /// Print the settings in effect (passwords hidden).
    Config,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a site administrator and print a one-time link for them to choose a password.
    Create {
        /// Their email address (they sign in with it).
        #[arg(long)]
        email: String,
        /// The name other people see.
        #[arg(long)]
        name: String,
    },
    /// Print a one-time link that lets someone choose a new password (valid 24 hours).
    ResetLink {
        /// The account's email address.
        email: String,
    },
}

fn settings_help() -> String {
    let mut s = String::from("Settings (environment variable, config-file key, meaning):\n");
    for (var, key, what) in TABLE {
        s.push_str(&format!("  {var:<29} {key:<21} {what}\n"));
    }
    s
}

/// Entry point for the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tandem: {e:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_format);
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tandem: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tandem: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => startup::serve(settings).await?,
        Command::Migrate => {
            startup::open_database(&settings).await?;
            println!(
                "Migrations applied to {}",
                crate::config::hide_password(&settings.effective_database_url())
            );
        }
        Command::Config => {
            for (k, v) in settings.describe() {
                println!("{k:<22} {v}");
            }
        }
        Command::Backup { file } => {
            let db = startup::open_database(&settings).await?;
            db.backup(&file).await?;
            println!("Backup written to {}", file.display());
        }
        Command::Admin(AdminCommand::Create { email, name }) => {
            let email = validate::email(&email).map_err(anyhow::Error::msg)?;
            let name = validate::display_name(&name).map_err(anyhow::Error::msg)?;
            let db = startup::open_database(&settings).await?;
            // A random password nobody knows; the person chooses theirs through the link.
            let hash = security::hash_password(&security::new_token())?;
            let new = NewUser {
                email: email.clone(),
                display_name: name,
                password_hash: hash,
                is_admin: true,
            };
            match db.create_user(&new, now()).await? {
                CreateUser::Created(u) => {
                    let link = crate::web::admin::make_reset_link(
                        db.as_ref(),
                        &public_url(&settings),
                        u.id,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!(
                        "Administrator {email} created. Send them this one-time link to choose a password:\n{link}"
                    );
                }
                CreateUser::EmailTaken => {
                    eprintln!("tandem: an account with the email {email} already exists");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Admin(AdminCommand::ResetLink { email }) => {
            let db = startup::open_database(&settings).await?;
            let Some(u) = db.user_by_email(&email.trim().to_lowercase()).await? else {
                eprintln!("tandem: no account has the email {email}");
                return Ok(ExitCode::from(1));
            };
            let link =
                crate::web::admin::make_reset_link(db.as_ref(), &public_url(&settings), u.id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "One-time password link for {} (valid 24 hours):\n{link}",
                u.email
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn public_url(settings: &Settings) -> String {
    settings.effective_public_url(settings.listen)
}
