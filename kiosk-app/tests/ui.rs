//! UI tests with Slint's testing backend: find controls by accessible label, click them, check what the
//! screen says. The backend is canned ([`DemoBackend`]), so these need no server and no display.

use std::time::Duration;

use domain::i18n::Lang;
use i_slint_backend_testing::ElementHandle;
use kiosk_app::config::DeviceRole;
use kiosk_app::ui::{
    App, Controller, DemoBackend, Lookup, MainWindow, Options, Page, Procedures, Rating, Technician, Ticketing,
    WaitingRoom,
};
use slint::ComponentHandle;

fn init() {
    thread_local!(static INIT: () = i_slint_backend_testing::init_no_event_loop());
    INIT.with(|_| {});
}

fn app(role: DeviceRole, backend: DemoBackend) -> (MainWindow, std::rc::Rc<std::cell::RefCell<Controller>>) {
    app_with(role, backend, kiosk_app::ui::Execution::Inline)
}

fn find(ui: &MainWindow, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(ui, label).collect()
}

#[track_caller]
fn click(ui: &MainWindow, label: &str) {
    // Only buttons: a text showing the same characters (the typed code) is not a control.
    let found: Vec<ElementHandle> = find(ui, label)
        .into_iter()
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
        .collect();
    assert!(!found.is_empty(), "no button labelled {label:?} on page {:?}", ui.global::<App>().get_page());
    found[0].invoke_accessible_default_action();
}

#[track_caller]
fn value_of(ui: &MainWindow, label: &str) -> String {
    find(ui, label).first().and_then(|e| e.accessible_value()).unwrap_or_else(|| panic!("no {label:?}")).to_string()
}

/// Touches a text field (it opens its keyboard).
#[track_caller]
fn touch_field(ui: &MainWindow, label: &str) {
    let found: Vec<ElementHandle> = find(ui, label)
        .into_iter()
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput))
        .collect();
    assert!(!found.is_empty(), "no field labelled {label:?}");
    found[0].invoke_accessible_default_action();
}

fn page(ui: &MainWindow) -> Page {
    ui.global::<App>().get_page()
}

#[test]
fn take_a_ticket_with_priority() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    assert_eq!(page(&ui), Page::Home);
    click(&ui, "Lấy số thứ tự");
    assert_eq!(page(&ui), Page::Services);
    // Grouped by field: every demo service is listed, with its field heading.
    assert!(!find(&ui, "Đăng ký khai sinh").is_empty());
    click(&ui, "Đăng ký khai sinh");
    assert_eq!(page(&ui), Page::Priority);
    click(&ui, "Người cao tuổi");
    assert_eq!(page(&ui), Page::Ticket);
    assert_eq!(value_of(&ui, "Số thứ tự"), "A025");
    assert!(find(&ui, "Máy in gặp sự cố").is_empty(), "printer worked");
    assert!(!find(&ui, "Mã QR của phiếu").is_empty());
    click(&ui, "Xong");
    assert_eq!(page(&ui), Page::Home);
}

#[test]
fn a_citizen_asks_for_reminders_by_message_from_the_ticket_screen() {
    let backend = DemoBackend::default();
    let asked = backend.reminders_asked.clone();
    let (ui, _c) = app(DeviceRole::TicketKiosk, backend);
    click(&ui, "Lấy số thứ tự");
    click(&ui, "Đăng ký khai sinh");
    click(&ui, "Lấy số thông thường");
    assert_eq!(page(&ui), Page::Ticket);
    click(&ui, "Nhắn tin khi sắp đến lượt");
    assert_eq!(page(&ui), Page::Reminder);
    // Not a mobile number: said on the screen, nothing sent.
    for k in ["0", "2", "0", "3", "1", "2", "3", "4", "5", "6"] {
        click(&ui, k);
    }
    assert_eq!(value_of(&ui, "Số điện thoại"), "0203 123 456");
    click(&ui, "Đăng ký nhắn tin");
    assert!(value_of(&ui, "Lỗi").contains("bắt đầu bằng 03, 05, 07, 08 hoặc 09"));
    assert!(asked.lock().unwrap().is_empty());
    click(&ui, "Xoá hết");
    assert_eq!(value_of(&ui, "Số điện thoại"), "");
    for k in ["0", "9", "0", "3", "1", "2", "3", "4", "5", "6", "7"] {
        click(&ui, k);
    }
    click(&ui, "Xoá");
    assert_eq!(value_of(&ui, "Số điện thoại"), "0903 123 456");
    click(&ui, "Đăng ký nhắn tin");
    assert_eq!(page(&ui), Page::Ticket);
    let promise = value_of(&ui, "Nhắn tin nhắc lượt");
    assert!(promise.contains("09•••••456") && promise.contains("A025"), "{promise}");
    assert!(find(&ui, "Nhắn tin khi sắp đến lượt").is_empty(), "asked once");
    assert_eq!(asked.lock().unwrap().len(), 1);
    assert_eq!(asked.lock().unwrap()[0].1, "+84903123456");
    // In English too.
    ui.global::<App>().invoke_switch_language();
    assert!(value_of(&ui, "Reminders by message").contains("A message will go to 09•••••456"));
    // The next citizen starts afresh: no number, no promise left on the screen.
    click(&ui, "Done");
    click(&ui, "Take a queue number");
    click(&ui, "Birth registration");
    click(&ui, "Regular number");
    assert!(find(&ui, "Reminders by message").is_empty());
    assert!(!find(&ui, "Text me when my turn is near").is_empty());
    assert_eq!(ui.global::<Ticketing>().get_reminder_phone(), "");
    assert!(ui.global::<Ticketing>().get_reminder_offered());
}

