//! The satisfaction rating ([`Rating`]): opened by a counter's invitation (rating terminal) or by a
//! dossier code or served ticket (kiosk). Whether the ticket can still be rated is asked first, with
//! the indicator set's questions for its stage; then level, optional questions (each with its own
//! answers), comment, sent or queued. A refusal is said as a refusal, never as thanks.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use domain::api::{QuestionsView, RatingChoice, RatingRequest, RatingStatusView};
use domain::i18n::Localized;
use domain::office::Stage;
use domain::rating::RatingLevel;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{apply_key, App, Controller, MainWindow, Page, Question, Rating, RatingOutcome, Satisfaction};

impl From<Satisfaction> for RatingLevel {
    fn from(s: Satisfaction) -> RatingLevel {
        match s {
            Satisfaction::VerySatisfied => RatingLevel::VerySatisfied,
            Satisfaction::Satisfied => RatingLevel::Satisfied,
            Satisfaction::NotSatisfied => RatingLevel::NotSatisfied,
        }
    }
}

/// What a rating is about, as the citizen reads it, and what it names.
pub(super) struct Subject {
    pub ticket: Option<uuid::Uuid>,
    pub dossier: Option<String>,
    /// The receipt's rating token, when the scanned QR carried one.
    pub rating_token: Option<String>,
    pub counter: Option<u16>,
    pub stage: Option<Stage>,
    pub text: String,
}

/// The questions to ask when the stage is not known before sending (a dossier at the kiosk: the server
/// takes the stage of the dossier's link): only those asked at every stage, so none can be refused as
/// not asked at the stage the server picks.
fn asked_at_any_stage(mut q: QuestionsView) -> QuestionsView {
    let all = [Stage::Reception, Stage::Processing, Stage::ResultReturn];
    q.questions.retain(|question| all.iter().all(|s| question.stages.contains(s)));
    q
}

/// The label in `lang`, the Vietnamese one when a set has no English.
fn label(l: &Localized, lang: domain::i18n::Lang) -> String {
    if l.get(lang).is_empty() {
        l.vi.clone()
    } else {
        l.get(lang).to_owned()
    }
}

impl Controller {
    pub(super) fn connect_rating(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let g = ui.global::<Rating>();
        on!(this, g, on_rate, |c, level: Satisfaction| c.rate(level));
        on!(this, g, on_answer, |c, index: i32, option: i32| c.answer(index, option));
        on!(this, g, on_edit_comment, |c, key: SharedString| c.edit_comment(&key));
        on!(this, g, on_finish, |c| c.finish_rating());
    }

    /// Wakes the rating screen for a served ticket (the counter's "invite rating").
    pub fn invite_rating(&mut self, ticket: uuid::Uuid, number: &str, counter: u16, stage: Option<Stage>) {
        if self.jobs.busy() {
            // The previous citizen's rating is being sent: this one opens as soon as that is done (the next
            // citizen is the one standing at the terminal).
            self.pending_invitation = Some((ticket, number.to_owned(), counter, stage));
            return;
        }
        self.state.last_touch = Instant::now();
        let stage_name = stage.map(|s| format!(" · {}", s.name().get(self.state.lang))).unwrap_or_default();
        let text = self.t(
            &format!("Số {number} · Quầy {counter}{stage_name}"),
            &format!("Ticket {number} · Counter {counter}{stage_name}"),
        );
        self.begin_rating(Subject {
            ticket: Some(ticket),
            dossier: None,
            rating_token: None,
            counter: Some(counter),
            stage,
            text,
        });
    }

    /// Opens the rating of a ticket or a dossier: first asks whether the ticket can still be rated (so a
    /// second rating is refused before the questions, not after) and the questions of its stage.
    pub(super) fn begin_rating(&mut self, subject: Subject) {
        let (ticket, asked) = (subject.ticket, subject.stage);
        self.run(
            true,
            move |b| {
                let status = match ticket {
                    Some(t) => b.rating_status(t, asked),
                    None => Ok(None),
                };
                let stage = match &status {
                    Ok(Some(RatingStatusView { stage: Some(s), .. })) => Some(*s),
                    _ => asked,
                };
                let questions = b.rating_questions(stage);
                (status, stage, questions)
            },
            move |c, (status, stage, questions)| match status {
                Ok(Some(RatingStatusView { can_rate: false, refusal, .. })) => {
                    let why = refusal.map(|r| r.message).unwrap_or_else(|| {
                        Localized::new("Lượt phục vụ này không đánh giá được.", "This service cannot be rated.")
                    });
                    let text = format!("{}: {}", subject.text, why.get(c.state.lang));
                    c.show_refusal(&text);
                }
                Err(why) => {
                    let text = format!("{}: {}", subject.text, why.get(c.state.lang));
                    c.show_refusal(&text);
                }
                Ok(_) => c.open_rating(subject, stage, questions),
            },
        );
    }

