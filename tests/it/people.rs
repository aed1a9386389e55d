//! Organisations, invitations, roles, removing and leaving.

use axum::http::StatusCode;
use tandem::domain::model::NewInvite;
use tandem::domain::now;
use tandem::domain::roles::Role;
use tandem::security;

use crate::both_engines;
use crate::helpers::{Client, PASSWORD, TestApp};

both_engines!(
    organisations_are_added_once_and_removed_when_empty,
    invite_creates_account_and_joins,
    invite_lets_existing_account_join,
    invites_are_single_use_revocable_and_expire,
    bad_invite_and_join_input_is_explained,
    roles_change_and_last_lead_is_protected,
    members_are_removed_and_can_leave,
);

fn invite_path(body: &str) -> String {
    let re = regex::Regex::new(r"http://tandem\.test(/invite/[0-9a-f]{64})").unwrap();
    re.captures(body)
        .unwrap_or_else(|| panic!("no invite link in:\n{body}"))[1]
        .to_string()
}

async fn org_id(app: &TestApp, slug: &str, lead: i64, name: &str) -> i64 {
    let pid = app.partnership_id(slug, lead).await;
    app.db
        .organisations(pid)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .expect("org")
        .id
}

/// Lead makes an invitation through the page; returns the link's path.
async fn invite(lead: &mut Client, slug: &str, org: i64, role: &str) -> String {
    let r = lead
        .post(
            &format!("/p/{slug}/invites"),
            &[
                ("organisation_id", &org.to_string()),
                ("role", role),
                ("note", "Kim at the health board"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    invite_path(&r.body)
}

async fn organisations_are_added_once_and_removed_when_empty(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let r = a
        .post(
            &format!("/p/{slug}/organisations"),
            &[("name", "NHS Ayrshire"), ("kind", "health")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = a
        .post(
            &format!("/p/{slug}/organisations"),
            &[("name", "nhs ayrshire"), ("kind", "health")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("already has an organisation with that name");
    r.assert_contains("value=\"nhs ayrshire\"");
    let r = a
        .post(
            &format!("/p/{slug}/organisations"),
            &[("name", ""), ("kind", "")],
        )
        .await;
    r.assert_contains("Enter the organisation&#39;s name");
    r.assert_contains("Choose what kind of organisation it is");
    let home = a.get(&format!("/p/{slug}")).await;
    home.assert_contains("NHS Ayrshire");
    home.assert_contains("Nobody from here has joined yet");

    let nhs = org_id(&app, &slug, ann, "NHS Ayrshire").await;
    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let r = a
        .post(&format!("/p/{slug}/organisations/{council}/remove"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    a.get(&format!("/p/{slug}/people"))
        .await
        .assert_contains("still has members");
    let r = a
        .post(&format!("/p/{slug}/organisations/{nhs}/remove"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let pid = app.partnership_id(&slug, ann).await;
    assert_eq!(app.db.organisations(pid).await.unwrap().len(), 1);
}

async fn invite_creates_account_and_joins(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    a.post(
        &format!("/p/{slug}/organisations"),
        &[("name", "NHS Ayrshire"), ("kind", "health")],
    )
    .await;
    let nhs = org_id(&app, &slug, ann, "NHS Ayrshire").await;
    let path = invite(&mut a, &slug, nhs, "observer").await;
    let people = a.get(&format!("/p/{slug}/people")).await;
    people.assert_contains("Kim at the health board");

    let mut kim = app.client();
    let page = kim.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Join Ayr");
    page.assert_contains("NHS Ayrshire");
    page.assert_contains("Observer");
    let r = kim
        .post(
            &path,
            &[
                ("display_name", "Kim Ross"),
                ("email", "kim@example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/p/ayr");
    let home = kim.get("/p/ayr").await;
    home.assert_contains("Welcome to Ayr");
    home.assert_contains("Kim Ross");
    let kim_id = app
        .db
        .user_by_email("kim@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, m) = app.db.membership("ayr", kim_id).await.unwrap().unwrap();
    assert_eq!(m.role, Role::Observer);
    assert_eq!(m.organisation_id, nhs);
    // Used up: gone from the lead's list, and the link is dead.
    let people = a.get(&format!("/p/{slug}/people")).await;
    assert!(
        !people.body.contains("Kim at the health board"),
        "{}",
        people.body
    );
    assert_eq!(app.client().get(&path).await.status, StatusCode::GONE);
}

async fn invite_lets_existing_account_join(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let path = invite(&mut a, &slug, council, "member").await;
    // Someone already a member does not use it up.
    let r = a.post(&path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.client().get(&path).await.status, StatusCode::OK);
    // Bob signs in and joins with one click.
    let mut b = app.signed_in(bob).await;
    let page = b.get(&path).await;
    page.assert_contains("Join Ayr</button>");
    let r = b.post(&path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.membership("ayr", bob).await.unwrap().unwrap().1.role,
        Role::Member
    );
    // A new account through the link with an email already in use is refused.
    let path2 = invite(&mut a, &slug, council, "member").await;
    let r = app
        .client()
        .post(
            &path2,
            &[
                ("display_name", "Bob again"),
                ("email", "bob@example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Sign in first");
    assert_eq!(
        app.client().get(&path2).await.status,
        StatusCode::OK,
        "still usable"
    );
}

async fn invites_are_single_use_revocable_and_expire(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let pid = app.partnership_id(&slug, ann).await;

    // Revoked.
    let path = invite(&mut a, &slug, council, "member").await;
    let id = app.db.open_invites(pid, now()).await.unwrap()[0].id;
    let r = a.post(&format!("/p/{slug}/invites/{id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .client()
        .post(
            &path,
            &[
                ("display_name", "Kim"),
                ("email", "kim@example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    r.assert_contains("no longer works");
    assert!(
        app.db
            .user_by_email("kim@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // Expired.
    let token = security::new_token();
    app.db
        .create_invite(
            &NewInvite {
                partnership_id: pid,
                organisation_id: council,
                role: Role::Member,
                note: String::new(),
                token_hash: security::token_hash(&token),
                created_by: ann,
                expires_at: now() - 1,
            },
            now() - 8 * 86400,
        )
        .await
        .unwrap();
    assert_eq!(
        app.client().get(&format!("/invite/{token}")).await.status,
        StatusCode::GONE
    );

    // Used twice: the second person is turned away.
    let path = invite(&mut a, &slug, council, "member").await;
    let r = app
        .client()
        .post(
            &path,
            &[
                ("display_name", "Kim"),
                ("email", "kim@example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .client()
        .post(
            &path,
            &[
                ("display_name", "Lou"),
                ("email", "lou@example.org"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(
        app.db
            .user_by_email("lou@example.org")
            .await
            .unwrap()
            .is_none()
    );
    // An unknown token looks the same.
    assert_eq!(
        app.client()
            .get(&format!("/invite/{}", "0".repeat(64)))
            .await
            .status,
        StatusCode::GONE
    );
}

async fn bad_invite_and_join_input_is_explained(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let r = a
        .post(
            &format!("/p/{slug}/invites"),
            &[
                ("organisation_id", ""),
                ("role", "boss"),
                ("note", "for Jo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose which organisation the person belongs to");
    r.assert_contains("Choose a role");
    r.assert_contains("value=\"for Jo\"");
    // An organisation of another partnership is not accepted.
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut b = app.signed_in(bob).await;
    let other = app.partnership(&mut b, "Troon", "troon").await;
    let foreign = org_id(&app, &other, bob, "Troon Council").await;
    let r = a
        .post(
            &format!("/p/{slug}/invites"),
            &[
                ("organisation_id", &foreign.to_string()),
                ("role", "member"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let path = invite(&mut a, &slug, council, "member").await;
    let mut kim = app.client();
    let r = kim
        .post(
            &path,
            &[
                ("display_name", "Kim"),
                ("email", "kim@"),
                ("password", "abc"),
                ("confirm", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Enter an email address in the right form");
    r.assert_contains("at least 8 characters");
    r.assert_contains("value=\"Kim\"");
    r.assert_contains("value=\"kim@\"");
}

async fn roles_change_and_last_lead_is_protected(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let path = invite(&mut a, &slug, council, "member").await;
    let mut b = app.signed_in(bob).await;
    b.post(&path, &[]).await;
    let ann_m = app.db.membership("ayr", ann).await.unwrap().unwrap().1.id;
    let bob_m = app.db.membership("ayr", bob).await.unwrap().unwrap().1.id;

    // Ann is the only lead: she cannot demote herself, be removed, or leave.
    let r = a
        .post(
            &format!("/p/{slug}/members/{ann_m}"),
            &[
                ("role", "member"),
                ("organisation_id", &council.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.membership("ayr", ann).await.unwrap().unwrap().1.role,
        Role::Lead
    );
    a.get(&format!("/p/{slug}/people"))
        .await
        .assert_contains("at least one lead");
    let r = a
        .post(&format!("/p/{slug}/leave"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.membership("ayr", ann).await.unwrap().is_some());
    a.get(&format!("/p/{slug}/people"))
        .await
        .assert_contains("only lead");

    // Make Bob a lead; then Ann can step down.
    let r = a
        .post(
            &format!("/p/{slug}/members/{bob_m}"),
            &[("role", "lead"), ("organisation_id", &council.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = a
        .post(
            &format!("/p/{slug}/members/{ann_m}"),
            &[
                ("role", "observer"),
                ("organisation_id", &council.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.membership("ayr", ann).await.unwrap().unwrap().1.role,
        Role::Observer
    );
    // Now Ann is an observer: managing is refused, reading is fine.
    let r = a
        .post(
            &format!("/p/{slug}/members/{bob_m}"),
            &[
                ("role", "member"),
                ("organisation_id", &council.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.get(&format!("/p/{slug}")).await.status, StatusCode::OK);
    // Bob, the last lead, cannot remove himself either.
    let r = b
        .post(
            &format!("/p/{slug}/members/{bob_m}/remove"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.membership("ayr", bob).await.unwrap().is_some());
    // Unknown member or organisation ids are 404, not a crash.
    let r = b
        .post(
            &format!("/p/{slug}/members/999999"),
            &[
                ("role", "member"),
                ("organisation_id", &council.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = b
        .post(
            &format!("/p/{slug}/members/{ann_m}"),
            &[("role", "member"), ("organisation_id", "999999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn members_are_removed_and_can_leave(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let cat = app.user("cat@example.org", "Cat", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let mut b = app.signed_in(bob).await;
    let mut c = app.signed_in(cat).await;
    let p1 = invite(&mut a, &slug, council, "member").await;
    b.post(&p1, &[]).await;
    let p2 = invite(&mut a, &slug, council, "observer").await;
    c.post(&p2, &[]).await;

    let bob_m = app.db.membership("ayr", bob).await.unwrap().unwrap().1.id;
    // Asked first, by name; still a member until "yes".
    let r = a
        .post(&format!("/p/{slug}/members/{bob_m}/remove"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("from the partnership?");
    assert!(app.db.membership("ayr", bob).await.unwrap().is_some());
    let r = a
        .post(
            &format!("/p/{slug}/members/{bob_m}/remove"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.get(&format!("/p/{slug}")).await.status,
        StatusCode::NOT_FOUND,
        "removed members see 404"
    );

    let r = c.post(&format!("/p/{slug}/leave"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "leaving asks first");
    r.assert_contains("Yes, leave");
    let r = c
        .post(&format!("/p/{slug}/leave"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/partnerships");
    c.get("/partnerships")
        .await
        .assert_contains("You have left Ayr");
    assert_eq!(
        c.get(&format!("/p/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
}

both_engines!(removal_and_sign_out_beat_a_warm_cache);

/// The session cache must never outlive a change made on the same node.
async fn removal_and_sign_out_beat_a_warm_cache(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let council = org_id(&app, &slug, ann, "Ayr Council").await;
    let path = invite(&mut a, &slug, council, "member").await;
    let mut b = app.signed_in(bob).await;
    b.post(&path, &[]).await;
    for _ in 0..3 {
        assert_eq!(b.get(&format!("/p/{slug}")).await.status, StatusCode::OK);
    }
    let bob_m = app.db.membership("ayr", bob).await.unwrap().unwrap().1.id;
    a.post(
        &format!("/p/{slug}/members/{bob_m}"),
        &[
            ("role", "observer"),
            ("organisation_id", &council.to_string()),
        ],
    )
    .await;
    b.get(&format!("/p/{slug}"))
        .await
        .assert_contains("You are an observer");
    a.post(
        &format!("/p/{slug}/members/{bob_m}/remove"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(
        b.get(&format!("/p/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.get("/account").await.status, StatusCode::OK);
    let session = b.cookies.get("tandem_session").cloned().unwrap();
    b.post("/logout", &[]).await;
    b.cookies.insert("tandem_session".into(), session);
    assert_eq!(
        b.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "a signed-out session stays dead"
    );
}
