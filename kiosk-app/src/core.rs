//! The kiosk's logic without any UI: enrolment, issuing tickets online or from a lease, printing,
//! ratings, dossier lookups with a cache, and syncing what was done offline.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

use domain::api::{DossierView, ProcedureRef, RatingRequest, ServiceView, TicketView};
use domain::dossier::DossierCode;
use domain::i18n::{Lang, Localized};
use domain::office::{CounterId, NumberFormat, Priority};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::client::{Client, ClientError};
use crate::config::{Config, PrinterConfig};
use crate::store::{CachedDossier, Pending, Store, StoreError};

/// Vietnam's time zone (no daylight saving): office time until the server has said its office's offset.
pub const DEFAULT_OFFSET_S: i32 = 7 * 3600;

/// The office's UTC offset: the one source of office time on this device's slips and screens. Set from
/// the server's `/healthz` answer and from the store at start (an offline start keeps the last one).
static OFFICE_OFFSET_S: AtomicI32 = AtomicI32::new(DEFAULT_OFFSET_S);

/// The office's UTC offset as last learnt (UTC+7 until the server or the store has said otherwise).
pub fn office_offset() -> UtcOffset {
    UtcOffset::from_whole_seconds(OFFICE_OFFSET_S.load(Ordering::Relaxed))
        .unwrap_or_else(|_| UtcOffset::from_whole_seconds(DEFAULT_OFFSET_S).expect("valid offset"))
}

/// Sets the office's UTC offset (seconds east of UTC); an offset `time` cannot hold is ignored.
pub fn set_office_offset(seconds: i32) {
    if UtcOffset::from_whole_seconds(seconds).is_ok() {
        OFFICE_OFFSET_S.store(seconds, Ordering::Relaxed);
    }
}

/// `dd/MM/yyyy HH:mm` in office time: the one date-time format of the kiosk's screens.
pub fn office_date_time(at: OffsetDateTime) -> String {
    let l = at.to_offset(office_offset());
    format!("{:02}/{:02}/{:04} {:02}:{:02}", l.day(), u8::from(l.month()), l.year(), l.hour(), l.minute())
}

/// `dd/MM/yyyy` in office time.
pub fn office_date(at: OffsetDateTime) -> String {
    let l = at.to_offset(office_offset());
    format!("{:02}/{:02}/{:04}", l.day(), u8::from(l.month()), l.year())
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("this device is not enrolled: put the one-time code in server.enrolment_code")]
    NotEnrolled,
    #[error("the server enrolled this device as {got}, but the config says {want}")]
    WrongRole { got: String, want: String },
    #[error("the queue server cannot be reached and no numbers are left for service {0}")]
    NoNumbersLeft(String),
    #[error("{}", .0.vi)]
    BadCode(Localized),
    #[error("dossier not found")]
    UnknownDossier,
    #[error("ticket {0} has not been served yet")]
    NotServed(String),
    #[error("printer: {0}")]
    Printer(String),
}

pub type Result<T> = std::result::Result<T, CoreError>;

mod catalogue;
pub use catalogue::{search_list, ProcedureAnswer};

/// The token of a ticket's follow page in a scanned QR (`http://…/t/<token>`): hex digits after the
/// last `/t/` (the server judges the rest: a ticket's or a leased number's, see queue-server `follow`).
pub(crate) fn follow_token(text: &str) -> Option<&str> {
    let at = text.rfind("/t/")? + 3;
    let token = &text[at..];
    let end = token.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(token.len());
    let token = &token[..end];
    (32..=128).contains(&token.len()).then_some(token)
}

/// Whether a scanned text is a ticket's QR (its follow page, or the kiosk-only form of older kiosks).
pub fn is_ticket_qr(text: &str) -> bool {
    follow_token(text.trim()).is_some() || text.trim().starts_with("MOTCUA:T:")
}

/// What a kiosk rating asks for, said when the input is neither a dossier code nor a ticket number.
pub fn rating_code_hint() -> Localized {
    Localized::new(
        "Vui lòng nhập mã hồ sơ trên giấy hẹn, hoặc số thứ tự đã được phục vụ (ví dụ A025).",
        "Please enter the dossier code from your appointment slip, or the ticket number you were served with (e.g. A025).",
    )
}

// ---- the device token ---------------------------------------------------------------------------

pub const TOKEN_FILE: &str = "device-token";

/// Reads the stored token, if the device was enrolled before.
pub fn read_token(data_dir: &Path) -> Result<Option<String>> {
    match fs::read_to_string(data_dir.join(TOKEN_FILE)) {
        Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_owned())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CoreError::DataDir { path: data_dir.into(), source }),
    }
}

