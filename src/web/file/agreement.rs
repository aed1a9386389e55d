//! The partnership agreement (`/p/{slug}/file/agreement`): a guided builder (each
//! section with what to cover and a first draft), numbered versions, sign-off by each
//! partner organisation (who, when, which version), a new version when anything changes
//! after someone has signed, older versions kept readable, and DOCX and PDF downloads.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::db::file::AgreementSaved;
use crate::domain::file::*;
use crate::domain::format_date;
use crate::domain::model::{Id, Organisation};
use crate::domain::now;
use crate::domain::roles::{Action, Role, can};
use crate::domain::time::parse_day;
use crate::error::AppError;
use crate::pdf::Block;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::download::file_name;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Errors, PageCtx};
use crate::web::{activity::log, redirect_with_flash, render_status};

const MAX_SECTION: usize = 10_000;

fn agreement_url(slug: &str) -> String {
    format!("/p/{slug}/file/agreement")
}

/// Where the partnership's agreement stands: its versions (latest first), every
/// sign-off, and the organisations now in the partnership.
struct Standing {
    versions: Vec<AgreementRow>,
    signoffs: Vec<SignoffRow>,
    organisations: Vec<Organisation>,
}

impl Standing {
    fn latest(&self) -> Option<&AgreementRow> {
        self.versions.first()
    }
    fn signed(&self, v: &AgreementRow) -> Vec<&SignoffRow> {
        self.signoffs
            .iter()
            .filter(|s| s.agreement_version_id == v.id)
            .collect()
    }
    /// Each organisation now in the partnership with its sign-off of `v`, if any.
    fn by_organisation(&self, v: &AgreementRow) -> Vec<(String, Option<SignoffRow>)> {
        self.organisations
            .iter()
            .map(|o| {
                let s = self
                    .signoffs
                    .iter()
                    .find(|s| s.agreement_version_id == v.id && s.organisation_id == Some(o.id))
                    .cloned();
                (o.name.clone(), s)
            })
            .collect()
    }
}

async fn standing(state: &AppState, m: &Member) -> Result<Standing, AppError> {
    let (versions, signoffs, organisations) = tokio::try_join!(
        state.db.agreement_versions(m.partnership.id),
        state.db.agreement_signoffs(m.partnership.id),
        state.db.organisations(m.partnership.id)
    )?;
    Ok(Standing {
        versions,
        signoffs,
        organisations,
    })
}

// ---------------------------------------------------------------- the agreement

/// A section as shown: heading and text.
pub(super) struct Shown {
    pub heading: &'static str,
    pub text: String,
}

