//! The page cache (`web/reuse.rs` answers from it): a page a signed-in person has just been shown, kept so that asking
//! again costs no queries and no rendering — for as long as nothing has changed.
//!
//! Correctness comes before speed:
//! - An entry is kept under the store's data generation read *before* the page was
//!   built (see [`crate::db::Store::data_generation`]). Every committed change a page
//!   could show moves that generation on (on this node at once; on PostgreSQL, other
//!   nodes' changes and changes made outside Tandem when their notification arrives),
//!   and only entries of the current generation are used. A page whose own building
//!   wrote something is therefore never served again from here.
//! - While a PostgreSQL node's change listener is reconnecting, there is no generation
//!   and the cache is not used.
//! - Entries belong to one session and one address: nobody is ever shown a page built
//!   for someone else. The session layer has already checked the session (expiry,
//!   sign-out) before this layer runs.
//! - Only plain successful pages are kept: a GET, signed in, no one-off message to
//!   show, status 200, no cookie set, text (HTML, CSV, SVG, JSON) of a known length,
//!   not a page that shows a one-time secret (see `compress`).
//! - A kept page carries the CSRF token masked for the response it was built for; each
//!   reuse masks it afresh, so no two responses repeat the same secret (BREACH).
//! - Entries expire after [`MAX_AGE`] whatever happens, so a page that reads the clock
//!   ("overdue", "today") is at most twice that behind it (while one request builds
//!   it afresh, the others still get the copy: see [`PageCache::get`]).
//! - A page is also kept gzipped, in pieces deflated each on its own, with the tokens
//!   between them as stored (uncompressed) blocks: a browser that asks for gzip gets
//!   the page with no compressing per request, and the token never shares a
//!   compression context with anything (see [`Gzipped`]).
//! - Memory is bounded: `page_cache_mb` in all (16 MB by default; 0 turns the cache
//!   off), [`MAX_ENTRY_BYTES`] for one page, [`MAX_ENTRIES`] entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Bytes, HttpBody as _};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::compress::Uncompressed;

/// An entry older than this is built again whatever happened.
pub const MAX_AGE: Duration = Duration::from_secs(2);
/// The largest page kept (the biggest results pages are about 220 KB).
pub const MAX_ENTRY_BYTES: usize = 512 * 1024;
/// Entries kept at once, whatever their size.
pub const MAX_ENTRIES: usize = 4096;

/// A session token's hash and the address (path and query).
pub(crate) type Key = (String, String);

pub(crate) struct Entry {
    generation: u64,
    at: Instant,
    pub(crate) headers: HeaderMap,
    /// The page, cut where its masked CSRF token stood: each reuse joins the parts
    /// with a freshly masked token between each two.
    pub(crate) parts: Vec<Bytes>,
    /// Bytes of the page.
    len: usize,
    /// The page gzipped, when it is worth compressing.
    pub(crate) gzipped: Option<Gzipped>,
    /// The length of the token the page was cut at.
    token_len: usize,
    /// Someone is building this page afresh now that it has passed [`MAX_AGE`].
    refreshing: std::sync::atomic::AtomicBool,
}

impl Entry {
    pub(crate) fn new(generation: u64, headers: HeaderMap, body: Bytes, csrf: &str) -> Entry {
        let len = body.len();
        let mut parts = Vec::new();
        let mut rest = body;
        if !csrf.is_empty() {
            while let Some(i) = memchr::memmem::find(&rest, csrf.as_bytes()) {
                parts.push(rest.slice(..i));
                rest = rest.slice(i + csrf.len()..);
            }
        }
        parts.push(rest);
        Entry {
            generation,
            at: Instant::now(),
            headers,
            parts,
            len,
            gzipped: None,
            token_len: csrf.len(),
            refreshing: Default::default(),
        }
    }

    /// The same entry, also kept gzipped (compressing costs ~1 ms for 100 KB: the
    /// caller decides where to spend it).
    pub(crate) fn with_gzip(mut self) -> Entry {
        self.gzipped = Gzipped::new(&self.parts, self.token_len);
        self
    }

