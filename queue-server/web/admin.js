// Administration: office settings, services, counters, staff, devices and a live dashboard. Every
// form is checked here first (clear errors, nothing sent) and again by the server, whose errors are
// shown as they come; each accepted change is an event in the office log.
'use strict';

const DICT = {
  vi: {
    title: 'Quản trị Bộ phận Một cửa', logout: 'Đăng xuất', down: 'Mất kết nối với máy chủ – các thay đổi chưa được lưu.',
    login_title: 'Đăng nhập quản trị', username: 'Tên đăng nhập', password: 'Mật khẩu', login: 'Đăng nhập',
    tab_dashboard: 'Tổng quan', tab_settings: 'Cài đặt đơn vị', tab_services: 'Dịch vụ', tab_counters: 'Quầy', tab_staff: 'Nhân viên', tab_devices: 'Thiết bị',
    per_counter: 'Trạng thái quầy', per_service: 'Hàng đợi theo dịch vụ',
    explain_title: 'Vì sao chưa đến lượt? — tra cứu thứ tự gọi số', explain_ph: 'Số thứ tự hôm nay, ví dụ A025', explain_go: 'Xem',
    office_vi: 'Tên đơn vị (tiếng Việt)', office_en: 'Tên đơn vị (tiếng Anh)', agency: 'Mã định danh cơ quan', parent_agency: 'Cơ quan chủ quản (dòng đầu trên phiếu và giấy tiếp nhận)', lookup_base: 'Trang tra cứu hồ sơ mà mã QR trên giấy tiếp nhận mở (để trống: chỉ ki-ốt đọc được)',
    follow_base: 'Địa chỉ máy chủ cho điện thoại (Wi-Fi của đơn vị) — mã QR trên phiếu mở trang theo dõi số tại đây (để trống: địa chỉ ki-ốt dùng)',
    hours: 'Giờ làm việc (mỗi dòng: các thứ, giờ mở-giờ đóng; ví dụ T2-T6 07:30-11:30 và T2-T6 13:00-17:00, T7 07:30-11:30; CN là Chủ nhật; để trống = cả ngày)',
    num_width: 'Số chữ số của số thứ tự', num_first: 'Số bắt đầu mỗi ngày', num_sep: 'Dạng số', prio_mode: 'Quy tắc ưu tiên',
    prio_ratio: 'Xen kẽ theo tỷ lệ', prio_strict: 'Luôn ưu tiên trước', prio_ratio_n: 'Số thường giữa hai số ưu tiên',
    ageing: 'Số thường chờ quá (phút) được gọi trước', grace: 'Thời gian còn gọi lại số vắng mặt (phút)',
    rating_window: 'Thời gian nhận đánh giá sau phục vụ (phút)', overnight: 'Giữ hàng đợi qua đêm', no: 'Không', yes: 'Có',
    ann_langs: 'Ngôn ngữ thông báo', reading: 'Cách đọc số', read_digits: 'Từng chữ số (A không hai năm)', read_number: 'Đọc thành số (A hai mươi lăm)',
    preview: 'Nghe thử: A025 đến quầy 3', notice_vi: 'Thông báo chạy trên màn hình (tiếng Việt)', notice_en: 'Thông báo chạy trên màn hình (tiếng Anh)', save: 'Lưu', new: 'Mới',
    service_edit: 'Thêm / sửa dịch vụ', svc_code: 'Mã dịch vụ (a-z, 0-9, -)', svc_letter: 'Chữ cái trên phiếu', svc_name_vi: 'Tên (tiếng Việt)',
    svc_name_en: 'Tên (tiếng Anh)', svc_field_vi: 'Lĩnh vực (tiếng Việt)', svc_field_en: 'Lĩnh vực (tiếng Anh)', svc_target: 'Mục tiêu thời gian chờ (phút)',
    svc_time: 'Thời gian phục vụ mặc định (phút)', svc_stage: 'Giai đoạn (đánh giá)', st_reception: 'Tiếp nhận', st_processing: 'Xử lý',
    st_return: 'Trả kết quả', svc_open: 'Trạng thái', open: 'Đang mở', closed: 'Đóng', svc_counters: 'Quầy phục vụ',
    counter_edit: 'Thêm / sửa quầy', ctr_id: 'Số quầy', ctr_name_vi: 'Tên (tiếng Việt)', ctr_name_en: 'Tên (tiếng Anh)',
    ctr_services: 'Dịch vụ (theo thứ tự ưu tiên khi gọi tiếp)', ctr_printer: 'Máy in giấy tiếp nhận (trống: không in)', ctr_profile: 'Loại máy in', staff_edit: 'Thêm / sửa nhân viên', display_name: 'Họ và tên', role: 'Vai trò',
    r_officer: 'Cán bộ', r_supervisor: 'Giám sát', r_admin: 'Quản trị', new_password: 'Mật khẩu mới (để trống nếu không đổi)',
    staff_counters: 'Quầy được làm việc', code_title: 'Tạo mã đăng ký thiết bị', dev_role: 'Loại thiết bị', d_kiosk: 'Máy lấy số',
    d_display: 'Màn hình hiển thị', d_rating: 'Thiết bị đánh giá', dev_name: 'Tên thiết bị', dev_counter: 'Quầy (thiết bị đánh giá)',
    dev_hours: 'Hiệu lực (giờ)', create_code: 'Tạo mã',
    k_waiting: 'Đang chờ', k_serving: 'Đang gọi / phục vụ', k_avg: 'Chờ trung bình hôm nay', k_served: 'Đã phục vụ hôm nay',
    k_missed: 'Vắng mặt hôm nay', k_longest: 'Chờ lâu nhất hiện tại', k_issued: 'Phiếu đã cấp hôm nay',
    h_counter: 'Quầy', h_state: 'Trạng thái', h_number: 'Số', h_officer: 'Cán bộ', h_since: 'Thời gian', h_served: 'Đã phục vụ',
    h_service: 'Dịch vụ', h_waiting: 'Chờ', h_est: 'Dự kiến', h_target: 'Mục tiêu', h_letter: 'Chữ', h_counters: 'Quầy',
    h_name: 'Tên', h_role: 'Vai trò', h_status: 'Trạng thái', h_last: 'Lần cuối', h_health: 'Tình trạng', h_services: 'Dịch vụ',
    s_idle: 'Trống', s_called: 'Đang gọi', s_serving: 'Đang phục vụ', s_closed: 'Đóng', edit: 'Sửa', active: 'Hoạt động', disabled: 'Đã khoá',
    never: 'chưa kết nối', ago: '{t} trước', revoked: 'Đã thu hồi',
    saved: 'Đã lưu. Thay đổi được ghi vào nhật ký sự kiện.', code_ok: 'Mã đăng ký (dùng một lần, hiệu lực {h} giờ):',
    code_hint_display: 'Mở /display trên TV và nhập mã này.', code_hint_kiosk: 'Nhập mã này trên thiết bị khi cài đặt.',
    e_required: '«{f}» không được để trống.', e_code: 'Mã dịch vụ chỉ gồm 1–32 ký tự a-z, 0-9 hoặc dấu gạch ngang.',
    e_letter: 'Chữ cái trên phiếu phải là một chữ A–Z.', e_letter_used: 'Chữ cái {l} đã dùng cho dịch vụ «{s}».',
    e_positive: '«{f}» phải là số nguyên dương.', e_agency: 'Mã định danh phải có dạng 000.00.01.H29 (hoặc H29.14).',
    e_hours: 'Dòng giờ làm việc «{l}» không đúng. Ví dụ: T2-T6 07:30-11:30', e_hours_digits: 'Dòng «{l}»: ghi thứ bằng chữ để khỏi nhầm (T2-T6 là Thứ Hai đến Thứ Sáu, T7 là Thứ Bảy, CN là Chủ nhật).', e_width: 'Số chữ số phải từ 1 đến 6.',
    e_first: 'Số bắt đầu phải nhỏ hơn {m}.', e_langs: 'Chọn ít nhất một ngôn ngữ thông báo.', e_calendar: 'Dòng lịch «{l}» không đúng. Ví dụ: 01/01/2027 Tết Dương lịch; 03/05/2027 nghỉ bù: Lễ 30/4; 08/05/2027 làm bù T2: Làm bù', e_calendar_twice: 'Ngày {d} có hai dòng trong lịch.',
    calendar: 'Ngày nghỉ lễ, nghỉ bù, làm bù (mỗi dòng: ngày tên; «nghỉ bù:» hoặc «làm bù T2:» trước tên)', statutory: 'Thêm ngày lễ theo Bộ luật Lao động (kiểm tra lại theo thông báo nghỉ lễ hằng năm)', statutory_add: 'Thêm', statutory_added: 'Đã thêm {n} ngày của năm {y}; bấm Lưu để ghi.',
    e_username: 'Tên đăng nhập gồm 2–64 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang.',
    e_password: 'Mật khẩu phải có ít nhất 8 ký tự.', e_password_new: 'Tài khoản mới cần mật khẩu (ít nhất 8 ký tự).',
    e_officer_counter: 'Cán bộ cần được phân công ít nhất một quầy.', e_counter_rating: 'Thiết bị đánh giá cần số quầy.',
    e_hours_range: 'Hiệu lực phải từ 1 đến 720 giờ.', e_counter_exists: 'Quầy {n} đã có; chọn «Sửa» để thay đổi.', e_printer: 'Địa chỉ máy in dạng tcp://10.0.0.21:9100.',
    e_service_exists: 'Mã dịch vụ «{c}» đã có; chọn «Sửa» để thay đổi.',
    f_name: 'Tên', f_name_vi: 'Tên (tiếng Việt)', f_name_en: 'Tên (tiếng Anh)', f_target: 'Mục tiêu thời gian chờ', f_svc_time: 'Thời gian phục vụ',
    f_display_name: 'Họ và tên', f_dev_name: 'Tên thiết bị', f_id: 'Số quầy', f_grace: 'Thời gian gọi lại', f_rating: 'Thời gian đánh giá',
    f_ratio: 'Tỷ lệ', f_ageing: 'Thời gian chờ tối đa', min: 'phút', paper: 'Giấy', scanner: 'Máy quét', printer: 'Máy in',
    hk_version: 'Phiên bản', hk_last_failed: 'lần in gần nhất không được (phiếu {n})',
    hk_pending_text: 'Chờ gửi: {t} phiếu, {r} đánh giá, {f} lỗi', ps_ready: 'sẵn sàng', ps_paper_near_end: 'sắp hết giấy',
    ps_offline: 'ngoại tuyến', ps_cover_open: 'nắp đang mở', ps_paper_out: 'hết giấy', ps_error: 'bị lỗi', ps_unknown: 'chưa rõ trạng thái',
    tab_security: 'Bảo mật', cancel: 'Hủy', rename: 'Đổi tên', change_counter: 'Đổi quầy', revoke: 'Thu hồi',
    disable: 'Khoá', dev_active: 'Đang dùng', u_s: '{n} giây', u_min: '{n} phút', u_h: '{n} giờ', u_d: '{n} ngày',
    rename_title: 'Đổi tên thiết bị', counter_title: 'Gắn thiết bị đánh giá với quầy khác', which_device: '{r} «{n}»',
    revoke_title: 'Thu hồi thiết bị', revoke_text: 'Thu hồi {r} «{n}»? Thiết bị bị ngắt ngay và phải đăng ký lại bằng mã mới.',
    disable_title: 'Khoá tài khoản', disable_text: 'Khoá tài khoản «{u}» ({n})? Các phiên đăng nhập của tài khoản này kết thúc ngay.',
    e_same_counter: 'Thiết bị đã gắn với quầy này.', no_devices: 'Chưa có thiết bị nào được đăng ký.', you: 'bạn',
    lockouts_title: 'Cảnh báo đăng nhập', lockouts_hint: 'Các lần tạm khoá đăng nhập do nhập sai mật khẩu nhiều lần (7 ngày gần nhất, giờ của đơn vị).',
    h_at: 'Thời điểm', h_address: 'Địa chỉ', h_failures: 'Số lần sai', h_until: 'Khoá đến', no_lockouts: 'Không có lần khoá nào trong 7 ngày qua.',
    locked_now: 'đang khoá', lock_over: 'đã hết', online: 'Trực tuyến', battery: 'Pin',
  },
  en: {
    title: 'One-stop office administration', logout: 'Log out', down: 'Lost the connection to the server – changes are not saved.',
    login_title: 'Administrator login', username: 'Username', password: 'Password', login: 'Log in',
    tab_dashboard: 'Dashboard', tab_settings: 'Office settings', tab_services: 'Services', tab_counters: 'Counters', tab_staff: 'Staff', tab_devices: 'Devices',
    per_counter: 'Counters', per_service: 'Queues by service',
    explain_title: 'Why not yet? — the order numbers were called in', explain_ph: "Today's ticket number, e.g. A025", explain_go: 'Show',
    office_vi: 'Office name (Vietnamese)', office_en: 'Office name (English)', agency: 'Agency code (mã định danh)', parent_agency: 'Governing agency (first line of tickets and receipts)', lookup_base: 'Dossier lookup page the receipt QR opens (empty: only kiosks read it)',
    follow_base: 'Server address for phones on the office Wi-Fi — the ticket QR opens the follow page here (empty: the address kiosks use)',
    hours: 'Opening hours (one line each: weekdays, open-close; e.g. Mon-Fri 07:30-11:30 and Mon-Fri 13:00-17:00, Sat 07:30-11:30; empty = always open)',
    num_width: 'Digits in a ticket number', num_first: 'First number each day', num_sep: 'Number format', prio_mode: 'Priority rule',
    prio_ratio: 'Mix by ratio', prio_strict: 'Priority always first', prio_ratio_n: 'Regular tickets between two priority ones',
    ageing: 'A regular ticket waiting longer (min) goes first', grace: 'No-show can still be called back for (min)',
    rating_window: 'Ratings accepted after service for (min)', overnight: 'Keep the queue overnight', no: 'No', yes: 'Yes',
    ann_langs: 'Announcement languages', reading: 'Number reading', read_digits: 'Digit by digit (A zero two five)', read_number: 'As a number (A twenty-five)',
    preview: 'Listen: A025 to counter 3', notice_vi: 'Scrolling notice on displays (Vietnamese)', notice_en: 'Scrolling notice on displays (English)', save: 'Save', new: 'New',
    service_edit: 'Add / edit a service', svc_code: 'Service code (a-z, 0-9, -)', svc_letter: 'Letter on the ticket', svc_name_vi: 'Name (Vietnamese)',
    svc_name_en: 'Name (English)', svc_field_vi: 'Field (Vietnamese)', svc_field_en: 'Field (English)', svc_target: 'Waiting-time target (min)',
    svc_time: 'Default service time (min)', svc_stage: 'Stage (for ratings)', st_reception: 'Reception', st_processing: 'Processing',
    st_return: 'Result return', svc_open: 'State', open: 'Open', closed: 'Closed', svc_counters: 'Counters serving it',
    counter_edit: 'Add / edit a counter', ctr_id: 'Counter number', ctr_name_vi: 'Name (Vietnamese)', ctr_name_en: 'Name (English)',
    ctr_services: 'Services (call-next order)', ctr_printer: 'Receipt printer (empty: none)', ctr_profile: 'Printer model', staff_edit: 'Add / edit a staff member', display_name: 'Full name', role: 'Role',
    r_officer: 'Officer', r_supervisor: 'Supervisor', r_admin: 'Administrator', new_password: 'New password (empty = unchanged)',
    staff_counters: 'Counters they work at', code_title: 'Create a device enrolment code', dev_role: 'Device type', d_kiosk: 'Ticket kiosk',
    d_display: 'Waiting-room display', d_rating: 'Rating terminal', dev_name: 'Device name', dev_counter: 'Counter (rating terminal)',
    dev_hours: 'Valid for (hours)', create_code: 'Create code',
    k_waiting: 'Waiting', k_serving: 'Called / being served', k_avg: 'Average wait today', k_served: 'Served today',
    k_missed: 'No-shows today', k_longest: 'Longest wait now', k_issued: 'Tickets issued today',
    h_counter: 'Counter', h_state: 'State', h_number: 'Number', h_officer: 'Officer', h_since: 'For', h_served: 'Served',
    h_service: 'Service', h_waiting: 'Waiting', h_est: 'Estimate', h_target: 'Target', h_letter: 'Letter', h_counters: 'Counters',
    h_name: 'Name', h_role: 'Role', h_status: 'Status', h_last: 'Last seen', h_health: 'Health', h_services: 'Services',
    s_idle: 'Idle', s_called: 'Calling', s_serving: 'Serving', s_closed: 'Closed', edit: 'Edit', active: 'Active', disabled: 'Disabled',
    never: 'never connected', ago: '{t} ago', revoked: 'Revoked',
    saved: 'Saved. The change is recorded in the event log.', code_ok: 'Enrolment code (single use, valid {h} hours):',
    code_hint_display: 'Open /display on the TV and type this code.', code_hint_kiosk: 'Type this code on the device when setting it up.',
    e_required: '«{f}» is required.', e_code: 'A service code has 1–32 characters a-z, 0-9 or -.',
    e_letter: 'The ticket letter must be one letter A–Z.', e_letter_used: 'Letter {l} is already used by «{s}».',
    e_positive: '«{f}» must be a positive whole number.', e_agency: 'The agency code looks like 000.00.01.H29 (or H29.14).',
    e_hours: 'Opening-hours line «{l}» is not valid. Example: Mon-Fri 07:30-11:30', e_hours_digits: 'Line «{l}»: write weekdays as names, not numbers (Mon-Fri, Sat, Sun; or T2-T6, T7, CN), since in Vietnamese Thứ 2 is Monday.', e_width: 'Digits must be 1 to 6.',
    e_first: 'The first number must be below {m}.', e_langs: 'Choose at least one announcement language.', e_calendar: 'Calendar line «{l}» is not valid. Examples: 01/01/2027 New Year; 03/05/2027 day off: In lieu of 30/4; 08/05/2027 working Mon: Working day in lieu', e_calendar_twice: '{d} has two lines in the calendar.',
    calendar: 'Holidays, days off and working days in lieu (one per line: date name; «day off:» or «working Mon:» before the name)', statutory: 'Add the statutory holidays of the Labour Code (check them against the year\'s official notice)', statutory_add: 'Add', statutory_added: 'Added {n} days of {y}; press Save to record them.',
    e_username: 'A username is 2–64 characters a-z, 0-9, ".", "_" or "-".',
    e_password: 'A password needs at least 8 characters.', e_password_new: 'A new account needs a password (8 characters or more).',
    e_officer_counter: 'An officer needs at least one counter.', e_counter_rating: 'A rating terminal needs its counter number.',
    e_hours_range: 'Validity must be 1 to 720 hours.', e_counter_exists: 'Counter {n} exists; use «Edit» to change it.', e_printer: 'A printer address looks like tcp://10.0.0.21:9100.',
    e_service_exists: 'Service code «{c}» exists; use «Edit» to change it.',
    f_name: 'Name', f_name_vi: 'Name (Vietnamese)', f_name_en: 'Name (English)', f_target: 'Waiting-time target', f_svc_time: 'Service time',
    f_display_name: 'Full name', f_dev_name: 'Device name', f_id: 'Counter number', f_grace: 'No-show grace', f_rating: 'Rating window',
    f_ratio: 'Ratio', f_ageing: 'Ageing cap', min: 'min', paper: 'Paper', scanner: 'Scanner', printer: 'Printer',
    hk_version: 'Version', hk_last_failed: 'last print failed (ticket {n})',
    hk_pending_text: 'Waiting for upload: {t} tickets, {r} ratings, {f} failed', ps_ready: 'ready', ps_paper_near_end: 'paper nearly out',
    ps_offline: 'offline', ps_cover_open: 'cover open', ps_paper_out: 'out of paper', ps_error: 'error', ps_unknown: 'state unknown',
    tab_security: 'Security', cancel: 'Cancel', rename: 'Rename', change_counter: 'Change counter', revoke: 'Revoke',
    disable: 'Disable', dev_active: 'In use', u_s: '{n} s', u_min: '{n} min', u_h: '{n} h', u_d: '{n} d',
    rename_title: 'Rename the device', counter_title: 'Bind the rating terminal to another counter', which_device: '{r} «{n}»',
    revoke_title: 'Revoke the device', revoke_text: 'Revoke {r} «{n}»? It is cut off at once and must enrol again with a new code.',
    disable_title: 'Disable the account', disable_text: 'Disable the account «{u}» ({n})? Its sessions end at once.',
    e_same_counter: 'The device is already bound to this counter.', no_devices: 'No device is enrolled yet.', you: 'you',
    lockouts_title: 'Login lockouts', lockouts_hint: 'Logins locked for a while after repeated wrong passwords (last 7 days, office time).',
    h_at: 'Time', h_address: 'Address', h_failures: 'Failures', h_until: 'Locked until', no_lockouts: 'No lockout in the last 7 days.',
    locked_now: 'locked now', lock_over: 'over', online: 'Online', battery: 'Battery',
  },
};

