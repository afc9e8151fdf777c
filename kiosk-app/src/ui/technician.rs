//! The technician's PIN and screen ([`Technician`]): device health, test print, test scan, sync now.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use domain::i18n::Localized;
use domain::office::Priority;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use time::OffsetDateTime;

use super::{apply_key, App, Controller, MainWindow, Page, Technician};
use crate::core::IssuedTicket;

/// How often the open technician screen asks for its lines again.
const HEALTH_REFRESH: Duration = Duration::from_secs(5);
/// Test print and test scan results kept at the top of the screen.
const MAX_NOTES: usize = 6;

impl Controller {
    pub(super) fn connect_technician(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let g = ui.global::<Technician>();
        on!(this, g, on_edit_pin, |c, key: SharedString| c.edit_pin(&key));
        on!(this, g, on_submit_pin, |c| c.submit_pin());
        on!(this, g, on_test_print, |c| c.test_print());
        on!(this, g, on_test_scan, |c| c.test_scan());
        on!(this, g, on_sync_now, |c| {
            let lang = c.state.lang;
            c.run(
                true,
                move |b| {
                    b.tick();
                    b.health(lang)
                },
                Controller::show_health_lines,
            )
        });
    }

    fn edit_pin(&mut self, key: &str) {
        apply_key(&mut self.state.pin, key, 8, false);
        // Dots only: the digits stay in Rust.
        self.ui().global::<Technician>().set_pin("●".repeat(self.state.pin.chars().count()).into());
    }

    fn submit_pin(&mut self) {
        let ok = !self.state.technician_pin.is_empty() && self.state.pin == self.state.technician_pin;
        self.state.pin.clear();
        let ui = self.ui();
        let g = ui.global::<Technician>();
        g.set_pin("".into());
        if ok {
            self.technician_notes.clear();
            self.show_health();
            ui.global::<App>().set_page(Page::Technician);
        } else {
            g.set_pin_error(self.t("Mã PIN không đúng.", "Wrong PIN.").into());
        }
    }

    fn show_health(&mut self) {
        let lang = self.state.lang;
        self.run(true, move |b| b.health(lang), Controller::show_health_lines);
    }

    /// While the technician's screen is open its lines are asked for again every
    /// [`HEALTH_REFRESH`] (without the busy overlay): a server that comes back shows as back.
    pub(super) fn refresh_technician(&mut self) {
        let due = self.technician_refreshed.is_none_or(|t| t.elapsed() >= HEALTH_REFRESH);
        if !due || self.jobs.busy() || self.ui().global::<App>().get_page() != Page::Technician {
            return;
        }
        self.technician_refreshed = Some(Instant::now());
        let lang = self.state.lang;
        self.run(false, move |b| b.health(lang), Controller::show_health_lines);
    }

    fn show_health_lines(&mut self, health: Vec<String>) {
        self.technician_refreshed = Some(Instant::now());
        let mut lines = self.technician_notes.clone();
        lines.extend(health);
        lines.extend(self.extra_health());
        lines.push(format!("kiosk-app {}", env!("CARGO_PKG_VERSION")));
        let model: Vec<SharedString> = lines.into_iter().map(Into::into).collect();
        self.ui().global::<Technician>().set_health(ModelRc::new(VecModel::from(model)));
    }

    fn test_print(&mut self) {
        let sample = IssuedTicket {
            id: None,
            number: "TEST".into(),
            service: "test".into(),
            service_name: Localized::new("In thử", "Test print"),
            field: None,
            priority: Priority::None,
            counters: vec![],
            ahead: None,
            estimated_wait_s: None,
            issued_at: OffsetDateTime::now_utc(),
            procedure: None,
            offline: false,
            qr: "MOTCUA:TEST".into(),
        };
        let lang = self.state.lang;
        self.run(
            true,
            move |b| (b.print(&sample, lang), b.health(lang)),
            |c, (result, health)| {
                let line = match result {
                    Ok(()) => c.t("In thử: xong", "Test print: done"),
                    Err(e) => c.t(&format!("In thử: lỗi — {e}"), &format!("Test print failed: {e}")),
                };
                c.technician_notes.insert(0, line);
                c.show_health_lines(health);
            },
        );
    }

    pub(super) fn testing_scan(&self) -> bool {
        self.test_scan_until.is_some_and(|until| Instant::now() < until)
    }

    /// The technician's "test scan": for a minute, scans from any input are shown on the technician
    /// screen (what was read and what it means) instead of opening a dossier.
    fn test_scan(&mut self) {
        self.test_scan_until = Some(Instant::now() + Duration::from_secs(60));
        let line = self.t(
            "Quét thử: đưa mã vào máy quét hoặc camera (trong 60 giây)…",
            "Test scan: present a code to the scanner or the camera (for 60 s)…",
        );
        self.technician_note(line);
        self.show_camera();
    }

    /// A scan during the test scan: what was read and what it means.
    pub(super) fn show_test_scan(&mut self, result: &scanner::ScanResult) {
        let shown: String = result.raw().chars().filter(|c| !c.is_control()).take(80).collect();
        let line = match result.code() {
            Some(code) => self.t(
                &format!("Quét thử: đọc được «{shown}» — mã hồ sơ {}", code.as_str()),
                &format!("Test scan: read «{shown}» — dossier code {}", code.as_str()),
            ),
            None => self.t(
                &format!("Quét thử: đọc được «{shown}» — không phải mã hồ sơ"),
                &format!("Test scan: read «{shown}» — not a dossier code"),
            ),
        };
        self.technician_note(line);
    }

    /// Puts a line at the top of the technician's health list (kept there, newest first, while the
    /// screen is open and its other lines refresh).
    fn technician_note(&mut self, line: String) {
        self.technician_notes.insert(0, line.clone());
        self.technician_notes.truncate(MAX_NOTES);
        let ui = self.ui();
        let g = ui.global::<Technician>();
        let mut lines: Vec<SharedString> = slint::Model::iter(&g.get_health()).collect();
        lines.insert(0, line.into());
        g.set_health(ModelRc::new(VecModel::from(lines)));
    }

    /// Lines the technician sees besides the backend's own: the scanning inputs.
    fn extra_health(&self) -> Vec<String> {
        self.inputs.as_ref().map(|i| i.health(self.state.lang)).unwrap_or_default()
    }
}
