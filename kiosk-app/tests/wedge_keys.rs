//! A keyboard-wedge scanner as the kiosk window receives it: Slint's key events, modifier keys
//! (Shift before each capital, AltGr, Caps Lock) included, pressed and released, through the
//! window's key handler to `ScanInputs` and `scanner::wedge`.

use std::time::Duration;

use domain::i18n::Lang;
use kiosk_app::config::DeviceRole;
use kiosk_app::scan::{KeyOutcome, ScanInputs};
use kiosk_app::ui::{App, Controller, DemoBackend, Lookup, MainWindow, Options, Page};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, SharedString};

const CODE: &str = "000.00.01.H29-260310-0420";

/// The key events a US-layout scanner sends for `payload`: Shift (left or right) held around each
/// capital, Enter at the end. Slint sends a modifier as its own key event.
fn scanner_keys(payload: &str) -> Vec<(bool, SharedString)> {
    let mut events = Vec::new();
    for (i, c) in payload.chars().enumerate() {
        let shift: SharedString = if i % 2 == 0 { Key::Shift.into() } else { Key::ShiftR.into() };
        let upper = c.is_ascii_uppercase();
        if upper {
            events.push((true, shift.clone()));
        }
        events.push((true, c.to_string().into()));
        events.push((false, c.to_string().into()));
        if upper {
            events.push((false, shift));
        }
    }
    events.push((true, Key::Return.into()));
    events.push((false, Key::Return.into()));
    events
}

#[test]
fn slint_modifier_keys_do_not_break_a_scan() {
    let mut inputs = ScanInputs::new();
    inputs.enable_wedge();
    let mut outcome = None;
    // Caps Lock, AltGr, Control and Meta pressed in the burst too (only presses reach `key`).
    let extra: [SharedString; 4] = [Key::CapsLock.into(), Key::AltGr.into(), Key::Control.into(), Key::Meta.into()];
    for (n, (pressed, text)) in scanner_keys(CODE).into_iter().enumerate() {
        if !pressed {
            continue;
        }
        if n % 7 == 3 {
            assert!(matches!(inputs.key(&extra[n % 4]), KeyOutcome::Pending));
        }
        match inputs.key(&text) {
            KeyOutcome::Pending => {}
            other => outcome = Some(other),
        }
    }
    match outcome {
        Some(KeyOutcome::Scan(scan)) => assert_eq!(scan.code().map(|c| c.as_str()), Some(CODE), "{scan:?}"),
        other => panic!("expected a scan of {CODE}, got {other:?}"),
    }
}

#[test]
fn scan_with_shift_through_the_window_opens_the_dossier() {
    i_slint_backend_testing::init_no_event_loop();
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role: DeviceRole::TicketKiosk,
        lang: Lang::Vi,
        office: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(60),
        size: (1080, 1920),
        execution: kiosk_app::ui::Execution::Inline,
    };
    let c = Controller::attach(&ui, Box::new(DemoBackend::default()), options);
    ui.show().unwrap();
    let mut inputs = ScanInputs::new();
    inputs.enable_wedge();
    c.borrow_mut().set_scan_inputs(inputs);
    for (pressed, text) in scanner_keys(CODE) {
        let event = if pressed { WindowEvent::KeyPressed { text } } else { WindowEvent::KeyReleased { text } };
        ui.window().dispatch_event(event);
    }
    assert_eq!(ui.global::<App>().get_page(), Page::Dossier, "the scan opened the dossier");
    assert_eq!(ui.global::<Lookup>().get_dossier_code(), CODE, "the whole code, not what follows the first capital");
}
