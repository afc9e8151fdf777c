//! Canned data in both languages for screenshots and UI tests (no server, no printer).

use domain::api::{
    ApiError, DossierChannel, DossierFee, DossierStep, DossierView, ProcedureList, ProcedureRef, ProcedureView,
    QuestionsView, RatingRequest, RatingStatusQuery, RatingStatusView, ServiceView,
};
use domain::dossier::{DossierCode, DossierStatus, Timeliness};
use domain::i18n::{Lang, Localized};
use domain::office::{Priority, ServiceCode, Stage};
use domain::procedure::{ProcedureFee, TimeLimit};
use domain::rating::IndicatorSet;
use time::macros::datetime;

use super::{Backend, Board};
use crate::core::{search_list, DossierAnswer, IssuedTicket, ProcedureAnswer, RatingOutcome};

pub struct DemoBackend {
    pub online: bool,
    pub printer_ok: bool,
    pub issued: Vec<IssuedTicket>,
    pub printed: Vec<String>,
    /// Ratings sent, shared so a test can read them after the backend moved into the screen.
    pub ratings: std::sync::Arc<std::sync::Mutex<Vec<RatingRequest>>>,
    pub cached: bool,
    pub next: u32,
    /// How long issue, lookup and rate take (a slow link, for tests of the busy screen).
    pub delay: std::time::Duration,
    /// The next issue panics, as a bug in a backend would (tests of the job guard).
    pub panic_on_next_issue: bool,
    /// The office sends reminders by message; the reminders asked for (ticket, normalised number),
    /// shared so a test can read them.
    pub reminders: bool,
    pub reminders_asked: std::sync::Arc<std::sync::Mutex<Vec<(uuid::Uuid, String)>>>,
}

impl Default for DemoBackend {
    fn default() -> Self {
        DemoBackend {
            online: true,
            printer_ok: true,
            issued: vec![],
            printed: vec![],
            ratings: Default::default(),
            cached: false,
            next: 25,
            delay: std::time::Duration::ZERO,
            panic_on_next_issue: false,
            reminders: true,
            reminders_asked: Default::default(),
        }
    }
}

fn service(
    code: &str,
    letter: char,
    name: (&str, &str),
    field: (&str, &str),
    waiting: usize,
    counters: &[u16],
) -> ServiceView {
    ServiceView {
        code: ServiceCode::new(code).expect("valid demo code"),
        letter,
        name: Localized::new(name.0, name.1),
        field: Localized::new(field.0, field.1),
        open: true,
        waiting,
        estimated_wait_s: waiting as u32 * 180,
        service_level_target_s: 1800,
        counters: counters.to_vec(),
    }
}

pub fn demo_services() -> Vec<ServiceView> {
    let ht = ("Hộ tịch", "Civil status");
    let dd = ("Đất đai", "Land");
    let ct = ("Chứng thực", "Certification");
    let kd = ("Đăng ký kinh doanh", "Business registration");
    vec![
        service("khai-sinh", 'A', ("Đăng ký khai sinh", "Birth registration"), ht, 7, &[1, 3]),
        service("ket-hon", 'B', ("Đăng ký kết hôn", "Marriage registration"), ht, 2, &[1]),
        service("khai-tu", 'C', ("Đăng ký khai tử", "Death registration"), ht, 0, &[3]),
        service("chung-thuc", 'D', ("Chứng thực bản sao từ bản chính", "Certified copies"), ct, 12, &[2]),
        service("chu-ky", 'E', ("Chứng thực chữ ký", "Signature certification"), ct, 3, &[2]),
        service("dat-dai", 'F', ("Cấp giấy chứng nhận quyền sử dụng đất", "Land use right certificate"), dd, 5, &[4]),
        service("ho-kinh-doanh", 'G', ("Đăng ký hộ kinh doanh", "Household business registration"), kd, 1, &[5]),
    ]
}

