//! `kiosk-app screenshots`: every screen of a role, in Vietnamese and English, rendered with Slint's
//! software renderer into PNG files (no display needed).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use domain::i18n::Lang;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PlatformError};

use crate::config::DeviceRole;
use crate::ui::{
    App, CodePurpose, Controller, DemoBackend, Lookup, MainWindow, Options, Page, PriorityGroup, Procedures, Rating,
    Satisfaction, Technician, Ticketing,
};

struct ShotPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for ShotPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

/// Installs the off-screen platform (once per thread); returns its window.
pub fn install_platform() -> Result<Rc<MinimalSoftwareWindow>, PlatformError> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(ShotPlatform { window: window.clone() }))
        .map_err(|e| PlatformError::Other(e.to_string()))?;
    Ok(window)
}

/// Renders the window's current content into an RGB buffer.
pub fn render(window: &MinimalSoftwareWindow, width: u32, height: u32) -> Vec<u8> {
    window.set_size(slint::PhysicalSize::new(width, height));
    slint::platform::update_timers_and_animations();
    window.request_redraw();
    let mut pixels = vec![slint::Rgb8Pixel { r: 0, g: 0, b: 0 }; (width * height) as usize];
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, width as usize);
    });
    pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect()
}

pub fn write_png(path: &Path, rgb: &[u8], width: u32, height: u32) -> std::io::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
    writer.write_image_data(rgb).map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)?;
    Ok(())
}

/// The backend some screens run on, and the screens.
type ScreenSet = (fn() -> DemoBackend, Vec<Step>);

/// One screen: a name and how to get there from a fresh controller.
type Step = (&'static str, fn(&MainWindow, &Rc<RefCell<Controller>>));

fn kiosk_screens() -> Vec<Step> {
    vec![
        ("home", |_, _| {}),
        ("services", |ui, _| ui.global::<App>().invoke_navigate(Page::Services)),
        ("services-search", |ui, _| {
            ui.global::<App>().invoke_navigate(Page::Services);
            for c in ["h", "o", " ", "t", "i", "c", "h"] {
                ui.global::<Ticketing>().invoke_edit_search(c.into());
            }
        }),
        ("priority", |ui, _| ui.global::<Ticketing>().invoke_choose_service("khai-sinh".into())),
        ("ticket", take_ticket),
        ("reminder", |ui, c| {
            take_ticket(ui, c);
            type_reminder_phone(ui);
        }),
        ("ticket-reminded", |ui, c| {
            take_ticket(ui, c);
            type_reminder_phone(ui);
            ui.global::<Ticketing>().invoke_submit_reminder();
        }),
        ("lookup", |ui, _| {
            ui.global::<Lookup>().set_purpose(CodePurpose::Lookup);
            ui.global::<App>().invoke_navigate(Page::CodeEntry);
            for c in "000.00.01.H29-2603".chars() {
                ui.global::<Lookup>().invoke_edit_code(c.to_string().into());
            }
        }),
        ("lookup-camera", |ui, c| {
            ui.global::<Lookup>().set_purpose(CodePurpose::Lookup);
            let mut inputs = crate::scan::ScanInputs::new();
            let scene = Box::new(scanner::source::Synthetic::new(vec![camera_scene()], 1_000_000));
            if inputs.start_camera(scene, Some(Duration::from_millis(10))).is_ok() {
                c.borrow_mut().set_scan_inputs(inputs);
            }
            ui.global::<App>().invoke_navigate(Page::CodeEntry);
            // The preview shows once the capture thread has published a frame.
            crate::ui::jobs::wait_until(Duration::from_secs(3), || {
                c.borrow_mut().poll();
                ui.global::<App>().get_camera_preview().size().width > 0
            });
        }),
        ("lookup-bad-code", |ui, _| {
            ui.global::<Lookup>().set_purpose(CodePurpose::Lookup);
            ui.global::<App>().invoke_navigate(Page::CodeEntry);
            ui.global::<Lookup>().invoke_edit_code("12345".into());
            ui.global::<Lookup>().invoke_submit_code("12345".into());
        }),
        ("dossier", |ui, _| {
            ui.global::<Lookup>().set_purpose(CodePurpose::Lookup);
            ui.global::<Lookup>().invoke_submit_code("000.00.01.H29-260310-0420".into());
        }),
        ("rating-level", |ui, _| {
            ui.global::<Lookup>().set_purpose(CodePurpose::Rating);
            ui.global::<Lookup>().invoke_submit_code("000.00.01.H29-260310-0420".into());
        }),
        ("pin", |ui, _| ui.global::<App>().invoke_navigate(Page::Pin)),
        ("procedures", |ui, _| ui.global::<App>().invoke_navigate(Page::Procedures)),
        ("procedures-search", search_procedures),
        ("procedure", |ui, c| {
            search_procedures(ui, c);
            ui.global::<Procedures>().invoke_choose_procedure("2.000908.000.00.00.H29".into());
        }),
        ("procedure-ticket", |ui, c| {
            search_procedures(ui, c);
            ui.global::<Procedures>().invoke_choose_procedure("2.000908.000.00.00.H29".into());
            ui.global::<Procedures>().invoke_take_ticket();
        }),
    ]
}

/// "chứng thực" as the keyboard types it, marks after each word's letters.
fn search_procedures(ui: &MainWindow, _: &Rc<RefCell<Controller>>) {
    ui.global::<App>().invoke_navigate(Page::Procedures);
    let g = ui.global::<Procedures>();
    for key in ["c", "h", "u", "n", "g", "horn", "sac", " ", "t", "h", "u", "c", "horn", "nang"] {
        g.invoke_edit_search(key.into());
    }
}

/// What the kiosk camera sees with nobody in front of it: a counter top and a blank appointment slip.
fn camera_scene() -> scanner::GrayFrame {
    let (w, h) = (640, 360);
    let data = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let on_slip = (220..420).contains(&x) && (60..300).contains(&y);
            let printed_line = on_slip && (90..270).contains(&y) && y % 24 < 4 && (240..400).contains(&x);
            match (on_slip, printed_line) {
                (_, true) => 60,
                (true, false) => 235,
                _ => 70 + (x / 8 + y / 6) as u8 % 40,
            }
        })
        .collect();
    scanner::GrayFrame::from_luma(w, h, data).expect("a frame of the right size")
}