/// Writes the token readable and writable by the owner only (0600), atomically.
pub fn write_token(data_dir: &Path, token: &str) -> Result<()> {
    let err = |source| CoreError::DataDir { path: data_dir.into(), source };
    let tmp = data_dir.join(format!("{TOKEN_FILE}.tmp"));
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(err)?;
    file.write_all(token.as_bytes()).and_then(|_| file.sync_all()).map_err(err)?;
    fs::rename(&tmp, data_dir.join(TOKEN_FILE)).map_err(err)?;
    Ok(())
}

/// Creates the data directory (0700) if needed.
pub fn ensure_data_dir(data_dir: &Path) -> Result<()> {
    let err = |source| CoreError::DataDir { path: data_dir.into(), source };
    fs::create_dir_all(data_dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(data_dir, fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// Returns the stored token, or enrols with the one-time code and stores the token.
pub fn enrol_if_needed(config: &Config, client: &Client) -> Result<String> {
    ensure_data_dir(&config.data_dir)?;
    if let Some(token) = read_token(&config.data_dir)? {
        return Ok(token);
    }
    let code = config.server.enrolment_code.as_deref().ok_or(CoreError::NotEnrolled)?;
    let response = client.enrol(code, &config.name)?;
    let got = response.role.as_str().to_owned();
    if got != config.role.as_str() {
        return Err(CoreError::WrongRole { got, want: config.role.as_str().into() });
    }
    write_token(&config.data_dir, &response.token)?;
    let device = serde_json::json!({ "device_id": response.device_id, "role": got, "counter": response.counter });
    fs::write(config.data_dir.join(DEVICE_FILE), device.to_string())
        .map_err(|source| CoreError::DataDir { path: config.data_dir.clone(), source })?;
    Ok(response.token)
}

/// What enrolment said about this device (not secret): its id, role and counter.
pub const DEVICE_FILE: &str = "device.json";

/// The counter a rating terminal was enrolled for.
pub fn enrolled_counter(data_dir: &Path) -> Option<CounterId> {
    let text = fs::read_to_string(data_dir.join(DEVICE_FILE)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["counter"].as_u64().and_then(|c| CounterId::try_from(c).ok())
}

// ---- tickets ------------------------------------------------------------------------------------

/// A ticket as the kiosk shows and prints it, whether the server issued it or a lease did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTicket {
    /// The server's id of the ticket; none for a number issued offline from a lease (it has one only
    /// once uploaded).
    pub id: Option<uuid::Uuid>,
    pub number: String,
    pub service: String,
    pub service_name: Localized,
    pub field: Option<Localized>,
    pub priority: Priority,
    pub counters: Vec<CounterId>,
    pub ahead: Option<usize>,
    pub estimated_wait_s: Option<u32>,
    pub issued_at: OffsetDateTime,
    /// The catalogue procedure the citizen chose, when the ticket was taken for one.
    pub procedure: Option<ProcedureRef>,
    /// Issued from a lease while the server was unreachable (joins the queue on the next sync).
    pub offline: bool,
    /// QR payload shown on screen and printed.
    pub qr: String,
}

impl IssuedTicket {
    /// `phone_base`: where phones reach the server ([`Core::phone_base`]), put before the ticket's
    /// follow page in its QR.
    fn from_view(v: &TicketView, phone_base: &str) -> IssuedTicket {
        IssuedTicket {
            id: Some(v.id),
            number: v.number.clone(),
            service: v.service.to_string(),
            service_name: v.service_name.clone(),
            field: Some(v.field.clone()),
            priority: v.priority,
            counters: v.counters.clone(),
            ahead: Some(v.ahead),
            estimated_wait_s: Some(v.estimated_wait_s),
            issued_at: v.issued_at,
            procedure: v.procedure.clone(),
            offline: false,
            qr: match &v.follow_url {
                Some(path) => format!("{phone_base}{path}"),
                // A server from before follow pages: the kiosk-only form.
                None => format!("MOTCUA:T:{}:{}:{}", v.day, v.number, v.id),
            },
        }
    }

    /// The printed slip, labelled in `lang`; `office` is the receiving unit's name and `agency` the
    /// governing agency's, its first line (proper names, the same on both languages' slips). A name
    /// with no English version is printed in Vietnamese.
    pub fn slip(&self, office: &str, agency: Option<&str>, lang: Lang) -> printer::TicketSlip {
        let local = self.issued_at.to_offset(office_offset());
        let slip_lang = if lang == Lang::En { printer::SlipLang::En } else { printer::SlipLang::Vi };
        let name = |l: &Localized| if l.get(lang).is_empty() { l.vi.clone() } else { l.get(lang).to_owned() };
        printer::TicketSlip {
            agency: agency.map(str::to_owned),
            office: office.to_owned(),
            title: slip_lang.title(),
            number: self.number.clone(),
            service: name(&self.service_name),
            field: self.field.as_ref().map(name),
            procedure: self.procedure.as_ref().map(|p| name(&p.name)),
            counters: self.counters.iter().map(|c| c.to_string()).collect(),
            people_ahead: self.ahead.map(|a| a as u32),
            estimated_wait_minutes: self.estimated_wait_s.map(|s| s.div_ceil(60)),
            issued_at: printer::LocalDateTime {
                year: local.year() as u16,
                month: u8::from(local.month()),
                day: local.day(),
                hour: local.hour(),
                minute: local.minute(),
            },
            session: None,
            priority: self.priority.is_priority().then(|| name(&self.priority.name())),
            qr: Some(self.qr.clone()),
            footer: if self.offline {
                vec![slip_lang.offline_note(), slip_lang.footer()]
            } else {
                vec![slip_lang.footer()]
            },
            logo: None,
            labels: slip_lang.labels(),
        }
    }
}

/// Result of one sync pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub tickets_uploaded: usize,
    pub ratings_uploaded: usize,
    pub failed: usize,
    /// The server went away during the pass; the rest waits for the next one.
    pub interrupted: bool,
}

/// Where a rating ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingOutcome {
    Recorded,
    /// Kept on the device and uploaded when the server is back.
    Queued,
}

/// A dossier answer and whether it came from the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierAnswer {
    pub view: DossierView,
    /// Set when answered from the cache: the time of the cached answer.
    pub as_of: Option<OffsetDateTime>,
}

