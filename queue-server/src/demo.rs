//! The demo office: eight services with real Vietnamese names across fields, six counters, a catalogue
//! of 23 procedures (`data/demo-procedures.csv`), staff accounts, open around the clock, and a few hundred realistic dossiers to look up.

use domain::dossier::DossierCode;
use domain::event::Actor;
use domain::office::*;
use domain::queue::Command;
use domain::Localized;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::auth;
use crate::error::AppError;
use crate::office::Office;

pub const ADMIN_USER: &str = "admin";
pub const DEMO_PASSWORD: &str = "motcua-demo";

#[allow(clippy::too_many_arguments)] // one row of the demo's service table
fn service(
    code: &str,
    letter: char,
    vi: &str,
    en: &str,
    field: (&str, &str),
    stage: Stage,
    minutes: u32,
    procedures: &[(&str, &str, &str)],
) -> Service {
    Service {
        code: ServiceCode::new(code).expect("demo codes are valid"),
        letter,
        name: Localized::new(vi, en),
        field: Localized::new(field.0, field.1),
        procedures: procedures
            .iter()
            .map(|(c, vi, en)| Procedure { code: (*c).into(), name: Localized::new(*vi, *en) })
            .collect(),
        stage,
        service_level_target_s: 20 * 60,
        default_service_time_s: minutes * 60,
        open: true,
    }
}

