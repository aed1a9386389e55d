//! `TestApp`: the real router on a fresh database (a temp SQLite file, or a fresh
//! PostgreSQL schema), driven in-process; `Client`: keeps cookies like a browser.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use tandem::config::Settings;
use tandem::db::{CreateUser, Engine, Store};
use tandem::domain::model::{Id, NewUser};
use tandem::domain::now;
use tandem::security;
use tandem::web::AppState;

/// The password every helper-made account has.
pub const PASSWORD: &str = "otter kettle lantern violet";

fn password_hash() -> String {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| security::hash_password(PASSWORD).unwrap())
        .clone()
}

/// Where the PostgreSQL tests connect (a fresh schema is made inside it per test).
pub fn postgres_base_url() -> String {
    std::env::var("TANDEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub engine: Engine,
    pub db: Arc<Store>,
    pub state: AppState,
    pub router: Router,
    pub public_url: String,
    _dir: Option<TempDir>,
    _schema: Option<PgSchema>,
}

/// A test's PostgreSQL schema, dropped when the test ends (passed or failed), so a
/// server shared with other work is left as it was. `TANDEM_TEST_KEEP_SCHEMAS=1` keeps
/// them to look into a failure.
pub struct PgSchema(String);
impl Drop for PgSchema {
    fn drop(&mut self) {
        if std::env::var_os("TANDEM_TEST_KEEP_SCHEMAS").is_some() {
            return;
        }
        let schema = self.0.clone();
        // Drop may run inside the test's runtime, which cannot be blocked on: a thread
        // of its own with a small runtime does the work.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&postgres_base_url())
                    .await
                    .ok()?;
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut conn)
                    .await
                    .ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(&mut conn)
                .await
                .ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

/// A temp folder removed on drop.
pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let mut settings = Settings::default();
        let mut dir = None;
        let mut pg_schema = None;
        match engine {
            Engine::Sqlite => {
                let d = std::env::temp_dir().join(format!("tandem-it-{unique}"));
                std::fs::create_dir_all(&d).unwrap();
                settings.data_dir = d.clone();
                settings.database_url = format!("sqlite://{}", d.join("t.db").display());
                dir = Some(TempDir(d));
            }
            Engine::Postgres => {
                use sqlx::Connection;
                let base = postgres_base_url();
                let mut conn = sqlx::PgConnection::connect(&base)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL tests need a server at {base} (set TANDEM_TEST_POSTGRES_URL): {e}"));
                let schema = format!("t_{unique}");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.ok();
                pg_schema = Some(schema.clone());
                let sep = if base.contains('?') { '&' } else { '?' };
                settings.database_url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            }
        }
        settings.public_url = "http://tandem.test".into();
        tweak(&mut settings);
        let db = tandem::startup::open_database(&settings)
            .await
            .expect("database opens and migrates");
        assert_eq!(db.engine(), engine);
        let public_url = settings.public_url.clone();
        let state = AppState::new(db.clone(), settings, &public_url);
        let router = tandem::startup::build_router(state.clone())
            .layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))));
        TestApp {
            engine,
            db,
            state,
            router,
            public_url,
            _dir: dir,
            _schema: pg_schema.map(PgSchema),
        }
    }

    /// Bring an existing account into a partnership through an invitation, as clicking
    /// the link would.
    pub async fn join(
        &self,
        pid: Id,
        org: Id,
        by: Id,
        user: Id,
        role: tandem::domain::roles::Role,
    ) {
        let token = security::new_token();
        self.db
            .create_invite(
                &tandem::domain::model::NewInvite {
                    partnership_id: pid,
                    organisation_id: org,
                    role,
                    note: String::new(),
                    token_hash: security::token_hash(&token),
                    created_by: by,
                    expires_at: now() + 3600,
                },
                now(),
            )
            .await
            .unwrap();
        let r = self
            .db
            .accept_invite(
                &security::token_hash(&token),
                &tandem::db::Joiner::Existing(user),
                now(),
            )
            .await
            .unwrap();
        assert!(
            matches!(r, tandem::db::AcceptInvite::Joined { .. }),
            "{r:?}"
        );
    }

    /// Run one SQL statement straight on the database (to set up states the app itself
    /// never makes).
    pub async fn sql(&self, statement: &'static str) {
        use sqlx::Connection;
        let url = self.state.settings.effective_database_url();
        match self.engine {
            Engine::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query(statement).execute(&mut c).await.unwrap();
            }
            Engine::Postgres => {
                let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                sqlx::query(statement).execute(&mut c).await.unwrap();
            }
        }
    }

    /// A browser with no cookies.
    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: HashMap::new(),
            ip: None,
            accept_encoding: None,
        }
    }

    /// Make an account directly in the database.
    pub async fn user(&self, email: &str, name: &str, is_admin: bool) -> Id {
        let new = NewUser {
            email: email.into(),
            display_name: name.into(),
            password_hash: password_hash(),
            is_admin,
        };
        match self.db.create_user(&new, now()).await.unwrap() {
            CreateUser::Created(u) => u.id,
            CreateUser::EmailTaken => panic!("email {email} taken"),
        }
    }

    /// A browser already signed in as `user_id` (session made directly; no password hashing).
    pub async fn signed_in(&self, user_id: Id) -> Client {
        let token = security::new_token();
        self.db
            .create_session(&security::token_hash(&token), user_id, now())
            .await
            .unwrap();
        let mut c = self.client();
        c.cookies
            .insert(tandem::web::extract::SESSION_COOKIE.into(), token);
        c
    }

    /// A browser signed in through the real sign-in form.
    pub async fn login(&self, email: &str) -> Client {
        let mut c = self.client();
        let r = c
            .post("/login", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in as {email} failed: {}",
            r.body
        );
        c
    }

    /// Create a partnership led by `lead` (through the web form) and return its slug.
    pub async fn partnership(&self, lead: &mut Client, name: &str, slug: &str) -> String {
        let r = lead
            .post(
                "/partnerships",
                &[
                    ("name", name),
                    ("slug", slug),
                    ("aim", "Help carers in our area find support sooner."),
                    ("description", ""),
                    ("organisation_name", &format!("{name} Council")),
                    ("organisation_kind", "council"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        slug.to_string()
    }

    /// The id of a partnership by slug.
    pub async fn partnership_id(&self, slug: &str, member: Id) -> Id {
        self.db
            .membership(slug, member)
            .await
            .unwrap()
            .expect("member")
            .0
            .id
    }
}

/// A response, read fully.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
    /// The page is a real page (2xx), not an error page that would lack anything, and
    /// it does not contain `needle`.
    #[track_caller]
    pub fn assert_lacks(&self, needle: &str) {
        assert!(
            self.status.is_success(),
            "expected a page without {needle:?}, but got status {}:\n{}",
            self.status,
            self.body
        );
        assert!(
            !self.body.contains(needle),
            "expected no {needle:?} in the page (status {}):\n{}",
            self.status,
            self.body
        );
    }

    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in the page (status {}):\n{}",
            self.status,
            self.body
        );
    }
}

pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub ip: Option<String>,
    /// Sent as `Accept-Encoding` when set (the tests' browser asks for none otherwise).
    pub accept_encoding: Option<String>,
}

impl Client {
    pub async fn request(&mut self, method: Method, path: &str, body: Option<String>) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        if let Some(ip) = &self.ip {
            req = req.header("x-forwarded-for", ip);
        }
        if let Some(e) = &self.accept_encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let sc = sc.to_str().unwrap();
            let (kv, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        // Like a browser: a gzipped body is read unzipped (and must unzip whole).
        let gzipped = headers
            .get(header::CONTENT_ENCODING)
            .is_some_and(|v| v == "gzip");
        let body = if gzipped {
            use std::io::Read as _;
            let mut out = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut out)
                .unwrap_or_else(|e| panic!("{path}: a broken gzip body: {e}"));
            out
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.request(Method::GET, path, None).await
    }

    /// A CSRF token as a page would give this browser: the session's token, masked
    /// afresh (visiting a page first if needed).
    pub async fn csrf(&mut self) -> String {
        use tandem::web::extract::{ANON_COOKIE, SESSION_COOKIE};
        if !self.cookies.contains_key(SESSION_COOKIE) && !self.cookies.contains_key(ANON_COOKIE) {
            self.get("/login").await;
        }
        let source = self
            .cookies
            .get(SESSION_COOKIE)
            .or_else(|| self.cookies.get(ANON_COOKIE))
            .unwrap();
        security::mask_csrf(&security::csrf_for(source))
    }