#[test]
fn no_reminders_for_an_offline_ticket_or_an_office_without_them() {
    for backend in [
        DemoBackend { online: false, ..DemoBackend::default() },
        DemoBackend { reminders: false, ..DemoBackend::default() },
    ] {
        let (ui, _c) = app(DeviceRole::TicketKiosk, backend);
        click(&ui, "Lấy số thứ tự");
        click(&ui, "Đăng ký khai sinh");
        click(&ui, "Lấy số thông thường");
        assert_eq!(page(&ui), Page::Ticket);
        assert!(find(&ui, "Nhắn tin khi sắp đến lượt").is_empty());
    }
}

#[test]
fn search_ignores_diacritics() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Lấy số thứ tự");
    for ch in "chung thuc".chars() {
        ui.global::<Ticketing>().invoke_edit_search(ch.to_string().into());
    }
    let services: Vec<String> = slint::Model::iter(&ui.global::<Ticketing>().get_services())
        .filter(|r| !r.is_header)
        .map(|r| r.title.to_string())
        .collect();
    assert_eq!(services, ["Chứng thực bản sao từ bản chính", "Chứng thực chữ ký"]);
    for _ in 0..10 {
        ui.global::<Ticketing>().invoke_edit_search("backspace".into());
    }
    assert_eq!(slint::Model::iter(&ui.global::<Ticketing>().get_services()).filter(|r| !r.is_header).count(), 7);
}

#[test]
fn printer_failure_keeps_the_ticket_on_screen() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend { printer_ok: false, ..DemoBackend::default() });
    click(&ui, "Lấy số thứ tự");
    click(&ui, "Đăng ký kết hôn");
    click(&ui, "Lấy số thông thường");
    assert_eq!(page(&ui), Page::Ticket);
    assert_eq!(value_of(&ui, "Số thứ tự"), "B025");
    assert!(!find(&ui, "Máy in gặp sự cố").is_empty());
    assert!(!find(&ui, "In lại").is_empty());
}

#[test]
fn offline_indicator_and_offline_ticket() {
    let (ui, c) = app(DeviceRole::TicketKiosk, DemoBackend { online: false, ..DemoBackend::default() });
    c.borrow_mut().tick(time::OffsetDateTime::now_utc());
    assert!(!find(&ui, "Mất kết nối máy chủ").is_empty(), "offline banner on the home screen");
    click(&ui, "Lấy số thứ tự");
    click(&ui, "Đăng ký khai sinh");
    click(&ui, "Lấy số thông thường");
    assert!(ui.global::<Ticketing>().get_ticket_offline());
}

#[test]
fn language_switch_translates_the_screen() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    assert!(!find(&ui, "Lấy số thứ tự").is_empty());
    click(&ui, "Đổi ngôn ngữ");
    assert!(find(&ui, "Lấy số thứ tự").is_empty());
    assert!(!find(&ui, "Take a queue number").is_empty());
    click(&ui, "Take a queue number");
    assert!(!find(&ui, "Birth registration").is_empty(), "service names follow the language");
    click(&ui, "Change language");
    assert!(!find(&ui, "Đăng ký khai sinh").is_empty());
}

#[test]
fn dossier_lookup_with_the_code_keyboard() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Tra cứu hồ sơ");
    assert_eq!(page(&ui), Page::CodeEntry);
    for ch in "000.00.01.H29-260310-0420".chars() {
        click(&ui, &ch.to_string());
    }
    assert_eq!(value_of(&ui, "Mã hồ sơ"), "000.00.01.H29-260310-0420");
    click(&ui, "Tra cứu");
    assert_eq!(page(&ui), Page::Dossier);
    assert_eq!(value_of(&ui, "Trạng thái hồ sơ"), "Đang xử lý");
    assert!(find(&ui, "Dữ liệu đã lưu").is_empty(), "fresh answer, no as-of banner");
    // The status by name, not "(4/10)" (read as progress); the timeliness word of a running dossier;
    // how it was submitted and its fees in đồng.
    assert!(find(&ui, "Trạng thái (4/10): Đang xử lý").is_empty());
    assert_eq!(ui.global::<Lookup>().get_dossier_timeliness(), "Sắp đến hạn");
    assert!(!find(&ui, "Hình thức nộp hồ sơ: Trực tiếp").is_empty());
    assert!(!find(&ui, "Phí, lệ phí: Lệ phí cấp giấy chứng nhận 100.000 đ").is_empty());
}

#[test]
fn malformed_and_unknown_codes_get_a_helpful_message() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Tra cứu hồ sơ");
    for ch in "12345".chars() {
        click(&ui, &ch.to_string());
    }
    click(&ui, "Tra cứu");
    assert_eq!(page(&ui), Page::CodeEntry);
    let error = ui.global::<Lookup>().get_code_error().to_string();
    assert!(error.contains("không đúng định dạng"), "{error}");
    click(&ui, "Xoá hết");
    ui.global::<Lookup>().invoke_submit_code("000.00.01.H29-260310-0999".into());
    assert!(ui.global::<Lookup>().get_code_error().contains("Không tìm thấy"));
}

