//! From results to a conversation about where people differ.

use crate::domain::conversations::{CardSnapshot, ConversationFields};
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::conversations::conv_url;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, redirect_with_flash};
use crate::web::{activity::log, short};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::*;

// ---------------------------------------------------------------- from results to talk

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PlanForm {
    section: String,
    item: String,
}

/// Plan a conversation with the cards suggested for one difference.
pub(super) async fn plan_conversation(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<PlanForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (r, _, res) = visible_results(&state, &m, id).await?;
    let d = res
        .differences
        .iter()
        .find(|d| {
            d.section_key == f.section && d.item_key.as_deref().unwrap_or("") == f.item.as_str()
        })
        .ok_or(AppError::NotFound)?;
    let shipped = state.db.shipped_cards().await?;
    let cards = cards_for(&d.suggest, &shipped, 3);
    let cid = state
        .db
        .create_conversation(
            m.partnership.id,
            &ConversationFields {
                title: format!("Talking about: {}", short(&d.title)),
                time_zone: m.partnership.time_zone.clone(),
                purpose: format!(
                    "The round “{}” showed we see this differently. {}",
                    r.title, d.reason
                ),
                ..Default::default()
            },
            m.user.id,
            now(),
        )
        .await?;
    for c in shipped
        .iter()
        .filter(|s| cards.iter().any(|c| c.card_id == s.card_id))
    {
        let snap = CardSnapshot {
            card_id: c.card_id,
            text: c.text.clone(),
            prompt: None,
            deck_title: c.deck_title.clone(),
            theme_name: c.theme_name.clone(),
            colour: c.colour.clone(),
        };
        state.db.add_card_item(cid, &snap, 15, now()).await?;
    }
    let url = conv_url(&m.partnership.slug, cid);
    log(
        &state,
        &m,
        format!(
            "planned a conversation about “{}” from a round's results",
            short(&d.title)
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Conversation planned with the suggested cards. Add a date and who is coming.",
    ))
}
