//! Finding a procedure ([`Procedures`]): the catalogue's fields to browse, a search typed on the
//! Vietnamese keyboard (with or without diacritics; the kept catalogue answers offline), the procedure's
//! time limit, fees and papers, and a ticket for its service that names it.

use std::cell::RefCell;
use std::rc::Rc;

use domain::api::{DossierFee, ProcedureView};
use domain::i18n::{Lang, Localized};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{apply_key, App, Controller, MainWindow, Page, PriorityGroup, ProcedureRow, Procedures, Ticketing};
use crate::core::ProcedureAnswer;

/// A name in `lang`, the Vietnamese one when there is no English.
pub(super) fn name_in(l: &Localized, lang: Lang) -> String {
    if l.get(lang).is_empty() {
        l.vi.clone()
    } else {
        l.get(lang).to_owned()
    }
}

/// "Lệ phí chứng thực: 2.000 đ · …", or that there is no fee.
fn fees_text(p: &ProcedureView, lang: Lang) -> String {
    if p.fees.is_empty() {
        return super::tr(lang, "Không thu phí", "No fee");
    }
    p.fees
        .iter()
        .map(|f| format!("{}: {}", name_in(&f.name, lang), DossierFee::format_vnd(f.amount_vnd)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Fees in short, for a list row: the total, or that there is none.
fn fees_short(p: &ProcedureView, lang: Lang) -> String {
    if p.fees.is_empty() {
        return super::tr(lang, "Không thu phí", "No fee");
    }
    let total = DossierFee::format_vnd(p.fees.iter().map(|f| f.amount_vnd).sum());
    super::tr(lang, &format!("Lệ phí {total}"), &format!("Fee {total}"))
}

fn time_limit(p: &ProcedureView, lang: Lang) -> String {
    p.time_limit_text.as_ref().map(|t| name_in(t, lang)).unwrap_or_else(|| "—".into())
}

impl Controller {
    pub(super) fn connect_procedures(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let g = ui.global::<Procedures>();
        on!(this, g, on_edit_search, |c, key: SharedString| c.edit_procedure_search(&key));
        on!(this, g, on_choose_field, |c, field: SharedString| c.choose_field(Some(field.to_string())));
        on!(this, g, on_all_fields, |c| c.choose_field(None));
        on!(this, g, on_choose_procedure, |c, code: SharedString| c.choose_procedure(&code));
        on!(this, g, on_take_ticket, |c| c.take_procedure_ticket(false));
        on!(this, g, on_take_priority_ticket, |c| c.take_procedure_ticket(true));
    }

    /// The procedure screen as it was left (fresh after going home): fields, or the last search.
    pub(super) fn open_procedures(&mut self) {
        self.render_procedures();
        self.search_procedures();
    }

    fn edit_procedure_search(&mut self, key: &str) {
        // Procedure names are Vietnamese: mark keys change the last word; typing without marks finds too.
        apply_key(&mut self.state.procedure_search, key, 60, true);
        self.ui().global::<Procedures>().set_search(self.state.procedure_search.clone().into());
        self.search_procedures();
    }

    fn choose_field(&mut self, field: Option<String>) {
        self.state.procedure_field = field;
        self.search_procedures();
    }

    /// Asks the backend for the procedures of the search and field. Not a busy job: typing goes on, and
    /// an answer to an older search than the one on screen is dropped.
    pub(super) fn search_procedures(&mut self) {
        let query = self.state.procedure_search.clone();
        let field = self.state.procedure_field.clone();
        let asked = (query.clone(), field.clone());
        self.run(
            false,
            move |b| b.procedures(&query, field.as_deref()),
            move |c, answer| {
                if (c.state.procedure_search.clone(), c.state.procedure_field.clone()) != asked {
                    return;
                }
                c.state.procedures = Some(answer);
                c.render_procedures();
            },
        );
    }

    /// Rows in the language shown: the fields when nothing is typed or chosen, else the procedures found
    /// (a field's list starts with the way back to every field); the note says what is worth knowing.
    pub(super) fn render_procedures(&mut self) {
        let lang = self.state.lang;
        let browsing = self.state.procedure_search.trim().is_empty() && self.state.procedure_field.is_none();
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        let mut field_name = String::new();
        match &self.state.procedures {
            None => {}
            Some(Err(message)) => notes.push(message.get(lang).to_owned()),
            Some(Ok(ProcedureAnswer { list, cached })) => {
                if *cached {
                    notes.push(super::tr(
                        lang,
                        "Mất kết nối: đang dùng danh mục thủ tục đã lưu.",
                        "Offline: using the saved list of procedures.",
                    ));
                }
                if let Some(f) = &self.state.procedure_field {
                    let shown = list.fields.iter().find(|l| domain::i18n::fold(&l.vi) == domain::i18n::fold(f));
                    field_name = shown.map(|l| name_in(l, lang)).unwrap_or_else(|| f.clone());
                    rows.push(ProcedureRow {
                        is_field: true,
                        key: "".into(),
                        title: super::tr(lang, "‹ Tất cả lĩnh vực", "‹ All fields").into(),
                        subtitle: field_name.to_uppercase().into(),
                    });
                }
                if browsing {
                    notes.push(super::tr(
                        lang,
                        "Chọn lĩnh vực, hoặc chạm ô tìm kiếm để gõ tên thủ tục.",
                        "Choose a field, or touch the search box to type the procedure's name.",
                    ));
                    rows.extend(list.fields.iter().map(|f| ProcedureRow {
                        is_field: true,
                        key: f.vi.clone().into(),
                        title: name_in(f, lang).into(),
                        subtitle: "".into(),
                    }));
                } else {
                    rows.extend(list.procedures.iter().map(|p| {
                        ProcedureRow {
                            is_field: false,
                            key: p.code.clone().into(),
                            title: name_in(&p.name, lang).into(),
                            subtitle: format!(
                                "{} · {} · {}",
                                time_limit(p, lang),
                                fees_short(p, lang),
                                name_in(&p.field, lang)
                            )
                            .into(),
                        }
                    }));
                    if list.procedures.is_empty() {
                        notes.push(super::tr(
                            lang,
                            "Không tìm thấy thủ tục phù hợp. Quý khách có thể lấy số theo dịch vụ ở trang chủ.",
                            "No procedure matches. You can take a number by service on the home screen.",
                        ));
                    } else if list.total > list.procedures.len() {
                        notes.push(super::tr(
                            lang,
                            &format!("{} / {} thủ tục; gõ thêm để thu hẹp.", list.procedures.len(), list.total),
                            &format!(
                                "{} of {} procedures; type more to narrow down.",
                                list.procedures.len(),
                                list.total
                            ),
                        ));
                    }
                }
            }
        }
        let ui = self.ui();
        let g = ui.global::<Procedures>();
        g.set_field(field_name.into());
        g.set_note(notes.join(" ").into());
        g.set_rows(ModelRc::new(VecModel::from(rows)));
    }

    fn choose_procedure(&mut self, code: &str) {
        let found = match &self.state.procedures {
            Some(Ok(answer)) => answer.list.procedures.iter().find(|p| p.code == code).cloned(),
            _ => None,
        };
        let Some(p) = found else { return };
        self.state.procedure = Some(p);
        self.show_procedure();
        self.ui().global::<App>().set_page(Page::Procedure);
    }

    /// The chosen procedure in the language shown.
    pub(super) fn show_procedure(&mut self) {
        let lang = self.state.lang;
        let Some(p) = self.state.procedure.clone() else { return };
        let counters = p.counters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
        let service = name_in(&p.service_name, lang);
        let place = if counters.is_empty() {
            service
        } else {
            super::tr(lang, &format!("{service} · Quầy {counters}"), &format!("{service} · Counter {counters}"))
        };
        let papers: Vec<SharedString> = p.papers.iter().map(|l| name_in(l, lang).into()).collect();
        let ui = self.ui();
        let g = ui.global::<Procedures>();
        g.set_name(name_in(&p.name, lang).into());
        g.set_code(p.code.clone().into());
        g.set_field_name(format!("{} · {}", name_in(&p.field, lang), p.code).into());
        g.set_time_limit(time_limit(&p, lang).into());
        g.set_fees(fees_text(&p, lang).into());
        g.set_place(place.into());
        g.set_papers(ModelRc::new(VecModel::from(papers)));
        g.set_service_open(p.service_open && p.active);
    }

    /// A ticket for the chosen procedure's service that names the procedure: a regular one at once, or
    /// the priority groups first.
    fn take_procedure_ticket(&mut self, priority: bool) {
        let Some(p) = self.state.procedure.clone() else { return };
        self.state.service = Some(p.service.to_string());
        let ui = self.ui();
        ui.global::<Ticketing>().set_chosen_service_name(name_in(&p.name, self.state.lang).into());
        if priority {
            ui.global::<App>().set_page(Page::Priority);
        } else {
            self.take_ticket(PriorityGroup::Regular);
        }
    }
}
