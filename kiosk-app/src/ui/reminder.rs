//! Reminders by message from the ticket screen: the citizen types a mobile number on the phone pad
//! (checked here by `domain::phone`, the server's own rule, before anything is sent); the server keeps
//! it for that day only and says back the masked number. The number leaves this screen's state when
//! the kiosk goes home.

use domain::api::ReminderView;
use domain::i18n::Localized;
use slint::ComponentHandle;

use super::{App, Controller, MainWindow, Page, Ticketing};

/// Digits a number can have (`84` and nine digits).
const MAX_DIGITS: usize = 11;

/// The digits grouped for reading: `0903 123 456`, `84 903 123 456`.
fn grouped(digits: &str) -> String {
    let (head, rest) = if digits.starts_with("84") { digits.split_at(2) } else { digits.split_at(digits.len().min(4)) };
    let mut out = head.to_string();
    for chunk in rest.as_bytes().chunks(3) {
        out.push(' ');
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

/// What the ticket screen says once reminders are taken.
fn promise(view: &ReminderView) -> Localized {
    Localized::new(
        format!(
            "Sẽ nhắn tin đến {} khi còn {} người trước số {} và khi được gọi.",
            view.phone, view.ahead, view.number
        ),
        format!(
            "A message will go to {} when {} or fewer are ahead of {} and when it is called.",
            view.phone, view.ahead, view.number
        ),
    )
}

impl Controller {
    pub(super) fn connect_reminder(ui: &MainWindow, this: &std::rc::Rc<std::cell::RefCell<Controller>>) {
        let g = ui.global::<Ticketing>();
        on!(this, g, on_open_reminder, |c| c.open_reminder());
        on!(this, g, on_edit_reminder_phone, |c, key: slint::SharedString| c.edit_reminder_phone(&key));
        on!(this, g, on_submit_reminder, |c| c.submit_reminder());
    }

    /// Shows the reminder part of the ticket screen for the ticket just shown.
    pub(super) fn show_reminder_offer(&mut self) {
        let offered = self.state.reminders_offered && self.state.ticket.as_ref().is_some_and(|t| t.id.is_some());
        let done = self.state.reminder.as_ref().map(|v| promise(v).get(self.state.lang).to_owned()).unwrap_or_default();
        let ui = self.ui();
        let g = ui.global::<Ticketing>();
        g.set_reminder_offered(offered);
        g.set_reminder_done(done.into());
    }

    /// Forgets the number typed and the reminder taken (a new ticket, the kiosk going home).
    pub(super) fn forget_reminder(&mut self) {
        self.state.reminder_phone.clear();
        self.state.reminder = None;
        self.state.reminder_error = None;
        let ui = self.ui();
        let g = ui.global::<Ticketing>();
        g.set_reminder_phone("".into());
        g.set_reminder_error("".into());
        g.set_reminder_done("".into());
    }

    fn open_reminder(&mut self) {
        self.state.reminder_phone.clear();
        self.state.reminder_error = None;
        self.show_reminder_phone();
        self.ui().global::<App>().set_page(Page::Reminder);
    }

    pub(super) fn show_reminder_phone(&mut self) {
        let error = self.state.reminder_error.as_ref().map(|e| e.get(self.state.lang).to_owned()).unwrap_or_default();
        let ui = self.ui();
        let g = ui.global::<Ticketing>();
        g.set_reminder_phone(grouped(&self.state.reminder_phone).into());
        g.set_reminder_error(error.into());
    }

    fn edit_reminder_phone(&mut self, key: &str) {
        match key {
            "backspace" => {
                self.state.reminder_phone.pop();
            }
            "clear" => self.state.reminder_phone.clear(),
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                if self.state.reminder_phone.len() < MAX_DIGITS {
                    self.state.reminder_phone.push_str(digit);
                }
            }
            _ => return,
        }
        self.state.reminder_error = None;
        self.show_reminder_phone();
    }

    fn submit_reminder(&mut self) {
        let Some(ticket) = self.state.ticket.as_ref().and_then(|t| t.id) else { return };
        let phone = self.state.reminder_phone.clone();
        if domain::phone::normalize_mobile(&phone).is_none() {
            self.state.reminder_error = Some(Localized::new(
                "Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
                "A mobile number has 10 digits and starts with 03, 05, 07, 08 or 09.",
            ));
            self.show_reminder_phone();
            return;
        }
        self.run(
            true,
            move |b| b.ask_reminder(ticket, &phone),
            |c, answer| match answer {
                Ok(view) => {
                    c.state.reminder = Some(view);
                    c.state.reminder_phone.clear();
                    c.show_reminder_phone();
                    c.show_reminder_offer();
                    c.ui().global::<App>().set_page(Page::Ticket);
                }
                Err(message) => {
                    c.state.reminder_error = Some(message);
                    c.show_reminder_phone();
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn numbers_are_grouped_for_reading() {
        assert_eq!(grouped(""), "");
        assert_eq!(grouped("090"), "090");
        assert_eq!(grouped("0903123"), "0903 123");
        assert_eq!(grouped("0903123456"), "0903 123 456");
        assert_eq!(grouped("84903123456"), "84 903 123 456");
    }
}