#[test]
fn cached_dossier_shows_its_time() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend { online: false, cached: true, ..DemoBackend::default() });
    ui.global::<Lookup>().invoke_submit_code("000.00.01.H29-260310-0420".into());
    assert_eq!(page(&ui), Page::Dossier);
    assert!(!find(&ui, "Dữ liệu đã lưu").is_empty());
    assert_eq!(ui.global::<Lookup>().get_dossier_as_of(), "12/03/2026 08:30");
}

#[test]
fn rating_terminal_flow() {
    let backend = DemoBackend::default();
    let sent = backend.ratings.clone();
    let (ui, c) = app(DeviceRole::RatingTerminal, backend);
    assert_eq!(page(&ui), Page::Message);
    c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
    assert_eq!(page(&ui), Page::RatingLevel);
    assert_eq!(ui.global::<Rating>().get_subject(), "Số A024 · Quầy 1 · Tiếp nhận", "who and what is rated");
    click(&ui, "Rất hài lòng");
    assert_eq!(page(&ui), Page::RatingQuestions);
    // The indicator set's questions of the reception stage, each with its own answers.
    let questions: Vec<String> =
        slint::Model::iter(&ui.global::<Rating>().get_questions()).map(|q| q.text.to_string()).collect();
    assert_eq!(questions.len(), 3, "{questions:?}");
    let attitude = "Cán bộ hướng dẫn, tiếp nhận, giải quyết hồ sơ cho Quý khách với thái độ thế nào?";
    assert_eq!(questions[2], attitude);
    click(&ui, &format!("{attitude}: Lịch sự, nhiệt tình, tận tâm"));
    click(&ui, &format!("{}: 1 lần", questions[0]));
    click(&ui, &format!("{}: Không phải liên hệ lần nào", questions[0]));
    let chosen: Vec<i32> = slint::Model::iter(&ui.global::<Rating>().get_questions()).map(|q| q.chosen).collect();
    assert_eq!(chosen, [0, -1, 0], "one answer per question, the last one touched");
    click(&ui, "Viết góp ý");
    for ch in "tot".chars() {
        click(&ui, &ch.to_string());
    }
    assert_eq!(value_of(&ui, "Góp ý"), "tot", "a comment without marks is fine too");
    click(&ui, "Gửi đánh giá");
    assert_eq!(page(&ui), Page::Thanks);
    let sent = format!("{:?}", sent.lock().unwrap());
    assert!(sent.contains("stage: Some(Reception)") && sent.contains("VerySatisfied"), "{sent}");
    assert!(sent.contains("comment: Some(\"tot\")"), "{sent}");
    assert!(
        sent.contains(r#"RatingChoice { indicator: "staff_attitude", option: "good" }"#)
            && sent.contains(r#"RatingChoice { indicator: "contacts_to_complete", option: "none" }"#)
            && sent.contains("answers: []"),
        "choices of the set, not the old fixed answers: {sent}"
    );
    click(&ui, "Xong");
    assert_eq!(page(&ui), Page::Message);

    // The same ticket again: refused before any question, and said so instead of thanks.
    c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
    assert_eq!(page(&ui), Page::Thanks);
    assert!(ui.global::<Rating>().get_refused());
    assert_eq!(value_of(&ui, "Thông báo"), "Số A024 · Quầy 1 · Tiếp nhận: Lượt phục vụ này đã được đánh giá.");
    assert!(find(&ui, "Cảm ơn quý khách đã đánh giá!").is_empty());
    // The refusal is said again in the language the citizen switches to.
    ui.global::<App>().invoke_switch_language();
    let english = value_of(&ui, "Notice");
    assert!(english.starts_with("Ticket A024 · Counter 1 · Reception: "), "{english}");
    assert!(!english.contains("đánh giá"), "no Vietnamese left: {english}");
    ui.global::<App>().invoke_switch_language();
    click(&ui, "Xong");
    assert_eq!(page(&ui), Page::Message);
}

/// The optional questions and the comment screens can be left: the rating is dropped, nothing is sent.
#[test]
fn a_rating_can_be_cancelled_from_the_questions_and_the_comment() {
    let backend = DemoBackend::default();
    let sent = backend.ratings.clone();
    let (ui, c) = app(DeviceRole::RatingTerminal, backend);
    c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
    click(&ui, "Hài lòng");
    assert_eq!(page(&ui), Page::RatingQuestions);
    click(&ui, "Huỷ đánh giá");
    assert_eq!(page(&ui), Page::Message, "back to the terminal's waiting screen");
    c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
    click(&ui, "Hài lòng");
    click(&ui, "Viết góp ý");
    assert_eq!(page(&ui), Page::RatingComment);
    click(&ui, "Huỷ đánh giá");
    assert_eq!(page(&ui), Page::Message);
    assert!(sent.lock().unwrap().is_empty(), "nothing sent");

    // At the kiosk the questions also have Home.
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    ui.global::<Lookup>().set_purpose(kiosk_app::ui::CodePurpose::Rating);
    ui.global::<Lookup>().invoke_submit_code("A024".into());
    click(&ui, "Hài lòng");
    assert_eq!(page(&ui), Page::RatingQuestions);
    click(&ui, "Trang chủ");
    assert_eq!(page(&ui), Page::Home);
}

/// A receipt's QR scanned on the kiosk's rating screen keeps its rating token (the dossier's rating
/// needs it); a ticket's QR scanned at the dossier lookup is told apart from a wrong code.
#[test]
fn a_scanned_receipt_keeps_its_rating_token_and_a_ticket_qr_is_told_apart() {
    let backend = DemoBackend::default();
    let sent = backend.ratings.clone();
    let (ui, c) = app(DeviceRole::TicketKiosk, backend);
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    ui.global::<Lookup>().set_purpose(kiosk_app::ui::CodePurpose::Rating);
    let token = "k7Qw2mZ9xR4tB8nL";
    let receipt = format!("https://dichvucong.example/tra-cuu?maHoSo=000.00.01.H29-260310-0420&r={token}");
    c.borrow_mut().on_scan(scanner::payload::interpret(&receipt));
    assert_eq!(page(&ui), Page::RatingLevel, "{}", ui.global::<Lookup>().get_code_error());
    ui.global::<Rating>().invoke_rate(kiosk_app::ui::Satisfaction::Satisfied);
    ui.global::<Rating>().invoke_finish();
    let sent = format!("{:?}", sent.lock().unwrap());
    assert!(sent.contains(&format!("rating_token: Some(\"{token}\")")), "{sent}");
    assert!(sent.contains("dossier: Some(\"000.00.01.H29-260310-0420\")"), "{sent}");

    click(&ui, "Xong");
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    ui.global::<Lookup>().set_purpose(kiosk_app::ui::CodePurpose::Lookup);
    let ticket_qr = format!("http://192.168.1.10:8080/t/{}", "ab".repeat(26));
    c.borrow_mut().on_scan(scanner::payload::interpret(&ticket_qr));
    assert_eq!(page(&ui), Page::CodeEntry);
    let said = ui.global::<Lookup>().get_code_error().to_string();
    assert!(said.contains("phiếu số thứ tự") && said.contains("giấy tiếp nhận"), "{said}");
}

/// A citizen finds a procedure by field or by name typed without diacritics, sees what to bring and gets
/// a ticket for its service that names it.
#[test]
fn a_procedure_is_found_and_gets_a_ticket_for_its_service() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Tìm theo thủ tục");
    assert_eq!(page(&ui), Page::Procedures);
    let titles = |ui: &MainWindow| -> Vec<String> {
        slint::Model::iter(&ui.global::<Procedures>().get_rows()).map(|r| r.title.to_string()).collect()
    };
    assert_eq!(titles(&ui), ["Chứng thực", "Đăng ký kinh doanh", "Đất đai", "Hộ tịch"], "the fields to browse");
    click(&ui, "Hộ tịch");
    assert_eq!(titles(&ui), ["‹ Tất cả lĩnh vực", "Đăng ký kết hôn", "Đăng ký khai sinh"]);
    click(&ui, "‹ Tất cả lĩnh vực");
    // Typed without marks on the touch keyboard.
    touch_field(&ui, "Tìm thủ tục");
    for ch in "chung thuc ban sao".chars() {
        let key = if ch == ' ' { "Dấu cách".to_owned() } else { ch.to_string() };
        click(&ui, &key);
    }
    assert_eq!(value_of(&ui, "Tìm thủ tục"), "chung thuc ban sao");
    assert_eq!(titles(&ui), ["Chứng thực bản sao từ bản chính"]);
    let row = slint::Model::row_data(&ui.global::<Procedures>().get_rows(), 0).unwrap();
    assert_eq!(row.subtitle, "Trong ngày · Lệ phí 2.000 đ · Chứng thực");
    click(&ui, "Chứng thực bản sao từ bản chính");
    assert_eq!(page(&ui), Page::Procedure);
    assert_eq!(value_of(&ui, "Thời hạn giải quyết"), "Trong ngày");
    assert_eq!(value_of(&ui, "Lệ phí"), "Lệ phí chứng thực (mỗi trang): 2.000 đ");
    assert!(!find(&ui, "Bản chính giấy tờ cần chứng thực").is_empty(), "the papers to bring");
    click(&ui, "Lấy số");
    assert_eq!(page(&ui), Page::Ticket);
    assert_eq!(value_of(&ui, "Số thứ tự"), "D025", "the number of the procedure's service");
    assert_eq!(value_of(&ui, "Thủ tục"), "Chứng thực bản sao từ bản chính");
    click(&ui, "Xong");

    // With marks, and a priority ticket through the priority screen.
    click(&ui, "Tìm theo thủ tục");
    touch_field(&ui, "Tìm thủ tục");
    for key in ["k", "h", "a", "i", "Dấu cách", "s", "i", "n", "h"] {
        click(&ui, key);
    }
    assert_eq!(titles(&ui), ["Đăng ký khai sinh"]);
    click(&ui, "Đăng ký khai sinh");
    click(&ui, "Lấy số ưu tiên");
    assert_eq!(page(&ui), Page::Priority);
    assert_eq!(ui.global::<Ticketing>().get_chosen_service_name(), "Đăng ký khai sinh");
    click(&ui, "Người cao tuổi");
    assert_eq!(value_of(&ui, "Thủ tục"), "Đăng ký khai sinh");
    // A ticket by service names no procedure.
    click(&ui, "Xong");
    click(&ui, "Lấy số thứ tự");
    click(&ui, "Đăng ký khai sinh");
    click(&ui, "Lấy số thông thường");
    assert!(find(&ui, "Thủ tục").is_empty(), "no procedure line");
}

/// Offline, the procedure screen says it searches the saved list, and its note keeps its place.
#[test]
fn offline_procedures_come_from_the_saved_list() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend { online: false, ..DemoBackend::default() });
    click(&ui, "Tìm theo thủ tục");
    assert!(value_of(&ui, "Ghi chú").contains("danh mục thủ tục đã lưu"), "{}", value_of(&ui, "Ghi chú"));
    click(&ui, "Đất đai");
    click(&ui, "Đăng ký đất đai, cấp giấy chứng nhận lần đầu");
    click(&ui, "Lấy số");
    assert!(ui.global::<Ticketing>().get_ticket_offline());
    assert_eq!(value_of(&ui, "Thủ tục"), "Đăng ký đất đai, cấp giấy chứng nhận lần đầu");
}