    /// The page again, with `csrf` (masked afresh) where the old token stood: one
    /// buffer, written in one go. (Sent as separate parts, a page with many forms
    /// went out in many small writes, and the last waited some 40 ms for the
    /// browser's delayed acknowledgement: 1,450 pages a second instead of 19,000.)
    pub(crate) fn body(&self, csrf: &str) -> Bytes {
        if let [whole] = self.parts.as_slice() {
            return whole.clone();
        }
        let tokens = self.parts.len().saturating_sub(1);
        let mut out = Vec::with_capacity(self.len + tokens * csrf.len());
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(csrf.as_bytes());
            }
            out.extend_from_slice(part);
        }
        Bytes::from(out)
    }
}

/// A kept page gzipped so that a fresh token can be put in without compressing again.
///
/// Each stretch between two tokens is deflated by a fresh compressor and ended with a
/// sync flush (on a byte boundary, not final); a token goes between two stretches as
/// a stored block (not compressed), and the stream ends with an empty final stored
/// block, the CRC-32 of the whole (see [`TokenCrc`]) and its length. The token is
/// never compressed with anything an attacker could have put in the page (BREACH).
///
/// So that a page with a hundred forms still compresses well, each stretch's
/// compressor is primed with the 32 KB before it, in which each token is replaced by
/// as many NUL bytes. A page holds no NUL (else no priming), so no match can reach
/// into a token's place: what the browser's window holds there (the fresh token, of
/// the same length) is never read, and only tokens of that length are put in.
pub(crate) struct Gzipped {
    parts: Vec<Vec<u8>>,
    crc: TokenCrc,
    /// The length of the token the stretches were primed around.
    token_len: usize,
    /// Compressed bytes of the parts.
    len: usize,
}

/// The gzip header: deflate, no name, no time, unknown system.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty stored block marked final.
const FINAL_BLOCK: [u8; 5] = [1, 0, 0, 0xff, 0xff];
/// Deflate's window.
const WINDOW: usize = 32 * 1024;

/// `data` deflated raw by `c` (reset first), primed with `dictionary`, ended with a
/// sync flush, in a buffer of just its size (the cache counts lengths).
fn deflate(
    c: &mut flate2::Compress,
    data: &[u8],
    dictionary: &[u8],
) -> Result<Vec<u8>, flate2::CompressError> {
    use flate2::FlushCompress;
    c.reset();
    if !dictionary.is_empty() {
        c.set_dictionary(dictionary)?;
    }
    let start = c.total_in();
    let taken = |c: &flate2::Compress| (c.total_in() - start) as usize;
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        c.compress_vec(&data[taken(c)..], &mut out, FlushCompress::Sync)?;
        // All input taken and room left over: the flush is complete.
        if taken(c) == data.len() && out.len() < out.capacity() {
            out.shrink_to_fit();
            return Ok(out);
        }
    }
}

impl Gzipped {
    fn new(parts: &[Bytes], token_len: usize) -> Option<Gzipped> {
        let prime = !parts.iter().any(|p| memchr::memchr(0, p).is_some());
        let mut out = Vec::with_capacity(parts.len());
        // What the browser will have seen before each stretch, tokens as NULs.
        let mut seen: Vec<u8> = Vec::new();
        // One compressor for every stretch (each is ~300 KB of state to set up).
        let mut c = flate2::Compress::new(flate2::Compression::default(), false);
        for part in parts {
            let dictionary = if prime {
                &seen[seen.len().saturating_sub(WINDOW)..]
            } else {
                &[][..]
            };
            out.push(deflate(&mut c, part, dictionary).ok()?);
            if prime {
                seen.extend_from_slice(part);
                seen.resize(seen.len() + token_len, 0);
                if seen.len() > 2 * WINDOW {
                    seen.drain(..seen.len() - WINDOW);
                }
            }
        }
        let len = out.iter().map(Vec::len).sum();
        Some(Gzipped {
            parts: out,
            crc: TokenCrc::new(parts, token_len),
            token_len,
            len,
        })
    }

    /// The gzipped page with `csrf` where each token stood (None for a token of
    /// another length than the page was primed around).
    pub(crate) fn body(&self, csrf: &str) -> Option<Bytes> {
        let token = csrf.as_bytes();
        let tokens = self.parts.len().saturating_sub(1);
        if tokens > 0 && token.len() != self.token_len {
            return None;
        }
        let mut out = Vec::with_capacity(self.len + tokens * (token.len() + 5) + 32);
        out.extend_from_slice(&GZIP_HEADER);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                // A stored block: not final, type 00, then the length and its
                // complement (a masked token is far below 64 KB).
                let n = u16::try_from(token.len()).ok()?;
                out.push(0);
                out.extend_from_slice(&n.to_le_bytes());
                out.extend_from_slice(&(!n).to_le_bytes());
                out.extend_from_slice(token);
            }
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&FINAL_BLOCK);
        out.extend_from_slice(&self.crc.with(token).to_le_bytes());
        // gzip keeps the length modulo 2^32.
        out.extend_from_slice(&(self.crc.len as u32).to_le_bytes());
        Some(Bytes::from(out))
    }
}