    fn open_rating(&mut self, subject: Subject, stage: Option<Stage>, questions: QuestionsView) {
        let questions = if stage.is_none() { asked_at_any_stage(questions) } else { questions };
        self.state.rating = Some(RatingRequest {
            ticket: subject.ticket,
            dossier: subject.dossier,
            counter: subject.counter,
            // The stage the server said (or was asked): the questions shown are that stage's.
            stage,
            level: RatingLevel::Satisfied,
            answers: vec![],
            comment: None,
            choices: vec![],
            rating_token: subject.rating_token,
            served_ticket: None,
        });
        self.state.questions = Some(questions);
        self.state.comment.clear();
        let ui = self.ui();
        let g = ui.global::<Rating>();
        g.set_comment("".into());
        g.set_subject(subject.text.into());
        g.set_refused(false);
        self.show_questions();
        ui.global::<App>().set_page(Page::RatingLevel);
    }

    /// A rating that will not (or did not) be taken: said so, with the server's reason.
    fn show_refusal(&mut self, text: &str) {
        self.state.rating = None;
        let ui = self.ui();
        ui.global::<Rating>().set_refused(true);
        let app = ui.global::<App>();
        app.set_message(text.into());
        app.set_page(Page::Thanks);
    }

    pub(super) fn show_questions(&mut self) {
        let lang = self.state.lang;
        let chosen = self.state.rating.as_ref().map(|r| r.choices.clone()).unwrap_or_default();
        let questions: Vec<Question> = self
            .state
            .questions
            .iter()
            .flat_map(|q| q.questions.iter())
            .map(|q| {
                let picked = chosen.iter().find(|c| c.indicator == q.indicator);
                let index = picked.and_then(|c| q.options.iter().position(|o| o.id == c.option));
                Question {
                    text: label(&q.question, lang).into(),
                    options: ModelRc::new(VecModel::from(
                        q.options.iter().map(|o| SharedString::from(label(&o.label, lang))).collect::<Vec<_>>(),
                    )),
                    chosen: index.map(|i| i as i32).unwrap_or(-1),
                }
            })
            .collect();
        self.ui().global::<Rating>().set_questions(ModelRc::new(VecModel::from(questions)));
    }

    fn rate(&mut self, level: Satisfaction) {
        let Some(r) = &mut self.state.rating else { return };
        r.level = level.into();
        self.show_questions();
        self.ui().global::<App>().set_page(Page::RatingQuestions);
    }

    /// Chooses option `option` of question `index`; choosing it again takes the answer back.
    fn answer(&mut self, index: i32, option: i32) {
        let Some(q) = self.state.questions.as_ref().and_then(|q| q.questions.get(usize::try_from(index).ok()?)) else {
            return;
        };
        let Some(o) = usize::try_from(option).ok().and_then(|i| q.options.get(i)) else { return };
        let choice = RatingChoice { indicator: q.indicator.clone(), option: o.id.clone() };
        if let Some(r) = &mut self.state.rating {
            let again = r.choices.contains(&choice);
            r.choices.retain(|c| c.indicator != choice.indicator);
            if !again {
                r.choices.push(choice);
            }
        }
        self.show_questions();
    }

    fn edit_comment(&mut self, key: &str) {
        // Comments are Vietnamese: mark keys (tones, â ă ơ đ …) change the last word.
        apply_key(&mut self.state.comment, key, 500, true);
        self.ui().global::<Rating>().set_comment(self.state.comment.clone().into());
    }

    fn finish_rating(&mut self) {
        let Some(mut request) = self.state.rating.take() else {
            self.go_home();
            return;
        };
        let comment = self.state.comment.trim().to_owned();
        request.comment = (!comment.is_empty()).then_some(comment);
        let subject = self.ui().global::<Rating>().get_subject().to_string();
        self.run(
            true,
            move |b| b.rate(request),
            move |c, outcome| {
                let message = match outcome {
                    Ok(RatingOutcome::Recorded) => String::new(),
                    Ok(RatingOutcome::Queued) => c.t(
                        "Đánh giá đã được lưu và sẽ được gửi khi có kết nối.",
                        "Your rating is saved and will be sent when the link is back.",
                    ),
                    Err(e) => {
                        let text = format!("{subject}: {}", e.get(c.state.lang));
                        c.show_refusal(&text);
                        return;
                    }
                };
                let ui = c.ui();
                ui.global::<Rating>().set_refused(false);
                let app = ui.global::<App>();
                app.set_message(message.into());
                app.set_page(Page::Thanks);
            },
        );
    }
}
