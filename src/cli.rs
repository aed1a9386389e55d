//! The `tandem` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Settings, TABLE};
use crate::db::CreateUser;
use crate::domain::decks::{self, DeckData, Format};
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
    /// Check, import and export card decks.
    #[command(subcommand)]
    Deck(DeckCommand),
}

#[derive(Subcommand, Debug)]
pub enum DeckCommand {
    /// Read a deck file and report what it holds, or what is wrong with it (line by line).
    /// Exits with status 1 when the file has errors.
    Check {
        file: PathBuf,
        /// toml, markdown, printed, or auto (guess from the content).
        #[arg(long, default_value = "auto")]
        format: String,
        /// Print the parsed deck as JSON: {"title","notes","themes":[{"name","keywords","cards":[{"text","prompt"}]}]}
        #[arg(long)]
        json: bool,
    },
    /// Import a deck file into a partnership (the file is checked first; nothing is saved if it has errors).
    Import {
        file: PathBuf,
        /// The partnership's web address (slug), e.g. ayr-carers.
        #[arg(long)]
        partnership: String,
        #[arg(long, default_value = "auto")]
        format: String,
    },
    /// Print a deck in TOML or Markdown (the deck's number is in its web address: /decks/NUMBER).
    Export {
        deck_id: i64,
        #[arg(long, default_value = "toml")]
        format: String,
    },
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
                    let link = db.make_reset_link(&public_url(&settings), u.id).await?;
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
        Command::Deck(cmd) => return deck_command(cmd, &settings).await,
        Command::Admin(AdminCommand::ResetLink { email }) => {
            let db = startup::open_database(&settings).await?;
            let Some(u) = db.user_by_email(&email.trim().to_lowercase()).await? else {
                eprintln!("tandem: no account has the email {email}");
                return Ok(ExitCode::from(1));
            };
            let link = db.make_reset_link(&public_url(&settings), u.id).await?;
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

fn deck_format(s: &str) -> anyhow::Result<Option<Format>> {
    if s == "auto" {
        return Ok(None);
    }
    Format::parse(s)
        .map(Some)
        .ok_or_else(|| anyhow::anyhow!("unknown format {s:?}: use auto, toml, markdown or printed"))
}

fn read_deck(
    file: &std::path::Path,
    format: &str,
) -> anyhow::Result<Result<(Format, DeckData), Vec<decks::LineError>>> {
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("could not read {}: {e}", file.display()))?;
    Ok(decks::parse_bytes(&bytes, deck_format(format)?))
}

fn print_problems(file: &std::path::Path, problems: &[decks::LineError]) {
    for p in problems {
        eprintln!("{}: {p}", file.display());
    }
}

async fn deck_command(cmd: DeckCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        DeckCommand::Check { file, format, json } => match read_deck(&file, &format)? {
            Ok((format, deck)) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&deck.to_json())?);
                } else {
                    println!(
                        "{}: {} ({}), {} cards in {} themes",
                        file.display(),
                        deck.title,
                        format.label(),
                        deck.card_count(),
                        deck.themes.len()
                    );
                    for t in &deck.themes {
                        println!(
                            "  {} — {} cards{}",
                            t.name,
                            t.cards.len(),
                            if t.keywords.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", t.keywords.join(", "))
                            }
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(problems) => {
                print_problems(&file, &problems);
                Ok(ExitCode::from(1))
            }
        },
        DeckCommand::Import {
            file,
            partnership,
            format,
        } => {
            let deck = match read_deck(&file, &format)? {
                Ok((_, deck)) => deck,
                Err(problems) => {
                    print_problems(&file, &problems);
                    return Ok(ExitCode::from(1));
                }
            };
            let db = startup::open_database(settings).await?;
            let Some(pid) = db.partnership_id_by_slug(&partnership).await? else {
                eprintln!("tandem: no partnership has the web address {partnership:?}");
                return Ok(ExitCode::from(1));
            };
            let id = db.create_deck(pid, None, &deck, now()).await?;
            println!(
                "Imported \"{}\" as deck {id}: {} cards in {} themes",
                deck.title,
                deck.card_count(),
                deck.themes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        DeckCommand::Export { deck_id, format } => {
            let db = startup::open_database(settings).await?;
            let Some(deck) = db.deck(deck_id).await? else {
                eprintln!("tandem: there is no deck {deck_id}");
                return Ok(ExitCode::from(1));
            };
            let data = crate::db::decks::deck_data(db.as_ref(), &deck).await?;
            match format.as_str() {
                "toml" => print!("{}", decks::to_toml(&data)),
                "markdown" | "md" => print!("{}", decks::to_markdown(&data)),
                other => anyhow::bail!("unknown export format {other:?}: use toml or markdown"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
