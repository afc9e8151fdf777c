//! The satisfaction rating ([`Rating`]): opened by a counter's invitation (rating terminal) or by a
//! dossier code or served ticket (kiosk). Whether the ticket can still be rated is asked first, with
//! the indicator set's questions for its stage; then level, optional questions (each with its own
//! answers), comment, sent or queued. A refusal is said as a refusal, never as thanks.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use domain::api::{QuestionsView, RatingChoice, RatingRequest, RatingStatusQuery, RatingStatusView};
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
    /// "Hồ sơ …" / "Số A025 · Quầy 3", in both languages.
    pub text: Localized,
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
        let stage_vi = stage.map(|s| format!(" · {}", s.name().vi)).unwrap_or_default();
        let stage_en = stage.map(|s| format!(" · {}", s.name().en)).unwrap_or_default();
        let text = Localized::new(
            format!("Số {number} · Quầy {counter}{stage_vi}"),
            format!("Ticket {number} · Counter {counter}{stage_en}"),
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
        let asked = subject.stage;
        // A dossier is asked about with the proof its rating will carry (the receipt's token).
        let query = RatingStatusQuery {
            ticket: subject.ticket,
            dossier: subject.dossier.clone().filter(|_| subject.ticket.is_none()),
            rating_token: subject.rating_token.clone(),
            served_ticket: None,
            stage: asked,
        };
        self.run(
            true,
            move |b| {
                let status =
                    if query.ticket.is_some() || query.dossier.is_some() { b.rating_status(&query) } else { Ok(None) };
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
                    c.show_refusal(&subject.text, &why);
                }
                Err(why) => c.show_refusal(&subject.text, &why),
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
        g.set_subject(subject.text.get(self.state.lang).into());
        self.state.rating_subject = Some(subject.text);
        g.set_refused(false);
        self.show_questions();
        ui.global::<App>().set_page(Page::RatingLevel);
    }

    /// A rating that will not (or did not) be taken: said so, with the server's reason (in both
    /// languages, so a language switch says it again).
    fn show_refusal(&mut self, subject: &Localized, why: &Localized) {
        self.state.rating = None;
        let text = Localized::new(format!("{}: {}", subject.vi, why.vi), format!("{}: {}", subject.en, why.en));
        let ui = self.ui();
        ui.global::<Rating>().set_refused(true);
        let app = ui.global::<App>();
        app.set_message(text.get(self.state.lang).into());
        self.state.refusal = Some(text);
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
        let subject = self.state.rating_subject.clone().unwrap_or_else(|| Localized::new("", ""));
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
                        c.show_refusal(&subject, &e);
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
