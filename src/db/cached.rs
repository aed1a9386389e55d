//! `CachedDb`: the `Database` every part of Tandem uses. It forwards everything to the
//! engine and keeps one thing in memory: the answer to "whose session is this, and are
//! they a member here?", asked on every page.
//!
//! Correctness comes before speed:
//! - Any write through Tandem that could change such an answer (sign-out, disabling,
//!   password changes, membership or organisation changes, …) bumps a generation
//!   counter, and only entries from the current generation are used. The generation is
//!   read *before* the database is, so an entry raced by a write is born stale.
//! - On PostgreSQL, several nodes share the data: each write also sends
//!   `NOTIFY tandem_changes`, every node listens, and a node whose listener is not
//!   connected does not use the cache at all.
//! - Entries also expire after [`MAX_AGE`], as a backstop.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::*;

/// Entries older than this are fetched again whatever happened.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Entries kept at once; past this the cache starts afresh.
const MAX_ENTRIES: usize = 20_000;

/// Shared between the cache and the engine's change listener.
#[derive(Default)]
pub struct ChangeSignal {
    generation: AtomicU64,
    /// True while this node is sure to hear about every change (always on SQLite).
    live: AtomicBool,
}

impl ChangeSignal {
    /// Something changed: every cached answer is now stale.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether changes are being heard (the cache is used only then).
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
        self.bump();
    }
}

type Key = (String, Option<String>);

struct Entry {
    generation: u64,
    at: Instant,
    value: SessionLookup,
}

/// See the module documentation.
pub struct CachedDb {
    inner: Arc<dyn Database>,
    signal: Arc<ChangeSignal>,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl CachedDb {
    /// Wrap an engine and start listening for changes made by other nodes.
    pub fn new(inner: Arc<dyn Database>) -> CachedDb {
        let signal = Arc::new(ChangeSignal::default());
        inner.watch_changes(signal.clone());
        CachedDb {
            inner,
            signal,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cached(&self, key: &Key) -> Option<SessionLookup> {
        if !self.signal.live.load(Ordering::SeqCst) {
            return None;
        }
        let generation = self.signal.generation.load(Ordering::SeqCst);
        let entries = self.lock();
        let e = entries.get(key)?;
        (e.generation == generation && e.at.elapsed() < MAX_AGE).then(|| e.value.clone())
    }

    fn store(&self, key: Key, generation: u64, value: &SessionLookup) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                generation,
                at: Instant::now(),
                value: value.clone(),
            },
        );
    }

    async fn lookup(
        &self,
        token_hash: &str,
        slug: Option<&str>,
    ) -> DbResult<Option<SessionLookup>> {
        let key = (token_hash.to_string(), slug.map(str::to_string));
        if let Some(v) = self.cached(&key) {
            return Ok(Some(v));
        }
        let generation = self.signal.generation.load(Ordering::SeqCst);
        let found = match slug {
            Some(slug) => self.inner.session_user_membership(token_hash, slug).await?,
            None => self
                .inner
                .session_user(token_hash)
                .await?
                .map(|(s, u)| (s, u, None)),
        };
        if let Some(v) = &found {
            self.store(key, generation, v);
        }
        Ok(found)
    }

    /// After a write: forget every cached answer here, and tell the other nodes.
    async fn changed(&self) {
        self.signal.bump();
        if let Err(e) = self.inner.announce_change().await {
            tracing::warn!(error = %e, "could not announce a change to other nodes");
        }
    }
}

/// Emits the whole `impl Database` (so `#[async_trait]` sees every method expanded):
/// `forward` methods go straight to the engine; `write_through` methods forward, then
/// invalidate once the write has committed; `special` methods are written out.
macro_rules! cached_database {
    (
        special { $($special:item)* }
        forward { $($f:ident ( $($fa:ident : $ft:ty),* ) -> $fr:ty;)* }
        write_through { $($w:ident ( $($wa:ident : $wt:ty),* ) -> $wr:ty;)* }
    ) => {
        #[async_trait]
        impl Database for CachedDb {
            $($special)*
            $(
                async fn $f(&self, $($fa: $ft),*) -> $fr {
                    self.inner.$f($($fa),*).await
                }
            )*
            $(
                async fn $w(&self, $($wa: $wt),*) -> $wr {
                    let r = self.inner.$w($($wa),*).await;
                    self.changed().await;
                    r
                }
            )*
        }
    };
}

