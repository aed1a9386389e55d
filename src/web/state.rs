//! What every handler can reach: the store, the settings, the public address and the
//! caches.

use std::sync::Arc;

use crate::db::Store;

use crate::config::Settings;

use crate::web::directory;
use crate::web::instruments;
use crate::web::pages;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Store>,
    pub settings: Arc<Settings>,
    /// Base of links we hand out, without a trailing slash.
    pub public_url: Arc<str>,
    /// Organisations and members per partnership, checked against its version.
    pub directory: Arc<directory::DirectoryCache>,
    /// Instrument versions, parsed once.
    pub instruments: Arc<instruments::InstrumentCache>,
    /// Pages just rendered, checked against the data generation.
    pub pages: Arc<pages::PageCache>,
    /// Live sessions followed by this node's open pages.
    pub live: Arc<crate::web::live::events::LiveHub>,
}

impl AppState {
    /// State for a database and settings, with empty caches.
    pub fn new(db: Arc<Store>, settings: Settings, public_url: &str) -> Self {
        let pages = Arc::new(pages::PageCache::new(settings.page_cache_mb));
        AppState {
            pages,
            db,
            settings: Arc::new(settings),
            public_url: public_url.into(),
            directory: Default::default(),
            instruments: Default::default(),
            live: Default::default(),
        }
    }
}

impl AppState {
    /// Cookies get `Secure` when people reach us over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