/// A few procedures of the demo services' fields, with their papers and fees.
pub fn demo_procedures() -> ProcedureList {
    let services = demo_services();
    let view = |code: &str,
                name: (&str, &str),
                service: &str,
                days: u16,
                fees: &[(&str, &str, u64)],
                papers: &[(&str, &str)]| {
        let s = services.iter().find(|s| s.code.as_str() == service).expect("a demo service");
        ProcedureView {
            code: code.into(),
            name: Localized::new(name.0, name.1),
            field: s.field.clone(),
            time_limit: Some(TimeLimit::WorkingDays(days)),
            time_limit_text: Some(TimeLimit::WorkingDays(days).describe()),
            fees: fees
                .iter()
                .map(|(vi, en, amount)| ProcedureFee { name: Localized::new(*vi, *en), amount_vnd: *amount })
                .collect(),
            papers: papers.iter().map(|(vi, en)| Localized::new(*vi, *en)).collect(),
            service: s.code.clone(),
            service_name: s.name.clone(),
            letter: s.letter,
            service_open: s.open,
            counters: s.counters.clone(),
            active: true,
        }
    };
    let id = ("Giấy tờ tùy thân (CCCD hoặc hộ chiếu)", "Identity card or passport");
    let procedures = vec![
        view(
            "1.001193.000.00.00.H29",
            ("Đăng ký khai sinh", "Birth registration"),
            "khai-sinh",
            0,
            &[],
            &[
                ("Tờ khai đăng ký khai sinh", "Birth registration form"),
                ("Giấy chứng sinh", "Birth certificate from the hospital"),
                id,
            ],
        ),
        view(
            "1.000894.000.00.00.H29",
            ("Đăng ký kết hôn", "Marriage registration"),
            "ket-hon",
            0,
            &[],
            &[("Tờ khai đăng ký kết hôn", "Marriage registration form"), id],
        ),
        view(
            "2.000908.000.00.00.H29",
            ("Chứng thực bản sao từ bản chính", "Certified copy of an original"),
            "chung-thuc",
            0,
            &[("Lệ phí chứng thực (mỗi trang)", "Certification fee (per page)", 2_000)],
            &[
                ("Bản chính giấy tờ cần chứng thực", "The original paper"),
                ("Bản sao cần chứng thực", "The copies to certify"),
            ],
        ),
        view(
            "2.000884.000.00.00.H29",
            ("Chứng thực chữ ký trong giấy tờ, văn bản", "Certification of a signature"),
            "chu-ky",
            0,
            &[("Lệ phí chứng thực chữ ký", "Signature certification fee", 10_000)],
            &[("Giấy tờ, văn bản cần chứng thực chữ ký", "The paper to be signed"), id],
        ),
        view(
            "1.003003.000.00.00.H29",
            ("Đăng ký đất đai, cấp giấy chứng nhận lần đầu", "First land registration and certificate"),
            "dat-dai",
            30,
            &[("Lệ phí cấp giấy chứng nhận", "Certificate fee", 100_000)],
            &[
                ("Đơn đăng ký, cấp giấy chứng nhận", "Application form"),
                ("Giấy tờ về quyền sử dụng đất", "Papers on the land use right"),
            ],
        ),
        view(
            "2.000720.000.00.00.H29",
            ("Đăng ký thành lập hộ kinh doanh", "Registration of a household business"),
            "ho-kinh-doanh",
            3,
            &[("Lệ phí đăng ký hộ kinh doanh", "Registration fee", 100_000)],
            &[("Giấy đề nghị đăng ký hộ kinh doanh", "Application form"), id],
        ),
    ];
    let mut fields: Vec<Localized> = Vec::new();
    for p in &procedures {
        if !fields.contains(&p.field) {
            fields.push(p.field.clone());
        }
    }
    fields.sort_by_cached_key(|f| domain::i18n::sort_key(&f.vi));
    ProcedureList { total: procedures.len(), procedures, fields }
}

pub fn demo_dossier() -> DossierView {
    let step = |at: &str, unit: &str, title: &str, status| DossierStep {
        at: Some(at.into()),
        unit: Some(unit.into()),
        officer: Some("Nguyễn V. A.".into()),
        title: Some(title.into()),
        action: None,
        status: Some(status),
    };
    DossierView {
        code: DossierCode::parse_strict("000.00.01.H29-260310-0420").expect("valid demo code"),
        procedure: Some("Cấp giấy chứng nhận quyền sử dụng đất lần đầu".into()),
        field: Some("Đất đai".into()),
        owner: Some("Trần T. B.".into()),
        status: DossierStatus::InProcess,
        status_name: DossierStatus::InProcess.name(),
        next_step: DossierStatus::InProcess.next_step(Some(Timeliness::DueSoon), None, Some(1)),
        received_at: Some("2026-03-10T09:41:00+07:00".into()),
        appointment_at: Some("2026-03-24T16:00:00+07:00".into()),
        finished_at: None,
        timeliness: Some(Timeliness::DueSoon),
        unit: Some("Văn phòng đăng ký đất đai".into()),
        history: vec![
            step("2026-03-10T09:41:00+07:00", "Bộ phận một cửa", "Tiếp nhận hồ sơ", DossierStatus::Received),
            step("2026-03-11T14:05:00+07:00", "Văn phòng đăng ký đất đai", "Thẩm định hồ sơ", DossierStatus::InProcess),
        ],
        updated_at: datetime!(2026-03-12 08:00 UTC),
        due_at: None,
        fees: vec![DossierFee { name: "Lệ phí cấp giấy chứng nhận".into(), amount_vnd: 100_000 }],
        channel: Some(DossierChannel::from_code(1)),
    }
}

