//! The logic model (`/p/{slug}/file/logic-model`): inputs → activities → outputs →
//! short- and medium-term outcomes → impact, with the assumptions and risks underneath.
//! The outcomes are the evaluation plan's (changed there, changed here) and the risks
//! the register's open ones; the rest are the model's own items, version-checked. Drawn
//! as an SVG that prints on A4 or A3 landscape, with the same model in words beside it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::db::Saved;
use crate::domain::decks::tidy;
use crate::domain::file::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::time::add_days;
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::download::{csv_attachment, csv_safe};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, ConfirmPage, Confirmed, Errors, PageCtx, charts};
use crate::web::{activity::log, redirect_with_flash, render, render_status, short};

const MAX_TEXT: usize = 500;

fn model_url(slug: &str) -> String {
    format!("/p/{slug}/file/logic-model")
}

async fn own_item(state: &AppState, m: &Member, id: Id) -> Result<LogicItemRow, AppError> {
    state
        .db
        .logic_item(id)
        .await?
        .filter(|i| i.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// A column of the model in words: heading, and its items with (for the model's own)
/// the id to change them by.
pub(super) struct Column {
    pub key: &'static str,
    pub title: &'static str,
    pub items: Vec<(Option<Id>, String)>,
}

/// The whole model, in the drawing's order.
struct Model {
    columns: Vec<Column>,
    assumptions: Vec<LogicItemRow>,
    risks: Vec<RiskRow>,
}

async fn model(state: &AppState, pid: Id) -> Result<Model, AppError> {
    let (items, outcomes, risks) = tokio::try_join!(
        state.db.logic_items(pid),
        state.db.outcomes(pid),
        state.db.risks(pid)
    )?;
    let own = |kind: &str| -> Vec<(Option<Id>, String)> {
        items
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| (Some(i.id), i.text.clone()))
            .collect()
    };
    let of_term = |term: &str| -> Vec<(Option<Id>, String)> {
        outcomes
            .iter()
            .filter(|o| o.term == term || (term == "short" && o.term != "medium"))
            .map(|o| (None, o.statement.clone()))
            .collect()
    };
    let columns = vec![
        Column {
            key: "input",
            title: kind_label("input"),
            items: own("input"),
        },
        Column {
            key: "activity",
            title: kind_label("activity"),
            items: own("activity"),
        },
        Column {
            key: "output",
            title: kind_label("output"),
            items: own("output"),
        },
        Column {
            key: "short",
            title: TERMS[0].1,
            items: of_term("short"),
        },
        Column {
            key: "medium",
            title: TERMS[1].1,
            items: of_term("medium"),
        },
        Column {
            key: "impact",
            title: kind_label("impact"),
            items: own("impact"),
        },
    ];
    Ok(Model {
        columns,
        assumptions: items
            .into_iter()
            .filter(|i| i.kind == "assumption")
            .collect(),
        risks: risks.into_iter().filter(RiskRow::is_open).collect(),
    })
}

#[derive(Template)]
#[template(path = "file/logic_model.html")]
struct ModelPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    drawing: String,
    columns: Vec<Column>,
    assumptions: Vec<LogicItemRow>,
    risks: Vec<RiskRow>,
    stale_from: String,
    a3: bool,
    errors: Errors,
    f: ItemForm,
    kinds: &'static [(&'static str, &'static str, &'static str)],
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PaperQuery {
    paper: String,
}

async fn model_page(
    state: &AppState,
    m: &Member,
    a3: bool,
    errors: Errors,
    f: ItemForm,
) -> Result<Response, AppError> {
    let Model {
        columns,
        assumptions,
        risks,
    } = model(state, m.partnership.id).await?;
    let drawn: Vec<(&str, Vec<String>)> = columns
        .iter()
        .map(|c| (c.title, c.items.iter().map(|(_, t)| t.clone()).collect()))
        .collect();
    let drawing = charts::logic_model(
        "logic-model",
        "The logic model",
        "Six columns from left to right: inputs and resources, activities, outputs, \
         short-term outcomes, medium-term outcomes and impact, with the assumptions and \
         the open risks underneath. The same model is written out below the drawing.",
        &drawn,
        &[
            (
                "Assumptions",
                assumptions.iter().map(|a| a.text.clone()).collect(),
            ),
            (
                "Risks (open, from the register)",
                risks.iter().map(|r| r.title.clone()).collect(),
            ),
        ],
    );
    let status = errors.status();
    render_status(
        status,
        &ModelPage {
            c: m.page("Logic model").quiet(!errors.is_empty()),
            slug: m.partnership.slug.clone(),
            can_edit: can(m.role(), Action::EditContent),
            drawing,
            columns,
            assumptions,
            risks,
            stale_from: add_days(&m.partnership.today(), -ASSUMPTION_STALE_DAYS),
            a3,
            errors,
            f,
            kinds: &LOGIC_KINDS,
        },
    )
}

pub(super) async fn page(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<PaperQuery>,
) -> Result<Response, AppError> {
    model_page(
        &state,
        &m,
        q.paper == "a3",
        Errors::default(),
        ItemForm::default(),
    )
    .await
}