const A = { token: localStorage.getItem('motcua.admin.token'), me: null, settings: null, services: [], counters: [], staff: [], devices: [],
  lockouts: [], dash: null, editing: { service: null, counter: null, staff: null }, dialog: null };
const $ = Q.$;
const t = Q.t;

async function start() {
  Q.setupLang(DICT);
  Q.onLang(renderAll);
  $('#loginForm').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', () => tab(b.dataset.tab)));
  $('#settingsForm').addEventListener('submit', saveSettings);
  $('#serviceForm').addEventListener('submit', saveService);
  $('#serviceForm').addEventListener('reset', () => { A.editing.service = null; setTimeout(() => { fillChecks('#serviceForm', 'counters', [], null, true); clearMsgs('#serviceForm'); }); });
  $('#counterForm').addEventListener('submit', saveCounter);
  $('#counterForm').addEventListener('reset', () => { A.editing.counter = null; setTimeout(() => { fillChecks('#counterForm', 'services', [], null, true); clearMsgs('#counterForm'); }); });
  $('#staffForm').addEventListener('submit', saveStaff);
  $('#staffForm').addEventListener('reset', () => { A.editing.staff = null; setTimeout(() => { fillChecks('#staffForm', 'counters', [], null, true); clearMsgs('#staffForm'); }); });
  $('#codeForm').addEventListener('submit', createCode);
  $('#previewBtn').addEventListener('click', previewVoice);
  $('#statutoryBtn').addEventListener('click', addStatutory);
  document.addEventListener('click', onEditClick);
  document.addEventListener('click', onActionClick);
  $('#deviceForm').addEventListener('submit', submitDevice);
  $('#confirmForm').addEventListener('submit', submitConfirm);
  if (!A.token) return showLogin();
  try {
    A.me = await Q.api('GET', '/api/v1/me', undefined, A.token);
    if (A.me.role !== 'admin' && A.me.role !== 'supervisor') return showLogin();
  } catch (e) { if (e.status === 401 || e.status === 403) return showLogin(); }
  afterLogin();
}