impl DemoBackend {
    fn already_rated(&self, ticket: uuid::Uuid, stage: Option<Stage>) -> bool {
        let stage = stage.unwrap_or(Stage::Reception);
        self.ratings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|r| r.ticket == Some(ticket) && r.stage.unwrap_or(Stage::Reception) == stage)
    }
}

impl Backend for DemoBackend {
    fn services(&mut self) -> Vec<ServiceView> {
        demo_services()
    }

    fn issue_for(
        &mut self,
        service: &str,
        priority: Priority,
        procedure: Option<&ProcedureRef>,
    ) -> Result<IssuedTicket, Localized> {
        std::thread::sleep(self.delay);
        if std::mem::take(&mut self.panic_on_next_issue) {
            panic!("demo backend: issue failed on purpose");
        }
        let s = demo_services()
            .into_iter()
            .find(|s| s.code.as_str() == service)
            .ok_or_else(|| Localized::new("Dịch vụ này hiện không phục vụ.", "This service is not available now."))?;
        let number = format!("{}{:03}", s.letter, self.next);
        self.next += 1;
        let t = IssuedTicket {
            id: self.online.then(uuid::Uuid::new_v4),
            number: number.clone(),
            service: service.to_owned(),
            service_name: s.name.clone(),
            field: Some(s.field.clone()),
            priority,
            counters: s.counters.clone(),
            ahead: (self.online).then_some(s.waiting),
            estimated_wait_s: (self.online).then_some(s.estimated_wait_s),
            issued_at: datetime!(2026-03-10 02:41 UTC),
            procedure: procedure.cloned(),
            offline: !self.online,
            qr: format!("MOTCUA:T:2026-03-10:{number}:demo"),
        };
        self.issued.push(t.clone());
        Ok(t)
    }

    fn print(&mut self, ticket: &IssuedTicket, _lang: Lang) -> Result<(), String> {
        if self.printer_ok {
            self.printed.push(ticket.number.clone());
            Ok(())
        } else {
            Err("out of paper".into())
        }
    }

    fn lookup(&mut self, code: &str) -> Result<DossierAnswer, Localized> {
        std::thread::sleep(self.delay);
        let parsed = DossierCode::parse_lenient(code).map_err(|e| e.localized())?;
        let view = demo_dossier();
        if parsed != view.code {
            return Err(Localized::new(
                "Không tìm thấy hồ sơ với mã này. Vui lòng kiểm tra lại mã trên giấy hẹn.",
                "No dossier has this code. Please check the code on your appointment slip.",
            ));
        }
        Ok(DossierAnswer { view, as_of: self.cached.then_some(datetime!(2026-03-12 01:30 UTC)) })
    }

    /// A024 was served (the display's board shows it at counter 1); numbers issued here are still waiting.
    fn served_ticket(&mut self, input: &str) -> Result<(uuid::Uuid, String), Localized> {
        let number = input.trim().to_ascii_uppercase();
        if domain::office::NumberFormat::parse(&number).is_none() {
            Err(crate::core::rating_code_hint())
        } else if number == "A024" {
            Ok((uuid::Uuid::nil(), number))
        } else if self.issued.iter().any(|t| t.number == number) {
            Err(Localized::new(
                format!("Số {number} chưa được phục vụ xong. Quý khách vui lòng đánh giá sau khi được phục vụ."),
                format!("Ticket {number} has not been served yet. Please rate once you have been served."),
            ))
        } else {
            Err(Localized::new("Không tìm thấy số thứ tự.", "Ticket not found."))
        }
    }

    fn procedures(&mut self, query: &str, field: Option<&str>) -> Result<ProcedureAnswer, Localized> {
        std::thread::sleep(self.delay);
        Ok(ProcedureAnswer { list: search_list(&demo_procedures(), query, field, 50), cached: !self.online })
    }

    fn rating_questions(&mut self, stage: Option<Stage>) -> QuestionsView {
        QuestionsView::of(&IndicatorSet::builtin(), stage)
    }