/// The ticket kiosk's, rating terminal's and display's shared logic.
pub struct Core {
    client: Client,
    store: Store,
    offline: OfflineSettings,
    services: Vec<ServiceView>,
    online: bool,
    now: Box<dyn Fn() -> OffsetDateTime + Send>,
    /// When the background worker last stored the whole catalogue.
    catalogue_at: Option<std::time::Instant>,
}

#[derive(Debug, Clone, Copy)]
pub struct OfflineSettings {
    pub lease_size: u32,
    pub lease_low_water: u32,
}

const SERVICES_KEY: &str = "services";
/// The last whole procedure catalogue the server gave (a [`ProcedureList`]), searched offline.
const CATALOGUE_KEY: &str = "procedure-catalogue";
/// The last questions of the indicator set per stage (`rating-questions:reception`, …).
const QUESTIONS_KEY: &str = "rating-questions";
/// How often the background worker refreshes the procedure catalogue.
const CATALOGUE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// Most procedures a search answers with.
pub const PROCEDURE_PAGE: usize = 50;
const LINK_KEY: &str = "link";
/// The office's name from its settings, as the server's health answer last gave it.
const OFFICE_NAME_KEY: &str = "office-name";
/// The governing agency's name from the server's health answer (the tickets' first line).
const AGENCY_KEY: &str = "office-agency";
/// Where phones on the office Wi-Fi reach the server (`follow_base_url` of the health answer).
const PHONE_BASE_KEY: &str = "office-follow-base-url";
/// Whether the office sends reminders by message (`reminders` of the health answer): "1" or "0".
const REMINDERS_KEY: &str = "office-reminders";
/// The office's UTC offset in seconds, as the server last said it.
const OFFICE_OFFSET_KEY: &str = "office-utc-offset-s";
/// Idempotency keys of online issues that got no answer (the server may hold a ticket nobody has).
pub const UNCONFIRMED_KEY: &str = "unconfirmed-online-issues";

impl Core {
    pub fn new(client: Client, store: Store, offline: OfflineSettings) -> Core {
        let services =
            store.get(SERVICES_KEY).ok().flatten().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
        if let Some(seconds) = store.get(OFFICE_OFFSET_KEY).ok().flatten().and_then(|s| s.parse().ok()) {
            set_office_offset(seconds);
        }
        Core {
            client,
            store,
            offline,
            services,
            online: false,
            now: Box::new(OffsetDateTime::now_utc),
            catalogue_at: None,
        }
    }