/// The CRC-32 of a kept page with any token of its length put in, in a few
/// operations, however many tokens the page holds (combining one CRC per stretch and
/// per token, as before, cost a quarter of the time of serving a page with fifty
/// forms).
///
/// CRC-32 is affine over GF(2): for messages of one length, the CRC of the XOR of an
/// odd number of them is the XOR of their CRCs. The page with a token T at each of its
/// places is the page with NULs there (`base`), XOR, per place, T alone among NULs;
/// the latter's CRC is T's own linear part moved past the k bytes after that place,
/// that is multiplied by x^(8k) modulo the CRC polynomial. Multiplication by a fixed
/// polynomial is linear, so the sum over the places is one 32-by-32 bit matrix,
/// kept as its columns: what a token's linear part with only bit j set becomes.
struct TokenCrc {
    /// CRC-32 of the page with NULs where the tokens go.
    base: u32,
    /// Column j: the sum, over the token places, of bit j moved past the bytes after.
    columns: [u32; 32],
    /// CRC-32 of a token's length of NULs (the affine part of a token's own CRC).
    zeros: u32,
    /// Length of the page with its tokens.
    len: u64,
}

impl TokenCrc {
    fn new(parts: &[Bytes], token_len: usize) -> TokenCrc {
        let nuls = vec![0u8; token_len];
        let mut base = crc32fast::Hasher::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                base.update(&nuls);
            }
            base.update(part);
        }
        let len = base.total_len();
        // The bytes after each token place: the parts after it and the tokens between.
        let mut columns = [0u32; 32];
        let mut after: u64 = 0;
        for (i, part) in parts.iter().enumerate().rev() {
            after += part.len() as u64;
            if i == 0 {
                break;
            }
            let pad = crc32fast::Hasher::new_with_initial_len(0, after);
            for (j, column) in columns.iter_mut().enumerate() {
                // Combining with the CRC of `after` bytes that are all zero in the
                // linear part (state 0) moves bit j past them.
                let mut moved = crc32fast::Hasher::new_with_initial_len(1 << j, 0);
                moved.combine(&pad);
                *column ^= moved.finalize();
            }
            after += token_len as u64;
        }
        TokenCrc {
            base: base.finalize(),
            columns,
            zeros: crc32fast::hash(&nuls),
            len,
        }
    }

    /// The CRC-32 of the page with `token` (of the page's token length) at every place.
    fn with(&self, token: &[u8]) -> u32 {
        let own = crc32fast::hash(token) ^ self.zeros;
        let mut crc = self.base;
        for (j, column) in self.columns.iter().enumerate() {
            if own >> j & 1 == 1 {
                crc ^= column;
            }
        }
        crc
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Arc<Entry>>,
    bytes: usize,
}

/// The bytes an entry counts against the budget.
fn cost(key: &Key, entry: &Entry) -> usize {
    entry.len + entry.gzipped.as_ref().map_or(0, |g| g.len) + key.0.len() + key.1.len()
}

/// See the module documentation.
pub struct PageCache {
    budget: usize,
    entries: Mutex<Entries>,
}