/// An elderly citizen's ticket for a birth registration.
fn take_ticket(ui: &MainWindow, _: &Rc<RefCell<Controller>>) {
    ui.global::<Ticketing>().invoke_choose_service("khai-sinh".into());
    ui.global::<Ticketing>().invoke_take_ticket(PriorityGroup::Elderly);
}

/// The reminder screen with a number typed.
fn type_reminder_phone(ui: &MainWindow) {
    ui.global::<Ticketing>().invoke_open_reminder();
    for d in "0903123456".chars() {
        ui.global::<Ticketing>().invoke_edit_reminder_phone(d.to_string().into());
    }
}

fn offline_screens() -> Vec<Step> {
    vec![
        ("offline-ticket", |ui, c| {
            let _ = c;
            ui.global::<Ticketing>().invoke_choose_service("chung-thuc".into());
            ui.global::<Ticketing>().invoke_take_ticket(PriorityGroup::Regular);
        }),
        ("procedures-offline", |ui, c| {
            search_procedures(ui, c);
        }),
        ("technician", |ui, _| {
            ui.global::<App>().invoke_navigate(Page::Pin);
            for d in "2468".chars() {
                ui.global::<Technician>().invoke_edit_pin(d.to_string().into());
            }
            ui.global::<Technician>().invoke_submit_pin();
        }),
    ]
}

fn rating_screens() -> Vec<Step> {
    vec![
        ("waiting", |_, _| {}),
        ("rating-level", |_, c| {
            c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception))
        }),
        ("rating-questions", |ui, c| {
            c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
            ui.global::<Rating>().invoke_rate(Satisfaction::VerySatisfied);
            ui.global::<Rating>().invoke_answer(0, 0);
            ui.global::<Rating>().invoke_answer(2, 1);
        }),
        ("rating-comment", |ui, c| {
            c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
            ui.global::<Rating>().invoke_rate(Satisfaction::Satisfied);
            ui.global::<App>().invoke_navigate(Page::RatingComment);
            // "Cán bộ nhiệt tình" as the keyboard types it: each word's letters, then its marks.
            let words: [(&str, &[&str]); 4] = [
                ("Can", &["sac"]),
                (" bo", &["circumflex", "nang"]),
                (" nhiet", &["circumflex", "nang"]),
                (" tinh", &["huyen"]),
            ];
            for (letters, marks) in words {
                for c in letters.chars() {
                    ui.global::<Rating>().invoke_edit_comment(c.to_string().into());
                }
                for mark in marks {
                    ui.global::<Rating>().invoke_edit_comment((*mark).into());
                }
            }
        }),
        ("thanks", |ui, c| {
            c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
            ui.global::<Rating>().invoke_rate(Satisfaction::VerySatisfied);
            ui.global::<Rating>().invoke_finish();
        }),
        ("rating-refused", |ui, c| {
            // The same ticket a second time: refused before any question.
            c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
            ui.global::<Rating>().invoke_rate(Satisfaction::VerySatisfied);
            ui.global::<Rating>().invoke_finish();
            c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
        }),
    ]
}

fn display_screens() -> Vec<Step> {
    vec![("board", |_, _| {})]
}

/// Renders every screen of `role` in vi and en at `size` into `out`; returns the files written.
pub fn render_role(
    window: &Rc<MinimalSoftwareWindow>,
    role: DeviceRole,
    size: (u32, u32),
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    let online = DemoBackend::default;
    let offline = || DemoBackend { online: false, ..DemoBackend::default() };
    let out_of_paper = || DemoBackend { printer_ok: false, ..DemoBackend::default() };
    let mut sets: Vec<ScreenSet> = Vec::new();
    match role {
        DeviceRole::TicketKiosk => {
            sets.push((online, kiosk_screens()));
            sets.push((offline, offline_screens()));
            sets.push((out_of_paper, vec![("printer-failed", take_ticket)]));
        }
        DeviceRole::RatingTerminal => sets.push((online, rating_screens())),
        DeviceRole::Display => {
            sets.push((online, display_screens()));
            sets.push((offline, vec![("board-offline", |_, _| {})]));
        }
    }
    for lang in [Lang::Vi, Lang::En] {
        for (backend, steps) in &sets {
            for (name, step) in steps {
                let ui = MainWindow::new()?;
                let backend = backend();
                let options = Options {
                    role,
                    lang,
                    office: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
                    technician_pin: "2468".into(),
                    idle_timeout: Duration::from_secs(60),
                    size,
                    execution: crate::ui::Execution::Inline,
                };
                let controller = Controller::attach(&ui, Box::new(backend), options);
                let noon = time::macros::datetime!(2026-03-10 02:41 UTC);
                controller.borrow_mut().tick(noon);
                ui.show()?;
                step(&ui, &controller);
                let rgb = render(window, size.0, size.1);
                let lang_code = if lang == Lang::Vi { "vi" } else { "en" };
                let path = out.join(format!("{}-{name}-{lang_code}-{}x{}.png", role.as_str(), size.0, size.1));
                write_png(&path, &rgb, size.0, size.1)?;
                written.push(path);
                ui.hide()?;
            }
        }
    }
    Ok(written)
}