cached_database! {
    special {
        fn engine(&self) -> Engine {
            self.inner.engine()
        }

        fn talk(&self) -> &dyn super::talk::TalkStore {
            self.inner.talk()
        }

        fn stock(&self) -> &dyn super::stock::StockStore {
            self.inner.stock()
        }

        fn watch_changes(&self, signal: Arc<ChangeSignal>) {
            self.inner.watch_changes(signal)
        }

        async fn session_user(&self, token_hash: &str) -> DbResult<Option<(Session, User)>> {
            Ok(self.lookup(token_hash, None).await?.map(|(s, u, _)| (s, u)))
        }

        async fn session_user_membership(&self, token_hash: &str, slug: &str) -> DbResult<Option<SessionLookup>> {
            self.lookup(token_hash, Some(slug)).await
        }

        async fn touch_session(&self, token_hash: &str, now: Timestamp) -> DbResult<()> {
            self.inner.touch_session(token_hash, now).await?;
            // Keep cached copies in step, so the idle check sees the new time.
            for (key, e) in self.lock().iter_mut() {
                if key.0 == token_hash {
                    e.value.0.last_seen_at = now;
                }
            }
            Ok(())
        }
    }
    forward {
        migrate() -> anyhow::Result<()>;
        ping() -> DbResult<()>;
        backup(path: &Path) -> anyhow::Result<()>;
        announce_change() -> DbResult<()>;
        count_admins() -> DbResult<i64>;
        user_by_id(id: Id) -> DbResult<Option<User>>;
        user_by_email(email: &str) -> DbResult<Option<User>>;
        list_users() -> DbResult<Vec<User>>;
        create_session(token_hash: &str, user_id: Id, now: Timestamp) -> DbResult<()>;
        create_token(token_hash: &str, kind: TokenKind, user_id: Option<Id>, now: Timestamp, expires_at: Timestamp) -> DbResult<()>;
        find_token(token_hash: &str, kind: TokenKind, now: Timestamp) -> DbResult<Option<OneTimeToken>>;
        count_failures(key: &str, since: Timestamp) -> DbResult<i64>;
        record_failure(keys: &[String], now: Timestamp) -> DbResult<()>;
        clear_failures(key: &str) -> DbResult<()>;
        take_attempt(attempt: &str, limits: &[(String, i64)], now: Timestamp, since: Timestamp) -> DbResult<bool>;
        forget_attempt(attempt: &str) -> DbResult<()>;
        delete_old_attempts(before: Timestamp) -> DbResult<u64>;
        membership(slug: &str, user_id: Id) -> DbResult<Option<(Partnership, Membership)>>;
        partnership_id_by_slug(slug: &str) -> DbResult<Option<Id>>;
        my_partnerships(user_id: Id) -> DbResult<Vec<MyPartnership>>;
        organisations(partnership_id: Id) -> DbResult<Vec<Organisation>>;
        members(partnership_id: Id) -> DbResult<Vec<Member>>;
        create_invite(new: &NewInvite, now: Timestamp) -> DbResult<Id>;
        open_invites(partnership_id: Id, now: Timestamp) -> DbResult<Vec<Invite>>;
        revoke_invite(partnership_id: Id, invite_id: Id, now: Timestamp) -> DbResult<bool>;
        invite_by_token(token_hash: &str) -> DbResult<Option<Invite>>;
    }
    write_through {
        create_user(new: &NewUser, now: Timestamp) -> DbResult<CreateUser>;
        set_display_name(user_id: Id, name: &str) -> DbResult<()>;
        set_password(user_id: Id, hash: &str, keep_session: Option<&str>) -> DbResult<()>;
        set_disabled(user_id: Id, disabled: bool) -> DbResult<()>;
        delete_session(token_hash: &str) -> DbResult<()>;
        delete_expired_sessions(idle_before: Timestamp, created_before: Timestamp) -> DbResult<u64>;
        complete_setup(token_hash: &str, admin: &NewUser, now: Timestamp) -> DbResult<Setup>;
        complete_reset(token_hash: &str, new_hash: &str, now: Timestamp) -> DbResult<Option<Id>>;
        create_partnership(new: &NewPartnership, creator: Id, now: Timestamp) -> DbResult<CreatePartnership>;
        update_partnership(id: Id, name: &str, aim: &str, description: &str, time_zone: &str, now: Timestamp) -> DbResult<()>;
        add_organisation(partnership_id: Id, name: &str, kind: &str, now: Timestamp) -> DbResult<Option<Id>>;
        remove_organisation(partnership_id: Id, organisation_id: Id) -> DbResult<RemoveOrganisation>;
        update_member(partnership_id: Id, membership_id: Id, role: Role, organisation_id: Id) -> DbResult<MemberChange>;
        remove_member(partnership_id: Id, membership_id: Id) -> DbResult<MemberChange>;
        accept_invite(token_hash: &str, joiner: &Joiner, now: Timestamp) -> DbResult<AcceptInvite>;
    }
}