    /// Opens the store in the data directory and enrols if needed.
    pub fn start(config: &Config) -> Result<Core> {
        let client = config.client();
        let token = enrol_if_needed(config, &client)?;
        let store = Store::open(&config.data_dir.join("kiosk.sqlite"))?;
        let offline =
            OfflineSettings { lease_size: config.offline.lease_size, lease_low_water: config.offline.lease_low_water };
        Ok(Core::new(client.with_token(token), store, offline))
    }

    /// Replaces the clock (tests).
    pub fn set_clock(&mut self, now: impl Fn() -> OffsetDateTime + Send + 'static) {
        self.now = Box::new(now);
    }

    pub fn is_online(&self) -> bool {
        self.online
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn pending(&self) -> Result<Pending> {
        Ok(self.store.pending()?)
    }

    fn note<T>(&mut self, r: std::result::Result<T, ClientError>) -> std::result::Result<T, ClientError> {
        match &r {
            Ok(_) => self.online = true,
            Err(e) if e.is_offline() => self.online = false,
            Err(_) => self.online = true,
        }
        r
    }

    /// The services, fresh from the server when it answers, else the last list seen.
    pub fn services(&mut self) -> Result<&[ServiceView]> {
        let r = self.client.services();
        match self.note(r) {
            Ok(list) => {
                if let Ok(json) = serde_json::to_string(&list) {
                    self.store.put(SERVICES_KEY, &json)?;
                }
                self.services = list;
            }
            Err(e) if e.is_offline() => {}
            Err(e) => return Err(e.into()),
        }
        Ok(&self.services)
    }

    pub fn cached_services(&self) -> &[ServiceView] {
        &self.services
    }

    /// Re-reads the service list another connection (the background worker) stored.
    pub fn reload_cached_services(&mut self) -> Result<&[ServiceView]> {
        if let Some(list) = self.store.get(SERVICES_KEY)?.and_then(|s| serde_json::from_str(&s).ok()) {
            self.services = list;
        }
        Ok(&self.services)
    }

    /// Records whether the server answered, for other connections to the same store (the UI's).
    pub fn publish_link(&self) -> Result<()> {
        Ok(self.store.put(LINK_KEY, if self.online { "up" } else { "down" })?)
    }

    /// The link state the background worker last published, if any.
    pub fn published_link(&self) -> Option<bool> {
        self.store.get(LINK_KEY).ok().flatten().map(|v| v == "up")
    }

    /// The office's name from its settings (the receiving unit printed on tickets), as the server last
    /// said it; `None` before the first answer.
    pub fn office_name(&self) -> Option<String> {
        self.store.get(OFFICE_NAME_KEY).ok().flatten().filter(|n| !n.is_empty())
    }

    /// The governing agency's name as the server last gave it (none until then, or when it has none).
    pub fn agency_name(&self) -> Option<String> {
        self.store.get(AGENCY_KEY).ok().flatten().filter(|n| !n.is_empty())
    }

    /// Where phones reach the server, before a ticket's follow page in its QR: the office's
    /// `follow_base_url` as the server last gave it, else this kiosk's own server address.
    pub fn phone_base(&self) -> String {
        let base = self.store.get(PHONE_BASE_KEY).ok().flatten().filter(|b| domain::office::valid_follow_base(b));
        base.filter(|b| !b.is_empty()).unwrap_or_else(|| self.client.base().to_owned())
    }

    /// What a `/healthz` answer says of the office, kept in the store for offline starts: its name,
    /// agency, the address phones use and its UTC offset (which becomes this device's office time).
    pub fn learn_office(&mut self, h: &domain::api::Health) -> Result<()> {
        if !h.office.trim().is_empty() {
            self.store.put(OFFICE_NAME_KEY, h.office.trim())?;
            // Learnt with the name: an agency or phone address removed on the server goes here too.
            self.store.put(AGENCY_KEY, h.agency.trim())?;
            self.store.put(PHONE_BASE_KEY, h.follow_base_url.trim())?;
        }
        self.store.put(REMINDERS_KEY, if h.reminders { "1" } else { "0" })?;
        if let Some(seconds) = h.utc_offset_s.filter(|s| UtcOffset::from_whole_seconds(*s).is_ok()) {
            self.store.put(OFFICE_OFFSET_KEY, &seconds.to_string())?;
            set_office_offset(seconds);
        }
        Ok(())
    }

    /// Whether the office sends reminders by message, as the server last said (a citizen is offered
    /// them on the ticket screen only then).
    pub fn reminders_offered(&self) -> bool {
        self.store.get(REMINDERS_KEY).ok().flatten().as_deref() == Some("1")
    }

    /// Asks the server to remind the holder of `ticket` at `phone` (kept there for the day only).
    pub fn ask_reminder(&mut self, ticket: uuid::Uuid, phone: &str) -> Result<domain::api::ReminderView> {
        let r = self.client.reminder(ticket, phone);
        Ok(self.note(r)?)
    }

    /// One pass of the background worker: link check, services, sync, lease top-up, heartbeat.
    /// Runs on its own thread with its own store connection, so the screen never waits for it.
    pub fn background_pass(&mut self, heartbeat: Option<&serde_json::Value>) -> Result<SyncReport> {
        let r = self.client.health();
        if let Ok(h) = self.note(r) {
            self.learn_office(&h)?;
        }
        let report = if self.online {
            let _ = self.services()?;
            let report = self.sync()?;
            if self.online {
                self.top_up_leases()?;
            }
            if self.online {
                self.refresh_catalogue_if_due();
            }
            if let Some(h) = heartbeat {
                let _ = self.client.heartbeat(h);
            }
            report
        } else {
            SyncReport { interrupted: true, ..SyncReport::default() }
        };
        self.publish_link()?;
        Ok(report)
    }

    /// Keeps every open service's leased numbers above the low-water mark (only while online).
    pub fn top_up_leases(&mut self) -> Result<usize> {
        let now = (self.now)();
        let mut granted = 0;
        let codes: Vec<String> = self.services.iter().filter(|s| s.open).map(|s| s.code.to_string()).collect();
        for code in codes {
            if self.store.numbers_left(&code, now)? >= self.offline.lease_low_water {
                continue;
            }
            let r = self.client.lease(&code, self.offline.lease_size);
            match self.note(r) {
                Ok(lease) => {
                    self.store.add_lease(&lease)?;
                    granted += 1;
                }
                Err(e) if e.is_offline() => break,
                // A closed service or a full day: nothing to lease, not an error for the kiosk.
                Err(_) => continue,
            }
        }
        Ok(granted)
    }

    /// Issues a ticket: from the server when it answers, else from a lease (stored before it is returned).
    pub fn issue(&mut self, service: &str, priority: Priority) -> Result<IssuedTicket> {
        self.issue_for(service, priority, None)
    }

    /// Issues a ticket for `service`, recording the catalogue procedure the citizen chose (the server
    /// checks the service takes it). Offline, the ticket keeps it in the store and its upload carries
    /// it, so the officer sees it too.
    pub fn issue_for(
        &mut self,
        service: &str,
        priority: Priority,
        procedure: Option<&ProcedureRef>,
    ) -> Result<IssuedTicket> {
        let key = Uuid::new_v4().to_string();
        let code = procedure.map(|p| p.code.as_str());
        let mut r = self.client.issue_ticket(service, priority, code, &key);
        if matches!(r, Err(ClientError::NoAnswer(_))) {
            // The server may have issued it: asking again with the same key returns that ticket
            // instead of leaving it in the queue with nobody holding it.
            r = self.client.issue_ticket(service, priority, code, &key);
            if matches!(r, Err(ClientError::NoAnswer(_))) {
                // Still unknown: remember the key so staff can see a possible unheld ticket.
                let mut keys: Vec<String> =
                    self.store.get(UNCONFIRMED_KEY)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
                keys.push(key.clone());
                self.store.put(UNCONFIRMED_KEY, &serde_json::to_string(&keys).unwrap_or_default())?;
            }
        }
        match self.note(r) {
            Ok(view) => Ok(IssuedTicket::from_view(&view, &self.phone_base())),
            Err(e) if e.is_offline() => {
                let mut t = self.issue_offline(service, priority, code)?;
                t.procedure = procedure.cloned();
                Ok(t)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn issue_offline(&mut self, service: &str, priority: Priority, procedure: Option<&str>) -> Result<IssuedTicket> {
        let now = (self.now)();
        let t = self
            .store
            .issue_from_lease(service, priority, procedure, now, &NumberFormat::default())?
            .ok_or_else(|| CoreError::NoNumbersLeft(service.to_owned()))?;
        let known = self.services.iter().find(|s| s.code.as_str() == service);
        let day = now.to_offset(office_offset()).date();
        // The number is already taken and recorded: a lease row whose pages cannot be read must not turn
        // into a citizen without a slip, so it prints the kiosk-only QR instead.
        let qr = match self.store.follow_url(t.lease, t.number).ok().flatten() {
            Some(path) => format!("{}{path}", self.phone_base()),
            None => format!("MOTCUA:T:{day}:{}:{}", t.label, t.key),
        };
        Ok(IssuedTicket {
            id: None,
            number: t.label.clone(),
            service: service.to_owned(),
            service_name: known.map(|s| s.name.clone()).unwrap_or_else(|| Localized::new(service, service)),
            field: known.map(|s| s.field.clone()),
            priority,
            counters: known.map(|s| s.counters.clone()).unwrap_or_default(),
            ahead: None,
            estimated_wait_s: None,
            issued_at: now,
            procedure: None,
            offline: true,
            qr,
        })
    }

    /// Records a rating, or queues it when the server is unreachable.
    pub fn rate(&mut self, request: RatingRequest) -> Result<RatingOutcome> {
        let r = self.client.rate(&request);
        match self.note(r) {
            Ok(_) => Ok(RatingOutcome::Recorded),
            Err(e) if e.is_offline() => {
                self.store.queue_rating(&request, (self.now)())?;
                Ok(RatingOutcome::Queued)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Looks a dossier up by a scanned or typed code; answers from the cache (with its time) when offline.
    /// The served ticket a citizen wants to rate at the kiosk: typed as its printed number (`A025`) or
    /// scanned from its QR (its follow page `…/t/<token>`, or `MOTCUA:T:day:number:id` from kiosks
    /// before follow pages). Needs the server: a rating names a ticket it knows.
    pub fn served_ticket(&mut self, input: &str) -> Result<TicketView> {
        let text = input.trim();
        if let Some(token) = follow_token(text) {
            // The follow page knows the number, whether the QR came from an online or an offline slip.
            let r = self.client.follow(token);
            let followed = match self.note(r) {
                Err(ClientError::Refused { status: 404 | 410, .. }) => {
                    return Err(CoreError::BadCode(rating_code_hint()))
                }
                other => other?,
            };
            let r = self.client.ticket_by_number(&followed.number);
            let ticket = self.note(r)?;
            if ticket.status != "served" {
                return Err(CoreError::NotServed(ticket.number));
            }
            return Ok(ticket);
        }
        let (number, id) = match text.strip_prefix("MOTCUA:T:") {
            Some(rest) => {
                let mut parts = rest.splitn(3, ':').skip(1);
                (parts.next().unwrap_or_default(), parts.next().and_then(|id| id.parse::<uuid::Uuid>().ok()))
            }
            None => (text, None),
        };
        let number: String =
            number.chars().filter(|c| c.is_ascii_alphanumeric()).take(16).collect::<String>().to_ascii_uppercase();
        if NumberFormat::parse(&number).is_none() && id.is_none() {
            return Err(CoreError::BadCode(rating_code_hint()));
        }
        // An offline ticket's QR carries its upload key, not the server's id: fall back to the number.
        let by_id = match id {
            Some(id) => self.client.ticket(id).ok(),
            None => None,
        };
        let ticket = match by_id {
            Some(t) => t,
            None => {
                let r = self.client.ticket_by_number(&number);
                self.note(r)?
            }
        };
        if ticket.status != "served" {
            return Err(CoreError::NotServed(ticket.number));
        }
        Ok(ticket)
    }

    pub fn lookup_dossier(&mut self, input: &str) -> Result<DossierAnswer> {
        let code = DossierCode::parse_lenient(input).map_err(|e| CoreError::BadCode(e.localized()))?;
        let r = self.client.dossier(code.as_str());
        match self.note(r) {
            Ok(view) => {
                self.store.cache_dossier(&view, (self.now)())?;
                Ok(DossierAnswer { view, as_of: None })
            }
            Err(e) if e.is_offline() => match self.store.cached_dossier(code.as_str())? {
                Some(CachedDossier { view, as_of }) => Ok(DossierAnswer { view, as_of: Some(as_of) }),
                None => Err(e.into()),
            },
            Err(e) if matches!(&e, ClientError::Refused { status: 404, .. }) => Err(CoreError::UnknownDossier),
            Err(e) => Err(e.into()),
        }
    }

    /// Uploads offline tickets (in issue-time order) and queued ratings. Safe to repeat: every upload
    /// carries the idempotency key made when the ticket was issued; a rating the server already has
    /// counts as uploaded.
    pub fn sync(&mut self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for t in self.store.tickets_to_upload()? {
            let r = self.client.upload_leased(t.lease, &t.upload(), &t.key);
            match self.note(r) {
                Ok(view) => {
                    self.store.mark_uploaded(&t.key, view.id)?;
                    report.tickets_uploaded += 1;
                }
                Err(e) if e.is_offline() => {
                    report.interrupted = true;
                    return Ok(report);
                }
                Err(e) => {
                    self.store.mark_ticket_failed(&t.key, &e.to_string())?;
                    report.failed += 1;
                }
            }
        }
        for q in self.store.ratings_to_upload()? {
            let r = self.client.rate(&q.request);
            match self.note(r) {
                Ok(_) => {
                    self.store.mark_rating_done(&q.key)?;
                    report.ratings_uploaded += 1;
                }
                Err(e) if e.code() == Some("already_rated") => {
                    self.store.mark_rating_done(&q.key)?;
                    report.ratings_uploaded += 1;
                }
                Err(e) if e.is_offline() => {
                    report.interrupted = true;
                    return Ok(report);
                }
                Err(e) => {
                    self.store.mark_rating_failed(&q.key, &e.to_string())?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }
}

// ---- printing -----------------------------------------------------------------------------------

/// The kiosk's ticket printer: a profile, a text mode and a transport.
pub struct TicketPrinter {
    profile: printer::Profile,
    mode: printer::TextMode,
    printer: printer::Printer,
}

impl TicketPrinter {
    pub fn new(config: &PrinterConfig) -> Result<TicketPrinter> {
        let perr = |e: printer::Error| CoreError::Printer(e.to_string());
        let profile = printer::ProfileSet::builtin().get(&config.profile).map_err(perr)?.clone();
        let mode = match &config.text_mode {
            Some(m) => m.parse().map_err(CoreError::Printer)?,
            None => profile.text_mode,
        };
        let target: printer::Target = config.target.parse().map_err(perr)?;
        let options = printer::transport::Options::for_profile(&profile);
        Ok(TicketPrinter { profile, mode, printer: printer::Printer::new(target, options) })
    }

    /// The bytes of one ticket job.
    pub fn job(&self, slip: &printer::TicketSlip) -> Result<Vec<u8>> {
        let doc = slip.to_document(self.profile.paper);
        let encoded = printer::encode(&doc, &self.profile, self.mode).map_err(|e| CoreError::Printer(e.to_string()))?;
        Ok(encoded.bytes)
    }

    /// Prints one ticket. A printer that answers status and says it cannot print (paper out, cover
    /// open, offline, error) gets no job: the ticket is not lost on the floor of a dead printer, and the
    /// caller shows it on screen, alerts staff and offers a reprint. `Unknown` (no status) still prints.
    pub fn print(&mut self, slip: &printer::TicketSlip) -> Result<()> {
        let job = self.job(slip)?;
        if self.profile.status {
            let state = self.printer.status().state;
            if state != printer::PrinterState::Unknown && !state.can_print() {
                return Err(CoreError::Printer(format!("printer not ready: {state}")));
            }
        }
        self.printer.print(&job).map_err(|e| CoreError::Printer(e.to_string()))
    }

    pub fn status(&mut self) -> printer::StatusReport {
        self.printer.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_tokens_are_read_from_scanned_urls() {
        let token = "ab".repeat(26);
        for scanned in [format!("http://10.0.0.5:8080/t/{token}"), format!("https://q.local/t/{token}\r\n")] {
            assert_eq!(follow_token(&scanned), Some(token.as_str()), "{scanned:?}");
        }
        for not_one in ["A025", "http://10.0.0.5/t/zz", "http://10.0.0.5/ticket/abc", "MOTCUA:T:2026-03-10:A025:x"] {
            assert_eq!(follow_token(not_one), None, "{not_one}");
        }
    }
    use domain::api::LeaseView;
    use domain::office::ServiceCode;

    fn ticket() -> IssuedTicket {
        IssuedTicket {
            id: None,
            number: "A025".into(),
            service: "ho-tich".into(),
            service_name: Localized::new("Đăng ký khai sinh", ""),
            field: Some(Localized::new("Hộ tịch", "Civil status")),
            priority: Priority::Elderly,
            counters: vec![1, 3],
            ahead: Some(7),
            estimated_wait_s: Some(1260),
            issued_at: time::macros::datetime!(2026-03-10 02:41 UTC),
            procedure: None,
            offline: false,
            qr: "MOTCUA:T:2026-03-10:A025:x".into(),
        }
    }

    /// The English slip is labelled by the printer's English words; names without an English version
    /// keep their Vietnamese one; the office line is the name given.
    #[test]
    fn slips_are_labelled_in_one_language() {
        let office = "UBND Phường Bến Thành – Bộ phận Một cửa";
        let en = ticket().slip(office, None, Lang::En);
        assert_eq!(en.labels, printer::SlipLang::En.labels());
        assert_eq!((en.title.as_str(), en.office.as_str()), ("QUEUE TICKET", office));
        assert_eq!(en.service, "Đăng ký khai sinh", "no English name: the Vietnamese one");
        assert_eq!(en.field.as_deref(), Some("Civil status"));
        assert_eq!(en.priority.as_deref(), Some("Elderly person"));
        assert!(en.footer.iter().all(|f| f.is_ascii()), "{:?}", en.footer);
        let vi = ticket().slip(office, Some("UBND PHƯỜNG BẾN THÀNH"), Lang::Vi);
        assert_eq!(vi.labels, printer::SlipLang::Vi.labels());
        assert_eq!((vi.title.as_str(), vi.service.as_str()), ("PHIẾU SỐ THỨ TỰ", "Đăng ký khai sinh"));
        assert_eq!(vi.footer.len(), 1, "an online ticket has no reserve note");
        assert_eq!(vi.agency.as_deref(), Some("UBND PHƯỜNG BẾN THÀNH"), "the governing agency's line");
        assert_eq!(en.agency, None);
    }

    /// A ticket from an offline reserve says so on paper, in the slip's language.
    #[test]
    fn an_offline_ticket_says_its_number_is_a_reserve() {
        let offline = IssuedTicket { number: "A900".into(), offline: true, ..ticket() };
        let vi = offline.slip("UBND Phường Bến Thành", None, Lang::Vi);
        assert!(vi.footer[0].starts_with("Số dự phòng"), "{:?}", vi.footer);
        let en = offline.slip("UBND Phường Bến Thành", None, Lang::En);
        assert!(
            en.footer[0].starts_with("Reserve number") && en.footer.iter().all(|f| f.is_ascii()),
            "{:?}",
            en.footer
        );
    }

    /// The office's name comes from the server's health answer and is kept in the store.
    #[test]
    fn the_office_name_is_the_one_the_server_gives() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let (status, body) = if head.starts_with("GET /healthz") {
                    (
                        "200 OK",
                        r#"{"status":"ok","office":"UBND Phường Bến Thành – Bộ phận Một cửa","last_seq":0,"version":"t","agency":"UBND PHƯỜNG BẾN THÀNH"}"#,
                    )
                } else {
                    ("503 Service Unavailable", r#"{"error":{"code":"unavailable","message":{"vi":"x","en":"x"}}}"#)
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let client = Client::new(&format!("http://{addr}"), std::time::Duration::from_secs(2)).with_token("t");
        let mut core =
            Core::new(client, Store::open_in_memory().unwrap(), OfflineSettings { lease_size: 10, lease_low_water: 2 });
        assert_eq!(core.office_name(), None);
        let _ = core.background_pass(None);
        assert_eq!(core.office_name().as_deref(), Some("UBND Phường Bến Thành – Bộ phận Một cửa"));
        assert_eq!(core.agency_name().as_deref(), Some("UBND PHƯỜNG BẾN THÀNH"), "the tickets' first line");
    }

    /// A server that takes the request and never answers: the kiosk asks once more with the same key,
    /// then issues from its lease and remembers the key of the unanswered issue.
    #[test]
    fn an_unanswered_issue_is_retried_with_its_key_then_issued_from_the_lease() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(stream);
            }
        });
        let client = Client::new(&format!("http://{addr}"), std::time::Duration::from_millis(200)).with_token("t");
        let store = Store::open_in_memory().unwrap();
        let now = OffsetDateTime::now_utc();
        store
            .add_lease(&LeaseView {
                id: Uuid::new_v4(),
                service: ServiceCode::new("ho-tich").unwrap(),
                letter: 'A',
                day: now.date(),
                first: 40,
                last: 49,
                expires_at: now + time::Duration::hours(1),
                follow_urls: vec![],
            })
            .unwrap();
        let mut core = Core::new(client, store, OfflineSettings { lease_size: 10, lease_low_water: 2 });
        let t = core.issue("ho-tich", Priority::None).unwrap();
        assert!(t.offline);
        assert_eq!(t.number, "A040");
        assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) >= 2, "asked twice");
        let keys: Vec<String> = serde_json::from_str(&core.store().get(UNCONFIRMED_KEY).unwrap().unwrap()).unwrap();
        assert_eq!(keys.len(), 1);
    }
}