/// Touches a word's letter keys, then its mark keys (named by their accessible labels).
#[track_caller]
fn touch_word(ui: &MainWindow, letters: &str, marks: &[&str]) {
    for ch in letters.chars() {
        click(ui, &ch.to_string());
    }
    for mark in marks {
        click(ui, mark);
    }
}

/// A citizen writes Vietnamese with its diacritics on the comment keyboard, marks after a word's letters
/// and in any order.
#[test]
fn comment_keyboard_writes_vietnamese() {
    let (ui, c) = app(DeviceRole::RatingTerminal, DemoBackend::default());
    c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, Some(domain::office::Stage::Reception));
    click(&ui, "Hài lòng");
    click(&ui, "Viết góp ý");
    assert_eq!(page(&ui), Page::RatingComment);

    touch_word(&ui, "duoc", &["Dấu nặng", "Dấu móc: ơ ư", "Chữ đ"]);
    assert_eq!(value_of(&ui, "Góp ý"), "được", "the dot moved onto ơ when the horn came");
    click(&ui, "Dấu cách");
    touch_word(&ui, "phuc", &["Dấu nặng"]);
    click(&ui, "Dấu cách");
    touch_word(&ui, "vu", &["Dấu nặng"]);
    click(&ui, "Dấu cách");
    touch_word(&ui, "tan", &["Dấu mũ: â ê ô", "Dấu nặng"]);
    click(&ui, "Dấu cách");
    touch_word(&ui, "tinh", &["Dấu sắc", "Dấu huyền"]);
    assert_eq!(value_of(&ui, "Góp ý"), "được phục vụ tận tình");

    // The capital is one-shot; digits are on the second layer; Xoá takes a whole letter with its marks.
    click(&ui, "Xoá hết");
    click(&ui, "Chữ hoa");
    touch_word(&ui, "Hoa", &["Dấu huyền"]);
    assert!(find(&ui, "N").is_empty() && !find(&ui, "n").is_empty(), "back to small letters");
    click(&ui, "Dấu cách");
    click(&ui, "Số và ký hiệu");
    touch_word(&ui, "10", &[]);
    click(&ui, "Chữ cái");
    touch_word(&ui, "ok", &["Xoá"]);
    assert_eq!(value_of(&ui, "Góp ý"), "Hòa 10o");
    touch_word(&ui, "", &["Xoá", "Xoá", "Xoá", "Xoá", "Dấu sắc"]);
    assert_eq!(value_of(&ui, "Góp ý"), "Hóa", "the tone key works on the word left, classic placement");

    click(&ui, "Gửi đánh giá");
    assert_eq!(page(&ui), Page::Thanks);
}

