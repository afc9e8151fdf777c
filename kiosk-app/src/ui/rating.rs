//! The satisfaction rating ([`Rating`]): opened by a counter's invitation (rating terminal) or by a
//! dossier code or served ticket (kiosk); level, optional questions, comment, sent or queued.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use domain::api::RatingRequest;
use domain::office::Stage;
use domain::rating::{Indicator, RatingLevel};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{apply_key, Answer, App, Controller, MainWindow, Page, Question, Rating, RatingOutcome, Satisfaction};

pub const QUESTIONS: [Indicator; 3] =
    [Indicator::TotalProcessingTime, Indicator::ContactsToComplete, Indicator::StaffAttitude];

impl From<Satisfaction> for RatingLevel {
    fn from(s: Satisfaction) -> RatingLevel {
        match s {
            Satisfaction::VerySatisfied => RatingLevel::VerySatisfied,
            Satisfaction::Satisfied => RatingLevel::Satisfied,
            Satisfaction::NotSatisfied => RatingLevel::NotSatisfied,
        }
    }
}

/// An answer's points (2 good, 1 fair, 0 poor); none for an unanswered question.
fn points(answer: Answer) -> Option<u8> {
    match answer {
        Answer::None => None,
        Answer::Poor => Some(0),
        Answer::Fair => Some(1),
        Answer::Good => Some(2),
    }
}

fn answer(points: Option<u8>) -> Answer {
    match points {
        None => Answer::None,
        Some(0) => Answer::Poor,
        Some(1) => Answer::Fair,
        Some(_) => Answer::Good,
    }
}

impl Controller {
    pub(super) fn connect_rating(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let g = ui.global::<Rating>();
        on!(this, g, on_rate, |c, level: Satisfaction| c.rate(level));
        on!(this, g, on_answer, |c, index: i32, given: Answer| c.answer(index, given));
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
        let subject = self.t(
            &format!("Số {number} · Quầy {counter}{stage_name}"),
            &format!("Ticket {number} · Counter {counter}{stage_name}"),
        );
        self.begin_rating(Some(ticket), None, Some(counter), stage, subject);
    }

    /// Opens the rating of a ticket or a dossier (`subject` says which, to the citizen).
    pub(super) fn begin_rating(
        &mut self,
        ticket: Option<uuid::Uuid>,
        dossier: Option<String>,
        counter: Option<u16>,
        stage: Option<Stage>,
        subject: String,
    ) {
        self.state.rating = Some(RatingRequest {
            ticket,
            dossier,
            counter,
            stage,
            level: RatingLevel::Satisfied,
            answers: vec![],
            comment: None,
            choices: vec![],
            rating_token: None,
            served_ticket: None,
        });
        self.state.comment.clear();
        let ui = self.ui();
        let g = ui.global::<Rating>();
        g.set_comment("".into());
        g.set_subject(subject.into());
        self.show_questions();
        ui.global::<App>().set_page(Page::RatingLevel);
    }

    pub(super) fn show_questions(&mut self) {
        let lang = self.state.lang;
        let answers = self.state.rating.as_ref().map(|r| r.answers.clone()).unwrap_or_default();
        let questions: Vec<Question> = QUESTIONS
            .iter()
            .map(|q| Question {
                text: q.name().get(lang).into(),
                answer: answer(answers.iter().find(|(i, _)| i == q).map(|(_, p)| *p)),
            })
            .collect();
        self.ui().global::<Rating>().set_questions(ModelRc::new(VecModel::from(questions)));
    }

    fn rate(&mut self, level: Satisfaction) {
        if let Some(r) = &mut self.state.rating {
            r.level = level.into();
        }
        self.show_questions();
        self.ui().global::<App>().set_page(Page::RatingQuestions);
    }

    fn answer(&mut self, index: i32, given: Answer) {
        let Some(q) = usize::try_from(index).ok().and_then(|i| QUESTIONS.get(i)).copied() else { return };
        if let Some(r) = &mut self.state.rating {
            r.answers.retain(|(i, _)| *i != q);
            if let Some(p) = points(given) {
                r.answers.push((q, p));
            }
            r.answers.sort();
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
        self.run(
            true,
            move |b| b.rate(request),
            |c, outcome| {
                let message = match outcome {
                    Ok(RatingOutcome::Recorded) => String::new(),
                    Ok(RatingOutcome::Queued) => c.t(
                        "Đánh giá đã được lưu và sẽ được gửi khi có kết nối.",
                        "Your rating is saved and will be sent when the link is back.",
                    ),
                    Err(e) => e.get(c.state.lang).to_owned(),
                };
                let ui = c.ui();
                let app = ui.global::<App>();
                app.set_message(message.into());
                app.set_page(Page::Thanks);
            },
        );
    }
}
