use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::i18n::Lang;
use kiosk_app::config::{parse_size, Config, DeviceRole};
use kiosk_app::core::{Core, TicketPrinter};
use kiosk_app::ui::{Controller, Execution, LiveBackend, MainWindow, Options};
use slint::ComponentHandle;

#[derive(Parser)]
#[command(name = "kiosk-app", version, about = "Ticket kiosk, rating terminal and waiting-room display")]
struct Cli {
    /// Device configuration (TOML).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the application (the default).
    Run,
    /// Checks the configuration and exits.
    CheckConfig,
    /// Renders every screen of a role, in vi and en, to PNG files (software renderer, no display).
    Screenshots {
        #[arg(long)]
        out: PathBuf,
        /// ticket-kiosk, rating-terminal, display, or all
        #[arg(long, default_value = "all")]
        role: String,
        /// WIDTHxHEIGHT
        #[arg(long, default_value = "1080x1920")]
        size: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::CheckConfig => {
            let config = load(&cli.config)?;
            println!("{}: {} at {}", config.data_dir.display(), config.role.as_str(), config.server_url());
            Ok(())
        }
        Command::Screenshots { out, role, size } => {
            let size = parse_size(&size).map_err(anyhow::Error::msg)?;
            let roles = if role == "all" {
                vec![DeviceRole::TicketKiosk, DeviceRole::RatingTerminal, DeviceRole::Display]
            } else {
                vec![role.parse().map_err(anyhow::Error::msg)?]
            };
            let window = kiosk_app::screenshots::install_platform()?;
            let mut count = 0;
            for role in roles {
                count += kiosk_app::screenshots::render_role(&window, role, size, &out)?.len();
            }
            println!("{count} screenshots in {}", out.display());
            Ok(())
        }
        Command::Run => run(load(&cli.config)?),
    }
}

thread_local! {
    static CONTROLLER: std::cell::RefCell<Option<std::rc::Rc<std::cell::RefCell<Controller>>>> = const { std::cell::RefCell::new(None) };
}

/// The rating terminal wakes when its counter invites a rating (live events, resumed after a drop).
fn follow_invitations(config: &Config, controller: std::rc::Rc<std::cell::RefCell<Controller>>) -> anyhow::Result<()> {
    CONTROLLER.with(|c| *c.borrow_mut() = Some(controller));
    let counter = kiosk_app::core::enrolled_counter(&config.data_dir);
    let token = kiosk_app::core::read_token(&config.data_dir)?.context("not enrolled")?;
    let client = config.client().with_token(token);
    std::thread::Builder::new().name("events".into()).spawn(move || {
        let mut last_id = None;
        loop {
            let _ = kiosk_app::events::follow(&client, &mut last_id, |event| {
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

fn load(path: &Option<PathBuf>) -> anyhow::Result<Config> {
    let path = path.as_ref().context("--config FILE is required")?;
    Ok(Config::load(path)?)
}

fn run(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
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
        kiosk_app::ui::live::spawn_worker(config.clone(), Duration::from_secs(5))?;
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
    if config.role == DeviceRole::RatingTerminal {
        follow_invitations(&config, controller.clone())?;
    }
    if config.role != DeviceRole::Display {
        match kiosk_app::scan::ScanInputs::from_config(&config) {
            Ok(inputs) => controller.borrow_mut().set_scan_inputs(inputs),
            // The kiosk still issues tickets and takes typed codes without its scanner or camera.
            Err(e) => eprintln!("kiosk-app: scanning input unavailable: {e}"),
        }
    }
    if config.role == DeviceRole::Display {
        // Without sound the screen still works: tell why and carry on.
        match kiosk_app::announcements::start(&config) {
            Ok(started) => eprintln!("kiosk-app: {started}"),
            Err(e) => eprintln!("kiosk-app: announcements are not played: {e}"),
        }
    }
    if let Some(g) = &config.gpio {
        #[cfg(feature = "gpio-rppal")]
        {
            let pi = kiosk_app::gpio::pi::PiGpio::new(g.button_pin, g.paper_low_led_pin).context("opening GPIO")?;
            controller.borrow_mut().set_gpio(Box::new(pi), g.button_service.clone());
        }
        #[cfg(not(feature = "gpio-rppal"))]
        eprintln!(
            "kiosk-app: [gpio] is configured (pins {}, {}) but this build has no gpio-rppal feature",
            g.button_pin, g.paper_low_led_pin
        );
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