#[test]
fn technician_screen_needs_the_pin() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "technician");
    assert_eq!(page(&ui), Page::Pin);
    for d in ["1", "1", "1", "1", "OK"] {
        click(&ui, d);
    }
    assert_eq!(page(&ui), Page::Pin);
    assert!(!ui.global::<Technician>().get_pin_error().is_empty());
    for d in ["2", "4", "6", "8"] {
        click(&ui, d);
    }
    assert_eq!(value_of(&ui, "Mã PIN"), "●●●●", "the digits are never exposed");
    click(&ui, "OK");
    assert_eq!(page(&ui), Page::Technician);
    let health: Vec<String> =
        slint::Model::iter(&ui.global::<Technician>().get_health()).map(|s| s.to_string()).collect();
    assert!(health.iter().any(|l| l.starts_with("kiosk-app ")), "{health:?}");
    click(&ui, "In thử");
    click(&ui, "Thoát");
    assert_eq!(page(&ui), Page::Home);
}

#[test]
fn display_shows_the_board() {
    let (ui, c) = app(DeviceRole::Display, DemoBackend::default());
    assert_eq!(page(&ui), Page::Display);
    assert_eq!(value_of(&ui, "Quầy 2"), "D031");
    // 18:30 UTC is 01:30 the next day at the office (UTC+7 until the server says otherwise).
    c.borrow_mut().tick(time::macros::datetime!(2026-03-10 18:30 UTC));
    assert_eq!(ui.global::<WaitingRoom>().get_date(), "11/03/2026", "the board shows the office's date");
    assert_eq!(ui.global::<App>().get_clock(), "01:30");
}