impl PageCache {
    /// A cache holding at most `megabytes` of pages (0: none, the cache is off).
    pub fn new(megabytes: usize) -> PageCache {
        PageCache {
            budget: megabytes.saturating_mul(1024 * 1024),
            entries: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A current entry. Past [`MAX_AGE`] (nothing changed, only the clock moved on),
    /// one request builds the page afresh while the others still get this copy for up
    /// to another `MAX_AGE`, rather than all building it at once.
    pub(crate) fn get(&self, key: &Key, generation: u64) -> Option<Arc<Entry>> {
        let entries = self.lock();
        let e = entries.map.get(key)?;
        if e.generation != generation {
            return None;
        }
        let age = e.at.elapsed();
        let fresh = age < MAX_AGE
            || (age < 2 * MAX_AGE && e.refreshing.swap(true, std::sync::atomic::Ordering::SeqCst));
        fresh.then(|| e.clone())
    }

    pub(crate) fn put(&self, key: Key, entry: impl Into<Arc<Entry>>, current: u64) {
        let entry = entry.into();
        let size = cost(&key, &entry);
        let mut entries = self.lock();
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= cost(&key, &old);
        }
        if entries.bytes + size > self.budget || entries.map.len() >= MAX_ENTRIES {
            // Make room: first whatever is stale, then, if that is not enough, all.
            entries
                .map
                .retain(|_, e| e.generation == current && e.at.elapsed() < 2 * MAX_AGE);
            entries.bytes = entries.map.iter().map(|(k, e)| cost(k, e)).sum();
            if entries.bytes + size > self.budget || entries.map.len() >= MAX_ENTRIES {
                entries.map.clear();
                entries.bytes = 0;
            }
        }
        if size <= self.budget {
            entries.bytes += size;
            entries.map.insert(key, entry);
        }
    }

    /// Is the cache on (given any memory)?
    pub fn is_on(&self) -> bool {
        self.budget > 0
    }

    /// Bytes held now (for the tests and the bounds check).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Is the cache empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// May this response be kept? Then its length.
pub(crate) fn keepable(resp: &Response) -> Option<usize> {
    if resp.status() != StatusCode::OK
        || resp.headers().contains_key(header::SET_COOKIE)
        || resp.extensions().get::<Uncompressed>().is_some()
    {
        return None;
    }
    let kind = resp.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let text = ["text/html", "text/csv", "image/svg+xml", "application/json"]
        .iter()
        .any(|t| kind.starts_with(t));
    let len = usize::try_from(resp.body().size_hint().exact()?).ok()?;
    (text && len <= MAX_ENTRY_BYTES).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(generation: u64, size: usize) -> Entry {
        Entry::new(
            generation,
            HeaderMap::new(),
            Bytes::from("x".repeat(size)),
            "",
        )
    }

    fn gunzip(b: &[u8]) -> String {
        use std::io::Read as _;
        let mut out = String::new();
        flate2::read::GzDecoder::new(b)
            .read_to_string(&mut out)
            .expect("a whole gzip stream");
        out
    }

    #[test]
    fn a_kept_page_gzipped_reads_back_whole_with_the_new_token() {
        let form = "<form><input name=\"_csrf\" value=\"OLD\"></form>";
        let long = format!(
            "<main>{}</main>",
            "a repeated sentence of the page. ".repeat(200)
        );
        for page in [
            format!("{long}{form}{long}{form}<p>end</p>"),
            format!("OLD{long}OLDOLD"),
            long.clone(),
            String::new(),
        ] {
            let e = Entry::new(1, HeaderMap::new(), Bytes::from(page.clone()), "OLD").with_gzip();
            let g = e.gzipped.as_ref().unwrap();
            for token in ["NEW", "xyz"] {
                let body = g.body(token).expect("a token of the same length");
                assert_eq!(gunzip(&body), page.replace("OLD", token), "{page:.40}");
            }
            if page.len() > 1000 {
                assert!(g.len < page.len() / 4, "{} of {}", g.len, page.len());
            }
            if page.contains("OLD") {
                assert!(g.body("LONGER").is_none(), "a token of another length");
            }
        }
        // A hundred forms (each a stretch of its own) still compress like one page, but
        // for a few bytes a stretch (a block header and a flush).
        let many: String = (0..100)
            .map(|n| format!("<li>Entry {n} of the checklist<form>{form}</form></li>"))
            .collect();
        let e = Entry::new(1, HeaderMap::new(), Bytes::from(many.clone()), "OLD").with_gzip();
        let g = e.gzipped.as_ref().unwrap();
        assert_eq!(gunzip(&g.body("NEW").unwrap()), many.replace("OLD", "NEW"));
        let whole = {
            use std::io::Write as _;
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(many.as_bytes()).unwrap();
            z.finish().unwrap().len()
        };
        assert!(
            g.len < whole + 12 * 101,
            "{} bytes, {whole} as one stream",
            g.len
        );
        // A page with a NUL is not primed, and still reads back whole.
        let odd = format!("a\0b{form}c{form}");
        let e = Entry::new(1, HeaderMap::new(), Bytes::from(odd.clone()), "OLD").with_gzip();
        let body = e.gzipped.as_ref().unwrap().body("NEW").unwrap();
        assert_eq!(gunzip(&body), odd.replace("OLD", "NEW"));
    }

    #[test]
    fn the_crc_of_a_page_with_a_fresh_token_is_that_of_the_whole() {
        let token_len = 64;
        let shapes: &[&[usize]] = &[&[0], &[10], &[0, 0], &[5, 0, 7], &[3000, 1, 70_000, 0, 12]];
        for (n, lens) in shapes.iter().enumerate() {
            let parts: Vec<Bytes> = lens
                .iter()
                .enumerate()
                .map(|(i, len)| {
                    Bytes::from(
                        (0..*len)
                            .map(|b| (b * 7 + i * 13 + n) as u8)
                            .collect::<Vec<u8>>(),
                    )
                })
                .collect();
            let crc = TokenCrc::new(&parts, token_len);
            for seed in 0..4u8 {
                let token: Vec<u8> = (0..token_len as u8)
                    .map(|b| b.wrapping_mul(31) ^ seed)
                    .collect();
                let mut whole = Vec::new();
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        whole.extend_from_slice(&token);
                    }
                    whole.extend_from_slice(p);
                }
                assert_eq!(crc.with(&token), crc32fast::hash(&whole), "{lens:?}");
                assert_eq!(crc.len, whole.len() as u64);
            }
        }
    }

