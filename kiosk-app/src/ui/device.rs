//! A device's window for its configured role: the live backend, the inputs and outputs that role has
//! (scanning inputs and the physical button on a kiosk, invitations on a rating terminal, announcements
//! on a display) and the timers that drive the controller.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context;
use domain::i18n::Lang;
use slint::ComponentHandle;

use super::{Controller, Execution, LiveBackend, MainWindow, Options};
use crate::config::{Config, DeviceRole};
use crate::core::{Core, TicketPrinter};

thread_local! {
    static CONTROLLER: RefCell<Option<Rc<RefCell<Controller>>>> = const { RefCell::new(None) };
}

/// Runs the application for `config` until its window closes.
pub fn run(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let core = Core::start(&config).context("starting the device core")?;
    let printer = match &config.printer {
        Some(p) => Some(TicketPrinter::new(p)?),
        None => None,
    };
    let ui = MainWindow::new()?;
    let mut backend = LiveBackend::new(core, printer, config.ui.office_name.clone());
    backend.display_counters = config.display_counters();
    if config.role != DeviceRole::Display {
        // Sync, leases, services and heartbeat on a worker thread: the screen never waits for them.
        super::live::spawn_worker(config.clone(), Duration::from_secs(5), backend.hardware.clone())?;
        backend.background_worker = true;
    }
    let options = Options {
        role: config.role,
        lang: if config.ui.language == "en" { Lang::En } else { Lang::Vi },
        office: config.ui.office_name.clone(),
        technician_pin: config.ui.technician_pin.clone(),
        idle_timeout: Duration::from_secs(u64::from(config.ui.idle_timeout_s)),
        size: config.screen_size(),
        execution: Execution::Worker,
    };
    let controller = Controller::attach(&ui, Box::new(backend), options);
    match config.role {
        DeviceRole::TicketKiosk => setup_ticket_kiosk(&config, &controller)?,
        DeviceRole::RatingTerminal => setup_rating_terminal(&config, &controller)?,
        DeviceRole::Display => setup_display(&config),
    }
    // Button presses, finished jobs (issue, print, lookup, rate) and scans reach the screen here.
    let poll = slint::Timer::default();
    let c = controller.clone();
    poll.start(slint::TimerMode::Repeated, Duration::from_millis(20), move || {
        let mut c = c.borrow_mut();
        c.poll();
        c.poll_button();
    });
    if config.ui.fullscreen {
        ui.window().set_fullscreen(true);
    }
    let clock = slint::Timer::default();
    let c = controller.clone();
    clock.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || {
        c.borrow_mut().tick(time::OffsetDateTime::now_utc());
    });
    let sync = slint::Timer::default();
    let c = controller.clone();
    sync.start(slint::TimerMode::Repeated, Duration::from_secs(10), move || c.borrow_mut().background());
    controller.borrow_mut().background();
    controller.borrow_mut().tick(time::OffsetDateTime::now_utc());
    let first = slint::Timer::default();
    first.start(slint::TimerMode::SingleShot, Duration::ZERO, move || {
        eprintln!("kiosk-app: first frame after {} ms", started.elapsed().as_millis());
    });
    ui.run()?;
    Ok(())
}

/// The ticket kiosk: its scanning inputs and its physical button.
fn setup_ticket_kiosk(config: &Config, controller: &Rc<RefCell<Controller>>) -> anyhow::Result<()> {
    scan_inputs(config, controller);
    if let Some(g) = &config.gpio {
        #[cfg(feature = "gpio-rppal")]
        {
            let pi = crate::gpio::pi::PiGpio::new(g.button_pin, g.paper_low_led_pin).context("opening GPIO")?;
            controller.borrow_mut().set_gpio(Box::new(pi), g.button_service.clone());
        }
        #[cfg(not(feature = "gpio-rppal"))]
        eprintln!(
            "kiosk-app: [gpio] is configured (pins {}, {}) but this build has no gpio-rppal feature",
            g.button_pin, g.paper_low_led_pin
        );
    }
    Ok(())
}

/// The rating terminal: its scanning inputs, and it wakes when its counter invites a rating.
fn setup_rating_terminal(config: &Config, controller: &Rc<RefCell<Controller>>) -> anyhow::Result<()> {
    scan_inputs(config, controller);
    follow_invitations(config, controller.clone())
}

/// The display: announcements (without sound the screen still works: it says why and carries on).
fn setup_display(config: &Config) {
    match crate::announcements::start(config) {
        Ok(started) => eprintln!("kiosk-app: {started}"),
        Err(e) => eprintln!("kiosk-app: announcements are not played: {e}"),
    }
}

fn scan_inputs(config: &Config, controller: &Rc<RefCell<Controller>>) {
    match crate::scan::ScanInputs::from_config(config) {
        Ok(inputs) => controller.borrow_mut().set_scan_inputs(inputs),
        // The kiosk still issues tickets and takes typed codes without its scanner or camera.
        Err(e) => eprintln!("kiosk-app: scanning input unavailable: {e}"),
    }
}

/// The rating terminal wakes when its counter invites a rating (live events, resumed after a drop).
fn follow_invitations(config: &Config, controller: Rc<RefCell<Controller>>) -> anyhow::Result<()> {
    CONTROLLER.with(|c| *c.borrow_mut() = Some(controller));
    let counter = crate::core::enrolled_counter(&config.data_dir);
    let token = crate::core::read_token(&config.data_dir)?.context("not enrolled")?;
    let client = config.client().with_token(token);
    std::thread::Builder::new().name("events".into()).spawn(move || {
        let mut last_id = None;
        loop {
            let _ = crate::events::follow(&client, &mut last_id, |event| {
                if let domain::event::EventKind::RatingInvited { counter: c, ticket, stage } = event.kind {
                    if counter.is_some_and(|mine| mine != c) {
                        return;
                    }
                    let number = client.ticket(ticket).map(|t| t.number).unwrap_or_default();
                    let _ = slint::invoke_from_event_loop(move || {
                        CONTROLLER.with(|ctl| {
                            if let Some(ctl) = ctl.borrow().as_ref() {
                                ctl.borrow_mut().invite_rating(ticket, &number, c, Some(stage));
                            }
                        });
                    });
                }
            });
            std::thread::sleep(Duration::from_secs(2));
        }
    })?;
    Ok(())
}