#[test]
fn idle_timeout_returns_home() {
    init();
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role: DeviceRole::TicketKiosk,
        lang: Lang::Vi,
        office: "X".into(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_millis(50),
        size: (800, 480),
        execution: kiosk_app::ui::Execution::Inline,
    };
    let c = Controller::attach(&ui, Box::new(DemoBackend::default()), options);
    click(&ui, "Tra cứu hồ sơ");
    assert_eq!(page(&ui), Page::CodeEntry);
    c.borrow_mut().tick(time::OffsetDateTime::now_utc());
    assert_eq!(page(&ui), Page::CodeEntry, "not idle yet");
    std::thread::sleep(Duration::from_millis(80));
    c.borrow_mut().tick(time::OffsetDateTime::now_utc());
    assert_eq!(page(&ui), Page::Home);
}

#[test]
fn physical_button_takes_a_ticket() {
    let (ui, c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    let fake = kiosk_app::gpio::FakeGpio::default();
    c.borrow_mut().set_gpio(Box::new(fake.clone()), Some("chung-thuc".into()));
    c.borrow_mut().poll_button();
    assert_eq!(page(&ui), Page::Home, "no press, nothing happens");
    fake.press();
    c.borrow_mut().poll_button();
    assert_eq!(page(&ui), Page::Ticket);
    assert_eq!(value_of(&ui, "Số thứ tự"), "D025");
}

/// The camera path: a QR image (a receipt's URL with the code inside) through `scanner` opens the
/// dossier screen; a QR from the public corpus that is no dossier code gets an explanation.
#[test]
fn camera_scan_opens_the_dossier() {
    let (ui, c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    // Render the receipt QR as a camera would see it: 4 px modules, quiet zone, grey paper.
    let qr = qrcode::QrCode::new(b"https://dichvucong.example/tra-cuu?ma=000.00.01.H29-260310-0420").unwrap();
    let n = qr.width();
    let colors = qr.to_colors();
    let (scale, pad) = (4, 24);
    let size = n * scale + 2 * pad;
    let mut luma = vec![200u8; size * size];
    for y in 0..n * scale {
        for x in 0..n * scale {
            if colors[(y / scale) * n + x / scale] == qrcode::Color::Dark {
                luma[(y + pad) * size + x + pad] = 30;
            }
        }
    }
    let frame = scanner::GrayFrame::from_luma(size, size, luma).unwrap();
    let mut scan = kiosk_app::scan::Scanner::new();
    assert!(scan.frame(&frame).is_some(), "the QR is read");
    assert!(scan.frame(&frame).is_none(), "the same code within 3 s counts once");

    // Through the device's camera path: capture thread, preview, decoder thread, the screen's poll.
    click(&ui, "Tra cứu hồ sơ");
    let blank = scanner::GrayFrame::filled(size, size, 200);
    let camera = scanner::source::Synthetic::new(vec![blank.clone(), frame, blank], 15);
    let mut inputs = kiosk_app::scan::ScanInputs::new();
    inputs.start_camera(Box::new(camera), Some(Duration::from_millis(5))).unwrap();
    c.borrow_mut().set_scan_inputs(inputs);
    assert!(ui.global::<App>().get_camera_on(), "the lookup screen runs the camera");
    let opened = kiosk_app::ui::jobs::wait_until(Duration::from_secs(10), || {
        c.borrow_mut().poll();
        page(&ui) == Page::Dossier
    });
    assert!(opened, "the camera's QR opened the dossier (page {:?})", page(&ui));
    c.borrow_mut().poll();
    assert!(!ui.global::<App>().get_camera_on(), "the dossier screen takes no scan: the camera rests");
    assert_eq!(ui.global::<Lookup>().get_dossier_code(), "000.00.01.H29-260310-0420");

    click(&ui, "Xong");
    let corpus = scanner::corpus::subset_file("qrcode-1/1.png");
    if corpus.exists() {
        let result = kiosk_app::scan::Scanner::new().image_file(&corpus).expect("corpus QR is read");
        c.borrow_mut().on_scan(result);
        assert_eq!(page(&ui), Page::CodeEntry);
        assert!(ui.global::<Lookup>().get_code_error().contains("không phải mã hồ sơ"));
    }
}

fn app_with(
    role: DeviceRole,
    backend: DemoBackend,
    execution: kiosk_app::ui::Execution,
) -> (MainWindow, std::rc::Rc<std::cell::RefCell<Controller>>) {
    init();
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role,
        lang: Lang::Vi,
        office: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(60),
        size: (1080, 1920),
        execution,
    };
    let c = Controller::attach(&ui, Box::new(backend), options);
    ui.show().unwrap();
    (ui, c)
}

/// A slow server never freezes the screen: the issue runs on the worker, the screen says it is
/// working and takes no touch, the clock still ticks, and the ticket appears when the answer comes.
#[test]
fn a_slow_server_keeps_the_screen_alive() {
    let slow = DemoBackend { delay: Duration::from_millis(600), ..DemoBackend::default() };
    let (ui, c) = app_with(DeviceRole::TicketKiosk, slow, kiosk_app::ui::Execution::Worker);
    click(&ui, "Lấy số thứ tự");
    click(&ui, "Đăng ký khai sinh");
    click(&ui, "Lấy số thông thường");
    // Had the click waited for the 600 ms answer, the ticket would already be on screen.
    assert_eq!(page(&ui), Page::Priority);
    assert!(ui.global::<App>().get_busy());
    assert!(!find(&ui, "Đang xử lý, xin vui lòng chờ…").is_empty());
    let noon = time::macros::datetime!(2026-03-10 05:00 UTC);
    c.borrow_mut().tick(noon);
    assert_eq!(ui.global::<App>().get_clock(), "12:00", "the clock ticks during the wait");
    // A second touch during the wait is not a second ticket.
    click(&ui, "Lấy số thông thường");
    assert!(c.borrow_mut().settle(Duration::from_secs(10)), "the jobs finished");
    assert_eq!(page(&ui), Page::Ticket);
    assert!(!ui.global::<App>().get_busy());
    assert_eq!(value_of(&ui, "Số thứ tự"), "A025");
    assert_eq!(c.borrow().with_backend(|b| b.pending_uploads()), 0);
}

/// A keyboard-wedge scanner types the code as fast keys ending in Enter: the dossier opens; slow
/// typing by a person is not taken for a scan.
#[test]
fn wedge_scanner_keys_open_the_dossier() {
    let (ui, c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    let mut inputs = kiosk_app::scan::ScanInputs::new();
    inputs.enable_wedge();
    c.borrow_mut().set_scan_inputs(inputs);
    let type_keys = |text: &str, gap: Duration| {
        for ch in text.chars().chain(['\n']) {
            ui.window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text: ch.to_string().into() });
            ui.window().dispatch_event(slint::platform::WindowEvent::KeyReleased { text: ch.to_string().into() });
            std::thread::sleep(gap);
        }
    };
    type_keys("000.00.01.H29-260310-0420", Duration::ZERO);
    assert_eq!(page(&ui), Page::Dossier, "a scan from the home screen opens the dossier");
    assert_eq!(ui.global::<Lookup>().get_dossier_code(), "000.00.01.H29-260310-0420");
    click(&ui, "Xong");
    type_keys("ABCD", Duration::from_millis(80));
    assert_eq!(page(&ui), Page::Home, "typed slowly, it is a person, not a scan");
}