function showLogin() {
  A.token = null; $('#loginForm').classList.remove('hidden'); $('#app').classList.add('hidden'); $('#username').focus();
}
async function login(ev) {
  ev.preventDefault();
  $('#loginError').classList.add('hidden');
  try {
    const r = await Q.api('POST', '/api/v1/auth/login', { username: $('#username').value.trim(), password: $('#password').value });
    if (r.role !== 'admin' && r.role !== 'supervisor') {
      throw new Q.ApiError(403, 'forbidden', { vi: 'Chỉ quản trị viên hoặc giám sát được vào trang này.', en: 'Only administrators and supervisors can use this page.' });
    }
    A.token = r.token; A.me = r; localStorage.setItem('motcua.admin.token', r.token);
    afterLogin();
  } catch (e) { $('#loginError').textContent = Q.errText(e); $('#loginError').classList.remove('hidden'); }
}
async function logout() {
  try { await Q.api('POST', '/api/v1/auth/logout', undefined, A.token); } catch (e) { /* local logout anyway */ }
  localStorage.removeItem('motcua.admin.token'); location.reload();
}

// "Why not yet?" on the dashboard: the order today's numbers were called in, replayed by the server.
Q.explainForm($('#explainForm'), $('#explainInput'), $('#explainResult'), () => A.token);