fn shown(v: &AgreementRow) -> Vec<Shown> {
    SECTIONS
        .iter()
        .map(|s| Shown {
            heading: s.heading,
            text: v.section(s.key).to_string(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "file/agreement.html")]
struct AgreementPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    can_request: bool,
    v: Option<AgreementRow>,
    latest_number: i64,
    sections: Vec<Shown>,
    signoffs: Vec<(String, Option<SignoffRow>)>,
    signed_count: usize,
    requested: Option<String>,
    /// The organisation this member may sign for: (id, name), if it has not signed.
    may_sign: Option<(Id, String)>,
    older: Vec<(i64, usize)>,
    errors: Errors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct VersionQuery {
    version: Option<i64>,
}

async fn agreement_page(
    state: &AppState,
    m: &Member,
    number: Option<i64>,
    errors: Errors,
) -> Result<Response, AppError> {
    let st = standing(state, m).await?;
    let latest_number = st.latest().map_or(0, |v| v.number);
    let v = match number {
        Some(n) => Some(
            st.versions
                .iter()
                .find(|v| v.number == n)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => st.latest().cloned(),
    };
    let is_latest = v.as_ref().is_some_and(|v| v.number == latest_number);
    let signoffs = v
        .as_ref()
        .map(|v| st.by_organisation(v))
        .unwrap_or_default();
    let signed_count = signoffs.iter().filter(|(_, s)| s.is_some()).count();
    let may_sign = v.as_ref().and_then(|v| {
        (is_latest && v.requested_at.is_some() && m.role() != Role::Observer)
            .then(|| {
                st.organisations
                    .iter()
                    .find(|o| o.id == m.membership.organisation_id)
                    .filter(|o| !st.signed(v).iter().any(|s| s.organisation_id == Some(o.id)))
                    .map(|o| (o.id, o.name.clone()))
            })
            .flatten()
    });
    let older = st
        .versions
        .iter()
        .filter(|o| v.as_ref().is_none_or(|v| o.number != v.number))
        .map(|o| (o.number, st.signed(o).len()))
        .collect();
    let status = errors.status();
    render_status(
        status,
        &AgreementPage {
            c: m.page(&match &v {
                Some(v) if !is_latest => {
                    format!("Partnership agreement, version {} (older)", v.number)
                }
                _ => "Partnership agreement".to_string(),
            })
            .quiet(!errors.is_empty()),
            slug: m.partnership.slug.clone(),
            can_edit: can(m.role(), Action::EditContent) && (is_latest || v.is_none()),
            can_request: can(m.role(), Action::RequestSignOff)
                && is_latest
                && v.as_ref().is_some_and(|v| v.requested_at.is_none()),
            requested: v.as_ref().and_then(|v| v.requested_at).map(format_date),
            sections: v.as_ref().map(shown).unwrap_or_default(),
            v,
            latest_number,
            signoffs,
            signed_count,
            may_sign,
            older,
            errors,
        },
    )
}

pub(super) async fn page(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    agreement_page(&state, &m, None, Errors::default()).await
}

pub(super) async fn old_version(
    State(state): State<AppState>,
    m: Member,
    Path((_, number)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    agreement_page(&state, &m, Some(number), Errors::default()).await
}

// ---------------------------------------------------------------- the builder

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct AgreementForm {
    purpose: String,
    roles: String,
    decisions: String,
    money: String,
    information: String,
    disagreements: String,
    joining: String,
    review: String,
    /// The version the form was opened on: its number and edit version (0 and 0 for
    /// the first).
    number: i64,
    version: i64,
}

impl AgreementForm {
    fn section(&self, key: &str) -> &str {
        match key {
            "roles" => &self.roles,
            "decisions" => &self.decisions,
            "money" => &self.money,
            "information" => &self.information,
            "disagreements" => &self.disagreements,
            "joining" => &self.joining,
            _ => "",
        }
    }
}

/// A section on the form: its words, guidance and what is typed.
pub(super) struct Field {
    pub key: &'static str,
    pub heading: &'static str,
    pub guidance: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "file/agreement_form.html")]
struct BuilderPage {
    c: PageCtx,
    slug: String,
    errors: Errors,
    f: AgreementForm,
    fields: Vec<Field>,
    partners: Vec<String>,
    /// Saving makes a new version: someone has signed the one this edits.
    makes_new: Option<(i64, usize)>,
}

async fn builder_page(
    state: &AppState,
    m: &Member,
    errors: Errors,
    f: AgreementForm,
) -> Result<Response, AppError> {
    let st = standing(state, m).await?;
    let makes_new = st.latest().and_then(|v| {
        let n = st.signed(v).len();
        (n > 0).then_some((v.number, n))
    });
    let fields = SECTIONS
        .iter()
        .map(|s| Field {
            key: s.key,
            heading: s.heading,
            guidance: s.guidance,
            text: f.section(s.key).to_string(),
        })
        .collect();
    let status = errors.status();
    render_status(
        status,
        &BuilderPage {
            c: m.page(if st.latest().is_some() {
                "Change the agreement"
            } else {
                "Draft the agreement"
            }),
            slug: m.partnership.slug.clone(),
            errors,
            f,
            fields,
            partners: st.organisations.iter().map(|o| o.name.clone()).collect(),
            makes_new,
        },
    )
}

fn form_of(v: &AgreementRow) -> AgreementForm {
    AgreementForm {
        purpose: v.purpose.clone(),
        roles: v.roles.clone(),
        decisions: v.decisions.clone(),
        money: v.money.clone(),
        information: v.information.clone(),
        disagreements: v.disagreements.clone(),
        joining: v.joining.clone(),
        review: v.review_on.clone().unwrap_or_default(),
        number: v.number,
        version: v.version,
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let versions = state.db.agreement_versions(m.partnership.id).await?;
    let f = match versions.first() {
        Some(v) => form_of(v),
        // The first draft: the partnership's own aim, and a first go at each section.
        None => AgreementForm {
            purpose: m.partnership.aim.clone(),
            roles: SECTIONS[0].starter.into(),
            decisions: SECTIONS[1].starter.into(),
            money: SECTIONS[2].starter.into(),
            information: SECTIONS[3].starter.into(),
            disagreements: SECTIONS[4].starter.into(),
            joining: SECTIONS[5].starter.into(),
            ..Default::default()
        },
    };
    builder_page(&state, &m, Errors::default(), f).await
}

pub(super) async fn save(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<AgreementForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let purpose = f.purpose.trim().to_string();
    if purpose.is_empty() {
        errors.add(
            "purpose",
            "Say what the partnership is for: its purpose and shared aim",
        );
    } else if purpose.chars().count() > MAX_SECTION {
        errors.add("purpose", "Keep the purpose to 10,000 characters or fewer");
    }
    let mut sections: [String; 6] = Default::default();
    for (i, s) in SECTIONS.iter().enumerate() {
        let text = f.section(s.key).trim().to_string();
        if text.chars().count() > MAX_SECTION {
            errors.add(
                s.key,
                format!("Keep “{}” to 10,000 characters or fewer", s.heading),
            );
        }
        sections[i] = text;
    }
    let review_on = match f.review.trim() {
        "" => None,
        s => match parse_day(s) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                errors.add("review", e);
                None
            }
        },
    };
    if !errors.is_empty() {
        return builder_page(&state, &m, errors, f).await;
    }
    let organisations = state.db.organisations(m.partnership.id).await?;
    let fields = AgreementFields {
        purpose,
        sections,
        review_on,
        partners: organisations
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let started = (f.number > 0).then_some((f.number, f.version));
    let url = agreement_url(&m.partnership.slug);
    match state
        .db
        .save_agreement(m.partnership.id, started, &fields, m.user.id, now())
        .await?
    {
        AgreementSaved::Changed(n) => {
            log(
                &state,
                &m,
                format!("changed the agreement (version {n})"),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&url, "Agreement saved."))
        }
        AgreementSaved::NewVersion(n) => {
            // A version after a signed one needs signing again: ask at once.
            if n > 1
                && let Some(v) = state
                    .db
                    .agreement_versions(m.partnership.id)
                    .await?
                    .into_iter()
                    .find(|v| v.number == n)
            {
                state.db.request_signoff(v.id, now()).await?;
            }
            log(
                &state,
                &m,
                if n == 1 {
                    "drafted the partnership agreement".to_string()
                } else {
                    format!("made version {n} of the agreement, to be signed again")
                },
                &url,
            )
            .await?;
            Ok(redirect_with_flash(
                &url,
                &if n == 1 {
                    "Agreement drafted. When it is ready, a lead asks the partners to sign it."
                        .to_string()
                } else {
                    format!(
                        "Saved as version {n}. The earlier version had been signed, so each \
                         organisation is asked to sign this one."
                    )
                },
            ))
        }
        AgreementSaved::Stale => {
            let versions = state.db.agreement_versions(m.partnership.id).await?;
            let theirs = versions.first().map(form_of).unwrap_or_default();
            let mut fields = vec![ConflictField::text(
                "Purpose and shared aim",
                "purpose",
                &theirs.purpose,
                &f.purpose,
            )];
            for s in &SECTIONS {
                fields.push(ConflictField::text(
                    s.heading,
                    s.key,
                    theirs.section(s.key),
                    f.section(s.key),
                ));
            }
            fields.push(ConflictField::line(
                "Review by",
                "review",
                &theirs.review,
                &f.review,
            ));
            conflict(
                &m,
                &format!("{url}/edit"),
                &url,
                theirs.version,
                fields,
                vec![("number".into(), theirs.number.to_string())],
            )
        }
    }
}

// ---------------------------------------------------------------- sign-off

pub(super) async fn request(
    State(state): State<AppState>,
    m: Member,
    SafeForm(_): SafeForm<crate::web::extract::NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RequestSignOff)?;
    let versions = state.db.agreement_versions(m.partnership.id).await?;
    let v = versions.first().ok_or(AppError::NotFound)?;
    state.db.request_signoff(v.id, now()).await?;
    let url = agreement_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!(
            "asked the partners to sign version {} of the agreement",
            v.number
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "The partners are asked to sign. Each organisation's people see a button to sign for it.",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SignForm {
    organisation: String,
    number: i64,
    confirm: String,
}

pub(super) async fn sign(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<SignForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let st = standing(&state, &m).await?;
    let v = st.latest().cloned().ok_or(AppError::NotFound)?;
    let mut errors = Errors::default();
    let org = f
        .organisation
        .trim()
        .parse::<Id>()
        .ok()
        .and_then(|id| st.organisations.iter().find(|o| o.id == id));
    match org {
        Some(o) if o.id == m.membership.organisation_id => {}
        Some(o) => errors.add(
            "organisation",
            format!(
                "Only people in {} can sign for it; you are in the partnership for another organisation",
                o.name
            ),
        ),
        None => errors.add("organisation", "Choose your own organisation to sign for"),
    }
    if f.number != v.number {
        errors.add(
            "organisation",
            format!(
                "The agreement changed while you were reading it: this is version {}. Read it again, then sign",
                v.number
            ),
        );
    } else if v.requested_at.is_none() {
        errors.add(
            "organisation",
            "A lead has not asked for sign-off of this version yet",
        );
    }
    if f.confirm != "yes" {
        errors.add(
            "confirm",
            "Tick the box to confirm your organisation agrees to this version",
        );
    }
    if !errors.is_empty() {
        return agreement_page(&state, &m, None, errors).await;
    }
    let Some(o) = org else {
        return Err(AppError::NotFound);
    };
    let url = agreement_url(&m.partnership.slug);
    let newly = state
        .db
        .sign_agreement(
            &v,
            (o.id, &o.name),
            (m.user.id, &m.user.display_name),
            now(),
        )
        .await?;
    if !newly {
        return Ok(redirect_with_flash(
            &url,
            &format!("{} had already signed version {}.", o.name, v.number),
        ));
    }
    log(
        &state,
        &m,
        format!(
            "signed version {} of the agreement for {}",
            v.number, o.name
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        &format!("Signed for {}: version {}.", o.name, v.number),
    ))
}

// ---------------------------------------------------------------- DOCX and PDF

/// The version asked for (`?version=N`), or the latest.
async fn chosen(
    state: &AppState,
    m: &Member,
    q: &VersionQuery,
) -> Result<(AgreementRow, Vec<SignoffRow>), AppError> {
    let st = standing(state, m).await?;
    let v = match q.version {
        Some(n) => st.versions.iter().find(|v| v.number == n),
        None => st.latest(),
    }
    .cloned()
    .ok_or(AppError::NotFound)?;
    let signed = st.signed(&v).into_iter().cloned().collect();
    Ok((v, signed))
}

/// The agreement as a document: title, then each part.
fn blocks(name: &str, v: &AgreementRow, signed: &[SignoffRow]) -> Vec<Block> {
    let mut b = vec![
        Block::Title(format!("{name}: partnership agreement")),
        Block::Meta(format!(
            "Version {}, last changed {}. Review by: {}.",
            v.number,
            format_date(v.updated_at),
            v.review_label()
        )),
        Block::Heading("Purpose and shared aim".into()),
    ];
    b.extend(paras(&v.purpose));
    b.push(Block::Heading("Who the partners are".into()));
    b.extend(
        v.partner_names()
            .into_iter()
            .map(|p| Block::Bullet(p.to_string())),
    );
    for s in &SECTIONS {
        b.push(Block::Heading(s.heading.into()));
        b.extend(paras(v.section(s.key)));
    }
    b.push(Block::Heading("Signed for each partner".into()));
    if signed.is_empty() {
        b.push(Block::Para("Not signed yet.".into()));
    }
    for s in signed {
        b.push(Block::Bullet(format!(
            "{}: signed by {} on {}",
            s.organisation_name,
            s.signer_name,
            format_date(s.signed_at)
        )));
    }
    b
}

fn paras(text: &str) -> Vec<Block> {
    let out: Vec<Block> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block::Para(p.replace('\n', " ")))
        .collect();
    if out.is_empty() {
        vec![Block::Meta("Not written yet.".into())]
    } else {
        out
    }
}

/// The same blocks as a Word document (opens in Word and LibreOffice).
pub fn docx(blocks: &[Block]) -> anyhow::Result<Vec<u8>> {
    use docx_rs::*;
    let run = |t: &str| Run::new().add_text(t);
    let mut doc = Docx::new()
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(40)
                .bold(),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(28)
                .bold(),
        )
        .add_style(
            Style::new("Meta", StyleType::Paragraph)
                .name("Meta")
                .size(18)
                .color("505A5F"),
        );
    for b in blocks {
        let p = match b {
            Block::Title(t) => Paragraph::new().add_run(run(t)).style("Title"),
            Block::Heading(t) => Paragraph::new().add_run(run(t)).style("Heading1"),
            Block::Label(t) => Paragraph::new().add_run(run(t).bold()),
            Block::Meta(t) => Paragraph::new().add_run(run(t)).style("Meta"),
            Block::Para(t) => Paragraph::new().add_run(run(t)),
            Block::Bullet(t) => Paragraph::new().add_run(run(&format!("• {t}"))),
            Block::Rich(spans) | Block::Item { spans, .. } => {
                spans.iter().fold(Paragraph::new(), |p, s| {
                    p.add_run(if s.bold {
                        run(&s.text).bold()
                    } else {
                        run(&s.text)
                    })
                })
            }
        };
        doc = doc.add_paragraph(p);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| anyhow::anyhow!("could not write the DOCX: {e}"))?;
    Ok(out.into_inner())
}

pub(super) async fn download_docx(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let (v, signed) = chosen(&state, &m, &q).await?;
    let b = blocks(&m.partnership.name, &v, &signed);
    let bytes = crate::work::file(move || docx(&b)).await??;
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                file_name(
                    &format!("{} agreement version {}", m.partnership.name, v.number),
                    "docx",
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub(super) async fn download_pdf(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let (v, signed) = chosen(&state, &m, &q).await?;
    let title = format!("{}: partnership agreement", m.partnership.name);
    let b = blocks(&m.partnership.name, &v, &signed);
    let bytes = crate::work::file(move || crate::pdf::document_pdf(&title, &b)).await??;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                file_name(
                    &format!("{} agreement version {}", m.partnership.name, v.number),
                    "pdf",
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