/// The technician's test scan shows what a scanner read instead of opening a dossier.
#[test]
fn technician_test_scan_reports_what_was_read() {
    let (ui, c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    let mut inputs = kiosk_app::scan::ScanInputs::new();
    inputs.enable_wedge();
    c.borrow_mut().set_scan_inputs(inputs);
    ui.global::<App>().invoke_navigate(Page::Pin);
    for d in "2468".chars() {
        click(&ui, &d.to_string());
    }
    click(&ui, "OK");
    assert_eq!(page(&ui), Page::Technician);
    let health = |ui: &MainWindow| slint::Model::iter(&ui.global::<Technician>().get_health()).collect::<Vec<_>>();
    assert!(health(&ui).iter().any(|l| l.contains("bàn phím (wedge)")), "{:?}", health(&ui));
    click(&ui, "Quét thử");
    for ch in "000.00.01.H29-260310-0420\n".chars() {
        ui.window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text: ch.to_string().into() });
    }
    assert_eq!(page(&ui), Page::Technician, "a test scan opens nothing");
    assert!(
        health(&ui)[0].contains("mã hồ sơ 000.00.01.H29-260310-0420"),
        "the technician sees what was read: {:?}",
        health(&ui)
    );
}

/// At the kiosk, a rating is tied to a dossier code or to a served ticket's number.
#[test]
fn kiosk_rating_by_served_ticket_number() {
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Đánh giá hài lòng");
    assert_eq!(page(&ui), Page::CodeEntry);
    ui.global::<Lookup>().invoke_submit_code("ZZ".into());
    assert!(
        ui.global::<Lookup>().get_code_error().contains("số thứ tự đã được phục vụ"),
        "{}",
        ui.global::<Lookup>().get_code_error()
    );
    ui.global::<Lookup>().invoke_submit_code("B999".into());
    assert_eq!(ui.global::<Lookup>().get_code_error(), "Không tìm thấy số thứ tự.");
    ui.global::<Lookup>().invoke_submit_code("a024".into());
    assert_eq!(page(&ui), Page::RatingLevel);
    assert_eq!(ui.global::<Rating>().get_subject(), "Số A024");
}

/// Every role has the hidden technician entry on its home screen, behind the PIN.
#[test]
fn every_role_reaches_the_technician_screen() {
    for role in [DeviceRole::TicketKiosk, DeviceRole::RatingTerminal, DeviceRole::Display] {
        let (ui, _c) = app(role, DemoBackend::default());
        click(&ui, "technician");
        assert_eq!(page(&ui), Page::Pin, "{role:?}");
        for d in ["2", "4", "6", "8", "OK"] {
            click(&ui, d);
        }
        assert_eq!(page(&ui), Page::Technician, "{role:?}");
        click(&ui, "Thoát");
        assert_ne!(page(&ui), Page::Technician, "{role:?}");
    }
}

