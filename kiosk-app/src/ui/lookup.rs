//! The code screen and the dossier found ([`Lookup`]): a code typed or scanned opens the dossier, or on
//! the kiosk's rating path the rating of that dossier or served ticket.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use domain::api::DossierFee;
use domain::i18n::Localized;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::rating::Subject;
use super::{
    apply_key, local_time, App, CodePurpose, Controller, HistoryRow, Lookup, MainWindow, Page, TimelinessLevel,
};
use crate::core::DossierAnswer;

/// `2026-03-10T09:41:00+07:00` → `10/03/2026 09:41`; other text is shown as it is.
fn portal_date(s: &Option<String>) -> String {
    let Some(s) = s else { return "—".into() };
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let mut out = format!("{}/{}/{}", &s[8..10], &s[5..7], &s[0..4]);
        if b.len() >= 16 && (b[10] == b'T' || b[10] == b' ') {
            out.push(' ');
            out.push_str(&s[11..16]);
        }
        out
    } else {
        s.clone()
    }
}

fn timeliness_level(level: Option<u8>) -> TimelinessLevel {
    match level {
        None => TimelinessLevel::None,
        Some(0) => TimelinessLevel::Good,
        Some(1) => TimelinessLevel::DueSoon,
        Some(_) => TimelinessLevel::Late,
    }
}

impl Controller {
    pub(super) fn connect_lookup(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let g = ui.global::<Lookup>();
        on!(this, g, on_edit_code, |c, key: SharedString| c.edit_code(&key));
        on!(this, g, on_submit_code, |c, code: SharedString| c.submit_code(&code));
    }

    fn edit_code(&mut self, key: &str) {
        apply_key(&mut self.state.code, key, 64, false);
        let ui = self.ui();
        let g = ui.global::<Lookup>();
        g.set_code(self.state.code.clone().into());
        g.set_code_error("".into());
    }

    pub(super) fn submit_code(&mut self, code: &str) {
        let ui = self.ui();
        let g = ui.global::<Lookup>();
        if g.get_purpose() == CodePurpose::Rating {
            // A kiosk rating is tied to a dossier code or to a served ticket (its number or its QR).
            match domain::dossier::DossierCode::parse_lenient(code) {
                // The receipt's QR carries the rating token that opens its rating.
                Ok(c) => self.rate_dossier(&c, domain::rating::rating_token_in(code)),
                Err(_) => {
                    let input = code.to_owned();
                    self.run(
                        true,
                        move |b| b.served_ticket(&input),
                        |c, found| match found {
                            Ok((id, number)) => {
                                let text = Localized::new(format!("Số {number}"), format!("Ticket {number}"));
                                c.begin_rating(Subject {
                                    ticket: Some(id),
                                    dossier: None,
                                    rating_token: None,
                                    counter: None,
                                    stage: None,
                                    text,
                                });
                            }
                            Err(message) => c.ui().global::<Lookup>().set_code_error(message.get(c.state.lang).into()),
                        },
                    );
                }
            }
            return;
        }
        let code = code.to_owned();
        self.run(
            true,
            move |b| (b.lookup(&code), b.online()),
            |c, (answer, online)| {
                c.online = online;
                let ui = c.ui();
                match answer {
                    Ok(answer) => {
                        c.show_dossier(&answer);
                        ui.global::<App>().set_page(Page::Dossier);
                    }
                    Err(message) => ui.global::<Lookup>().set_code_error(message.get(c.state.lang).into()),
                }
                c.refresh_link();
            },
        );
    }

    /// Opens the rating of a dossier, with the receipt's rating token when the scan or the typed text
    /// carried one.
    fn rate_dossier(&mut self, code: &domain::dossier::DossierCode, rating_token: Option<String>) {
        let text = Localized::new(format!("Hồ sơ {}", code.as_str()), format!("Dossier {}", code.as_str()));
        self.begin_rating(Subject {
            ticket: None,
            dossier: Some(code.as_str().to_owned()),
            rating_token,
            counter: None,
            stage: None,
            text,
        });
    }

