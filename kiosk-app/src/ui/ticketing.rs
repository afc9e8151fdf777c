//! Taking a ticket ([`Ticketing`]): the service list with its search, the priority group, the ticket
//! issued and printed (its failure only shown: the ticket exists), and reprint.

use std::cell::RefCell;
use std::rc::Rc;

use domain::api::{ProcedureRef, ServiceView};
use domain::i18n::{matches_query, sort_key, Lang};
use domain::office::Priority;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{apply_key, local_time, qr_image, App, Controller, MainWindow, Page, PriorityGroup, ServiceRow, Ticketing};
use crate::core::IssuedTicket;

impl From<PriorityGroup> for Priority {
    fn from(group: PriorityGroup) -> Priority {
        match group {
            PriorityGroup::Regular => Priority::None,
            PriorityGroup::Elderly => Priority::Elderly,
            PriorityGroup::Disabled => Priority::Disabled,
            PriorityGroup::Pregnant => Priority::Pregnant,
            PriorityGroup::Merit => Priority::Merit,
            PriorityGroup::Child => Priority::Child,
        }
    }
}

impl Controller {
    pub(super) fn connect_ticketing(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let g = ui.global::<Ticketing>();
        on!(this, g, on_edit_search, |c, key: SharedString| c.edit_search(&key));
        on!(this, g, on_choose_service, |c, code: SharedString| c.choose_service(&code));
        on!(this, g, on_take_ticket, |c, group: PriorityGroup| c.take_ticket(group));
        on!(this, g, on_reprint, |c| c.reprint());
    }

    /// The service list, fresh when the backend is free, else as last read.
    fn services(&mut self) -> Vec<ServiceView> {
        if let Some(list) = self.jobs.try_now(|b| b.services()) {
            self.services = list;
        }
        self.services.clone()
    }

    pub(super) fn service_name(&mut self, code: &str) -> String {
        let lang = self.state.lang;
        self.services()
            .iter()
            .find(|s| s.code.as_str() == code)
            .map(|s| s.name.get(lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    fn edit_search(&mut self, key: &str) {
        apply_key(&mut self.state.search, key, 40, false);
        self.ui().global::<Ticketing>().set_search(self.state.search.clone().into());
        self.refresh_services();
    }

    /// Services grouped by field (fields and services sorted the Vietnamese way), filtered by the search.
    pub(super) fn refresh_services(&mut self) {
        let lang = self.state.lang;
        let query = self.state.search.clone();
        let mut services: Vec<ServiceView> = self
            .services()
            .into_iter()
            .filter(|s| s.open)
            .filter(|s| {
                query.trim().is_empty()
                    || matches_query(&format!("{} {} {} {}", s.name.vi, s.name.en, s.field.vi, s.field.en), &query)
            })
            .collect();
        services.sort_by_key(|s| (sort_key(s.field.get(lang)), sort_key(s.name.get(lang))));
        let mut rows = Vec::new();
        let mut field = None;
        for s in &services {
            if field.as_ref() != Some(&s.field) {
                field = Some(s.field.clone());
                rows.push(ServiceRow {
                    is_header: true,
                    code: "".into(),
                    title: s.field.get(lang).to_uppercase().into(),
                    subtitle: "".into(),
                });
            }
            let minutes = s.estimated_wait_s.div_ceil(60);
            let subtitle = match lang {
                Lang::Vi => format!("Đang chờ: {} người · khoảng {} phút", s.waiting, minutes),
                Lang::En => format!("Waiting: {} · about {} min", s.waiting, minutes),
            };
            rows.push(ServiceRow {
                is_header: false,
                code: s.code.to_string().into(),
                title: s.name.get(lang).into(),
                subtitle: subtitle.into(),
            });
        }
        self.ui().global::<Ticketing>().set_services(ModelRc::new(VecModel::from(rows)));
    }

    fn choose_service(&mut self, code: &str) {
        self.state.service = Some(code.to_owned());
        let name = self.service_name(code);
        let ui = self.ui();
        ui.global::<Ticketing>().set_chosen_service_name(name.into());
        ui.global::<App>().set_page(Page::Priority);
    }

    pub(super) fn take_ticket(&mut self, group: PriorityGroup) {
        let Some(service) = self.state.service.clone() else { return };
        // A ticket taken from the procedure screen names its procedure.
        let procedure = self
            .state
            .procedure
            .as_ref()
            .filter(|p| p.service.as_str() == service)
            .map(|p| ProcedureRef { code: p.code.clone(), name: p.name.clone() });
        let priority = Priority::from(group);
        let lang = self.state.lang;
        // The ticket exists once issued; printing comes after, and its failure is only shown.
        self.run(
            true,
            move |b| {
                let issued = b.issue_for(&service, priority, procedure.as_ref()).map(|ticket| {
                    let printed = b.print(&ticket, lang);
                    (ticket, printed)
                });
                (issued, b.online(), b.pending_uploads(), b.reminders_offered())
            },
            |c, (issued, online, pending, offered)| {
                (c.online, c.pending_uploads) = (online, pending);
                match issued {
                    Ok((ticket, printed)) => {
                        c.forget_reminder();
                        c.state.reminders_offered = offered;
                        c.state.ticket = Some(ticket.clone());
                        c.show_ticket(&ticket, printed.is_err());
                        c.ui().global::<App>().set_page(Page::Ticket);
                    }
                    Err(message) => c.show_message(message.get(c.state.lang)),
                }
                c.refresh_link();
            },
        );
    }

    fn reprint(&mut self) {
        if let Some(t) = self.state.ticket.clone() {
            let lang = self.state.lang;
            self.run(
                true,
                move |b| b.print(&t, lang).is_err(),
                |c, failed| c.ui().global::<Ticketing>().set_printer_failed(failed),
            );
        }
    }

    pub(super) fn show_ticket(&mut self, t: &IssuedTicket, printer_failed: bool) {
        let lang = self.state.lang;
        let counters = t.counters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
        let counters = if counters.is_empty() {
            String::new()
        } else {
            self.t(&format!("Quầy phục vụ: {counters}"), &format!("Counters: {counters}"))
        };
        let wait = match (t.ahead, t.estimated_wait_s) {
            (Some(a), Some(w)) => self.t(
                &format!("Số người chờ trước: {a} · khoảng {} phút", w.div_ceil(60)),
                &format!("People ahead: {a} · about {} min", w.div_ceil(60)),
            ),
            _ => self.t(
                &format!("Giờ lấy số: {}", local_time(t.issued_at)),
                &format!("Issued at {}", local_time(t.issued_at)),
            ),
        };
        let ui = self.ui();
        let g = ui.global::<Ticketing>();
        g.set_ticket_number(t.number.clone().into());
        g.set_ticket_service(t.service_name.get(lang).into());
        let procedure = t.procedure.as_ref().map(|p| super::procedures::name_in(&p.name, lang)).unwrap_or_default();
        g.set_ticket_procedure(procedure.into());
        g.set_ticket_counters(counters.into());
        g.set_ticket_wait(wait.into());
        g.set_ticket_priority(if t.priority.is_priority() { t.priority.name().get(lang).into() } else { "".into() });
        g.set_ticket_qr(qr_image(&t.qr));
        g.set_ticket_offline(t.offline);
        g.set_printer_failed(printer_failed);
        self.show_reminder_offer();
    }
}