/// A backend call that panics (a bug) neither kills the screen nor leaves it busy for ever: the citizen
/// is told, and the next touch works — on the job thread and inline.
#[test]
fn a_panicking_backend_call_is_reported_and_the_screen_goes_on() {
    for execution in [kiosk_app::ui::Execution::Worker, kiosk_app::ui::Execution::Inline] {
        let broken = DemoBackend { panic_on_next_issue: true, ..DemoBackend::default() };
        let (ui, c) = app_with(DeviceRole::TicketKiosk, broken, execution);
        click(&ui, "Lấy số thứ tự");
        click(&ui, "Đăng ký khai sinh");
        click(&ui, "Lấy số thông thường");
        assert!(c.borrow_mut().settle(Duration::from_secs(10)), "{execution:?}: no job left waiting");
        assert!(!ui.global::<App>().get_busy(), "{execution:?}");
        assert_eq!(page(&ui), Page::Message, "{execution:?}");
        assert!(ui.global::<App>().get_message().contains("Thiết bị gặp lỗi"), "{execution:?}");
        click(&ui, "Về trang chủ");
        click(&ui, "Lấy số thứ tự");
        click(&ui, "Đăng ký khai sinh");
        click(&ui, "Lấy số thông thường");
        assert!(c.borrow_mut().settle(Duration::from_secs(10)));
        assert_eq!(page(&ui), Page::Ticket, "{execution:?}: the job thread is still alive");
        assert_eq!(value_of(&ui, "Số thứ tự"), "A025");
    }
}

/// An invitation that comes while the previous rating is still being sent is not lost: it opens once
/// that rating is done.
#[test]
fn an_invitation_during_a_slow_rating_waits_its_turn() {
    let slow = DemoBackend { delay: Duration::from_millis(300), ..DemoBackend::default() };
    let sent = slow.ratings.clone();
    let (ui, c) = app_with(DeviceRole::RatingTerminal, slow, kiosk_app::ui::Execution::Worker);
    c.borrow_mut().invite_rating(uuid::Uuid::nil(), "A024", 1, None);
    // Whether it can be rated and its questions are asked first, off the UI thread.
    assert!(ui.global::<App>().get_busy());
    assert!(c.borrow_mut().settle(Duration::from_secs(10)));
    click(&ui, "Rất hài lòng");
    click(&ui, "Gửi đánh giá");
    assert!(ui.global::<App>().get_busy(), "the first rating is on its way");
    c.borrow_mut().invite_rating(uuid::Uuid::max(), "A026", 1, None);
    assert!(c.borrow_mut().settle(Duration::from_secs(10)));
    c.borrow_mut().poll();
    assert_eq!(sent.lock().unwrap().len(), 1, "the first rating was sent");
    assert_eq!(page(&ui), Page::RatingLevel, "the second citizen's rating is open");
    assert_eq!(ui.global::<Rating>().get_subject(), "Số A026 · Quầy 1");
}

/// An error or a note that comes and goes never moves the keyboard or the buttons below it.
#[test]
fn an_error_line_does_not_move_the_keyboard() {
    let button_y = |ui: &MainWindow, label: &str| -> f32 {
        let found: Vec<ElementHandle> = find(ui, label)
            .into_iter()
            .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
            .collect();
        found.first().unwrap_or_else(|| panic!("no {label:?}")).absolute_position().y
    };
    let (ui, _c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Tra cứu hồ sơ");
    let (key, submit) = (button_y(&ui, "Q"), button_y(&ui, "Tra cứu"));
    ui.global::<Lookup>().invoke_edit_code("1".into());
    ui.global::<Lookup>().invoke_submit_code("1".into());
    assert!(!ui.global::<Lookup>().get_code_error().is_empty());
    assert_eq!((button_y(&ui, "Q"), button_y(&ui, "Tra cứu")), (key, submit), "the code keyboard stays put");

    click(&ui, "Trang chủ");
    click(&ui, "Tìm theo thủ tục");
    touch_field(&ui, "Tìm thủ tục");
    click(&ui, "k");
    assert_eq!(value_of(&ui, "Ghi chú"), "", "procedures found, nothing to note");
    let key = button_y(&ui, "q");
    for k in ["z", "z"] {
        click(&ui, k);
    }
    assert!(value_of(&ui, "Ghi chú").contains("Không tìm thấy"), "{}", value_of(&ui, "Ghi chú"));
    assert_eq!(button_y(&ui, "q"), key, "the search keyboard stays put");
}

/// On the ticket screen «Xong» stays where it was when the language changes (the card rewraps) and
/// when the link drops (the link line is reserved): a tap meant for it never lands on the card.
#[test]
fn switching_language_does_not_move_done() {
    let button_y = |ui: &MainWindow, label: &str| -> f32 {
        let found: Vec<ElementHandle> = find(ui, label)
            .into_iter()
            .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
            .collect();
        found.first().unwrap_or_else(|| panic!("no {label:?}")).absolute_position().y
    };
    let (ui, c) = app(DeviceRole::TicketKiosk, DemoBackend::default());
    click(&ui, "Lấy số thứ tự");
    click(&ui, "Đăng ký kết hôn");
    click(&ui, "Lấy số thông thường");
    assert_eq!(page(&ui), Page::Ticket);
    let done = button_y(&ui, "Xong");
    ui.global::<App>().invoke_switch_language();
    assert_eq!(button_y(&ui, "Done"), done, "English");
    ui.global::<App>().invoke_switch_language();
    assert_eq!(button_y(&ui, "Xong"), done, "Vietnamese again");
    // The link drops: the message fills the line kept for it.
    ui.global::<App>().set_online(false);
    assert!(!find(&ui, "Mất kết nối máy chủ").is_empty());
    assert_eq!(button_y(&ui, "Xong"), done, "offline");
    drop(c);
}