    pub fn show_dossier(&mut self, a: &DossierAnswer) {
        let lang = self.state.lang;
        let v = &a.view;
        let ui = self.ui();
        let g = ui.global::<Lookup>();
        g.set_dossier_code(v.code.as_str().into());
        g.set_dossier_procedure(v.procedure.clone().unwrap_or_default().into());
        g.set_dossier_status_no(i32::from(v.status.code()));
        g.set_dossier_status(v.status_name.get(lang).into());
        g.set_dossier_unit(v.unit.clone().unwrap_or_else(|| "—".into()).into());
        g.set_dossier_received(portal_date(&v.received_at).into());
        g.set_dossier_appointment(portal_date(&v.appointment_at).into());
        g.set_dossier_due(v.due_at.as_ref().map(|_| portal_date(&v.due_at)).unwrap_or_default().into());
        g.set_dossier_channel(v.channel.as_ref().map(|c| c.name.get(lang).to_owned()).unwrap_or_default().into());
        let fees: Vec<String> =
            v.fees.iter().map(|f| format!("{} {}", f.name, DossierFee::format_vnd(f.amount_vnd))).collect();
        g.set_dossier_fees(fees.join(" · ").into());
        let total = v.fees.iter().map(|f| f.amount_vnd).sum();
        g.set_dossier_fees_total(if fees.len() > 1 { DossierFee::format_vnd(total) } else { String::new() }.into());
        g.set_dossier_next(v.next_step.get(lang).into());
        g.set_dossier_timeliness(v.timeliness.map(|t| t.name().get(lang).to_owned()).unwrap_or_default().into());
        g.set_dossier_timeliness_level(timeliness_level(v.timeliness.map(|t| t.level())));
        g.set_dossier_as_of(a.as_of.map(local_time).unwrap_or_default().into());
        let history: Vec<HistoryRow> = v
            .history
            .iter()
            .map(|s| {
                let mut text = Vec::new();
                for part in [&s.title, &s.action, &s.unit, &s.officer].into_iter().flatten() {
                    if !part.is_empty() && !text.contains(part) {
                        text.push(part.clone());
                    }
                }
                if let Some(st) = s.status {
                    text.push(st.name().get(lang).to_owned());
                }
                HistoryRow { at: portal_date(&s.at).into(), text: text.join(" · ").into() }
            })
            .collect();
        g.set_dossier_history(ModelRc::new(VecModel::from(history)));
    }

    /// A scan from the camera or a scanner: on the lookup screen (or home) it looks the dossier up (or
    /// starts a kiosk rating for it); what is not a dossier code is explained on the code screen.
    pub fn on_scan(&mut self, result: scanner::ScanResult) {
        let ui = self.ui();
        let app = ui.global::<App>();
        let g = ui.global::<Lookup>();
        if app.get_page() == Page::Technician && self.testing_scan() {
            self.show_test_scan(&result);
            return;
        }
        if !matches!(app.get_page(), Page::Home | Page::CodeEntry) || self.state.home != Page::Home || self.jobs.busy()
        {
            return;
        }
        self.state.last_touch = Instant::now();
        if app.get_page() == Page::Home {
            g.set_purpose(CodePurpose::Lookup);
        }
        match result {
            scanner::ScanResult::Dossier { code, raw, .. } => {
                self.state.code = code.as_str().to_owned();
                g.set_code(code.as_str().into());
                app.set_page(Page::CodeEntry);
                if g.get_purpose() == CodePurpose::Rating {
                    // The code the scanner found, with the rating token the receipt's QR also carries.
                    self.rate_dossier(&code, domain::rating::rating_token_in(&raw));
                } else {
                    self.submit_code(code.as_str());
                }
            }
            scanner::ScanResult::NotADossierCode { raw, .. }
                if g.get_purpose() == CodePurpose::Rating && crate::core::is_ticket_qr(&raw) =>
            {
                // A ticket's QR on the rating screen: the served ticket to rate.
                app.set_page(Page::CodeEntry);
                self.submit_code(&raw);
            }
            scanner::ScanResult::NotADossierCode { raw, .. } if crate::core::is_ticket_qr(&raw) => {
                let message = self.t(
                    "Đây là mã QR trên phiếu số thứ tự: quét bằng điện thoại để theo dõi lượt của quý khách. Để tra cứu hồ sơ, vui lòng quét mã QR trên giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
                    "This is the QR code of a queue ticket: scan it with your phone to follow your turn. To look a dossier up, please scan the QR code on the dossier receipt.",
                );
                app.set_page(Page::CodeEntry);
                g.set_code_error(message.into());
            }
            scanner::ScanResult::NotADossierCode { raw, .. } => {
                let shown: String = raw.chars().filter(|c| !c.is_control()).take(60).collect();
                let message = self.t(
                    &format!("Mã vừa quét ({shown}) không phải mã hồ sơ. Vui lòng quét mã QR trên giấy hẹn trả kết quả."),
                    &format!("The code just scanned ({shown}) is not a dossier code. Please scan the QR code on your appointment slip."),
                );
                app.set_page(Page::CodeEntry);
                g.set_code_error(message.into());
            }
        }
    }
}
