//! Typed settings: built-in defaults, then an optional TOML file, then `TANDEM_*`
//! environment variables (the last one wins). Secrets are never printed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// Everything Tandem can be told at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite:…` or `postgres://…`. Empty means "the SQLite file in `data_dir`".
    pub database_url: String,
    /// Address and port to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Folder for the default SQLite file and, later, uploads.
    pub data_dir: PathBuf,
    /// The address people type to reach Tandem. Used in links; `https://` turns on
    /// `Secure` cookies. Empty means "http:// plus the listening address".
    pub public_url: String,
    /// `pretty` or `json`.
    pub log_format: String,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in, however busy.
    pub session_max_hours: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest evidence file accepted, in bytes.
    pub upload_max_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Memory for pages just rendered (see `web/pages.rs`), in megabytes; 0 turns
    /// the page cache off.
    pub page_cache_mb: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: String::new(),
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            data_dir: PathBuf::from("data"),
            public_url: String::new(),
            log_format: "pretty".into(),
            session_idle_minutes: 8 * 60,
            session_max_hours: 7 * 24,
            max_body_bytes: 3 * 1024 * 1024,
            upload_max_bytes: 10_000_000,
            trust_proxy: false,
            page_cache_mb: 16,
        }
    }
}

/// The shape of the optional config file: every key may be left out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    log_format: Option<String>,
    session_idle_minutes: Option<i64>,
    session_max_hours: Option<i64>,
    max_body_bytes: Option<usize>,
    upload_max_bytes: Option<usize>,
    trust_proxy: Option<bool>,
    page_cache_mb: Option<usize>,
}

/// One row of the configuration table: (environment variable, file key, meaning).
pub const TABLE: &[(&str, &str, &str)] = &[
    ("TANDEM_CONFIG", "-", "Path of an optional TOML config file"),
    (
        "TANDEM_DATABASE_URL",
        "database_url",
        "sqlite:PATH or postgres://…",
    ),
    ("TANDEM_LISTEN", "listen", "address:port to listen on"),
    (
        "TANDEM_DATA_DIR",
        "data_dir",
        "folder for the SQLite file and, on SQLite, evidence files (in evidence/)",
    ),
    (
        "TANDEM_PUBLIC_URL",
        "public_url",
        "address people use; https turns on Secure cookies",
    ),
    ("TANDEM_LOG_FORMAT", "log_format", "pretty or json"),
    (
        "TANDEM_SESSION_IDLE_MINUTES",
        "session_idle_minutes",
        "idle session expiry",
    ),
    (
        "TANDEM_SESSION_MAX_HOURS",
        "session_max_hours",
        "absolute session expiry",
    ),
    (
        "TANDEM_MAX_BODY_BYTES",
        "max_body_bytes",
        "largest request body",
    ),
    (
        "TANDEM_UPLOAD_MAX_BYTES",
        "upload_max_bytes",
        "largest evidence file (10 MB)",
    ),
    (
        "TANDEM_TRUST_PROXY",
        "trust_proxy",
        "trust X-Forwarded-For (true/false)",
    ),
    (
        "TANDEM_PAGE_CACHE_MB",
        "page_cache_mb",
        "memory for pages just rendered; 0 turns it off",
    ),
];