function afterLogin() {
  $('#loginForm').classList.add('hidden'); $('#app').classList.remove('hidden'); $('#logout').classList.remove('hidden');
  $('#who').textContent = A.me.display_name || A.me.username || '';
  const admin = A.me.role === 'admin';
  document.querySelector('[data-tab=staff]').classList.toggle('hidden', !admin);
  document.querySelectorAll('form button[type=submit]').forEach((b) => { b.disabled = !admin; });
  $('#explainForm button[type=submit]').disabled = false; // supervisors ask too; it changes nothing
  loadAll();
  $('#conn').classList.remove('hidden');
  Q.liveEvents(A.token, null, (type) => {
    clearTimeout(A.evTimer);
    A.evTimer = setTimeout(() => {
      loadDashboard();
      if (['settings_changed', 'service_saved', 'counter_saved', 'staff_saved', 'device_enrolled'].includes(type)) loadLists();
      if (['device_updated', 'device_revoked'].includes(type)) loadDevices(true);
      if (type === 'login_locked_out') loadSecurity(true);
    }, 100);
  }, () => loadAll(), (up) => {
    $('#conn').textContent = up ? (Q.lang === 'en' ? 'Connected' : 'Đã kết nối') : (Q.lang === 'en' ? 'Disconnected' : 'Mất kết nối');
    $('#conn').classList.toggle('down', !up); $('#downBanner').classList.toggle('hidden', up);
  });
  setInterval(loadDashboard, 10000);
  setInterval(() => { loadDevices(); loadSecurity(); }, 30000);
}

function tab(name) {
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  document.querySelectorAll('[data-pane]').forEach((p) => p.classList.toggle('hidden', p.dataset.pane !== name));
  if (name === 'devices') loadDevices();
  if (name === 'security') loadSecurity();
}

async function loadAll() { await Promise.all([loadLists(), loadDashboard()]); fillSettings(); }
async function loadLists() {
  try {
    const [settings, services, counters] = await Promise.all([
      Q.api('GET', '/api/v1/admin/settings', undefined, A.token),
      Q.api('GET', '/api/v1/admin/services', undefined, A.token),
      Q.api('GET', '/api/v1/admin/counters', undefined, A.token),
    ]);
    const first = !A.settings;
    A.settings = settings; A.services = services; A.counters = counters;
    if (A.me.role === 'admin') A.staff = await Q.api('GET', '/api/v1/admin/staff', undefined, A.token);
    await Promise.all([loadDevices(true), loadSecurity(true)]);
    if (first) fillSettings();
    renderAll();
  } catch (e) { if (e.status === 401) showLogin(); }
}
async function loadDevices(quiet) {
  try { A.devices = await Q.api('GET', '/api/v1/admin/devices', undefined, A.token); if (!quiet) renderDevices(); } catch (e) { /* shown by the connection state */ }
}
async function loadSecurity(quiet) {
  try {
    const r = await Q.api('GET', '/api/v1/admin/security', undefined, A.token);
    A.lockouts = (r && r.lockouts) || [];
    if (!quiet) renderSecurity();
  } catch (e) { /* shown by the connection state */ }
}
async function loadDashboard() {
  try { A.dash = await Q.api('GET', '/api/v1/admin/dashboard', undefined, A.token); renderDashboard(); } catch (e) { if (e.status === 401) showLogin(); }
}

function renderAll() {
  if (A.settings) $('#office').textContent = Q.loc(A.settings.name);
  renderDashboard(); renderServices(); renderCounters(); renderStaff(); renderDevices(); renderSecurity();
}

const esc = Q.esc;
function th(keys) { return '<tr>' + keys.map((k) => '<th>' + esc(t(k)) + '</th>').join('') + '</tr>'; }

function renderDashboard() {
  const d = A.dash; if (!d) return;
  const kpi = (v, l) => '<div class="kpi"><div class="v">' + esc(v) + '</div><div class="l">' + esc(t(l)) + '</div></div>';
  setHTML($('#kpis'), kpi(d.waiting, 'k_waiting') + kpi(d.called + d.serving, 'k_serving') +
    kpi(d.average_wait_today_s == null ? '–' : Q.minutes(d.average_wait_today_s), 'k_avg') + kpi(d.served_today, 'k_served') +
    kpi(d.issued_today, 'k_issued') + kpi(d.missed_today, 'k_missed') + kpi(d.longest_waiting_s == null ? '–' : Q.duration(d.longest_waiting_s), 'k_longest'));
  const stateTag = (c) => !c.open ? '<span class="tag">' + t('s_closed') + '</span>'
    : c.state === 'serving' ? '<span class="tag ok">' + t('s_serving') + '</span>'
      : c.state === 'called' ? '<span class="tag warn">' + t('s_called') + '</span>' : '<span class="tag">' + t('s_idle') + '</span>';
  setHTML($('#dashCounters'), th(['h_counter', 'h_state', 'h_number', 'h_officer', 'h_since', 'h_served']) + d.counters.map((c) =>
    '<tr><td>' + esc(Q.loc(c.name)) + '</td><td>' + stateTag(c) + '</td><td><b>' + esc(c.number || '') + '</b></td><td>' + esc(c.officer || '') +
    '</td><td>' + (c.since_s == null ? '' : Q.duration(c.since_s)) + '</td><td>' + c.served_today + '</td></tr>').join(''));
  setHTML($('#dashServices'), th(['h_letter', 'h_service', 'h_waiting', 'h_est', 'h_target']) + d.services.map((s) => {
    const late = s.estimated_wait_s >= s.service_level_target_s;
    return '<tr><td><b>' + esc(s.letter) + '</b></td><td>' + esc(Q.loc(s.name)) + (s.open ? '' : ' <span class="tag">' + t('closed') + '</span>') +
      '</td><td>' + s.waiting + '</td><td>' + (s.waiting ? '<span class="tag ' + (late ? 'bad' : 'ok') + '">' + Q.minutes(s.estimated_wait_s) + '</span>' : '–') + '</td><td>' +
      Q.minutes(s.service_level_target_s) + '</td></tr>';
  }).join(''));
}

function renderServices() {
  const byLetter = A.services.slice().sort((a, b) => a.letter.localeCompare(b.letter));
  setHTML($('#serviceList'), th(['h_letter', 'h_service', 'h_counters', 'h_target', 'h_status', '']) + byLetter.map((s) =>
    '<tr><td><b>' + esc(s.letter) + '</b></td><td>' + esc(Q.loc(s.name)) + '<div class="muted">' + esc(s.code) + ' · ' + esc(Q.loc(s.field)) +
    '</div></td><td>' + A.counters.filter((c) => c.services.includes(s.code)).map((c) => c.id).join(', ') + '</td><td>' +
    Q.minutes(s.service_level_target_s) + '</td><td>' + (s.open ? '<span class="tag ok">' + t('open') + '</span>' : '<span class="tag">' + t('closed') + '</span>') +
    '</td><td><button class="btn small" type="button" data-edit-service="' + esc(s.code) + '">' + t('edit') + '</button></td></tr>').join(''));
  if (!A.editing.service) fillChecks('#serviceForm', 'counters', []);
}
function renderCounters() {
  setHTML($('#counterList'), th(['h_counter', 'h_services', 'h_status', '']) + A.counters.map((c) =>
    '<tr><td><b>' + esc(Q.loc(c.name)) + '</b></td><td>' + c.services.map((code) => {
      const s = A.services.find((x) => x.code === code); return esc(s ? s.letter : code);
    }).join(' › ') + '</td><td>' + (c.open ? '<span class="tag ok">' + t('open') + '</span>' : '<span class="tag">' + t('closed') + '</span>') +
    '</td><td><button class="btn small" type="button" data-edit-counter="' + c.id + '">' + t('edit') + '</button></td></tr>').join(''));
  if (!A.editing.counter) fillChecks('#counterForm', 'services', []);
}
function renderStaff() {
  const roleName = { officer: 'r_officer', supervisor: 'r_supervisor', admin: 'r_admin' };
  const me = A.me && A.me.username;
  setHTML($('#staffList'), th(['username', 'h_name', 'h_role', 'h_counters', 'h_status', '']) + A.staff.map((s) =>
    '<tr data-staff="' + esc(s.username) + '"' + (s.active ? '' : ' class="inactive"') + '><td>' + esc(s.username) +
    (s.username === me ? ' <span class="muted">(' + esc(t('you')) + ')</span>' : '') + '</td><td>' + esc(s.display_name) + '</td><td>' +
    esc(t(roleName[s.role] || s.role)) + '</td><td>' + esc((s.counters || []).join(', ')) + '</td><td>' +
    (s.active ? '<span class="tag ok">' + esc(t('active')) + '</span>' : '<span class="tag bad">' + esc(t('disabled')) + '</span>') +
    '</td><td class="rowactions"><button class="btn small" type="button" data-edit-staff="' + esc(s.username) + '">' + esc(t('edit')) + '</button>' +
    (s.active && s.username !== me ? ' <button class="btn small danger" type="button" data-disable-staff="' + esc(s.username) + '">' + esc(t('disable')) + '</button>' : '') +
    '</td></tr>').join(''));
  if (!A.editing.staff) fillChecks('#staffForm', 'counters', []);
}

