//! Logging to standard error (standard output is for command results such as
//! `tandem deck export`): readable lines in a terminal, JSON when `log_format = "json"`.

use tracing_subscriber::EnvFilter;

/// Install the global tracing subscriber. `RUST_LOG` overrides the default filter.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("tandem=info,tower_http=info,sqlx=warn"));
    // Colours only for a person at a terminal; log files and CI get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A second init (tests) is harmless, so the error is ignored on purpose.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