impl Settings {
    /// Load settings from the file (if given or named by `TANDEM_CONFIG`) and the environment.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Settings> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let file_path = config_file
            .map(Path::to_path_buf)
            .or_else(|| env("TANDEM_CONFIG").map(PathBuf::from));
        let mut s = Settings::default();
        if let Some(path) = file_path {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("could not read config file {}", path.display()))?;
            let f: FileSettings = toml::from_str(&text)
                .with_context(|| format!("config file {} is not valid", path.display()))?;
            s.apply(
                |key| match key {
                    "database_url" => f.database_url.clone(),
                    "listen" => f.listen.clone(),
                    "data_dir" => f.data_dir.as_ref().map(|p| p.display().to_string()),
                    "public_url" => f.public_url.clone(),
                    "log_format" => f.log_format.clone(),
                    "session_idle_minutes" => f.session_idle_minutes.map(|v| v.to_string()),
                    "session_max_hours" => f.session_max_hours.map(|v| v.to_string()),
                    "max_body_bytes" => f.max_body_bytes.map(|v| v.to_string()),
                    "upload_max_bytes" => f.upload_max_bytes.map(|v| v.to_string()),
                    "trust_proxy" => f.trust_proxy.map(|v| v.to_string()),
                    "page_cache_mb" => f.page_cache_mb.map(|v| v.to_string()),
                    _ => None,
                },
                "config file",
            )?;
        }
        s.apply(
            |key| {
                TABLE
                    .iter()
                    .find(|(_, k, _)| *k == key)
                    .and_then(|(var, _, _)| env(var))
            },
            "environment",
        )?;
        s.validate()?;
        Ok(s)
    }

    fn apply(&mut self, get: impl Fn(&str) -> Option<String>, source: &str) -> anyhow::Result<()> {
        fn num<T: std::str::FromStr>(v: &str, key: &str, source: &str) -> anyhow::Result<T> {
            v.trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{key} in the {source} must be a number, not {v:?}"))
        }
        if let Some(v) = get("database_url") {
            self.database_url = v;
        }
        if let Some(v) = get("listen") {
            self.listen = v.trim().parse().map_err(|_| {
                anyhow::anyhow!("listen in the {source} must look like 127.0.0.1:8080, not {v:?}")
            })?;
        }
        if let Some(v) = get("data_dir") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("public_url") {
            self.public_url = v.trim().trim_end_matches('/').to_string();
        }
        if let Some(v) = get("log_format") {
            self.log_format = v;
        }
        if let Some(v) = get("session_idle_minutes") {
            self.session_idle_minutes = num(&v, "session_idle_minutes", source)?;
        }
        if let Some(v) = get("session_max_hours") {
            self.session_max_hours = num(&v, "session_max_hours", source)?;
        }
        if let Some(v) = get("max_body_bytes") {
            self.max_body_bytes = num(&v, "max_body_bytes", source)?;
        }
        if let Some(v) = get("upload_max_bytes") {
            self.upload_max_bytes = num(&v, "upload_max_bytes", source)?;
        }
        if let Some(v) = get("page_cache_mb") {
            self.page_cache_mb = num(&v, "page_cache_mb", source)?;
        }
        if let Some(v) = get("trust_proxy") {
            self.trust_proxy = match v.trim() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => bail!("trust_proxy in the {source} must be true or false, not {v:?}"),
            };
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !matches!(self.log_format.as_str(), "pretty" | "json") {
            bail!(
                "log_format must be pretty or json, not {:?}",
                self.log_format
            );
        }
        if self.session_idle_minutes < 1 || self.session_max_hours < 1 {
            bail!("session lifetimes must be at least 1");
        }
        if self.page_cache_mb > 4096 {
            bail!(
                "page_cache_mb must be at most 4096 (megabytes), not {}",
                self.page_cache_mb
            );
        }
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            bail!(
                "public_url must start with http:// or https://, not {:?}",
                self.public_url
            );
        }
        Ok(())
    }

    /// The database URL to use: the configured one, or the SQLite file in the data folder.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("tandem.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The public URL, given the address actually bound (which may differ when port 0 was asked for).
    pub fn effective_public_url(&self, bound: SocketAddr) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.clone();
        }
        // Listening on every interface: links (the projector's QR code among them)
        // must name an address phones can reach, not 0.0.0.0.
        if bound.ip().is_unspecified() {
            let room = room_addresses(bound);
            if let Some(a) = room.iter().find(|a| a.is_ipv4()).or(room.first()) {
                return format!("http://{a}");
            }
        }
        format!("http://{bound}")
    }

    /// Lines for `tandem config`, with any password in the database URL hidden.
    pub fn describe(&self) -> Vec<(String, String)> {
        vec![
            (
                "database_url".into(),
                hide_password(&self.effective_database_url()),
            ),
            ("listen".into(), self.listen.to_string()),
            ("data_dir".into(), self.data_dir.display().to_string()),
            (
                "public_url".into(),
                if self.public_url.is_empty() {
                    format!("http://{} (derived from listen)", self.listen)
                } else {
                    self.public_url.clone()
                },
            ),
            ("log_format".into(), self.log_format.clone()),
            (
                "session_idle_minutes".into(),
                self.session_idle_minutes.to_string(),
            ),
            (
                "session_max_hours".into(),
                self.session_max_hours.to_string(),
            ),
            ("max_body_bytes".into(), self.max_body_bytes.to_string()),
            ("upload_max_bytes".into(), self.upload_max_bytes.to_string()),
            ("trust_proxy".into(), self.trust_proxy.to_string()),
            ("page_cache_mb".into(), self.page_cache_mb.to_string()),
        ]
    }
}

/// Replace the password part of `scheme://user:password@host` with `********`.
pub fn hide_password(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:********@{host}");
    }
    url.to_string()
}

/// When listening on every interface (`0.0.0.0` or `[::]`), this machine's addresses
/// that others on the local network can reach (not loopback, not link-local IPv6),
/// with the port: what a facilitator gives the room when there is no internet.
pub fn room_addresses(bound: std::net::SocketAddr) -> Vec<std::net::SocketAddr> {
    if !bound.ip().is_unspecified() {
        return Vec::new();
    }
    let mut out: Vec<std::net::SocketAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| !ip.is_loopback())
        .filter(|ip| match ip {
            std::net::IpAddr::V4(_) => true,
            // fe80::/10 needs a zone to be reached; nobody types that.
            std::net::IpAddr::V6(v6) => bound.is_ipv6() && (v6.segments()[0] & 0xffc0) != 0xfe80,
        })
        .map(|ip| std::net::SocketAddr::new(ip, bound.port()))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_passwords() {
        assert_eq!(
            hide_password("postgres://bob:secret@db:5432/t"),
            "postgres://bob:********@db:5432/t"
        );
        assert_eq!(hide_password("postgres://bob@db/t"), "postgres://bob@db/t");
        assert_eq!(hide_password("sqlite://data/t.db"), "sqlite://data/t.db");
    }

    #[test]
    fn default_database_is_sqlite_in_data_dir() {
        let s = Settings::default();
        assert_eq!(s.effective_database_url(), "sqlite://data/tandem.db");
    }

    #[test]
    fn bad_values_are_explained() {
        let mut s = Settings::default();
        let err = s
            .apply(
                |k| (k == "session_idle_minutes").then(|| "soon".into()),
                "environment",
            )
            .unwrap_err();
        assert!(err.to_string().contains("must be a number"), "{err}");
        let err = s
            .apply(|k| (k == "listen").then(|| "nowhere".into()), "environment")
            .unwrap_err();
        assert!(err.to_string().contains("127.0.0.1:8080"), "{err}");
    }
}