// ---------------------------------------------------------------- items

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ItemForm {
    kind: String,
    text: String,
    /// Assumptions: `yes`, `no` or '' (not checked).
    still_true: String,
    version: i64,
}

fn check(m: &Member, f: &ItemForm, errors: &mut Errors) -> LogicFields {
    let kind = match LOGIC_KINDS.iter().find(|(k, _, _)| *k == f.kind.trim()) {
        Some((k, _, _)) => k.to_string(),
        None => {
            errors.add("kind", "Choose which part of the model it belongs to");
            String::new()
        }
    };
    let text = tidy(&f.text);
    if text.is_empty() {
        errors.add("text", "Write what it is");
    } else if text.chars().count() > MAX_TEXT {
        errors.add("text", "Keep it to 500 characters or fewer");
    }
    let still_true = match f.still_true.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        "" => None,
        _ => {
            errors.add("still_true", "Choose whether it is still true");
            None
        }
    };
    // Saving an assumption with an answer to "still true?" is checking it: today.
    let checked_on = (kind == "assumption" && still_true.is_some()).then(|| m.partnership.today());
    LogicFields {
        still_true: if kind == "assumption" {
            still_true
        } else {
            None
        },
        kind,
        text,
        checked_on,
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<ItemForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let fields = check(&m, &f, &mut errors);
    if !errors.is_empty() {
        return model_page(&state, &m, false, errors, f).await;
    }
    let id = state
        .db
        .create_logic_item(m.partnership.id, &fields, m.user.id, now())
        .await?;
    let url = model_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!(
            "added to the logic model's {}: “{}”",
            kind_label(&fields.kind).to_lowercase(),
            short(&fields.text)
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#item-{id}"),
        "Added to the logic model.",
    ))
}

#[derive(Template)]
#[template(path = "file/logic_item_form.html")]
struct ItemPage {
    c: PageCtx,
    slug: String,
    item: LogicItemRow,
    errors: Errors,
    f: ItemForm,
    kinds: &'static [(&'static str, &'static str, &'static str)],
}

fn item_page(
    m: &Member,
    item: LogicItemRow,
    errors: Errors,
    f: ItemForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &ItemPage {
            c: m.page("Change the logic model"),
            slug: m.partnership.slug.clone(),
            item,
            errors,
            f,
            kinds: &LOGIC_KINDS,
        },
    )
}

fn form_of(i: &LogicItemRow) -> ItemForm {
    ItemForm {
        kind: i.kind.clone(),
        text: i.text.clone(),
        still_true: match i.still_true {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        }
        .into(),
        version: i.version,
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_item(&state, &m, id).await?;
    let f = form_of(&i);
    item_page(&m, i, Errors::default(), f)
}

pub(super) async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ItemForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_item(&state, &m, id).await?;
    let mut errors = Errors::default();
    let fields = check(&m, &f, &mut errors);
    if !errors.is_empty() {
        return item_page(&m, i, errors, f);
    }
    let url = model_url(&m.partnership.slug);
    match state
        .db
        .update_logic_item(id, f.version, &fields, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the logic model: “{}”", short(&fields.text)),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&format!("{url}#item-{id}"), "Saved."))
        }
        Saved::Stale => {
            let theirs = form_of(&i);
            conflict(
                &m,
                &format!("{url}/items/{id}/edit"),
                &url,
                i.version,
                vec![ConflictField::text(
                    "What it says",
                    "text",
                    &theirs.text,
                    &f.text,
                )],
                vec![
                    ("kind".into(), f.kind.clone()),
                    ("still_true".into(), f.still_true.clone()),
                ],
            )
        }
    }
}

pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_item(&state, &m, id).await?;
    let url = model_url(&m.partnership.slug);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page("Remove this from the logic model?"),
            heading: format!("Remove “{}” from the logic model?", i.text),
            lines: vec!["This cannot be undone.".into()],
            fields: Vec::new(),
            action: format!("{url}/items/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{url}#item-{id}"),
            back_label: "No, keep it",
        });
    }
    state.db.delete_logic_item(id).await?;
    log(
        &state,
        &m,
        format!("removed “{}” from the logic model", short(&i.text)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(&url, "Removed from the logic model."))
}

// ---------------------------------------------------------------- CSV

pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let Model {
        columns,
        assumptions,
        risks,
    } = model(&state, m.partnership.id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |row: [String; 3]| {
        w.write_record(row)
            .map_err(|e| AppError::Internal(e.into()))
    };
    write(["Part", "What it says", "Still true?"].map(String::from))?;
    for c in &columns {
        for (_, text) in &c.items {
            write([c.title.to_string(), csv_safe(text), String::new()])?;
        }
    }
    for a in &assumptions {
        write(["Assumptions".into(), csv_safe(&a.text), a.check_label()])?;
    }
    for r in &risks {
        write(["Risks".into(), csv_safe(&r.title), String::new()])?;
    }
    csv_attachment(w, &format!("{} logic model", m.partnership.name))
}