    #[test]
    fn a_kept_page_gets_the_new_token_wherever_the_old_stood() {
        let page = "<form><input value=\"OLD\"></form><form><input value=\"OLD\"></form>!";
        let e = Entry::new(1, HeaderMap::new(), Bytes::from(page), "OLD");
        assert_eq!(e.parts.len(), 3);
        assert_eq!(e.body("NEWER"), page.replace("OLD", "NEWER"));
        let plain = Entry::new(1, HeaderMap::new(), Bytes::from("a,b\n1,2\n"), "OLD");
        assert_eq!(plain.parts.len(), 1);
    }

    fn key(n: usize) -> Key {
        ("s".into(), format!("/p/{n}"))
    }

    #[test]
    fn only_the_current_generation_is_served() {
        let cache = PageCache::new(1);
        cache.put(key(1), entry(7, 10), 7);
        assert!(cache.get(&key(1), 7).is_some());
        assert!(cache.get(&key(1), 8).is_none());
        assert!(cache.get(&key(2), 7).is_none());
    }

    #[test]
    fn an_old_entry_is_built_again_by_one_request_while_the_rest_wait_for_nothing() {
        let cache = PageCache::new(1);
        let mut e = entry(1, 10);
        e.at = Instant::now() - MAX_AGE - Duration::from_millis(10);
        cache.put(key(1), e, 1);
        assert!(cache.get(&key(1), 1).is_none(), "the first asker rebuilds");
        assert!(cache.get(&key(1), 1).is_some(), "the others keep the copy");
        assert!(cache.get(&key(1), 1).is_some());
        let mut e = entry(1, 10);
        e.at = Instant::now() - 2 * MAX_AGE;
        cache.put(key(2), e, 1);
        assert!(cache.get(&key(2), 1).is_none(), "too old for anyone");
        assert!(cache.get(&key(2), 1).is_none());
    }

    #[test]
    fn memory_stays_within_the_budget() {
        let cache = PageCache::new(1);
        let budget = 1024 * 1024;
        for n in 0..200 {
            cache.put(key(n), entry(1, 50_000), 1);
            assert!(cache.bytes() <= budget, "{} bytes after {n}", cache.bytes());
        }
        assert!(!cache.is_empty());
        // A newer generation makes room by dropping the stale entries first.
        cache.put(key(1000), entry(2, 50_000), 2);
        assert_eq!(cache.len(), 1);
        // Nothing bigger than the whole budget is kept.
        cache.put(key(1001), entry(2, budget + 1), 2);
        assert!(cache.get(&key(1001), 2).is_none());
        assert!(cache.bytes() <= budget);
    }

    #[test]
    fn replacing_an_entry_keeps_the_count_right() {
        let cache = PageCache::new(1);
        cache.put(key(1), entry(1, 1000), 1);
        cache.put(key(1), entry(1, 10), 1);
        assert_eq!(cache.bytes(), 10 + key(1).0.len() + key(1).1.len());
    }
}
