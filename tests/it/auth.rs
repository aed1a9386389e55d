//! Set-up link, sign-in and out, sessions, rate limiting, passwords, CSRF.

use axum::http::StatusCode;
use tandem::domain::model::TokenKind;
use tandem::domain::now;
use tandem::security;

use crate::both_engines;
use crate::helpers::{PASSWORD, TestApp};

both_engines!(
    setup_link_creates_first_admin_once,
    sign_in_renews_session_and_sign_out_ends_it,
    wrong_password_keeps_input_and_is_vague,
    sign_in_is_rate_limited_per_account_and_address,
    parallel_sign_ins_get_no_extra_guesses,
    disabling_ends_sessions_and_blocks_sign_in,
    reset_link_works_once,
    changing_password_signs_out_other_devices,
    weak_passwords_are_refused_with_a_message,
    forms_without_csrf_token_change_nothing,
    cookies_have_safe_flags,
    expired_sessions_are_refused,
    account_name_change_validates,
);

async fn setup_link_creates_first_admin_once(app: TestApp) {
    let link = tandem::startup::setup_link_if_needed(app.db.as_ref(), &app.public_url)
        .await
        .unwrap()
        .unwrap();
    let path = link.strip_prefix(&app.public_url).unwrap().to_string();
    let mut c = app.client();
    let page = c.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Create administrator account");

    // Bad input: message beside the field, input kept, nothing created.
    let r = c
        .post(
            &path,
            &[
                ("display_name", "Sam Patel"),
                ("email", "not-an-email"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("There is a problem");
    r.assert_contains("Enter an email address in the right form");
    r.assert_contains("value=\"Sam Patel\"");
    r.assert_contains("value=\"not-an-email\"");
    assert_eq!(app.db.count_admins().await.unwrap(), 0);

    let r = c
        .post(
            &path,
            &[
                ("display_name", "Sam Patel"),
                ("email", "Sam@Example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/partnerships");
    let admin = app
        .db
        .user_by_email("sam@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(admin.is_admin);
    assert!(admin.password_hash.starts_with("$argon2id$"));
    // Signed in straight away.
    let home = c.get("/partnerships").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Sam Patel");

    // The link is dead now, and no new one is made once an admin exists.
    let mut other = app.client();
    assert_eq!(other.get(&path).await.status, StatusCode::GONE);
    let r = other
        .post(
            &path,
            &[
                ("display_name", "Eve"),
                ("email", "eve@example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(
        app.db
            .user_by_email("eve@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        tandem::startup::setup_link_if_needed(app.db.as_ref(), &app.public_url)
            .await
            .unwrap()
            .is_none()
    );
}

async fn sign_in_renews_session_and_sign_out_ends_it(app: TestApp) {
    app.user("ann@example.org", "Ann", false).await;
    let mut c = app.client();
    let before = c.get("/login").await;
    before.assert_contains("Sign in");
    let r = c
        .post(
            "/login",
            &[
                ("email", " ANN@example.org "),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account");
    let first = c
        .cookies
        .get("tandem_session")
        .cloned()
        .expect("session cookie");
    assert_eq!(first.len(), 64);
    assert_eq!(c.get("/account").await.status, StatusCode::OK);

    // Signing in again replaces the session rather than reusing it.
    let r = c
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = c.cookies.get("tandem_session").cloned().unwrap();
    assert_ne!(first, second);
    assert!(
        app.db
            .session_user(&security::token_hash(&first))
            .await
            .unwrap()
            .is_none(),
        "old session must be gone"
    );

    // Only our own pages are followed after sign-in.
    let mut d = app.client();
    let r = d
        .post(
            "/login",
            &[
                ("email", "ann@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/partnerships");

    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.db
            .session_user(&security::token_hash(&second))
            .await
            .unwrap()
            .is_none()
    );
    // Even replaying the old cookie does not work.
    c.cookies.insert("tandem_session".into(), second);
    let r = c.get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/login?next=%2Faccount"),
        "{}",
        r.location()
    );
}

async fn wrong_password_keeps_input_and_is_vague(app: TestApp) {
    app.user("ann@example.org", "Ann", false).await;
    let mut c = app.client();
    let wrong = c
        .post(
            "/login",
            &[
                ("email", "ann@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    let unknown = c
        .post(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        r.assert_contains("The email address or password is not right");
        assert!(
            !r.body.contains("not the password"),
            "password must not be echoed"
        );
    }
    wrong.assert_contains("value=\"ann@example.org\"");
    unknown.assert_contains("value=\"nobody@example.org\"");
    let empty = c.post("/login", &[("email", ""), ("password", "")]).await;
    empty.assert_contains("Enter your email address");
    empty.assert_contains("Enter your password");
}

async fn sign_in_is_rate_limited_per_account_and_address(app: TestApp) {
    // Addresses come from X-Forwarded-For here, so one test can sign in from several.
    let app = TestApp::spawn_with(app.engine, |s| s.trust_proxy = true).await;
    app.user("ann@example.org", "Ann", false).await;
    app.user("bob@example.org", "Bob", false).await;
    let from = |ip: &str| {
        let mut c = app.client();
        c.ip = Some(ip.to_string());
        c
    };
    let mut c = from("198.51.100.1");
    for _ in 0..5 {
        let r = c
            .post(
                "/login",
                &[
                    ("email", "ann@example.org"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Now even the right password waits from that address, with a friendly explanation.
    let r = c
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    r.assert_contains("sign-in is paused for 15 minutes");
    // Ann herself, from her own address, is not locked out by someone guessing elsewhere.
    let r = from("203.0.113.7")
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Another account from the guessing address is unaffected too.
    let r = from("198.51.100.1")
        .post(
            "/login",
            &[("email", "bob@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // A right password forgets that pair's earlier mistakes.
    let mut d = from("198.51.100.2");
    for _ in 0..4 {
        d.post(
            "/login",
            &[("email", "bob@example.org"), ("password", "nope nope nope")],
        )
        .await;
    }
    let r = d
        .post(
            "/login",
            &[("email", "bob@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for _ in 0..5 {
        let r = from("198.51.100.2")
            .post(
                "/login",
                &[("email", "bob@example.org"), ("password", "nope nope nope")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Failures from long ago do not count.
    app.db
        .clear_failures("pair:ann@example.org|198.51.100.1")
        .await
        .unwrap();
    app.db
        .record_failure(
            &vec!["pair:ann@example.org|198.51.100.1".to_string(); 5],
            now() - 3600,
        )
        .await
        .unwrap();
    let r = from("198.51.100.1")
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Per account, from everywhere: a guesser spread over many addresses.
    let keys = vec!["account:ann@example.org".to_string(); 50];
    app.db.record_failure(&keys, now()).await.unwrap();
    let r = from("192.0.2.200")
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // Per address: many accounts tried from one address.
    let keys = vec!["address:192.0.2.9".to_string(); 30];
    app.db.record_failure(&keys, now()).await.unwrap();
    let r = from("192.0.2.9")
        .post(
            "/login",
            &[("email", "bob@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // Housekeeping forgets attempts older than a day, and only those.
    let old = vec!["address:192.0.2.77".to_string(); 3];
    app.db
        .record_failure(&old, now() - 2 * 86_400)
        .await
        .unwrap();
    assert_eq!(app.db.delete_old_attempts(now() - 86_400).await.unwrap(), 3);
    assert_eq!(
        app.db
            .count_failures("address:192.0.2.9", now() - 900)
            .await
            .unwrap(),
        30
    );
}

/// Forty guesses at once, then the right password: only five are ever checked, and the
/// right one, sent last, is refused like any sixth attempt.
async fn parallel_sign_ins_get_no_extra_guesses(app: TestApp) {
    app.user("cat@example.org", "Cat", false).await;
    let mut jobs = Vec::new();
    for _ in 0..40 {
        let mut c = app.client();
        jobs.push(tokio::spawn(async move {
            c.post(
                "/login",
                &[
                    ("email", "cat@example.org"),
                    ("password", "wrong wrong wrong"),
                ],
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for j in jobs {
        statuses.push(j.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let paused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(paused, 35, "{statuses:?}");
    // Thirty-nine wrong and the right one, all at once: still only five are checked.
    app.user("dan@example.org", "Dan", false).await;
    let mut jobs = Vec::new();
    for i in 0..40 {
        let mut c = app.client();
        let password = if i == 39 {
            PASSWORD
        } else {
            "wrong wrong wrong"
        };
        jobs.push(tokio::spawn(async move {
            c.post(
                "/login",
                &[("email", "dan@example.org"), ("password", password)],
            )
            .await
            .status
        }));
    }
    let mut dan = Vec::new();
    for j in jobs {
        dan.push(j.await.unwrap());
    }
    let checked = dan
        .iter()
        .filter(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(checked <= 5, "{dan:?}");
    // What the store remembers: five failures for the pair, none for refused attempts.
    let since = now() - 900;
    assert_eq!(
        app.db
            .count_failures("pair:cat@example.org|192.0.2.1", since)
            .await
            .unwrap(),
        5
    );
    let r = app
        .client()
        .post(
            "/login",
            &[("email", "cat@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn disabling_ends_sessions_and_blocks_sign_in(app: TestApp) {
    let admin = app.user("admin@example.org", "Admin", true).await;
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(admin).await;
    let mut c = app.login("ann@example.org").await;
    assert_eq!(c.get("/account").await.status, StatusCode::OK);
    let r = a.post(&format!("/admin/users/{ann}/disable"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/account").await.status, StatusCode::SEE_OTHER);
    let r = app
        .client()
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("turned off");
    // An admin cannot lock themselves out.
    let r = a.post(&format!("/admin/users/{admin}/disable"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.db.user_by_id(admin).await.unwrap().unwrap().disabled);
    // Turned back on, Ann can sign in again.
    a.post(&format!("/admin/users/{ann}/enable"), &[]).await;
    app.login("ann@example.org").await;
}

async fn reset_link_works_once(app: TestApp) {
    let admin = app.user("admin@example.org", "Admin", true).await;
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut stale = app.login("ann@example.org").await;
    let mut a = app.signed_in(admin).await;
    let r = a.post(&format!("/admin/users/{ann}/reset-link"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let re = regex::Regex::new(r"http://tandem\.test(/reset/[0-9a-f]{64})").unwrap();
    let path = re.captures(&r.body).expect("link on page")[1].to_string();

    let mut c = app.client();
    assert_eq!(c.get(&path).await.status, StatusCode::OK);
    let r = c
        .post(
            &path,
            &[("password", "password1"), ("confirm", "password1")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password is refused"
    );
    let r = c
        .post(
            &path,
            &[
                ("password", "marble cactus winter harbour"),
                ("confirm", "marble cactus winter harbor"),
            ],
        )
        .await;
    r.assert_contains("do not match");
    let r = c
        .post(
            &path,
            &[
                ("password", "marble cactus winter harbour"),
                ("confirm", "marble cactus winter harbour"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get(&path).await.status, StatusCode::GONE, "single use");
    // The old session ended; the new password works.
    assert_eq!(stale.get("/account").await.status, StatusCode::SEE_OTHER);
    let r = app
        .client()
        .post(
            "/login",
            &[
                ("email", "ann@example.org"),
                ("password", "marble cactus winter harbour"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // An expired link is refused.
    let token = security::new_token();
    app.db
        .create_token(
            &security::token_hash(&token),
            TokenKind::PasswordReset,
            Some(ann),
            now() - 100,
            now() - 1,
        )
        .await
        .unwrap();
    assert_eq!(
        app.client().get(&format!("/reset/{token}")).await.status,
        StatusCode::GONE
    );
}

async fn changing_password_signs_out_other_devices(app: TestApp) {
    app.user("ann@example.org", "Ann", false).await;
    let mut laptop = app.login("ann@example.org").await;
    let mut phone = app.login("ann@example.org").await;
    let r = laptop
        .post(
            "/account/password",
            &[
                ("current", "wrong"),
                ("password", "marble cactus winter harbour"),
                ("confirm", "marble cactus winter harbour"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Your current password is not right");
    let r = laptop
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "marble cactus winter harbour"),
                ("confirm", "marble cactus winter harbour"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        laptop.get("/account").await.status,
        StatusCode::OK,
        "this device stays signed in"
    );
    assert_eq!(
        phone.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "other devices are signed out"
    );
}

async fn weak_passwords_are_refused_with_a_message(app: TestApp) {
    let admin = app.user("admin@example.org", "Admin", true).await;
    let mut a = app.signed_in(admin).await;
    for (pw, msg) in [
        ("short", "at least 8 characters"),
        ("password1", "too easy to guess"),
        ("12345678", "too easy to guess"),
    ] {
        let r = a
            .post(
                "/admin/users",
                &[
                    ("display_name", "Cal"),
                    ("email", "cal@example.org"),
                    ("password", pw),
                    ("confirm", pw),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        r.assert_contains(msg);
        r.assert_contains("value=\"cal@example.org\"");
    }
    let long = "a sixty-four character passphrase is welcome here in tandem, ok!";
    assert_eq!(long.len(), 64);
    let r = a
        .post(
            "/admin/users",
            &[
                ("display_name", "Cal"),
                ("email", "cal@example.org"),
                ("password", long),
                ("confirm", long),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a
        .post(
            "/admin/users",
            &[
                ("display_name", "Cal"),
                ("email", "CAL@example.org"),
                ("password", long),
                ("confirm", long),
            ],
        )
        .await;
    r.assert_contains("already exists");
}

async fn forms_without_csrf_token_change_nothing(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let r = c
        .post_raw("/account/name", &[("display_name", "Mallory")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("This form has expired");
    let r = c
        .post_raw(
            "/account/name",
            &[
                ("_csrf", "0123456789abcdef0123456789abcdef"),
                ("display_name", "Mallory"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.db.user_by_id(ann).await.unwrap().unwrap().display_name,
        "Ann"
    );
    // With the right token it works.
    let r = c.post("/account/name", &[("display_name", "Ann B")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.user_by_id(ann).await.unwrap().unwrap().display_name,
        "Ann B"
    );
    // Anonymous forms are protected too.
    let r = app
        .client()
        .post_raw(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn cookies_have_safe_flags(app: TestApp) {
    app.user("ann@example.org", "Ann", false).await;
    let mut c = app.client();
    let r = c
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    let session = r
        .set_cookies()
        .into_iter()
        .find(|s| s.starts_with("tandem_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http here");

    let https = TestApp::spawn_with(app.engine, |s| {
        s.public_url = "https://tandem.example".into()
    })
    .await;
    https.user("ann@example.org", "Ann", false).await;
    let mut c = https.client();
    let r = c
        .post(
            "/login",
            &[("email", "ann@example.org"), ("password", PASSWORD)],
        )
        .await;
    for cookie in r.set_cookies() {
        assert!(
            cookie.contains("Secure") && cookie.contains("HttpOnly"),
            "{cookie}"
        );
    }
    // Every cookie, whichever page set it: the flash message after signing out too.
    let out = c.post("/logout", &[]).await;
    let flash = out
        .set_cookies()
        .into_iter()
        .find(|s| s.starts_with("tandem_flash="))
        .expect("a flash message");
    assert!(
        flash.contains("Secure") && flash.contains("HttpOnly"),
        "{flash}"
    );
    for cookie in out.set_cookies() {
        assert_eq!(cookie.matches("Secure").count(), 1, "{cookie}");
    }
    // HTTPS sites tell browsers to keep to HTTPS; plain-HTTP ones (a laptop on the
    // room's wifi) do not.
    let page = c.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers.get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
    let plain = app.client().get("/login").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get("strict-transport-security").is_none());
}

async fn expired_sessions_are_refused(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let idle = security::new_token();
    let t = now();
    app.db
        .create_session(&security::token_hash(&idle), ann, t - 9 * 3600)
        .await
        .unwrap();
    let mut c = app.client();
    c.cookies.insert("tandem_session".into(), idle.clone());
    let r = c.get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    // The ended session is kept (so a form sent from an open tab can still be held for
    // Ann), but it never signs anyone in again.
    let r = c.get("/partnerships").await;
    assert!(r.location().starts_with("/login"), "{}", r.location());
    let login = c.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    login.assert_contains("Sign in");
    login.assert_contains("name=\"password\"");
    // A made-up cookie is cleared.
    let mut junk = app.client();
    junk.cookies.insert("tandem_session".into(), "f".repeat(64));
    junk.get("/account").await;
    assert!(!junk.cookies.contains_key("tandem_session"));
    // Housekeeping removes sessions past either limit.
    let old = security::new_token();
    app.db
        .create_session(&security::token_hash(&old), ann, t - 8 * 86400)
        .await
        .unwrap();
    app.db
        .touch_session(&security::token_hash(&old), t)
        .await
        .unwrap();
    let removed = app
        .db
        .delete_expired_sessions(t - 8 * 3600, t - 7 * 86400)
        .await
        .unwrap();
    assert_eq!(removed, 2, "the idle one and the one past its maximum age");
}

async fn account_name_change_validates(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let r = c.post("/account/name", &[("display_name", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Enter your name");
    let long = "x".repeat(81);
    let r = c.post("/account/name", &[("display_name", &long)]).await;
    r.assert_contains("80 characters or fewer");
    r.assert_contains(&long);
}
