//! The authorisation matrix: every route × {anonymous, outsider, observer, member,
//! lead, site admin} × {own partnership, other partnership}. A route that exists but is
//! missing here fails the test, so new routes must declare who may use them.
//!
//! Codes, one per actor in the order above:
//!   L = sent to sign in   N = 404   F = 403   G = 410 (dead link)
//!   Y = allowed (any 2xx, 422 for a form it could not accept, 409 for an edit someone
//!       else saved first, or a redirect not to sign-in)
//! For routes inside a partnership, the same request against another partnership must
//! give L for anonymous visitors and N for everyone else, and a lead of one partnership
//! naming another partnership's record by id gets N.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use tandem::domain::actions::{ActionFields, ActionSource};
use tandem::domain::conversations::{CardSnapshot, ConversationFields};
use tandem::domain::model::{Id, NewInvite, NewPartnership, TokenKind};
use tandem::domain::now;
use tandem::domain::roles::Role;
use tandem::security;

use crate::both_engines;
use crate::helpers::{Client, PASSWORD, TestApp};

const ACTORS: [&str; 6] = [
    "anonymous",
    "outsider",
    "observer",
    "member",
    "lead",
    "site admin",
];

/// (method, route, expected per actor for the own partnership, form fields)
/// Fields may use {n} (actor index), {org} (an organisation of the partnership addressed).
/// Form fields sent with a request.
type Fields = &'static [(&'static str, &'static str)];

