//! Key presses become the counter page's commands: the same engine commands, through the same
//! `run_ticket_command`, acting as the officer at the keypad's desk with that officer's counter
//! binding. Digits typed before Transfer choose the counter to transfer to; they are forgotten after
//! `DIGITS_EXPIRE` or on Clear. One task takes presses in order, so two presses never race.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use counter_devices::Key;
use domain::api::TicketView;
use domain::office::CounterId;
use domain::queue::{Command, OfficeState, TicketStatus};
use domain::Localized;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::bus::Presses;
use super::displays::{refused_frame, Flash, REFUSED_FLASH};
use super::DeviceStatus;
use crate::auth::{Caller, Who};
use crate::error::AppError;
use crate::http::AppState;

const DIGITS_EXPIRE: Duration = Duration::from_secs(15);
const MAX_DIGITS: usize = 3;

/// The officer a keypad acts as when its configuration names none: whoever called the counter's
/// current ticket, or else the one it served last.
pub(crate) fn desk_officer(state: &OfficeState, counter: CounterId) -> Option<String> {
    let c = state.counters.get(&counter)?;
    if let Some(t) = c.current.and_then(|id| state.ticket(id)) {
        if let TicketStatus::Called { counter: at, officer, .. } | TicketStatus::Serving { counter: at, officer, .. } =
            &t.status
        {
            if *at == counter && officer.is_some() {
                return officer.clone();
            }
        }
    }
    let last = c.last_served.and_then(|id| state.ticket(id))?;
    last.segments.iter().rev().find(|s| s.counter == counter).and_then(|s| s.officer.clone())
}

#[derive(Default)]
struct Typed {
    digits: String,
    at: Option<Instant>,
}

pub(crate) async fn run(
    app: Arc<AppState>,
    mut presses: mpsc::Receiver<Presses>,
    flashes: mpsc::Sender<Flash>,
    status: DeviceStatus,
) {
    let mut typed: HashMap<(usize, u8), Typed> = HashMap::new();
    while let Some(Presses { bus, keypad, poll }) = presses.recv().await {
        let entry = typed.entry((bus, keypad.address)).or_default();
        let mut results = Vec::new();
        for key in &poll.keys {
            if entry.at.is_some_and(|at| at.elapsed() > DIGITS_EXPIRE) {
                entry.digits.clear();
            }
            match *key {
                Key::Digit(d) => {
                    if entry.digits.len() < MAX_DIGITS {
                        entry.digits.push(char::from(b'0' + d));
                    }
                    entry.at = Some(Instant::now());
                }
                Key::Clear => entry.digits.clear(),
                command => {
                    let digits = std::mem::take(&mut entry.digits);
                    let result = press(&app, keypad.counter, keypad.officer.as_deref(), command, &digits).await;
                    if let Err(message) = &result {
                        tracing::info!(
                            "devices: keypad {} at counter {}: {}",
                            keypad.address,
                            keypad.counter,
                            message.en
                        );
                        let flash =
                            Flash { counter: keypad.counter, frame: refused_frame(), for_how_long: REFUSED_FLASH };
                        let _ = flashes.try_send(flash);
                    }
                    results.push(result);
                }
            }
        }
        let mut status = status.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(board) = status[bus].boards.iter_mut().find(|b| b.address == keypad.address) {
            board.presses += poll.keys.len() as u64;
            board.lost += u64::from(poll.lost);
            if let Some(last) = results.pop() {
                board.last_result = Some(match last {
                    Ok((ticket, key)) => {
                        let done = key_name(&key);
                        format!("{} {n} / {} {n}", done.vi, done.en, n = ticket.number)
                    }
                    Err(message) => format!("{} / {}", message.vi, message.en),
                });
            }
        }
    }
}

fn key_name(key: &Key) -> Localized {
    let (vi, en) = match key {
        Key::CallNext => ("Đã gọi", "called"),
        Key::Recall => ("Đã gọi lại", "recalled"),
        Key::Start => ("Đang phục vụ", "serving"),
        Key::Finish => ("Đã xong", "finished"),
        Key::NoShow => ("Vắng mặt", "no-show"),
        Key::Pause => ("Tạm hoãn", "parked"),
        Key::Transfer => ("Đã chuyển", "transferred"),
        Key::Clear | Key::Digit(_) => ("", ""),
    };
    Localized::new(vi, en)
}

/// Runs one command key; the ticket it acted on, or why it was refused.
async fn press(
    app: &AppState,
    counter: CounterId,
    officer: Option<&str>,
    key: Key,
    digits: &str,
) -> Result<(TicketView, Key), Localized> {
    let username = match officer {
        Some(officer) => officer.to_string(),
        None => app.office.read(|s| desk_officer(s, counter)).ok_or_else(|| {
            Localized::new(
                format!("Quầy {counter} chưa có cán bộ: gọi số đầu tiên trên trang quầy, hoặc đặt officer cho bàn phím"),
                format!("No officer at counter {counter}: call the first ticket on the counter page, or set the keypad's officer"),
            )
        })?,
    };
    let caller = caller_for(app, &username).await?;
    caller.require_counter(counter).map_err(|e| refused(&e))?;
    let command = match key {
        Key::CallNext => Command::CallNext { counter, officer: Some(username) },
        Key::Recall => Command::Recall { counter },
        Key::Start => Command::Start { counter },
        Key::NoShow => Command::NoShow { counter },
        Key::Pause => Command::Park { counter },
        Key::Finish => Command::Finish { counter, outcome: "completed".into(), next_services: Vec::new() },
        Key::Transfer => {
            let to_counter: CounterId = digits
                .parse()
                .map_err(|_| Localized::new("Bấm số quầy rồi bấm Chuyển", "Type the counter number, then Transfer"))?;
            Command::Transfer { counter, to_service: None, to_counter: Some(to_counter), placement: Default::default() }
        }
        Key::Clear | Key::Digit(_) => unreachable!("digits and Clear are handled before"),
    };
    let axum::Json(ticket) = crate::http::run_ticket_command(app, &caller, command).await.map_err(|e| refused(&e))?;
    Ok((ticket, key))
}

async fn caller_for(app: &AppState, username: &str) -> Result<Caller, Localized> {
    let name = username.to_string();
    let account = app.office.query(move |conn| crate::auth::find_login(conn, &name)).await.map_err(|e| refused(&e))?;
    let account = account.ok_or_else(|| {
        Localized::new(
            format!("Tài khoản {username} không tồn tại hoặc đã bị khóa"),
            format!("Account {username} does not exist or is disabled"),
        )
    })?;
    Ok(Caller { role: account.role, who: Who::Staff { username: account.username }, counters: account.counters })
}

fn refused(error: &AppError) -> Localized {
    error.body().message
}