/// Emits `impl CardStore for CachedDb`, forwarding every method: nothing about decks
/// is cached, and no deck change alters who may see what.
macro_rules! forward_cards {
    ($($f:ident ( $($fa:ident : $ft:ty),* ) -> $fr:ty;)*) => {
        #[async_trait]
        impl cards::CardStore for CachedDb {
            $(
                async fn $f(&self, $($fa: $ft),*) -> $fr {
                    self.inner.$f($($fa),*).await
                }
            )*
        }
    };
}

forward_cards! {
    sync_builtin_deck(deck: &crate::domain::decks::ShippedDeck, now: Timestamp) -> DbResult<bool>;
    decks_for(partnership_id: Id) -> DbResult<Vec<DeckRow>>;
    deck(id: Id) -> DbResult<Option<DeckRow>>;
    themes(deck_id: Id) -> DbResult<Vec<ThemeRow>>;
    theme(id: Id) -> DbResult<Option<ThemeRow>>;
    deck_cards(deck_id: Id) -> DbResult<Vec<CardRow>>;
    theme_cards(theme_id: Id) -> DbResult<Vec<CardRow>>;
    card(id: Id) -> DbResult<Option<CardRow>>;
    draw_card(partnership_id: Id, deck_id: Id, theme_id: Option<Id>, user_id: Id, now: Timestamp) -> DbResult<Option<Id>>;
    draw_counts(partnership_id: Id, deck_id: Id) -> DbResult<Vec<(Id, i64)>>;
    search_cards(partnership_id: Id, words: &[String], limit: i64) -> DbResult<Vec<SearchHit>>;
    create_deck(partnership_id: Id, user_id: Option<Id>, deck: &crate::domain::decks::DeckData, now: Timestamp) -> DbResult<Id>;
    update_deck(deck_id: Id, version: i64, title: &str, notes: &str, now: Timestamp) -> DbResult<cards::Saved>;
    delete_deck(deck_id: Id) -> DbResult<()>;
    set_deck_published(deck_id: Id, published: bool, now: Timestamp) -> DbResult<()>;
    add_theme(deck_id: Id, name: &str, keywords: &str, colour: &str, now: Timestamp) -> DbResult<Id>;
    update_theme(theme_id: Id, version: i64, name: &str, keywords: &str, colour: &str, now: Timestamp) -> DbResult<cards::Saved>;
    delete_theme(theme_id: Id, now: Timestamp) -> DbResult<()>;
    move_theme(theme_id: Id, direction: cards::Move, now: Timestamp) -> DbResult<()>;
    add_card(theme_id: Id, text: &str, prompt: Option<&str>, now: Timestamp) -> DbResult<Id>;
    update_card(card_id: Id, version: i64, text: &str, prompt: Option<&str>, now: Timestamp) -> DbResult<cards::Saved>;
    delete_card(card_id: Id, now: Timestamp) -> DbResult<()>;
    move_card(card_id: Id, direction: cards::Move, now: Timestamp) -> DbResult<()>;
}