pub fn services() -> Vec<Service> {
    vec![
        service(
            "ho-tich",
            'A',
            "Hộ tịch",
            "Civil status",
            ("Hộ tịch", "Civil status"),
            Stage::Reception,
            6,
            &[
                ("1.001193.000.00.00.H29", "Đăng ký khai sinh", "Birth registration"),
                ("1.000894.000.00.00.H29", "Đăng ký kết hôn", "Marriage registration"),
            ],
        ),
        service(
            "chung-thuc",
            'B',
            "Chứng thực",
            "Certification",
            ("Chứng thực", "Certification"),
            Stage::Reception,
            4,
            &[("2.000815.000.00.00.H29", "Chứng thực bản sao từ bản chính", "Certified copies")],
        ),
        service(
            "dat-dai",
            'C',
            "Đất đai",
            "Land",
            ("Đất đai", "Land"),
            Stage::Reception,
            12,
            &[("1.004227.000.00.00.H29", "Đăng ký biến động quyền sử dụng đất", "Land use right changes")],
        ),
        service(
            "xay-dung",
            'D',
            "Xây dựng",
            "Construction",
            ("Xây dựng", "Construction"),
            Stage::Reception,
            10,
            &[("1.009994.000.00.00.H29", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a house")],
        ),
        service(
            "kinh-doanh",
            'E',
            "Đăng ký kinh doanh",
            "Business registration",
            ("Kinh doanh", "Business"),
            Stage::Reception,
            8,
            &[("2.000575.000.00.00.H29", "Đăng ký hộ kinh doanh", "Household business registration")],
        ),
        service(
            "lao-dong",
            'F',
            "Lao động – Thương binh và Xã hội",
            "Labour, invalids and social affairs",
            ("Bảo trợ xã hội", "Social protection"),
            Stage::Reception,
            7,
            &[],
        ),
        service(
            "tu-phap",
            'G',
            "Tư pháp – Hòa giải",
            "Justice and mediation",
            ("Tư pháp", "Justice"),
            Stage::Reception,
            8,
            &[],
        ),
        service(
            "tra-ket-qua",
            'K',
            "Trả kết quả",
            "Result return",
            ("Trả kết quả", "Results"),
            Stage::ResultReturn,
            3,
            &[],
        ),
    ]
}

pub fn counters() -> Vec<Counter> {
    let c = |id: CounterId, services: &[&str]| Counter {
        id,
        name: Localized::new(format!("Quầy số {id}"), format!("Counter {id}")),
        services: services.iter().map(|s| ServiceCode::new(s).expect("valid")).collect(),
        open: true,
        receipt_printer: None,
    };
    vec![
        c(1, &["ho-tich", "chung-thuc"]),
        c(2, &["chung-thuc", "ho-tich"]),
        c(3, &["dat-dai", "xay-dung"]),
        c(4, &["kinh-doanh", "lao-dong", "tu-phap"]),
        c(5, &["tra-ket-qua"]),
        c(6, &["tra-ket-qua", "ho-tich", "chung-thuc", "dat-dai", "xay-dung", "kinh-doanh", "lao-dong", "tu-phap"]),
    ]
}

pub fn settings() -> OfficeSettings {
    OfficeSettings {
        name: Localized::new("UBND Phường Bến Thành – Bộ phận Một cửa", "Ben Thanh Ward People's Committee – One-stop office"),
        parent_agency: "UBND PHƯỜNG BẾN THÀNH".into(),
        agency_code: "000.00.01.H29".into(),
        opening_hours: Vec::new(),
        notice: Localized::new(
            "Vui lòng giữ phiếu và chờ gọi số. Người cao tuổi, người khuyết tật, phụ nữ mang thai được ưu tiên.",
            "Please keep your ticket and wait for your number. Priority for the elderly, people with disabilities and pregnant women.",
        ),
        ..OfficeSettings::default()
    }
}

/// Creates the demo office if the data directory is new. Returns true when it seeded.
pub async fn seed_if_empty(office: &Office) -> Result<bool, AppError> {
    if office.read(|s| !s.services.is_empty()) {
        return Ok(false);
    }
    office
        .run(Actor::System, |ctx| {
            // This year's and next year's statutory holidays (they close the office once it has opening hours).
            let year = ctx.now.to_offset(settings().offset()).year();
            let calendar = [domain::calendar::statutory(year), domain::calendar::statutory(year + 1)].concat();
            ctx.command(&Command::ChangeSettings { settings: OfficeSettings { calendar, ..settings() } })?;
            for s in services() {
                ctx.command(&Command::SaveService { service: s })?;
            }
            for c in counters() {
                ctx.command(&Command::SaveCounter { counter: c })?;
            }
            // The catalogue goes through the same import an office uses for its own file.
            let procedures = crate::catalogue::parse(domain::api::CatalogueFormat::Csv, crate::catalogue::DEMO_CSV)?;
            ctx.command(&Command::SaveProcedures { procedures })?;
            let staff: Vec<(&str, &str, Role, Vec<CounterId>)> = vec![
                (ADMIN_USER, "Quản trị viên", Role::Admin, vec![]),
                ("giamsat", "Trần Thị Giám Sát", Role::Supervisor, vec![]),
                ("canbo1", "Nguyễn Văn Hùng", Role::Officer, vec![1]),
                ("canbo2", "Lê Thị Mai", Role::Officer, vec![2]),
                ("canbo3", "Phạm Minh Tuấn", Role::Officer, vec![3]),
                ("canbo4", "Võ Thị Lan", Role::Officer, vec![4]),
                ("canbo5", "Đặng Quốc Bảo", Role::Officer, vec![5]),
                ("canbo6", "Huỳnh Ngọc Ánh", Role::Officer, vec![6]),
            ];
            for (user, name, role, counters) in staff {
                auth::save_staff(ctx.tx, user, name, role, &counters, Some(DEMO_PASSWORD))?;
                ctx.emit(domain::event::EventKind::StaffSaved {
                    username: user.into(),
                    display_name: name.into(),
                    role,
                    counters,
                    active: true,
                })?;
            }
            let now = ctx.now;
            for message in demo_dossiers(now) {
                crate::dossiers::import(ctx, &message)?;
            }
            Ok(())
        })
        .await?;
    Ok(true)
}

/// About 300 dossiers over the last 60 days with progress, deterministic from their index.
pub fn demo_dossiers(now: OffsetDateTime) -> Vec<serde_json::Value> {
    const SURNAMES: &[&str] =
        &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
    const MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Ngọc", "Quốc", "Thanh", "Hữu", "Thu"];
    const GIVEN: &[&str] =
        &["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Nam", "Phúc", "Quân", "Thảo", "Uyên", "Vy"];
    const PROCEDURES: &[(&str, &str, &str, &str, i64)] = &[
        ("1.001193.000.00.00.H29", "Đăng ký khai sinh", "HT", "Hộ tịch", 1),
        ("1.000894.000.00.00.H29", "Đăng ký kết hôn", "HT", "Hộ tịch", 3),
        ("2.000815.000.00.00.H29", "Chứng thực bản sao từ bản chính", "CT", "Chứng thực", 1),
        ("1.004227.000.00.00.H29", "Đăng ký biến động quyền sử dụng đất", "DD", "Đất đai", 10),
        ("1.009994.000.00.00.H29", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", "Xây dựng", 15),
        ("2.000575.000.00.00.H29", "Đăng ký hộ kinh doanh", "KD", "Kinh doanh", 3),
    ];
    const UNITS: &[&str] = &[
        "Bộ phận Một cửa",
        "Tổ Hộ tịch",
        "Phòng Tài nguyên và Môi trường",
        "Phòng Quản lý đô thị",
        "Phòng Tài chính – Kế hoạch",
    ];
    let offset = settings().offset();
    let fmt = |t: OffsetDateTime| {
        let l = t.to_offset(offset);
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            l.year(),
            u8::from(l.month()),
            l.day(),
            l.hour(),
            l.minute(),
            l.second()
        )
    };
    let mut records = Vec::new();
    let mut progress = Vec::new();
    let mut per_day: std::collections::HashMap<time::Date, u32> = std::collections::HashMap::new();
    for i in 0..300u32 {
        let days_ago = i64::from(i % 60);
        let received = now - Duration::days(days_ago) - Duration::minutes(i64::from((i * 37) % 400));
        let day = received.to_offset(offset).date();
        let seq = per_day.entry(day).or_insert(0);
        *seq += 1;
        let code = DossierCode::generate("000.00.01.H29", day, *seq + 100).expect("valid demo code");
        let (proc_code, proc_name, _, field, days) = PROCEDURES[(i as usize * 7) % PROCEDURES.len()];
        let appointment = received + Duration::days(days);
        let owner = format!(
            "{} {} {}",
            SURNAMES[i as usize % SURNAMES.len()],
            MIDDLE[(i as usize / 3) % MIDDLE.len()],
            GIVEN[(i as usize * 5) % GIVEN.len()]
        );
        // Older dossiers are further along; a few are late, a few need supplements.
        let status: u8 = match (days_ago, i % 11) {
            (_, 7) => 5,
            (0..=1, _) => 2,
            (d, _) if d < days => 4,
            (_, 3) => 4,
            (_, 5) => 9,
            _ => 10,
        };
        let finished =
            matches!(status, 9 | 10).then(|| received + Duration::days(days.min(days_ago).max(0)) - Duration::hours(2));
        let mut record = json!({
            "MaHoSo": code.as_str(), "MaTTHC": proc_code, "TenTTHC": proc_name, "MaLinhVuc": field, "TenLinhVuc": field,
            "KenhThucHien": if i % 3 == 0 { 2 } else { 1 }, "ChuHoSo": owner, "LoaiDoiTuong": 1,
            "TrichYeuHoSo": format!("{proc_name} cho {owner}"), "NgayTiepNhan": fmt(received), "NgayHenTra": fmt(appointment),
            "TrangThaiHoSo": status, "DonViXuLy": UNITS[(i as usize) % UNITS.len()], "GhiChu": ""
        });
        if let Some(f) = finished {
            record["NgayKetThucXuLy"] = json!(fmt(f));
            if status == 10 {
                record["NgayTra"] = json!(fmt(f + Duration::hours(1)));
            }
        }
        records.push(record);
        progress.push(json!({
            "MaHoSo": code.as_str(), "NguoiXuLy": "Nguyễn Văn Hùng", "ChucDanh": "Công chức Một cửa",
            "ThoiDiemXuLy": fmt(received + Duration::minutes(5)), "PhongBanXuLy": "Bộ phận Một cửa",
            "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": 2, "NgayBatDau": fmt(received), "NgayKetThucTheoQuyDinh": fmt(appointment)
        }));
        if status >= 4 && days_ago > 1 {
            progress.push(json!({
                "MaHoSo": code.as_str(), "NguoiXuLy": "Phạm Minh Tuấn", "ChucDanh": "Chuyên viên",
                "ThoiDiemXuLy": fmt(received + Duration::days(1)), "PhongBanXuLy": UNITS[(i as usize) % UNITS.len()],
                "NoiDungXuLy": if status == 5 { "Yêu cầu bổ sung giấy tờ" } else { "Thẩm định hồ sơ" }, "TrangThai": if status == 5 { 5 } else { 4 }, "NgayBatDau": fmt(received), "NgayKetThucTheoQuyDinh": fmt(appointment)
            }));
        }
    }
    vec![
        json!({ "service": "DongBoHoSoMC", "isUpdating": false, "data": records }),
        json!({ "service": "CapNhatTienDoHoSoMC", "isUpdating": true, "data": progress }),
    ]
}