const DEVICE_ROLE = { 'ticket-kiosk': 'd_kiosk', display: 'd_display', 'rating-terminal': 'd_rating' };
function deviceRole(d) { return t(DEVICE_ROLE[d.role] || d.role); }
function counterName(id) {
  if (id == null) return '';
  const c = A.counters.find((x) => x.id === id);
  return c ? Q.loc(c.name) : String(id);
}
// "15 giây" / "15 s", "4 phút" / "4 min", … for a number of seconds.
function ageText(s) {
  s = Math.max(0, Math.round(s));
  if (s < 60) return t('u_s', { n: s });
  if (s < 3600) return t('u_min', { n: Math.floor(s / 60) });
  if (s < 86400) return t('u_h', { n: Math.floor(s / 3600) });
  return t('u_d', { n: Math.floor(s / 86400) });
}
function officeTime(iso) {
  const d = new Date(iso); if (isNaN(d.getTime())) return '';
  const off = A.settings && typeof A.settings.utc_offset_s === 'number' ? A.settings.utc_offset_s : 7 * 3600;
  return Q.ddmmyyyy(d, off) + ' ' + Q.hhmm(d, off);
}
function renderDevices() {
  const now = Date.now();
  const admin = A.me && A.me.role === 'admin';
  // Devices in use first, then revoked ones; newest enrolment first within each.
  const list = A.devices.slice().sort((a, b) => (a.revoked - b.revoked) || String(b.enrolled_at).localeCompare(String(a.enrolled_at)));
  const rows = list.map((d) => {
    let seen = '<span class="tag bad">' + esc(t('never')) + '</span>';
    if (d.last_seen) {
      const age = (now - new Date(d.last_seen).getTime()) / 1000;
      seen = '<span class="tag ' + (d.revoked ? '' : age < 120 ? 'ok' : age < 600 ? 'warn' : 'bad') + '" title="' + esc(officeTime(d.last_seen)) + '">' +
        esc(t('ago', { t: ageText(age) })) + '</span>';
    } else if (d.revoked) seen = '';
    const status = d.revoked ? '<span class="tag bad">' + esc(t('revoked')) + '</span>' : '<span class="tag ok">' + esc(t('dev_active')) + '</span>';
    let actions = '';
    if (admin && !d.revoked) {
      const id = esc(d.device_id);
      actions = '<button class="btn small" type="button" data-rename-device="' + id + '">' + esc(t('rename')) + '</button>' +
        (d.role === 'rating-terminal' ? ' <button class="btn small" type="button" data-counter-device="' + id + '">' + esc(t('change_counter')) + '</button>' : '') +
        ' <button class="btn small danger" type="button" data-revoke-device="' + id + '">' + esc(t('revoke')) + '</button>';
    }
    return '<tr data-device="' + esc(d.device_id) + '"' + (d.revoked ? ' class="inactive"' : '') + '><td><b>' + esc(d.name) + '</b></td><td>' +
      esc(deviceRole(d)) + '</td><td>' + esc(counterName(d.counter)) + '</td><td>' + status + '</td><td>' + seen + '</td><td>' +
      (d.revoked ? '' : healthText(d.health)) + '</td><td class="rowactions">' + actions + '</td></tr>';
  });
  setHTML($('#deviceList'), th(['h_name', 'h_role', 'h_counter', 'h_status', 'h_last', 'h_health', '']) +
    (rows.join('') || '<tr><td colspan="7" class="muted">' + esc(t('no_devices')) + '</td></tr>'));
}
// A device's heartbeat (kiosk-app's health::heartbeat: printer {state, ok, error, ticket}, pending
// {tickets, ratings, failed}, version), one tag per part, in the page's language; unknown keys as they are.
function healthText(h) {
  if (!h || typeof h !== 'object') return '';
  const D = DICT[Q.lang];
  const word = (v) => v === true ? t('yes') : v === false ? t('no') : v == null ? '–' : (typeof v === 'string' && D['ps_' + v]) || String(v);
  const label = (k) => D['hk_' + k] || D[k] || k;
  const flat = (v) => (v && typeof v === 'object' && !Array.isArray(v))
    ? Object.entries(v).map(([k, x]) => label(k) + ' ' + (x && typeof x === 'object' ? flat(x) : word(x))).join(', ')
    : Array.isArray(v) ? v.map(word).join(', ') : word(v);
  const tag = (cls, text) => '<span class="tag ' + cls + '">' + esc(text) + '</span>';
  return Object.entries(h).map(([k, v]) => {
    if (k === 'printer' && v && typeof v === 'object') {
      const bad = v.ok === false || ['offline', 'cover_open', 'paper_out', 'error'].includes(v.state);
      const warn = v.state === 'paper_near_end' || v.state === 'unknown';
      let text = label('printer') + ': ' + word(v.state);
      if (v.error) text += ' — ' + t('hk_last_failed', { n: v.ticket || '' }) + ': ' + v.error;
      return tag(bad ? 'bad' : warn ? 'warn' : 'ok', text);
    }
    if (k === 'pending' && v && typeof v === 'object') {
      const text = t('hk_pending_text', { t: v.tickets || 0, r: v.ratings || 0, f: v.failed || 0 });
      return tag(v.failed > 0 ? 'bad' : (v.tickets || v.ratings) ? 'warn' : 'ok', text);
    }
    if (k === 'version') return tag('', label('version') + ' ' + word(v));
    const val = flat(v);
    return tag(v === false ? 'bad' : 'ok', label(k) + ': ' + val);
  }).join(' ');
}
function renderSecurity() {
  const now = Date.now();
  const rows = A.lockouts.map((l) => {
    const active = new Date(l.until).getTime() > now;
    return '<tr data-lockout="' + esc(l.seq) + '"><td>' + esc(officeTime(l.at)) + '</td><td><b>' + esc(l.username) + '</b></td><td>' + esc(l.address) +
      '</td><td>' + esc(l.failures) + '</td><td>' + esc(officeTime(l.until)) + ' <span class="tag ' + (active ? 'bad' : '') + '">' +
      esc(t(active ? 'locked_now' : 'lock_over')) + '</span></td></tr>';
  });
  setHTML($('#lockoutList'), th(['h_at', 'username', 'h_address', 'h_failures', 'h_until']) +
    (rows.join('') || '<tr><td colspan="5" class="muted">' + esc(t('no_lockouts')) + '</td></tr>'));
}