    /// A ticket rated once here is refused a second time, as the server does (a dossier: cannot say).
    fn rating_status(&mut self, query: &RatingStatusQuery) -> Result<Option<RatingStatusView>, Localized> {
        let Some(ticket) = query.ticket.filter(|_| self.online) else { return Ok(None) };
        let stage = query.stage.or(Some(Stage::Reception));
        let refusal = self.already_rated(ticket, stage).then(|| ApiError {
            code: domain::QueueError::AlreadyRated.code().into(),
            message: domain::QueueError::AlreadyRated.localized(),
        });
        Ok(Some(RatingStatusView { can_rate: refusal.is_none(), stage, counter: Some(1), refusal }))
    }

    fn rate(&mut self, request: RatingRequest) -> Result<RatingOutcome, Localized> {
        std::thread::sleep(self.delay);
        if self.online && request.ticket.is_some_and(|t| self.already_rated(t, request.stage)) {
            return Err(domain::QueueError::AlreadyRated.localized());
        }
        self.ratings.lock().unwrap_or_else(|e| e.into_inner()).push(request);
        Ok(if self.online { RatingOutcome::Recorded } else { RatingOutcome::Queued })
    }

    fn online(&self) -> bool {
        self.online
    }

    fn reminders_offered(&mut self) -> bool {
        self.reminders && self.online
    }

    fn ask_reminder(&mut self, ticket: uuid::Uuid, phone: &str) -> Result<domain::api::ReminderView, Localized> {
        std::thread::sleep(self.delay);
        let issued = self.issued.iter().find(|t| t.id == Some(ticket)).cloned();
        let (Some(issued), Some(phone)) = (issued, domain::phone::normalize_mobile(phone)) else {
            return Err(Localized::new("Số điện thoại không hợp lệ.", "The phone number is not valid."));
        };
        self.reminders_asked.lock().unwrap_or_else(|e| e.into_inner()).push((ticket, phone.clone()));
        Ok(domain::api::ReminderView {
            number: issued.number,
            phone: domain::phone::masked(&phone),
            ahead: 3,
            now_ahead: issued.ahead.unwrap_or(0),
        })
    }

    fn pending_uploads(&self) -> usize {
        if self.online {
            0
        } else {
            self.issued.iter().filter(|t| t.offline).count() + 2
        }
    }

    fn health(&mut self, lang: Lang) -> Vec<String> {
        let pick = |vi: String, en: String| if lang == Lang::En { en } else { vi };
        vec![
            if self.online {
                pick(
                    "Máy chủ http://192.0.2.10:8080: kết nối tốt — UBND Phường Bến Thành, 1204 sự kiện".into(),
                    "Server http://192.0.2.10:8080: connected — UBND Phường Bến Thành, 1204 events".into(),
                )
            } else {
                pick(
                    "Máy chủ http://192.0.2.10:8080: không kết nối được — Không kết nối được máy chủ.".into(),
                    "Server http://192.0.2.10:8080: not reachable — The server cannot be reached.".into(),
                )
            },
            if self.printer_ok {
                pick("Máy in: Máy in sẵn sàng".into(), "Printer: ready".into())
            } else {
                pick("Máy in: Máy in hết giấy".into(), "Printer: out of paper".into())
            },
            pick("Máy quét: bàn phím (wedge)".into(), "Scanner: keyboard wedge".into()),
            pick(
                format!("Chờ gửi lên máy chủ: {} phiếu, 0 đánh giá; gửi lỗi: 0", self.pending_uploads()),
                format!("Waiting for upload: {} tickets, 0 ratings; failed: 0", self.pending_uploads()),
            ),
        ]
    }

    fn board(&mut self) -> Board {
        let s = demo_services();
        Board {
            office: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
            notice: Localized::new(
                "Quý khách vui lòng giữ trật tự và chờ đến lượt. Giờ làm việc: 7:30 – 17:00.",
                "Please wait for your number to be called. Opening hours: 7:30 – 17:00.",
            ),
            serving: vec![
                ("1".into(), "A024".into(), s[0].name.clone()),
                ("2".into(), "D031".into(), s[3].name.clone()),
                ("3".into(), "A023".into(), s[0].name.clone()),
                ("4".into(), "F007".into(), s[5].name.clone()),
            ],
            recent: vec![("A024".into(), "1".into()), ("D031".into(), "2".into()), ("F007".into(), "4".into())],
            waiting: 30,
        }
    }
}
