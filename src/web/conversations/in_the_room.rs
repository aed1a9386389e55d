//! What happened live, for a conversation's summary and its exports: each session run
//! for it, how many phones joined, and each step that was opened with its results in
//! words and the thoughts that went on the screen. Only what the room saw: held
//! thoughts stay out, and nobody's name is given for what they chose (in anonymous
//! steps, not even on thoughts).

use crate::domain::live::{
    LiveSession, Step, StepKind, Tally, Thought, grouped_thoughts, thought_line, thoughts_as_shown,
};
use crate::domain::model::Id;
use crate::error::AppError;
use crate::web::AppState;

/// One session run for a conversation.
pub struct LiveRecord {
    pub session: LiveSession,
    /// Phones that joined and were not removed.
    pub phones: i64,
    /// The steps that were opened, in order.
    pub steps: Vec<LiveStepRecord>,
}

/// One step that was opened, with what the room saw of it.
pub struct LiveStepRecord {
    pub step: Step,
    /// The session's title.
    pub session_title: String,
    /// Phones that answered.
    pub answered: i64,
    /// Answers counted by hand.
    pub hands: i64,
    /// The results in words ("Agree: 5 (+2 by show of hands)").
    pub results: Vec<String>,
    /// The thoughts on the screen, with their sender in named steps.
    pub thoughts: Vec<String>,
}

impl LiveRecord {
    /// "“Title”, 3 December 2026: 24 phones joined, 5 steps run; still running."
    pub fn line(&self) -> String {
        let phones = match self.phones {
            1 => "1 phone joined".to_string(),
            n => format!("{n} phones joined"),
        };
        let steps = match self.steps.len() {
            0 => "no steps run".to_string(),
            1 => "1 step run".to_string(),
            n => format!("{n} steps run"),
        };
        format!(
            "Live session “{}”, {}: {phones}, {steps}{}",
            self.session.title,
            self.session.started_on(),
            if self.session.ended() {
                "."
            } else {
                "; still running."
            }
        )
    }
}

impl LiveStepRecord {
    /// Who answered, in words: "12 answered on phones, 3 by show of hands".
    pub fn counted(&self) -> String {
        let mut s = format!("{} answered on phones", self.answered);
        if self.hands > 0 {
            s.push_str(&format!(", {} by show of hands", self.hands));
        }
        if self.step.anonymous {
            s.push_str("; anonymous");
        }
        s
    }

    /// Its heading under an agenda item with this title: "In the room", and the
    /// step's own title when it asked something else.
    pub fn heading(&self, item_title: &str) -> String {
        if self.step.title == item_title {
            "In the room".to_string()
        } else {
            format!("In the room: {}", self.step.title)
        }
    }

    /// Its results and thoughts, one line each.
    pub fn lines(&self) -> Vec<String> {
        self.results
            .iter()
            .chain(self.thoughts.iter())
            .cloned()
            .collect()
    }

    /// Whether its results were kept in the item's notes (the notes then carry them).
    pub fn kept(&self) -> bool {
        self.step.kept_at.is_some()
    }
}

/// Every session run for a conversation, oldest first.
pub async fn conversation_record(state: &AppState, conv: Id) -> Result<Vec<LiveRecord>, AppError> {
    let mut out = Vec::new();
    for session in state.db.conversation_live_sessions(conv).await? {
        let phones = state.db.live_people(session.id).await?;
        let mut steps = Vec::new();
        for step in state.db.live_steps(session.id).await? {
            if step.opening == 0 || step.kind == StepKind::Show {
                continue;
            }
            // The room's view: released thoughts only, no names on choices.
            let answers = state.db.live_answers(step.id).await?;
            let hands = state.db.hand_counts(step.id).await?;
            let tally = Tally::count(&step, &answers, &hands).without_names();
            let thoughts = thoughts_as_shown(state.db.live_thoughts(step.id).await?, &step, false);
            let answered = if step.kind == StepKind::Thoughts {
                state.db.live_answer_count(&step).await?
            } else {
                answers.len() as i64
            };
            let shown: Vec<&Thought> = thoughts.iter().collect();
            let nobody = answered == 0 && tally.hands == 0;
            steps.push(LiveStepRecord {
                // A step nobody answered has no results, not a list of noughts.
                results: if nobody {
                    Vec::new()
                } else {
                    tally.lines(step.kind)
                },
                thoughts: grouped_thoughts(&shown)
                    .into_iter()
                    .map(|(t, n)| thought_line(t, n))
                    .collect(),
                answered,
                hands: tally.hands,
                session_title: session.title.clone(),
                step,
            });
        }
        out.push(LiveRecord {
            session,
            phones,
            steps,
        });
    }
    Ok(out)
}