// ---- device and account actions: a dialog, the server's answer, then a fresh list ------------------
function dlgError(form, e) {
  const box = $(form).querySelector('[data-role=error]');
  if (e == null) { box.classList.add('hidden'); box.textContent = ''; return; }
  box.textContent = typeof e === 'string' ? e : Q.errText(e); box.classList.remove('hidden');
}
function openDeviceDialog(d, what) {
  A.dialog = { kind: what, id: d.device_id };
  const f = '#deviceForm'; dlgError(f, null);
  $('#deviceDlgTitle').textContent = t(what === 'rename' ? 'rename_title' : 'counter_title');
  $('#deviceDlgWhich').textContent = t('which_device', { r: deviceRole(d), n: d.name });
  $(f).querySelector('[data-role=name]').classList.toggle('hidden', what !== 'rename');
  $(f).querySelector('[data-role=counter]').classList.toggle('hidden', what !== 'counter');
  field(f, 'name').value = d.name; field(f, 'name').classList.remove('invalid');
  field(f, 'counter').innerHTML = A.counters.map((c) => '<option value="' + c.id + '">' + esc(Q.loc(c.name)) + '</option>').join('');
  if (d.counter != null) field(f, 'counter').value = String(d.counter);
  $('#deviceDlg').showModal();
  (what === 'rename' ? field(f, 'name') : field(f, 'counter')).focus();
}
async function submitDevice(ev) {
  if (ev.submitter && ev.submitter.value === 'cancel') { A.dialog = null; return; }
  ev.preventDefault();
  const f = '#deviceForm'; const dlg = A.dialog; if (!dlg) return;
  dlgError(f, null);
  const d = A.devices.find((x) => x.device_id === dlg.id);
  let body;
  if (dlg.kind === 'rename') {
    const name = val(f, 'name');
    if (!name) { field(f, 'name').classList.add('invalid'); return dlgError(f, t('e_required', { f: t('f_dev_name') })); }
    body = { name };
  } else {
    const counter = Number(field(f, 'counter').value);
    if (d && d.counter === counter) return dlgError(f, t('e_same_counter'));
    body = { counter };
  }
  try {
    await Q.api('PUT', '/api/v1/admin/devices/' + encodeURIComponent(dlg.id), body, A.token);
    A.dialog = null; $('#deviceDlg').close();
  } catch (e) { dlgError(f, e); }
  await loadDevices();
}
function openConfirm(kind, id, title, text, button) {
  A.dialog = { kind, id };
  dlgError('#confirmForm', null);
  $('#confirmTitle').textContent = title; $('#confirmText').textContent = text; $('#confirmOk').textContent = button;
  $('#confirmDlg').showModal();
}
async function submitConfirm(ev) {
  if (ev.submitter && ev.submitter.value === 'cancel') { A.dialog = null; return; }
  ev.preventDefault();
  const dlg = A.dialog; if (!dlg) return;
  const path = dlg.kind === 'revoke'
    ? '/api/v1/admin/devices/' + encodeURIComponent(dlg.id) + '/revoke'
    : '/api/v1/admin/staff/' + encodeURIComponent(dlg.id) + '/disable';
  try {
    await Q.api('POST', path, undefined, A.token);
    A.dialog = null; $('#confirmDlg').close();
  } catch (e) { dlgError('#confirmForm', e); }
  if (dlg.kind === 'revoke') await loadDevices(); else await loadLists();
}
function onActionClick(ev) {
  const b = ev.target.closest('[data-rename-device],[data-counter-device],[data-revoke-device],[data-disable-staff]');
  if (!b) return;
  if (b.dataset.disableStaff) {
    const u = A.staff.find((x) => x.username === b.dataset.disableStaff); if (!u) return;
    return openConfirm('disable', u.username, t('disable_title'), t('disable_text', { u: u.username, n: u.display_name }), t('disable'));
  }
  const id = b.dataset.renameDevice || b.dataset.counterDevice || b.dataset.revokeDevice;
  const d = A.devices.find((x) => x.device_id === id); if (!d) return;
  if (b.dataset.renameDevice) openDeviceDialog(d, 'rename');
  else if (b.dataset.counterDevice) openDeviceDialog(d, 'counter');
  else openConfirm('revoke', d.device_id, t('revoke_title'), t('revoke_text', { r: deviceRole(d), n: d.name }), t('revoke'));
}

// ---- forms --------------------------------------------------------------------------------------
function field(form, name) { return $(form).querySelector('[name="' + name + '"]'); }
function val(form, name) { return field(form, name).value.trim(); }
function clearMsgs(form) {
  $(form).querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
  $(form).querySelector('[data-role=error]').classList.add('hidden');
  const ok = $(form).querySelector('[data-role=ok]'); if (ok) ok.classList.add('hidden');
}
function fail(form, problems) {
  problems.forEach(([name]) => { if (name) field(form, name).classList.add('invalid'); });
  const box = $(form).querySelector('[data-role=error]');
  box.innerHTML = problems.map(([, msg]) => esc(msg)).join('<br>');
  box.classList.remove('hidden');
  if (problems[0] && problems[0][0]) field(form, problems[0][0]).focus();
}
function ok(form, html) { const b = $(form).querySelector('[data-role=ok]'); b.innerHTML = html; b.classList.remove('hidden'); }
function serverFail(form, e) { fail(form, [[null, Q.errText(e)]]); }
function posInt(form, name, label, problems, min) {
  const raw = val(form, name); const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < (min == null ? 1 : min)) { problems.push([name, t('e_positive', { f: t(label) })]); return null; }
  return n;
}
function required(form, name, label, problems) {
  const v = val(form, name); if (!v) problems.push([name, t('e_required', { f: t(label) })]); return v;
}
// Replaces an element's content only when it changed, so a live refresh does not swap the element a
// person is about to click (or tick) under their pointer.
const shown = new WeakMap();
function setHTML(el, html) {
  if (shown.get(el) === html) return;
  shown.set(el, html);
  el.innerHTML = html;
}

// Checkboxes of a form; `force` (editing another item, reset) replaces the ticks, otherwise the
// person's current ticks are kept across live refreshes.
function fillChecks(form, role, selected, all, force) {
  const box = $(form).querySelector('[data-role=' + role + ']');
  if (!force && box.children.length) selected = checked(form, role);
  let items;
  if (role === 'services') {
    // Selected services first, in the counter's call order; a live refresh keeps the order on screen.
    const base = !force && box.children.length ? Array.from(box.querySelectorAll('input')).map((i) => i.value) : selected;
    const order = base.concat(A.services.map((s) => s.code).filter((c) => !base.includes(c)));
    items = order.map((code) => { const s = A.services.find((x) => x.code === code); return [code, s ? s.letter + ' · ' + Q.loc(s.name) : code]; });
  } else {
    items = (all || A.counters).map((c) => [String(c.id), Q.loc(c.name)]);
  }
  const html = items.map(([v, label]) => '<label><input type="checkbox" value="' + esc(v) + '"> ' + esc(label) + '</label>').join('');
  setHTML(box, html);
  const want = selected.map(String);
  box.querySelectorAll('input').forEach((i) => { i.checked = want.includes(i.value); });
}
function checked(form, role) { return Array.from($(form).querySelectorAll('[data-role=' + role + '] input:checked')).map((i) => i.value); }

function fillSettings() {
  const s = A.settings; if (!s) return;
  const f = '#settingsForm'; const set = (n, v) => { field(f, n).value = v; };
  set('name_vi', s.name.vi); set('name_en', s.name.en); set('agency_code', s.agency_code); set('parent_agency', s.parent_agency || ''); set('lookup_base_url', s.lookup_base_url || ''); set('follow_base_url', s.follow_base_url || '');
  set('hours', (s.opening_hours || []).map((i) => weekdaysText(i.weekdays, Q.lang) + ' ' + i.open + '-' + i.close).join('\n'));
  A.calendarNames = {}; (s.calendar || []).forEach((d) => { A.calendarNames[d.date + '|' + d.name.vi] = d.name.en; });
  set('calendar', calendarText(s.calendar || [], Q.lang));
  if (!val(f, 'statutory_year')) set('statutory_year', new Date().getFullYear() + 1);
  set('width', s.numbering.width); set('first', s.numbering.first); set('separator', s.numbering.separator ? '1' : '0');
  set('prio_mode', s.priority_rule.mode); set('ratio', s.priority_rule.regular_per_priority || 2);
  set('ageing', Math.round(s.priority_rule.ageing_cap_s / 60)); set('grace', Math.round(s.no_show_grace_s / 60));
  set('rating', Math.round(s.rating_window_s / 60)); set('overnight', s.keep_queue_overnight ? '1' : '0');
  field(f, 'lang_vi').checked = s.announcement_langs.includes('vi'); field(f, 'lang_en').checked = s.announcement_langs.includes('en');
  set('reading', s.number_reading); set('notice_vi', s.notice.vi); set('notice_en', s.notice.en);
}
// Weekdays are written as names, never bare numbers: in Vietnamese "Thứ 2" is Monday, so "2-6" means
// Monday–Friday to a Vietnamese admin and Tuesday–Saturday to ISO numbering (1 = Monday on the wire).
const DAY_NAMES = {
  vi: ['', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'],
  en: ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
};
// Folded spellings (no diacritics, lower case, no spaces or dots) → ISO weekday.
const DAY_WORDS = {
  t2: 1, thu2: 1, thuhai: 1, mon: 1, monday: 1,
  t3: 2, thu3: 2, thuba: 2, tue: 2, tues: 2, tuesday: 2,
  t4: 3, thu4: 3, thutu: 3, wed: 3, wednesday: 3,
  t5: 4, thu5: 4, thunam: 4, thu: 4, thur: 4, thurs: 4, thursday: 4,
  t6: 5, thu6: 5, thusau: 5, fri: 5, friday: 5,
  t7: 6, thu7: 6, thubay: 6, sat: 6, saturday: 6,
  cn: 7, chunhat: 7, sun: 7, sunday: 7,
};
function foldDay(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
}
function weekdaysText(days, lang) {
  const names = DAY_NAMES[lang === 'en' ? 'en' : 'vi'];
  const sorted = days.slice().sort((a, b) => a - b); const parts = []; let i = 0;
  while (i < sorted.length) {
    let j = i; while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? names[sorted[i]] : names[sorted[i]] + (j === i + 1 ? ',' : '-') + names[sorted[j]]);
    i = j + 1;
  }
  return parts.join(',');
}
// "T2-T6", "Thứ Hai – Thứ Sáu", "T2,T4,T6", "Mon-Fri", "T7-CN" → [1..5] etc.; null with a reason.
function parseWeekdays(text) {
  const days = [];
  for (const part of foldDay(text).split(',')) {
    const ends = part.trim().split(/\s*(?:[-\u2010-\u2015\u2212]|\bden\b|\bto\b)\s*/).map((w) => w.replace(/[\s.]/g, ''));
    if (ends.some((w) => /^\d+$/.test(w))) return { error: 'digits' };
    if (ends.length > 2 || ends.some((w) => !(w in DAY_WORDS))) return { error: 'bad' };
    const a = DAY_WORDS[ends[0]]; const b = DAY_WORDS[ends[ends.length - 1]];
    for (let d = a, n = 0; n < 7; d = d % 7 + 1, n++) { if (!days.includes(d)) days.push(d); if (d === b) break; }
  }
  return days.length ? { days: days.sort((x, y) => x - y) } : { error: 'bad' };
}
function parseHours(text, problems) {
  const out = [];
  text.split('\n').map((l) => l.trim()).filter(Boolean).forEach((line) => {
    const m = line.normalize('NFC').match(/^(.+?)\s+(\d{1,2})[:hg](\d{2})\s*[-\u2013\u2014]\s*(\d{1,2})[:hg](\d{2})$/);
    if (!m) { problems.push(['hours', t('e_hours', { l: line })]); return; }
    const parsed = parseWeekdays(m[1]);
    if (parsed.error) { problems.push(['hours', t(parsed.error === 'digits' ? 'e_hours_digits' : 'e_hours', { l: line })]); return; }
    const hm = (h, mm) => String(h).padStart(2, '0') + ':' + mm;
    const open = hm(m[2], m[3]); const close = hm(m[4], m[5]);
    if (Number(m[2]) > 23 || Number(m[4]) > 23 || Number(m[3]) > 59 || Number(m[5]) > 59 || open >= close) { problems.push(['hours', t('e_hours', { l: line })]); return; }
    out.push({ weekdays: parsed.days, open, close });
  });
  return out;
}