    /// Submit a form with a valid CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &token)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Submit a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request(Method::POST, path, Some(body)).await
    }
}

/// Run each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::TestApp::spawn(tandem::db::Engine::Sqlite).await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::TestApp::spawn(tandem::db::Engine::Postgres).await).await
                }
            }
        )*
    };
}

impl Client {
    /// GET, reading the status and headers only: for event streams, which never end.
    pub async fn open(&mut self, path: &str) -> Resp {
        let mut req = Request::builder().uri(path);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        Resp {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: String::new(),
        }
    }

    /// GET with one extra request header.
    pub async fn request_with_header(&mut self, path: &str, name: &str, value: &str) -> Resp {
        let req = Request::builder()
            .uri(path)
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

impl Client {
    /// A browser talking to another router (another node), with these cookies.
    pub fn with_router(router: Router, cookies: HashMap<String, String>) -> Client {
        Client {
            router,
            cookies,
            ip: None,
            accept_encoding: None,
        }
    }
}

impl Client {
    /// GET returning raw bytes (for files such as PDFs).
    pub async fn request_bytes(&mut self, path: &str) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().uri(path);
        let c: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        req = req.header(header::COOKIE, c.join("; "));
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        (
            status,
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
    }
}

/// A PDF's text as any PDF reader would give it (poppler's `pdftotext`, installed by
/// scripts/test).
pub fn pdf_text(pdf: &[u8]) -> String {
    let file =
        std::env::temp_dir().join(format!("tandem-test-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let _ = std::fs::remove_file(&file);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A DOCX's text as Word would show it: every text run of its main part, a paragraph
/// a line (opened as the zip file it is).
pub fn docx_text(docx: &[u8]) -> String {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a DOCX is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("a DOCX has word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    let para = regex::Regex::new(r"(?s)<w:p[ >].*?</w:p>").unwrap();
    let text = regex::Regex::new(r"(?s)<w:t(?: [^>]*)?>(.*?)</w:t>").unwrap();
    para.find_iter(&xml)
        .map(|p| {
            text.captures_iter(p.as_str())
                .map(|c| {
                    c[1].replace("&amp;", "&")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&apos;", "'")
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A DOCX opened by LibreOffice (installed by scripts/test) and turned into a PDF, read
/// back with pdftotext: proof it opens in a real office suite, not just that it unzips.
pub fn libreoffice_text(docx: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("tandem-lo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("agreement.docx");
    std::fs::write(&file, docx).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let out = std::process::Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&dir)
        .arg(&file)
        .output()
        .expect("LibreOffice (libreoffice-writer-nogui) is installed");
    let pdf = std::fs::read(dir.join("agreement.pdf")).unwrap_or_else(|_| {
        panic!(
            "LibreOffice made no PDF: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    pdf_text(&pdf)
}

impl Client {
    /// Submit a form as a browser sends one with a file: `multipart/form-data`, the
    /// CSRF token first, the fields in order, then the file (field `file`) last.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let token = self.csrf().await;
        let boundary = "----tandem-test-boundary-7d3f";
        let mut body = Vec::new();
        let mut part = |name: &str, value: &str| {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        };
        part("_csrf", &token);
        for (k, v) in fields {
            part(k, v);
        }
        match file {
            Some((name, bytes)) => {
                body.extend_from_slice(
                    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
            None => body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let c: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, c.join("; "))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET returning the status, headers and raw bytes.
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let c: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, c.join("; "))
            .body(Body::empty())
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }
}