const MATRIX: &[(&str, &str, &str, Fields)] = &[
    ("GET", "/", "YYYYYY", &[]),
    ("GET", "/login", "YYYYYY", &[]),
    (
        "POST",
        "/login",
        "YYYYYY",
        &[("email", "target@w.test"), ("password", PASSWORD)],
    ),
    ("POST", "/logout", "YYYYYY", &[]),
    ("GET", "/setup/{token}", "GGGGGG", &[]),
    (
        "POST",
        "/setup/{token}",
        "GGGGGG",
        &[
            ("display_name", "Eve"),
            ("email", "eve{n}@w.test"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    ),
    ("GET", "/reset/{token}", "YYYYYY", &[]),
    (
        "POST",
        "/reset/{token}",
        "YYYYYY",
        &[
            ("password", "granite pelican saffron lamp"),
            ("confirm", "granite pelican saffron lamp"),
        ],
    ),
    ("GET", "/account", "LYYYYY", &[]),
    (
        "POST",
        "/account/name",
        "LYYYYY",
        &[("display_name", "Renamed")],
    ),
    (
        "POST",
        "/account/password",
        "LYYYYY",
        &[
            ("current", "wrong"),
            ("password", "granite pelican saffron lamp"),
            ("confirm", "granite pelican saffron lamp"),
        ],
    ),
    ("GET", "/admin/users", "LNNNNY", &[]),
    (
        "POST",
        "/admin/users",
        "LNNNNY",
        &[
            ("display_name", "New"),
            ("email", "new{n}@w.test"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    ),
    ("POST", "/admin/users/{id}/disable", "LNNNNY", &[]),
    ("POST", "/admin/users/{id}/enable", "LNNNNY", &[]),
    ("POST", "/admin/users/{id}/reset-link", "LNNNNY", &[]),
    ("GET", "/partnerships", "LYYYYY", &[]),
    ("GET", "/partnerships/new", "LYYYYY", &[]),
    (
        "POST",
        "/partnerships",
        "LYYYYY",
        &[
            ("name", "Fresh"),
            ("slug", "fresh-{n}"),
            ("aim", "A fresh aim for a fresh group."),
            ("organisation_name", "Org"),
            ("organisation_kind", "other"),
        ],
    ),
    ("GET", "/p/{slug}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/settings", "LNFFYN", &[]),
    (
        "POST",
        "/p/{slug}/settings",
        "LNFFYN",
        &[
            ("name", "Renamed partnership"),
            ("aim", "A renamed aim for the test."),
            ("description", ""),
            ("time_zone", "Europe/London"),
        ],
    ),
    ("GET", "/p/{slug}/people", "LNYYYN", &[]),
    (
        "POST",
        "/p/{slug}/organisations",
        "LNFFYN",
        &[("name", "Added Org"), ("kind", "charity")],
    ),
    ("POST", "/p/{slug}/organisations/{id}/remove", "LNFFYN", &[]),
    (
        "POST",
        "/p/{slug}/invites",
        "LNFFYN",
        &[
            ("organisation_id", "{org}"),
            ("role", "member"),
            ("note", ""),
        ],
    ),
    ("POST", "/p/{slug}/invites/{id}/revoke", "LNFFYN", &[]),
    (
        "POST",
        "/p/{slug}/members/{id}",
        "LNFFYN",
        &[("role", "observer"), ("organisation_id", "{org}")],
    ),
    ("POST", "/p/{slug}/members/{id}/remove", "LNFFYN", &[]),
    ("POST", "/p/{slug}/leave", "LNYYYN", &[]),
    ("GET", "/p/{slug}/cards", "LNYYYN", &[]),
    ("GET", "/p/{slug}/cards/search", "LNYYYN", &[]),
    ("GET", "/p/{slug}/cards/{card}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/decks/{deck}", "LNYYYN", &[]),
    (
        "GET",
        "/p/{slug}/decks/{deck}/themes/{theme}",
        "LNYYYN",
        &[],
    ),
    ("POST", "/p/{slug}/decks/{deck}/draw", "LNFYYN", &[]),
    ("GET", "/p/{slug}/decks/new", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/decks",
        "LNFYYN",
        &[("title", "A new deck"), ("notes", "")],
    ),
    ("GET", "/p/{slug}/decks/{deck}/edit", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/decks/{deck}/edit",
        "LNFYYN",
        &[
            ("title", "Renamed deck"),
            ("notes", "Some notes."),
            ("version", "1"),
        ],
    ),
    ("POST", "/p/{slug}/decks/{deck}/copy", "LNFYYN", &[]),
    ("POST", "/p/{slug}/decks/{deck}/delete", "!LNFYYN", &[]),
    // Only a site administrator who is also a member may publish; nobody here is both.
    (
        "POST",
        "/p/{slug}/decks/{deck}/publish",
        "LNFFFN",
        &[("publish", "yes")],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/themes",
        "LNFYYN",
        &[
            ("name", "Another theme"),
            ("keywords", "a, b"),
            ("colour", "2"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/themes/{theme}",
        "LNFYYN",
        &[
            ("name", "Renamed theme"),
            ("keywords", "c, d"),
            ("colour", "1"),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/themes/{theme}/delete",
        "!LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/themes/{theme}/move",
        "LNFYYN",
        &[("direction", "up")],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/themes/{theme}/cards",
        "LNFYYN",
        &[("text", "A new question?"), ("prompt", "")],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/cards/{card}",
        "LNFYYN",
        &[
            ("text", "A changed question?"),
            ("prompt", ""),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/cards/{card}/delete",
        "!LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/decks/{deck}/cards/{card}/move",
        "LNFYYN",
        &[("direction", "down")],
    ),
    ("GET", "/p/{slug}/decks/import", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/decks/import",
        "LNFYYN",
        &[
            ("content", "# Imported\n\n## Theme\n- A question?\n"),
            ("format", "auto"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/decks/import/confirm",
        "LNFYYN",
        &[
            ("content", "# Imported\n\n## Theme\n- A question?\n"),
            ("format", "markdown"),
        ],
    ),
    ("GET", "/p/{slug}/decks/{deck}/export", "LNYYYN", &[]),
    ("GET", "/p/{slug}/decks/{deck}/print", "LNYYYN", &[]),
    ("GET", "/p/{slug}/decks/{deck}/pdf", "LNYYYN", &[]),
    ("GET", "/p/{slug}/conversations", "LNYYYN", &[]),
    ("GET", "/p/{slug}/conversations/new", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/conversations",
        "LNFYYN",
        &[
            ("title", "Planned by {n}"),
            ("date", "2031-05-06"),
            ("time", "10:00"),
            ("time_zone", "Europe/London"),
            ("place", "Town hall"),
            ("facilitator", ""),
            ("purpose", "To test."),
        ],
    ),
    ("GET", "/p/{slug}/conversations/{conv}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/conversations/{conv}/edit", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/edit",
        "LNFYYN",
        &[
            ("title", "Renamed by {n}"),
            ("date", ""),
            ("time", ""),
            ("time_zone", "Europe/London"),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/status",
        "LNFYYN",
        &[("status", "held")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/views",
        "LNFFYN",
        &[("mode", "anonymous"), ("reveal", "yes")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/delete",
        "!LNFFYN",
        &[],
    ),
    ("GET", "/p/{slug}/conversations/{conv}/add", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items",
        "LNFYYN",
        &[("title", "A free item"), ("minutes", "5")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/draw",
        "LNFYYN",
        &[("from", "deck:{deck}")],
    ),
    (
        "GET",
        "/p/{slug}/conversations/{conv}/items/{item}",
        "LNYYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items/{item}",
        "LNFYYN",
        &[("minutes", "10"), ("version", "1")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items/{item}/move",
        "LNFYYN",
        &[("direction", "down")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items/{item}/delete",
        "!LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items/{item}/record",
        "LNFYYN",
        &[
            ("notes", "Notes by {n}"),
            ("agreed", "One thing"),
            ("differ", ""),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items/{item}/draft",
        "LNFYYN",
        &[("notes", "Draft by {n}"), ("version", "1")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/items/{item}/view",
        "LNFYYN",
        &[("body", "My view, {n}")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/attendees",
        "LNFYYN",
        &[("name", "Guest {n}"), ("organisation", "Elsewhere")],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/attendance",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/conversations/{conv}/attendees/{attendee}/remove",
        "!LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/cards/{card}/use",
        "LNFYYN",
        &[("conversation", "{conv}")],
    ),
    (
        "GET",
        "/p/{slug}/conversations/{conv}/summary",
        "LNYYYN",
        &[],
    ),
    (
        "GET",
        "/p/{slug}/conversations/{conv}/summary.md",
        "LNYYYN",
        &[],
    ),
    (
        "GET",
        "/p/{slug}/conversations/{conv}/summary.pdf",
        "LNYYYN",
        &[],
    ),
    (
        "GET",
        "/p/{slug}/conversations/{conv}/export.json",
        "LNYYYN",
        &[],
    ),
    ("GET", "/p/{slug}/coverage", "LNYYYN", &[]),
    ("GET", "/p/{slug}/activity", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/new", "LNFFYN", &[]),
    (
        "POST",
        "/p/{slug}/stock",
        "LNFFYN",
        &[
            ("instrument", "health-check"),
            ("opens", "2099-01-01"),
            ("closes", "2099-01-02"),
            ("mode", "named"),
        ],
    ),
    ("GET", "/p/{slug}/stock/trends/{instrument}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/instruments/{instrument}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/{round}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/{round}/answer", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/stock/{round}/answer",
        "LNFYYN",
        &[("a-purpose-problem", "agree"), ("intent", "draft")],
    ),
    ("POST", "/p/{slug}/stock/{round}/close", "LNFFYN", &[]),
    ("POST", "/p/{slug}/stock/{round}/reveal", "LNFFYN", &[]),
    ("GET", "/p/{slug}/stock/{round}/paper", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/{round}/tally", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/stock/{round}/tally",
        "LNFYYN",
        &[
            ("organisation", ""),
            ("forms", "1"),
            ("t-purpose-problem-agree", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/stock/{round}/tally/{batch}/delete",
        "LNFFYN",
        &[],
    ),
    ("GET", "/p/{slug}/stock/{round}/results", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/{round}/results.csv", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/{round}/results.pdf", "LNYYYN", &[]),
    ("GET", "/p/{slug}/stock/{round}/answers.csv", "LNFFYN", &[]),
    (
        "POST",
        "/p/{slug}/stock/{round}/plan",
        "LNFYYN",
        &[("section", "purpose"), ("item", "purpose-problem")],
    ),
    ("GET", "/p/{slug}/checklists", "LNYYYN", &[]),
    (
        "POST",
        "/p/{slug}/checklists/{instrument}/{entry}",
        "LNFYYN",
        &[
            ("done", "yes"),
            ("note", "Done at the May board"),
            ("version", "0"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/checklists/{instrument}/{entry}/action",
        "LNFYYN",
        &[],
    ),
    ("GET", "/p/{slug}/live", "LNYYYN", &[]),
    (
        "POST",
        "/p/{slug}/live",
        "LNFYYN",
        &[("conversation", "{conv}")],
    ),
    ("GET", "/p/{slug}/live/plans/{plan}", "LNYYYN", &[]),
    ("POST", "/p/{slug}/live/plans/{plan}", "LNFYYN", &[]),
    ("GET", "/p/{slug}/live/{live}", "LNFYYN", &[]),
    ("GET", "/p/{slug}/live/{live}/screen", "LNFYYN", &[]),
    ("GET", "/p/{slug}/live/{live}/events", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/live/{live}/show",
        "LNFYYN",
        &[("step", "{step}")],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/join-code",
        "LNFYYN",
        &[("show", "no")],
    ),
    ("POST", "/p/{slug}/live/{live}/end", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}",
        "LNFYYN",
        &[
            ("title", "One?"),
            ("kind", "thoughts"),
            ("options", ""),
            ("minutes", "5"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}/state",
        "LNFYYN",
        &[("do", "close")],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}/hands",
        "LNFYYN",
        &[("hand_1", "3")],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}/release",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}/keep",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}/thoughts/{thought}",
        "LNFYYN",
        &[("do", "release")],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/steps/{step}/thoughts/{thought}/keep",
        "LNFYYN",
        &[("as", "decision")],
    ),
    (
        "POST",
        "/p/{slug}/live/{live}/participants/{participant}/remove",
        "LNFYYN",
        &[],
    ),
    // Phones: anyone may open the join pages; what a session shows is for the phones
    // that joined it only (404 to everyone else, signed in or not).
    ("GET", "/live", "YYYYYY", &[]),
    ("POST", "/live", "YYYYYY", &[("code", "{code}")]),
    ("GET", "/live/{code}", "YYYYYY", &[]),
    ("GET", "/live/{code}/events", "NNNNNN", &[]),
    (
        "POST",
        "/live/{code}/join",
        "YYYYYY",
        &[("name", "Phone {n}"), ("organisation", "")],
    ),
    (
        "POST",
        "/live/{code}/answer",
        "NNNNNN",
        &[("step", "{step}"), ("opening", "1"), ("thought", "Hello")],
    ),
    ("GET", "/p/{slug}/actions", "LNYYYN", &[]),
    ("GET", "/p/{slug}/actions.csv", "LNYYYN", &[]),
    ("GET", "/p/{slug}/actions/new", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/actions",
        "LNFYYN",
        &[
            ("title", "Do a thing {n}"),
            ("owner", ""),
            ("due", "2031-01-02"),
            ("conversation", "{conv}"),
            ("item", "{item}"),
        ],
    ),
    ("GET", "/p/{slug}/actions/{action}", "LNYYYN", &[]),
    ("GET", "/p/{slug}/actions/{action}/edit", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/actions/{action}/edit",
        "LNFYYN",
        &[
            ("title", "Changed {n}"),
            ("owner", ""),
            ("due", ""),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/actions/{action}/status",
        "LNFYYN",
        &[("status", "in_progress"), ("note", "Going well {n}")],
    ),
    ("GET", "/p/{slug}/file/risks", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/risks.csv", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/risks/new", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/risks",
        "LNFYYN",
        &[
            ("title", "A risk {n}"),
            ("likelihood", "2"),
            ("impact", "3"),
            ("owner", ""),
            ("status", "open"),
        ],
    ),
    ("GET", "/p/{slug}/file/risks/{risk}/edit", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/risks/{risk}/edit",
        "LNFYYN",
        &[
            ("title", "Changed risk {n}"),
            ("likelihood", "4"),
            ("impact", "4"),
            ("owner", ""),
            ("status", "open"),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/file/risks/{risk}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    ("GET", "/p/{slug}/file", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/stakeholders", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/stakeholders.csv", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/stakeholders/new", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/stakeholders",
        "LNFYYN",
        &[
            ("name", "A stakeholder {n}"),
            ("influence", "2"),
            ("interest", "3"),
            ("stance", "neutral"),
            ("owner", ""),
            ("contact", ""),
        ],
    ),
    (
        "GET",
        "/p/{slug}/file/stakeholders/{stakeholder}/edit",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/stakeholders/{stakeholder}/edit",
        "LNFYYN",
        &[
            ("name", "Moved stakeholder {n}"),
            ("influence", "4"),
            ("interest", "4"),
            ("stance", "supportive"),
            ("owner", ""),
            ("contact", "monthly"),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/file/stakeholders/{stakeholder}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    ("GET", "/p/{slug}/file/evaluation", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/evaluation.csv", "LNYYYN", &[]),
    (
        "GET",
        "/p/{slug}/file/evaluation/outcomes/new",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/outcomes",
        "LNFYYN",
        &[
            ("level", "people"),
            ("statement", "Carers have more say {n}."),
        ],
    ),
    (
        "GET",
        "/p/{slug}/file/evaluation/outcomes/{outcome}/edit",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/outcomes/{outcome}/edit",
        "LNFYYN",
        &[
            ("level", "together"),
            ("statement", "Partners trust each other more {n}."),
            ("version", "1"),
        ],
    ),
    (
        "GET",
        "/p/{slug}/file/evaluation/outcomes/{outcome}/indicators/new",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/outcomes/{outcome}/indicators",
        "LNFYYN",
        &[("name", "Carers who say so {n}"), ("collector", "")],
    ),
    (
        "GET",
        "/p/{slug}/file/evaluation/indicators/{indicator}",
        "LNYYYN",
        &[],
    ),
    (
        "GET",
        "/p/{slug}/file/evaluation/indicators/{indicator}/edit",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/indicators/{indicator}/edit",
        "LNFYYN",
        &[
            ("name", "Changed indicator {n}"),
            ("collector", ""),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/indicators/{indicator}/evidence",
        "LNFYYN",
        &[("day", "2026-03-01"), ("value", "{n} carers")],
    ),
    (
        "GET",
        "/p/{slug}/file/evaluation/evidence/{evidence}/file",
        "LNYYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/evidence/{evidence}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/indicators/{indicator}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    (
        "POST",
        "/p/{slug}/file/evaluation/outcomes/{outcome}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    ("GET", "/p/{slug}/file/logic-model", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/logic-model.csv", "LNYYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/logic-model/items",
        "LNFYYN",
        &[("kind", "activity"), ("text", "A weekly drop-in {n}")],
    ),
    (
        "GET",
        "/p/{slug}/file/logic-model/items/{logic}/edit",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/logic-model/items/{logic}/edit",
        "LNFYYN",
        &[
            ("kind", "assumption"),
            ("text", "Carers can get there {n}"),
            ("still_true", "yes"),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/file/logic-model/items/{logic}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    ("GET", "/p/{slug}/file/agreement", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/agreement.docx", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/agreement.pdf", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/agreement/edit", "LNFYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/agreement/edit",
        "LNFYYN",
        &[
            ("purpose", "Carers get joined-up support {n}."),
            ("number", "1"),
            ("version", "1"),
        ],
    ),
    // Leads ask for sign-off; members of an organisation sign for it.
    ("POST", "/p/{slug}/file/agreement/request", "LNFFYN", &[]),
    (
        "POST",
        "/p/{slug}/file/agreement/sign",
        "LNFYYN",
        &[
            ("organisation", "{org}"),
            ("number", "1"),
            ("confirm", "yes"),
        ],
    ),
    (
        "GET",
        "/p/{slug}/file/agreement/versions/{number}",
        "LNYYYN",
        &[],
    ),
    ("GET", "/p/{slug}/file/communications", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/communications.csv", "LNYYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/communications",
        "LNFYYN",
        &[
            ("group", "Staff in every partner {n}"),
            ("message", "What the drop-in offers"),
            ("frequency", "monthly"),
            ("owner", ""),
            ("next", "2031-01-15"),
        ],
    ),
    (
        "GET",
        "/p/{slug}/file/communications/{comms}/edit",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/communications/{comms}/edit",
        "LNFYYN",
        &[
            ("stakeholder", "s:{stakeholder}"),
            ("message", "Changed {n}"),
            ("frequency", ""),
            ("owner", ""),
            ("version", "1"),
        ],
    ),
    (
        "POST",
        "/p/{slug}/file/communications/{comms}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    ("GET", "/p/{slug}/file/skills", "LNYYYN", &[]),
    ("GET", "/p/{slug}/file/skills.csv", "LNYYYN", &[]),
    (
        "POST",
        "/p/{slug}/file/skills",
        "LNFYYN",
        &[("name", "Running focus groups {n}"), ("kind", "skill")],
    ),
    (
        "GET",
        "/p/{slug}/file/skills/organisations/{org}",
        "LNFYYN",
        &[],
    ),
    (
        "POST",
        "/p/{slug}/file/skills/organisations/{org}",
        "LNFYYN",
        &[("fingerprint", ""), ("offers-{skill}", "yes")],
    ),
    (
        "POST",
        "/p/{slug}/file/skills/{skill}/delete",
        "!LNFYYN",
        &[("confirm", "yes")],
    ),
    ("GET", "/actions", "LYYYYY", &[]),
    ("POST", "/actions/calendar", "LYYYYY", &[]),
    ("GET", "/calendar/{token}", "YYYYYY", &[]),
    // A held form is the lead's own: nobody else, not even a site admin, sees it.
    ("GET", "/held/{token}", "LNNNYN", &[]),
    ("POST", "/held/{token}/discard", "LNNNYN", &[]),
    ("GET", "/invite/{token}", "YYYYYY", &[]),
    (
        "POST",
        "/invite/{token}",
        "YYYYYY",
        &[
            ("display_name", "Joiner"),
            ("email", "joiner{n}@w.test"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    ),
];

both_engines!(
    every_route_is_in_the_matrix_and_enforced,
    outsiders_cannot_tell_missing_from_private,
    no_route_fails_on_control_characters
);

/// Ids of one partnership's records.
struct Side {
    slug: String,
    org: Id,
    org_empty: Id,
    invite: Id,
    member: Id,
    /// The partnership's own (unpublished) deck, one of its themes and one of its cards.
    deck: Id,
    theme: Id,
    card: Id,
    /// A conversation with one card item, a guest, and an action from that item.
    conv: Id,
    item: Id,
    attendee: Id,
    action: Id,
    /// A risk on the register.
    risk: Id,
    /// A stakeholder on the map.
    stakeholder: Id,
    /// An outcome on the evaluation plan, one of its indicators, and an evidence entry
    /// with a file.
    outcome: Id,
    indicator: Id,
    evidence: Id,
    /// An assumption on the logic model.
    logic: Id,
    /// A line of the communications plan.
    comms: Id,
    /// A row of the skills grid.
    skill: Id,
    /// A named health-check round with its results shown, and a batch of paper
    /// answers (entered by the lead) that splits opinion on one item.
    round: Id,
    batch: Id,
    /// A live session of the conversation, on its first step, with one phone joined
    /// and one thought sent.
    live: Id,
    step: Id,
    thought: Id,
    participant: Id,
    code: String,
}

struct World {
    own: Side,
    other: Side,
    target_user: Id,
    /// Per-actor one-time tokens, so one actor using a link does not spoil it for the next.
    reset_tokens: Vec<String>,
    invite_tokens: Vec<String>,
    setup_token: String,
    /// The lead's calendar feed, and a form held after a session ended.
    calendar_token: String,
    held_token: String,
    actors: Vec<Client>,
}

async fn side(app: &TestApp, lead: Id, slug: &str, target: Id) -> Side {
    let new = NewPartnership {
        slug: slug.into(),
        name: format!("Partnership {slug}"),
        aim: "An aim for the matrix test.".into(),
        description: String::new(),
        organisation_name: "Home Org".into(),
        organisation_kind: "charity".into(),
    };
    let tandem::db::CreatePartnership::Created(p) =
        app.db.create_partnership(&new, lead, now()).await.unwrap()
    else {
        panic!("slug")
    };
    let orgs = app.db.organisations(p.id).await.unwrap();
    let org = orgs[0].id;
    let org_empty = app
        .db
        .add_organisation(p.id, "Empty Org", "other", now())
        .await
        .unwrap()
        .unwrap();
    let invite = make_invite(app, p.id, org, lead, Role::Member).await.0;
    app.join(p.id, org, lead, target, Role::Member).await;
    let member = app.db.membership(slug, target).await.unwrap().unwrap().1.id;
    let data = tandem::domain::decks::parse_markdown(
        "# Own deck\n\n## First\n- One?\n- Two?\n\n## Second\n- Three?\n",
    )
    .unwrap();
    let deck = app
        .db
        .create_deck(p.id, Some(lead), &data, now())
        .await
        .unwrap();
    let theme = app.db.themes(deck).await.unwrap()[1].id;
    let card = app.db.deck_cards(deck).await.unwrap()[0].id;
    let talk = &*app.db;
    let conv = talk
        .create_conversation(
            p.id,
            &ConversationFields {
                title: "Matrix meeting".into(),
                time_zone: "Europe/London".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let snap = CardSnapshot {
        card_id: card,
        text: "One?".into(),
        prompt: None,
        deck_title: "Own deck".into(),
        theme_name: "First".into(),
        colour: "#1d4f91".into(),
    };
    let item = talk.add_card_item(conv, &snap, 10, now()).await.unwrap();
    talk.add_attendee(conv, None, "A guest", "Guest Org")
        .await
        .unwrap();
    let attendee = talk.attendees(conv).await.unwrap()[0].id;
    let action = talk
        .create_action(
            p.id,
            &ActionFields {
                title: "An action".into(),
                ..Default::default()
            },
            &ActionSource {
                conversation_id: Some(conv),
                item_id: Some(item),
                label: "Conversation: Matrix meeting".into(),
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let risk = app
        .db
        .create_risk(
            p.id,
            &tandem::domain::file::RiskFields {
                title: "A risk".into(),
                likelihood: 3,
                impact: 3,
                status: "open".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let stakeholder = app
        .db
        .create_stakeholder(
            p.id,
            &tandem::domain::file::StakeholderFields {
                name: "A stakeholder".into(),
                influence: 2,
                interest: 2,
                stance: "unknown".into(),
                ..Default::default()
            },
            lead,
            "2026-01-01",
            now(),
        )
        .await
        .unwrap();
    let (outcome, indicator, evidence) = evaluation_records(app, p.id, lead).await;
    let skill = app
        .db
        .create_skill(p.id, "Running focus groups", "skill", lead, now())
        .await
        .unwrap();
    let comms = app
        .db
        .create_comms_item(
            p.id,
            &tandem::domain::file::CommsFields {
                audience: "Staff".into(),
                message: "What the drop-in offers".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    app.db
        .save_agreement(
            p.id,
            None,
            &tandem::domain::file::AgreementFields {
                purpose: "Carers get joined-up support.".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let logic = app
        .db
        .create_logic_item(
            p.id,
            &tandem::domain::file::LogicFields {
                kind: "assumption".into(),
                text: "Carers can get to the drop-in".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let stock = &*app.db;
    let hc = stock
        .latest_instruments()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.key == "health-check")
        .unwrap();
    let round = stock
        .create_round(
            p.id,
            &tandem::domain::stock::RoundFields {
                instrument_id: hc.id,
                title: "Matrix round".into(),
                opens_on: "2000-01-01".into(),
                closes_on: "2099-12-31".into(),
                anonymous: false,
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    stock.reveal_round(round).await.unwrap();
    let batch = stock
        .add_paper(
            round,
            &tandem::db::stock::NewPaper {
                organisation_name: "Home Org".into(),
                forms: 2,
                note: String::new(),
                lines: vec![
                    ("purpose-problem".into(), "strongly-agree".into(), 1),
                    ("purpose-problem".into(), "strongly-disagree".into(), 1),
                ],
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let code =
        tandem::domain::live::code_from(uuid::Uuid::new_v4().as_bytes()[..6].try_into().unwrap());
    let steps = vec![tandem::db::live::NewStep {
        item_id: Some(item),
        title: "One?".into(),
        kind: "thoughts".into(),
        ..Default::default()
    }];
    let live = app
        .db
        .start_live_session(
            &tandem::db::live::NewSession {
                partnership_id: p.id,
                conversation_id: Some(conv),
                title: "Matrix live",
                code: &code,
                created_by: lead,
                plan_key: None,
            },
            &steps,
            now(),
        )
        .await
        .unwrap()
        .expect("a free code");
    let session = app.db.live_session(live).await.unwrap().unwrap();
    let first = app.db.live_steps(live).await.unwrap().remove(0);
    app.db
        .show_step(&session, Some(&first), now())
        .await
        .unwrap();
    let first = app.db.live_step(first.id).await.unwrap().unwrap();
    let participant = app
        .db
        .join_live(
            live,
            &security::token_hash(&security::new_token()),
            "Pat",
            None,
            now(),
        )
        .await
        .unwrap();
    app.db
        .add_live_thought(&first, first.opening, participant, "A thought", now())
        .await
        .unwrap();
    let thought = app.db.live_thoughts(first.id).await.unwrap()[0].id;
    Side {
        live,
        step: first.id,
        thought,
        participant,
        code,
        round,
        batch,
        slug: slug.into(),
        org,
        org_empty,
        invite,
        member,
        deck,
        theme,
        card,
        conv,
        item,
        attendee,
        action,
        risk,
        stakeholder,
        outcome,
        indicator,
        evidence,
        logic,
        comms,
        skill,
    }
}

/// An outcome, an indicator and an evidence entry with a small PDF, its bytes where
/// the engine keeps them (the data folder on SQLite, the database on PostgreSQL).
async fn evaluation_records(app: &TestApp, pid: Id, lead: Id) -> (Id, Id, Id) {
    use tandem::domain::file::{EvidenceFields, IndicatorFields, OutcomeFields};
    let o = app
        .db
        .create_outcome(
            pid,
            &OutcomeFields {
                level: "people".into(),
                statement: "Carers feel less alone.".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let outcome = app.db.outcome(o).await.unwrap().unwrap();
    let i = app
        .db
        .create_indicator(
            &outcome,
            &IndicatorFields {
                name: "Carers who say so".into(),
                ..Default::default()
            },
            lead,
            now(),
        )
        .await
        .unwrap();
    let indicator = app.db.indicator(i).await.unwrap().unwrap();
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let mut fields = EvidenceFields {
        recorded_on: "2026-03-01".into(),
        value: "7".into(),
        file: Some((
            "survey.pdf".into(),
            "application/pdf".into(),
            pdf.len() as i64,
        )),
        ..Default::default()
    };
    let in_db = match app.db.engine() {
        tandem::db::Engine::Sqlite => {
            let rel = format!("{pid}/{}", security::new_token());
            let path = app.state.settings.data_dir.join("evidence").join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &pdf).unwrap();
            fields.file_path = Some(rel);
            None
        }
        tandem::db::Engine::Postgres => Some(pdf.as_slice()),
    };
    let e = app
        .db
        .create_evidence(&indicator, &fields, in_db, lead, now())
        .await
        .unwrap();
    (o, i, e)
}

async fn make_invite(app: &TestApp, pid: Id, org: Id, by: Id, role: Role) -> (Id, String) {
    let token = security::new_token();
    let id = app
        .db
        .create_invite(
            &NewInvite {
                partnership_id: pid,
                organisation_id: org,
                role,
                note: String::new(),
                token_hash: security::token_hash(&token),
                created_by: by,
                expires_at: now() + 86400,
            },
            now(),
        )
        .await
        .unwrap();
    (id, token)
}

async fn world(app: &TestApp, n: usize) -> World {
    let u = |who: &str| format!("{who}{n}@w.test");
    let admin = app.user(&u("admin"), "Admin", true).await;
    let outsider = app.user(&u("outsider"), "Outsider", false).await;
    let observer = app.user(&u("observer"), "Observer", false).await;
    let member = app.user(&u("member"), "Member", false).await;
    let lead = app.user(&u("lead"), "Lead", false).await;
    let target = if n == 0 {
        app.user("target@w.test", "Target", false).await
    } else {
        app.user(&u("target"), "Target", false).await
    };
    let lead2 = app.user(&u("lead-other"), "Other Lead", false).await;
    let target2 = app.user(&u("target-other"), "Other Target", false).await;

    let own = side(app, lead, &format!("own-{n}"), target).await;
    let other = side(app, lead2, &format!("other-{n}"), target2).await;
    let own_pid = app.partnership_id(&own.slug, lead).await;
    app.join(own_pid, own.org, lead, observer, Role::Observer)
        .await;
    app.join(own_pid, own.org, lead, member, Role::Member).await;

    let mut reset_tokens = Vec::new();
    let mut invite_tokens = Vec::new();
    for _ in ACTORS {
        let t = security::new_token();
        app.db
            .create_token(
                &security::token_hash(&t),
                TokenKind::PasswordReset,
                Some(target),
                now(),
                now() + 3600,
            )
            .await
            .unwrap();
        reset_tokens.push(t);
        invite_tokens.push(
            make_invite(app, own_pid, own.org, lead, Role::Member)
                .await
                .1,
        );
    }
    // A set-up link exists, but an admin does too, so it must not work.
    let setup_token = security::new_token();
    app.db
        .create_token(
            &security::token_hash(&setup_token),
            TokenKind::Setup,
            None,
            now(),
            now() + 3600,
        )
        .await
        .unwrap();

    let calendar_token = security::new_token();
    app.db
        .set_calendar_token(lead, &security::token_hash(&calendar_token), now())
        .await
        .unwrap();
    let held_token = security::new_token();
    app.db
        .hold_post(
            &security::token_hash(&held_token),
            Some(lead),
            &format!("/p/{}/conversations", own.slug),
            "title=Held&_csrf=old",
            now(),
            now() + 3600,
        )
        .await
        .unwrap();
    let mut actors = vec![app.client()];
    for id in [outsider, observer, member, lead, admin] {
        actors.push(app.signed_in(id).await);
    }
    World {
        own,
        other,
        target_user: target,
        reset_tokens,
        invite_tokens,
        setup_token,
        calendar_token,
        held_token,
        actors,
    }
}

fn fill(template: &str, side: &Side, w: &World, actor: usize) -> String {
    // `{id}` means the record the route is about, named by the segment before it.
    let id = if template.contains("/admin/users/{id}") {
        w.target_user
    } else if template.contains("/organisations/{id}") {
        side.org_empty
    } else if template.contains("/invites/{id}") {
        side.invite
    } else {
        side.member
    };
    template
        .replace("{id}", &id.to_string())
        .replace("{deck}", &side.deck.to_string())
        .replace("{theme}", &side.theme.to_string())
        .replace("{card}", &side.card.to_string())
        .replace("{conv}", &side.conv.to_string())
        .replace("{item}", &side.item.to_string())
        .replace("{attendee}", &side.attendee.to_string())
        .replace("{action}", &side.action.to_string())
        .replace("{risk}", &side.risk.to_string())
        .replace("{stakeholder}", &side.stakeholder.to_string())
        .replace("{outcome}", &side.outcome.to_string())
        .replace("{indicator}", &side.indicator.to_string())
        .replace("{evidence}", &side.evidence.to_string())
        .replace("{logic}", &side.logic.to_string())
        .replace("{comms}", &side.comms.to_string())
        .replace("{skill}", &side.skill.to_string())
        .replace("{round}", &side.round.to_string())
        .replace("{batch}", &side.batch.to_string())
        .replace("{live}", &side.live.to_string())
        .replace("{step}", &side.step.to_string())
        .replace("{thought}", &side.thought.to_string())
        .replace("{participant}", &side.participant.to_string())
        .replace("{code}", &side.code)
        .replace("{instrument}", "health-check")
        .replace("{plan}", "first-meeting")
        .replace("{entry}", "purpose-c1")
        .replace("{slug}", &side.slug)
        .replace("{org_empty}", &side.org_empty.to_string())
        .replace("{org}", &side.org.to_string())
        // Agreement versions are numbered within each partnership: the first is 1.
        .replace("{number}", "1")
        .replace("{invite}", &side.invite.to_string())
        .replace("{member}", &side.member.to_string())
        .replace("{user}", &w.target_user.to_string())
        .replace("{n}", &actor.to_string())
}

fn token_for(route: &str, w: &World, actor: usize) -> String {
    if route.starts_with("/reset/") {
        w.reset_tokens[actor].clone()
    } else if route.starts_with("/invite/") {
        w.invite_tokens[actor].clone()
    } else if route.starts_with("/calendar/") {
        w.calendar_token.clone()
    } else if route.starts_with("/held/") {
        w.held_token.clone()
    } else {
        w.setup_token.clone()
    }
}

async fn send(
    c: &mut Client,
    method: &str,
    path: &str,
    fields: &[(String, String)],
) -> crate::helpers::Resp {
    if method == "GET" && path.split('?').next().unwrap_or("").ends_with("/events") {
        c.open(path).await
    } else if method == "GET" {
        c.get(path).await
    } else {
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        c.post(path, &f).await
    }
}

#[track_caller]
fn check(code: char, r: &crate::helpers::Resp, what: &str) {
    let to_login = r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next=");
    let ok = match code {
        'L' => to_login,
        'N' => r.status == StatusCode::NOT_FOUND,
        'F' => r.status == StatusCode::FORBIDDEN,
        'G' => r.status == StatusCode::GONE,
        'Y' => {
            !to_login
                && (r.status.is_success()
                    || r.status.is_redirection()
                    || r.status == StatusCode::UNPROCESSABLE_ENTITY
                    || r.status == StatusCode::CONFLICT)
        }
        _ => unreachable!(),
    };
    assert!(
        ok,
        "{what}: expected {code}, got {} (location {:?})\n{}",
        r.status,
        r.location(),
        &r.body[..r.body.len().min(600)]
    );
}

async fn every_route_is_in_the_matrix_and_enforced(app: TestApp) {
    // 1. The matrix names exactly the routes the app has.
    let routes = tandem::web::app::app_routes().list;
    let actual: BTreeSet<(String, String)> = routes
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let declared: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = actual.difference(&declared).collect();
    let stale: Vec<_> = declared.difference(&actual).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the authorisation matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that no longer exist: {stale:?}"
    );

    // 2. Each route, in a fresh world, for each actor.
    for (i, (method, route, own_codes, fields)) in MATRIX.iter().enumerate() {
        // "!" marks a route that destroys its target: each visitor gets a fresh world.
        let (fresh_each, own_codes) = match own_codes.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, *own_codes),
        };
        let mut w = world(&app, i * 10).await;
        let in_partnership = route.contains("{slug}");
        for (a, code) in own_codes.chars().enumerate() {
            if fresh_each && a > 0 {
                w = world(&app, i * 10 + a).await;
            }
            let token = token_for(route, &w, a);
            let route = route.replace("{token}", &token);
            let body = |side: &Side, w: &World| -> Vec<(String, String)> {
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), fill(v, side, w, a)))
                    .collect()
            };
            if in_partnership {
                // Another partnership: only its own members could tell it exists.
                let path = fill(&route, &w.other, &w, a);
                let fb = body(&w.other, &w);
                let r = send(&mut w.actors[a], method, &path, &fb).await;
                let expected = if a == 0 { 'L' } else { 'N' };
                check(
                    expected,
                    &r,
                    &format!("{method} {path} as {} (other partnership)", ACTORS[a]),
                );
                // Own partnership in the address, but another partnership's record by id.
                let names_records = [
                    "{id}",
                    "{deck}",
                    "{theme}",
                    "{card}",
                    "{conv}",
                    "{item}",
                    "{attendee}",
                    "{action}",
                    "{risk}",
                    "{stakeholder}",
                    "{outcome}",
                    "{indicator}",
                    "{evidence}",
                    "{logic}",
                    "{comms}",
                    "{skill}",
                    "{round}",
                    "{batch}",
                    "{live}",
                ]
                .iter()
                .any(|p| route.contains(p));
                if ACTORS[a] == "lead" && names_records {
                    // Another partnership's records under our own address; where a theme or
                    // card is named, under our own deck too.
                    let deeper = route.contains("{theme}") || route.contains("{card}");
                    // Likewise an item or guest of another partnership under our own conversation.
                    let deeper_conv = route.contains("{item}")
                        || route.contains("{attendee}")
                        || route.contains("{card}");
                    let hybrid = Side {
                        slug: w.own.slug.clone(),
                        org: w.own.org,
                        org_empty: w.other.org_empty,
                        invite: w.other.invite,
                        member: w.other.member,
                        deck: if deeper { w.own.deck } else { w.other.deck },
                        theme: w.other.theme,
                        card: w.other.card,
                        conv: if deeper_conv {
                            w.own.conv
                        } else {
                            w.other.conv
                        },
                        item: w.other.item,
                        attendee: w.other.attendee,
                        action: w.other.action,
                        risk: w.other.risk,
                        stakeholder: w.other.stakeholder,
                        outcome: w.other.outcome,
                        indicator: w.other.indicator,
                        evidence: w.other.evidence,
                        logic: w.other.logic,
                        comms: w.other.comms,
                        skill: w.other.skill,
                        round: w.other.round,
                        batch: w.other.batch,
                        // A step, thought or phone of another partnership's session
                        // under our own session's address.
                        live: if route.contains("{step}") || route.contains("{participant}") {
                            w.own.live
                        } else {
                            w.other.live
                        },
                        step: w.other.step,
                        thought: w.other.thought,
                        participant: w.other.participant,
                        code: w.other.code.clone(),
                    };
                    let path = fill(&route, &hybrid, &w, a);
                    let fb = body(&hybrid, &w);
                    let r = send(&mut w.actors[a], method, &path, &fb).await;
                    check(
                        'N',
                        &r,
                        &format!("{method} {path} as lead naming another partnership's record"),
                    );
                }
            }
            let path = fill(&route, &w.own, &w, a);
            let fb = body(&w.own, &w);
            let r = send(&mut w.actors[a], method, &path, &fb).await;
            check(code, &r, &format!("{method} {path} as {}", ACTORS[a]));
        }
        // 3. Every form refuses a request without a CSRF token (lead, own partnership).
        if *method == "POST" {
            // Ask as someone the route lets in, so the refusal is the CSRF check's.
            let Some(who) = own_codes.rfind('Y') else {
                continue; // nobody may reach this handler at all
            };
            let mut w = world(&app, 10_000 + i).await;
            let path = fill(
                &route.replace("{token}", &token_for(route, &w, who)),
                &w.own,
                &w,
                who,
            );
            let r = w.actors[who].post_raw(&path, &[("x", "y")]).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "POST {path} without CSRF token must be refused"
            );
        }
    }
}

async fn outsiders_cannot_tell_missing_from_private(app: TestApp) {
    let w = world(&app, 0).await;
    let mut outsider = w.actors.into_iter().nth(1).unwrap();
    // The pages are identical but for the CSRF token, which every page masks afresh.
    let mask = regex::Regex::new(r#"name="_csrf" value="[0-9a-f]+""#).unwrap();
    for suffix in ["", "/people", "/settings"] {
        let private = outsider.get(&format!("/p/{}{suffix}", w.own.slug)).await;
        let missing = outsider
            .get(&format!("/p/no-such-partnership{suffix}"))
            .await;
        assert_eq!(private.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let unmasked = |body: &str| {
            mask.replace_all(body, r#"name="_csrf" value="""#)
                .into_owned()
        };
        assert_eq!(
            unmasked(&private.body),
            unmasked(&missing.body),
            "the two 404 pages must be identical"
        );
        // A 404 on purpose (checked above), so the plain check is the right one here.
        assert!(!private.body.contains("Partnership own-0"));
    }
}

/// Control characters in every field of every form, in the query of every page and in
/// the address itself, as the lead (who reaches deepest) and as an anonymous visitor:
/// never a 500 on either engine (PostgreSQL refuses NUL in text; SQLite stores it).
async fn no_route_fails_on_control_characters(app: TestApp) {
    const NASTY: [&str; 3] = ["\u{0}", "a\u{0}b\u{b}c\u{1b}", "\u{7f}\u{85}x\u{0}"];
    let mut sent = 0;
    let mut failures = Vec::new();
    for (i, (method, route, own_codes, fields)) in MATRIX.iter().enumerate() {
        let lead = 4;
        let mut w = world(&app, 20_000 + i).await;
        let token = token_for(route, &w, lead);
        let route = route.replace("{token}", &token);
        let path = fill(&route, &w.own, &w, lead);
        let clean: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), fill(v, &w.own, &w, lead)))
            .collect();
        let mut attempts: Vec<(String, Vec<(String, String)>)> = Vec::new();
        if *method == "POST" {
            // Each field in turn, then all at once, then an extra unknown field.
            for (n, nasty) in NASTY.iter().enumerate() {
                for j in 0..clean.len() {
                    let mut f = clean.clone();
                    f[j].1 = format!("{}{nasty}", f[j].1);
                    attempts.push((path.clone(), f));
                }
                let all = clean
                    .iter()
                    .map(|(k, v)| (k.clone(), format!("{nasty}{v}{nasty}")))
                    .collect();
                attempts.push((path.clone(), all));
                let mut extra = clean.clone();
                extra.push((format!("x{n}\u{0}"), (*nasty).to_string()));
                attempts.push((path.clone(), extra));
            }
        } else {
            for q in ["q=%00", "next=%2F%00x", "status=%00&format=%1B", "%00=%00"] {
                let sep = if path.contains('?') { '&' } else { '?' };
                attempts.push((format!("{path}{sep}{q}"), vec![]));
            }
        }
        // The address itself: a control character in each of its parts.
        let segments: Vec<&str> = path.split('/').collect();
        for k in 1..segments.len() {
            let mut s = segments.clone();
            let bad = format!("{}%00", s[k]);
            s[k] = &bad;
            attempts.push((s.join("/"), clean.clone()));
        }
        let _ = own_codes;
        for (who, label) in [(lead, "lead"), (0, "anonymous")] {
            for (p, f) in &attempts {
                let r = send(&mut w.actors[who], method, p, f).await;
                sent += 1;
                if r.status.is_server_error() {
                    failures.push(format!("{method} {p:?} as {label} {f:?}: {}", r.status));
                }
            }
        }
    }
    assert!(sent > 1000, "only {sent} requests");
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