// The calendar as lines: "dd/mm/yyyy name", "dd/mm/yyyy nghỉ bù: name", "dd/mm/yyyy làm bù T2: name".
function calendarText(days, lang) {
  const en = lang === 'en';
  return days.slice().sort((a, b) => (a.date < b.date ? -1 : 1)).map((d) => {
    const [y, m, dd] = d.date.split('-');
    const kind = d.type === 'day_off' ? (en ? 'day off: ' : 'nghỉ bù: ')
      : d.type === 'working_day' ? (en ? 'working ' : 'làm bù ') + DAY_NAMES[en ? 'en' : 'vi'][d.hours_of] + ': ' : '';
    return dd + '/' + m + '/' + y + ' ' + kind + (en ? d.name.en || d.name.vi : d.name.vi);
  }).join('\n');
}
function parseCalendar(text, problems) {
  const out = []; const seen = {};
  text.split('\n').map((l) => l.trim().normalize('NFC')).filter(Boolean).forEach((line) => {
    const m = line.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(.+)$/);
    const bad = () => problems.push(['calendar', t('e_calendar', { l: line })]);
    if (!m) return bad();
    const date = m[3] + '-' + m[2].padStart(2, '0') + '-' + m[1].padStart(2, '0');
    const check = new Date(date + 'T00:00:00Z');
    if (isNaN(check) || check.toISOString().slice(0, 10) !== date) return bad();
    if (seen[date]) return problems.push(['calendar', t('e_calendar_twice', { d: m[1] + '/' + m[2] + '/' + m[3] })]);
    seen[date] = true;
    let rest = m[4]; let day = { date, type: 'holiday' };
    const folded = foldDay(rest);
    const off = folded.match(/^(nghi bu|day off)\s*:\s*/);
    const work = folded.match(/^(lam bu|working)\s+([^:]+?)\s*:\s*/);
    if (off) { day.type = 'day_off'; rest = rest.slice(off[0].length); }
    else if (work) {
      const w = DAY_WORDS[work[2].replace(/[\s.]/g, '')];
      if (!w) return bad();
      day = { date, type: 'working_day', hours_of: w }; rest = rest.slice(work[0].length);
    }
    const vi = rest.trim();
    if (!vi || vi.length > 100) return bad();
    const en = (A.calendarNames || {})[date + '|' + vi];
    out.push(Object.assign(day, { name: { vi, en: en || vi } }));
  });
  return out;
}
async function addStatutory() {
  const f = '#settingsForm'; clearMsgs(f);
  const year = Number(val(f, 'statutory_year'));
  try {
    const days = await Q.api('GET', '/api/v1/admin/calendar/statutory?year=' + year, undefined, A.token);
    const p = []; const have = parseCalendar(field(f, 'calendar').value, p);
    if (p.length) return fail(f, p);
    const dates = new Set(have.map((d) => d.date));
    const added = days.filter((d) => !dates.has(d.date));
    added.forEach((d) => { A.calendarNames = A.calendarNames || {}; A.calendarNames[d.date + '|' + d.name.vi] = d.name.en; });
    field(f, 'calendar').value = calendarText(have.concat(added), Q.lang);
    ok(f, esc(t('statutory_added', { n: added.length, y: year })));
  } catch (e) { serverFail(f, e); }
}

async function saveSettings(ev) {
  ev.preventDefault();
  const f = '#settingsForm'; clearMsgs(f);
  const p = [];
  const name_vi = required(f, 'name_vi', 'office_vi', p);
  const name_en = val(f, 'name_en');
  const agency = val(f, 'agency_code');
  if (!/^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(\.\d{1,3}){0,3})$/.test(agency)) p.push(['agency_code', t('e_agency')]);
  const hours = parseHours(field(f, 'hours').value, p);
  const calendar = parseCalendar(field(f, 'calendar').value, p);
  const width = Number(val(f, 'width'));
  if (!Number.isInteger(width) || width < 1 || width > 6) p.push(['width', t('e_width')]);
  const first = posInt(f, 'first', 'num_first', p, 0);
  if (first != null && Number.isInteger(width) && first >= Math.pow(10, width)) p.push(['first', t('e_first', { m: Math.pow(10, width) })]);
  const mode = val(f, 'prio_mode');
  const ratio = mode === 'ratio' ? posInt(f, 'ratio', 'f_ratio', p) : null;
  const ageing = posInt(f, 'ageing', 'f_ageing', p);
  const grace = posInt(f, 'grace', 'f_grace', p, 0);
  const rating = posInt(f, 'rating', 'f_rating', p);
  const langs = []; if (field(f, 'lang_vi').checked) langs.push('vi'); if (field(f, 'lang_en').checked) langs.push('en');
  if (!langs.length) p.push(['lang_vi', t('e_langs')]);
  if (p.length) return fail(f, p);
  const s = Object.assign({}, A.settings, {
    name: { vi: name_vi, en: name_en || name_vi }, agency_code: agency, parent_agency: val(f, 'parent_agency').normalize('NFC'), lookup_base_url: val(f, 'lookup_base_url'), follow_base_url: val(f, 'follow_base_url').replace(/\/+$/, ''), opening_hours: hours, calendar,
    numbering: { width, separator: val(f, 'separator') === '1', first },
    priority_rule: mode === 'ratio' ? { mode, regular_per_priority: ratio, ageing_cap_s: ageing * 60 } : { mode, ageing_cap_s: ageing * 60 },
    no_show_grace_s: grace * 60, rating_window_s: rating * 60, keep_queue_overnight: val(f, 'overnight') === '1',
    announcement_langs: langs, number_reading: val(f, 'reading'), notice: { vi: field(f, 'notice_vi').value.trim(), en: field(f, 'notice_en').value.trim() },
  });
  try {
    A.settings = await Q.api('PUT', '/api/v1/admin/settings', s, A.token);
    ok(f, esc(t('saved'))); renderAll();
  } catch (e) { serverFail(f, e); }
}

async function saveService(ev) {
  ev.preventDefault();
  const f = '#serviceForm'; clearMsgs(f);
  const p = [];
  const code = val(f, 'code');
  if (!/^[a-z0-9-]{1,32}$/.test(code)) p.push(['code', t('e_code')]);
  else if (!A.editing.service && A.services.some((s) => s.code === code)) p.push(['code', t('e_service_exists', { c: code })]);
  const letter = val(f, 'letter').toUpperCase();
  if (!/^[A-Z]$/.test(letter)) p.push(['letter', t('e_letter')]);
  else {
    const other = A.services.find((s) => s.letter === letter && s.code !== code);
    if (other) p.push(['letter', t('e_letter_used', { l: letter, s: Q.loc(other.name) })]);
  }
  const name_vi = required(f, 'name_vi', 'f_name_vi', p);
  const name_en = required(f, 'name_en', 'f_name_en', p);
  const target = posInt(f, 'target', 'f_target', p);
  const svcTime = posInt(f, 'svc_time', 'f_svc_time', p);
  if (p.length) return fail(f, p);
  const old = A.services.find((s) => s.code === code);
  const service = { code, letter, name: { vi: name_vi, en: name_en }, field: { vi: val(f, 'field_vi') || name_vi, en: val(f, 'field_en') || name_en },
    procedures: old ? old.procedures : [], stage: val(f, 'stage'), service_level_target_s: target * 60, default_service_time_s: svcTime * 60,
    open: val(f, 'open') === '1' };
  try {
    await Q.api('PUT', '/api/v1/admin/services/' + encodeURIComponent(code), service, A.token);
    const want = new Set(checked(f, 'counters').map(Number));
    for (const c of A.counters) {
      const has = c.services.includes(code);
      if (has !== want.has(c.id)) {
        const services = has ? c.services.filter((s) => s !== code) : c.services.concat([code]);
        await Q.api('PUT', '/api/v1/admin/counters/' + c.id, Object.assign({}, c, { services }), A.token);
      }
    }
    A.editing.service = code;
    ok(f, esc(t('saved'))); await loadLists();
  } catch (e) { serverFail(f, e); await loadLists(); }
}

async function saveCounter(ev) {
  ev.preventDefault();
  const f = '#counterForm'; clearMsgs(f);
  const p = [];
  const id = posInt(f, 'id', 'f_id', p);
  if (id != null && A.editing.counter == null && A.counters.some((c) => c.id === id)) p.push(['id', t('e_counter_exists', { n: id })]);
  const name_vi = required(f, 'name_vi', 'f_name_vi', p);
  const name_en = required(f, 'name_en', 'f_name_en', p);
  const target = val(f, 'printer_target');
  if (target && !/^tcp:\/\/[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?:[1-9][0-9]{0,4}$/.test(target)) p.push(['printer_target', t('e_printer')]);
  if (p.length) return fail(f, p);
  const counter = { id, name: { vi: name_vi, en: name_en }, services: checked(f, 'services'), open: val(f, 'open') === '1',
    receipt_printer: target ? { target, profile: val(f, 'printer_profile') } : null };
  try {
    await Q.api('PUT', '/api/v1/admin/counters/' + id, counter, A.token);
    A.editing.counter = id; ok(f, esc(t('saved'))); await loadLists();
  } catch (e) { serverFail(f, e); }
}

async function saveStaff(ev) {
  ev.preventDefault();
  const f = '#staffForm'; clearMsgs(f);
  const p = [];
  const username = val(f, 'username');
  if (!/^[a-z0-9._-]{2,64}$/.test(username)) p.push(['username', t('e_username')]);
  const display = required(f, 'display_name', 'f_display_name', p);
  const password = field(f, 'password').value;
  const exists = A.staff.some((s) => s.username === username);
  if (password && password.length < 8) p.push(['password', t('e_password')]);
  if (!password && !exists) p.push(['password', t('e_password_new')]);
  const role = val(f, 'role');
  const counters = checked(f, 'counters').map(Number);
  if (role === 'officer' && counters.length === 0) p.push([null, t('e_officer_counter')]);
  if (p.length) return fail(f, p);
  const body = { display_name: display, role, counters };
  if (password) body.password = password;
  try {
    await Q.api('PUT', '/api/v1/admin/staff/' + encodeURIComponent(username), body, A.token);
    field(f, 'password').value = ''; A.editing.staff = username; ok(f, esc(t('saved'))); await loadLists();
  } catch (e) { serverFail(f, e); }
}

async function createCode(ev) {
  ev.preventDefault();
  const f = '#codeForm'; clearMsgs(f);
  const p = [];
  const role = val(f, 'role');
  const name = required(f, 'name', 'f_dev_name', p);
  let counter = null;
  if (val(f, 'counter') !== '' || role === 'rating-terminal') {
    counter = posInt(f, 'counter', 'f_id', p);
    if (role === 'rating-terminal' && counter == null && !p.some(([n]) => n === 'counter')) p.push(['counter', t('e_counter_rating')]);
  }
  const hours = Number(val(f, 'hours'));
  if (!Number.isInteger(hours) || hours < 1 || hours > 720) p.push(['hours', t('e_hours_range')]);
  if (p.length) return fail(f, p);
  try {
    const r = await Q.api('POST', '/api/v1/admin/enrolment-codes', { role, name, counter, valid_hours: hours }, A.token);
    ok(f, esc(t('code_ok', { h: hours })) + '<div class="code-big" id="newCode">' + esc(r.code) + '</div>' +
      esc(role === 'display' ? t('code_hint_display') : t('code_hint_kiosk')));
  } catch (e) { serverFail(f, e); }
}

function onEditClick(ev) {
  const s = ev.target.closest('[data-edit-service]');
  if (s) {
    const svc = A.services.find((x) => x.code === s.dataset.editService); if (!svc) return;
    const f = '#serviceForm'; clearMsgs(f); A.editing.service = svc.code;
    const set = (n, v) => { field(f, n).value = v; };
    set('code', svc.code); set('letter', svc.letter); set('name_vi', svc.name.vi); set('name_en', svc.name.en);
    set('field_vi', svc.field.vi); set('field_en', svc.field.en); set('target', Math.round(svc.service_level_target_s / 60));
    set('svc_time', Math.round(svc.default_service_time_s / 60)); set('stage', svc.stage); set('open', svc.open ? '1' : '0');
    fillChecks(f, 'counters', A.counters.filter((c) => c.services.includes(svc.code)).map((c) => c.id), null, true);
    return;
  }
  const c = ev.target.closest('[data-edit-counter]');
  if (c) {
    const ctr = A.counters.find((x) => x.id === Number(c.dataset.editCounter)); if (!ctr) return;
    const f = '#counterForm'; clearMsgs(f); A.editing.counter = ctr.id;
    field(f, 'id').value = ctr.id; field(f, 'name_vi').value = ctr.name.vi; field(f, 'name_en').value = ctr.name.en; field(f, 'open').value = ctr.open ? '1' : '0';
    fillChecks(f, 'services', ctr.services, null, true);
    const rp = ctr.receipt_printer; field(f, 'printer_target').value = rp ? rp.target : ''; field(f, 'printer_profile').value = rp ? rp.profile : 'epson-tm-t20';
    return;
  }
  const st = ev.target.closest('[data-edit-staff]');
  if (st) {
    const u = A.staff.find((x) => x.username === st.dataset.editStaff); if (!u) return;
    const f = '#staffForm'; clearMsgs(f); A.editing.staff = u.username;
    field(f, 'username').value = u.username; field(f, 'display_name').value = u.display_name; field(f, 'role').value = u.role; field(f, 'password').value = '';
    fillChecks(f, 'counters', u.counters || [], null, true);
  }
}

start();

// Plays the announcement with the languages and reading currently chosen in the form (not yet saved).
async function previewVoice() {
  const f = '#settingsForm';
  const langs = []; if (field(f, 'lang_vi').checked) langs.push('vi'); if (field(f, 'lang_en').checked) langs.push('en');
  const url = '/api/v1/admin/announcement-preview?number=A025&counter=3&reading=' + encodeURIComponent(val(f, 'reading')) +
    (langs.length ? '&lang=' + langs.join(',') : '');
  $('#previewMsg').textContent = '';
  try {
    const res = await fetch(url, { headers: { Authorization: 'Bearer ' + A.token } });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const audio = new Audio(URL.createObjectURL(await res.blob()));
    window.motcuaPreview = audio;
    await audio.play();
  } catch (e) { $('#previewMsg').textContent = String(e.message || e); }
}
