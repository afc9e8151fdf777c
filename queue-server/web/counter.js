// Counter page: an officer's desk. Every action is a single API call; when the server cannot be
// reached the action is reported as NOT done, with a retry button (nothing is queued silently).
'use strict';

const DICT = {
  vi: {
    title: 'Quầy tiếp nhận', logout: 'Đăng xuất', retry: 'Thử lại', dismiss: 'Bỏ qua', login_title: 'Đăng nhập quầy',
    username: 'Tên đăng nhập', password: 'Mật khẩu', login: 'Đăng nhập', choose_counter: 'Chọn quầy làm việc',
    now_serving: 'Công dân tại quầy', call_next: 'Gọi số tiếp theo', recall: 'Gọi lại', start: 'Bắt đầu phục vụ',
    finish: 'Hoàn thành…', no_show: 'Vắng mặt', park: 'Tạm hoãn', transfer: 'Chuyển…', invite_rating: 'Mời đánh giá',
    dossier_code: 'Mã hồ sơ (quét hoặc gõ)', dossier_ph: 'Quét mã vạch/QR hoặc gõ mã hồ sơ', call_specific: 'Gọi số cụ thể',
    call: 'Gọi', waiting_lists: 'Danh sách chờ', display_shows: 'Màn hình hiển thị đang hiện cho quầy này',
    parked: 'Tạm hoãn', missed: 'Vắng mặt (còn gọi lại được)', shortcuts: 'Phím tắt',
    explain_title: 'Vì sao chưa đến lượt?', explain_ph: 'Số thứ tự, ví dụ A025', explain_go: 'Xem',
    shortcuts_help: 'N gọi tiếp · R gọi lại · S bắt đầu · F hoàn thành · M vắng mặt · P tạm hoãn · T chuyển · E mời đánh giá · D mã hồ sơ · C gọi số · Esc đóng',
    finish_title: 'Hoàn thành phục vụ', outcome: 'Kết quả', more_services: 'Còn làm tiếp dịch vụ (cùng lượt)', finish_ok: 'Hoàn thành',
    cancel: 'Hủy', transfer_title: 'Chuyển công dân', to_service: 'Sang dịch vụ', to_counter: 'Sang quầy', target: 'Đến',
    front: 'Đầu hàng đợi', back: 'Cuối hàng đợi', transfer_ok: 'Chuyển', none_waiting: 'Không có ai đang chờ.',
    nobody: 'Chưa gọi ai', st_called: 'Đã gọi – chờ công dân đến quầy', st_serving: 'Đang phục vụ', waited: 'chờ',
    priority: 'Ưu tiên', return_queue: 'Trả về hàng', call_back: 'Gọi lại', empty: 'Không có.',
    unreachable: 'MẤT KẾT NỐI MÁY CHỦ – thao tác «{a}» CHƯA được thực hiện.', conn_ok: 'Đã kết nối', conn_down: 'Mất kết nối',
    down_banner: 'Mất kết nối với máy chủ. Thông tin trên màn hình có thể đã cũ; thao tác sẽ không được thực hiện cho đến khi kết nối lại.',
    failed: 'Không thực hiện được «{a}»: {m}', done_link: 'Đã gắn mã hồ sơ {c}.', bad_code: 'Mã hồ sơ không hợp lệ: «{c}». Dạng đúng: 000.00.01.H29-260310-0420',
    invited: 'Đã mời công dân đánh giá tại quầy.', counter_n: 'Quầy', no_counters: 'Tài khoản chưa được phân công quầy nào. Hãy liên hệ quản trị.',
    wait_target: 'mục tiêu {m}', linked: 'Hồ sơ', prio_mark: '★', called_at: 'gọi lúc', served: 'đã phục vụ',
    need_current: 'Chưa có công dân tại quầy.',
    procedures: 'Tra cứu thủ tục', proc_ph: 'Tên hoặc mã thủ tục, có dấu hoặc không dấu', procedure: 'Thủ tục',
    proc_none: 'Không tìm thấy thủ tục nào.', proc_more: 'và {n} thủ tục khác; gõ thêm để thu hẹp.', time_limit: 'Thời hạn',
    fees: 'Lệ phí', no_fee: 'Không thu lệ phí', papers: 'Thành phần hồ sơ', taken_at: 'Tiếp nhận tại', counters_list: 'quầy {c}',
    receipt_title: 'In giấy tiếp nhận', receipt_for: 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả của hồ sơ {c}', citizen_name: 'Họ tên người nộp hồ sơ (chỉ in trên giấy, không lưu)',
    rc_procedure: 'Mã thủ tục (để trống: thủ tục của số thứ tự)', bring_back: 'Mang theo khi nhận kết quả (mỗi dòng một mục; đã có giấy này và CCCD)',
    rc_date: 'Ngày hẹn trả (để trống: tính theo thời hạn thủ tục và lịch nghỉ)', rc_lang: 'Ngôn ngữ in', print_receipt: 'In giấy tiếp nhận',
    rc_limit: 'Thời hạn giải quyết: {l} – hẹn trả dự kiến: {a}', rc_printed: 'Đã in giấy tiếp nhận hồ sơ {c}. Hẹn trả kết quả: {a}.', rc_near_end: 'Máy in sắp hết giấy.',
    rc_unconfirmed: 'Máy in không báo trạng thái: hãy xem giấy đã ra chưa.', rc_need_name: 'Vui lòng nhập họ tên người nộp hồ sơ.',
  },
  en: {
    title: 'Counter desk', logout: 'Log out', retry: 'Retry', dismiss: 'Dismiss', login_title: 'Counter login',
    username: 'Username', password: 'Password', login: 'Log in', choose_counter: 'Choose your counter',
    now_serving: 'At the counter', call_next: 'Call next', recall: 'Recall', start: 'Start service',
    finish: 'Finish…', no_show: 'No-show', park: 'Park', transfer: 'Transfer…', invite_rating: 'Invite rating',
    dossier_code: 'Dossier code (scan or type)', dossier_ph: 'Scan the barcode/QR or type the dossier code', call_specific: 'Call a specific number',
    call: 'Call', waiting_lists: 'Waiting lists', display_shows: 'What the display shows for this counter',
    parked: 'Parked', missed: 'No-show (can still be called back)', shortcuts: 'Shortcuts',
    explain_title: 'Why not yet?', explain_ph: 'Ticket number, e.g. A025', explain_go: 'Show',
    shortcuts_help: 'N next · R recall · S start · F finish · M no-show · P park · T transfer · E invite rating · D dossier · C call number · Esc close',
    finish_title: 'Finish service', outcome: 'Outcome', more_services: 'More services in this visit', finish_ok: 'Finish',
    cancel: 'Cancel', transfer_title: 'Transfer the citizen', to_service: 'To a service', to_counter: 'To a counter', target: 'To',
    front: 'Front of the queue', back: 'Back of the queue', transfer_ok: 'Transfer', none_waiting: 'Nobody is waiting.',
    nobody: 'Nobody called', st_called: 'Called – waiting for the citizen', st_serving: 'Being served', waited: 'waited',
    priority: 'Priority', return_queue: 'Back to queue', call_back: 'Call back', empty: 'None.',
    unreachable: 'SERVER UNREACHABLE – «{a}» was NOT done.', conn_ok: 'Connected', conn_down: 'Disconnected',
    down_banner: 'Lost the connection to the server. The screen may be out of date; actions cannot be done until it reconnects.',
    failed: '«{a}» failed: {m}', done_link: 'Dossier {c} linked.', bad_code: 'Invalid dossier code: «{c}». Expected like 000.00.01.H29-260310-0420',
    invited: 'The rating terminal at this counter was woken.', counter_n: 'Counter', no_counters: 'This account has no counter assigned. Ask an administrator.',
    wait_target: 'target {m}', linked: 'Dossier', prio_mark: '★', called_at: 'called at', served: 'served',
    need_current: 'Nobody at the counter.',
    procedures: 'Find a procedure', proc_ph: 'Procedure name or code, with or without diacritics', procedure: 'Procedure',
    proc_none: 'No procedure found.', proc_more: 'and {n} more; type more to narrow it down.', time_limit: 'Time limit',
    fees: 'Fees', no_fee: 'No fee', papers: 'Papers to bring', taken_at: 'Taken at', counters_list: 'counter {c}',
    receipt_title: 'Print the receipt', receipt_for: 'Receipt and appointment of dossier {c}', citizen_name: "Citizen's full name (printed only, not stored)",
    rc_procedure: "Procedure code (empty: the ticket's procedure)", bring_back: 'To bring back for the result (one item a line; this receipt and an ID are printed anyway)',
    rc_date: 'Appointment date (empty: from the time limit and the holiday calendar)', rc_lang: 'Print language', print_receipt: 'Print the receipt',
    rc_limit: 'Time limit: {l} – result due: {a}', rc_printed: 'Receipt of dossier {c} printed. Result due: {a}.', rc_near_end: "The printer's paper is nearly out.",
    rc_unconfirmed: 'The printer reports no status: check that the receipt came out.', rc_need_name: "Please enter the citizen's name.",
  },
};

const S = { token: localStorage.getItem('motcua.staff.token'), me: null, counter: null, desk: null, fetchedAt: 0,
  busy: false, failed: null, events: null, online: true };
const $ = Q.$;

function show(id, on) { $(id).classList.toggle('hidden', !on); }

async function start() {
  Q.setupLang(DICT);
  Q.onLang(() => {
    render();
    // Messages shown before the switch are re-worded in the new language.
    document.querySelectorAll('[data-msg-key]').forEach((el) => { el.textContent = Q.t(el.dataset.msgKey, JSON.parse(el.dataset.msgVars || '{}')); });
  });
  $('#loginForm').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  $('#retryBtn').addEventListener('click', () => { const f = S.failed; hideFail(); if (f) f.run(); });
  $('#dismissBtn').addEventListener('click', hideFail);
  $('#counterSel').addEventListener('change', (e) => chooseCounter(Number(e.target.value)));
  wireActions();
  if (!S.token) return showLogin();
  try {
    S.me = JSON.parse(localStorage.getItem('motcua.staff.me') || 'null');
    await Q.api('GET', '/api/v1/me', undefined, S.token);
  } catch (e) {
    if (e.status === 401) return showLogin();
  }
  afterLogin();
}

function showLogin() {
  S.token = null;
  show('#loginForm', true); show('#desk', false); show('#choose', false); show('#logout', false); show('#counterSel', false);
  $('#username').focus();
}

async function login(ev) {
  ev.preventDefault();
  const btn = $('#loginBtn'); btn.disabled = true;
  show('#loginError', false);
  try {
    const r = await Q.api('POST', '/api/v1/auth/login', { username: $('#username').value.trim(), password: $('#password').value });
    S.token = r.token; S.me = r;
    localStorage.setItem('motcua.staff.token', r.token);
    localStorage.setItem('motcua.staff.me', JSON.stringify(r));
    $('#password').value = '';
    afterLogin();
  } catch (e) {
    $('#loginError').textContent = Q.errText(e); show('#loginError', true);
  } finally { btn.disabled = false; }
}

async function logout() {
  try { await Q.api('POST', '/api/v1/auth/logout', undefined, S.token); } catch (e) { /* the session ends locally anyway */ }
  localStorage.removeItem('motcua.staff.token'); localStorage.removeItem('motcua.staff.me');
  if (S.events) S.events.close();
  location.reload();
}

async function afterLogin() {
  show('#loginForm', false); show('#logout', true);
  $('#who').textContent = S.me ? S.me.display_name || S.me.username : '';
  let counters = [];
  try {
    const all = await Q.api('GET', '/api/v1/counters', undefined, S.token);
    const mine = S.me && S.me.role === 'officer' ? new Set(S.me.counters) : null;
    counters = all.filter((c) => !mine || mine.has(c.id));
  } catch (e) { return failBanner(Q.t('title'), e, afterLogin); }
  if (counters.length === 0) { $('#chooseList').textContent = Q.t('no_counters'); show('#choose', true); return; }
  const sel = $('#counterSel'); sel.innerHTML = '';
  counters.forEach((c) => { const o = document.createElement('option'); o.value = c.id; o.textContent = Q.loc(c.name); sel.appendChild(o); });
  show('#counterSel', counters.length > 1);
  const saved = Number(localStorage.getItem('motcua.counter'));
  if (counters.length === 1) return chooseCounter(counters[0].id);
  if (counters.some((c) => c.id === saved)) return chooseCounter(saved);
  const list = $('#chooseList'); list.innerHTML = '';
  counters.forEach((c) => {
    const b = document.createElement('button'); b.className = 'btn'; b.type = 'button'; b.textContent = Q.loc(c.name);
    b.addEventListener('click', () => chooseCounter(c.id)); list.appendChild(b);
  });
  show('#choose', true);
}

function chooseCounter(id) {
  S.counter = id; localStorage.setItem('motcua.counter', String(id));
  $('#counterSel').value = String(id);
  show('#choose', false); show('#desk', true); show('#conn', true);
  refresh();
  if (!S.events) {
    S.events = Q.liveEvents(S.token, null, () => scheduleRefresh(), () => refresh(), (up) => {
      S.online = up; renderConn();
      if (up) refresh();
    });
  }
}

let refreshTimer = null;
function scheduleRefresh() { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, 80); }
async function refresh() {
  if (!S.counter) return;
  try {
    S.desk = await Q.api('GET', '/api/v1/counters/' + S.counter + '/desk', undefined, S.token);
    S.fetchedAt = Date.now();
    render();
  } catch (e) {
    if (e.status === 401) return showLogin();
    if (e.status === 0) { S.online = false; renderConn(); }
  }
}
setInterval(() => { if (S.desk) renderTimers(); }, 1000);
setInterval(() => { if (S.counter) refresh(); }, 20000);

function renderConn() {
  const c = $('#conn');
  c.textContent = S.online ? Q.t('conn_ok') : Q.t('conn_down');
  c.classList.toggle('down', !S.online);
  const m = $('#msgBanner');
  if (!S.online) { m.textContent = Q.t('down_banner'); show('#msgBanner', true); } else if (m.textContent === Q.t('down_banner')) show('#msgBanner', false);
  document.querySelectorAll('.actions .btn').forEach((b) => b.classList.toggle('offline', !S.online));
}

function waitClass(s, target) {
  if (!target) return 'wait-ok';
  if (s >= target) return 'wait-late';
  if (s >= target * 0.75) return 'wait-warn';
  return 'wait-ok';
}
function elapsed() { return (Date.now() - S.fetchedAt) / 1000; }

function ticketRow(t, target, buttons) {
  const prio = t.priority && t.priority !== 'none';
  const w = t.waited_s + elapsed();
  return '<tr data-id="' + t.id + '"><td><b>' + Q.esc(t.number) + '</b> ' +
    (prio ? '<span class="tag prio" title="' + Q.esc(t.priority) + '">' + Q.t('priority') + '</span>' : '') +
    '</td><td class="timer ' + waitClass(w, target) + '" data-w="' + t.waited_s + '" data-target="' + (target || 0) + '">' + Q.duration(w) +
    '</td><td style="text-align:right">' + buttons + '</td></tr>';
}

function render() {
  const d = S.desk; if (!d) return;
  $('#office').textContent = Q.loc(d.office);
  $('#counterName').textContent = Q.loc(d.counter.name);
  const cur = d.current;
  $('#curNumber').textContent = cur ? cur.number : '—';
  $('#curInfo').textContent = cur ? Q.loc(cur.service_name) + (cur.priority !== 'none' ? ' · ' + Q.t('priority') : '') : Q.t('nobody');
  $('#curStatus').textContent = cur ? (cur.status === 'serving' ? Q.t('st_serving') : Q.t('st_called')) : '';
  show('#curProcedure', !!(cur && cur.procedure));
  $('#curProcedure').innerHTML = cur && cur.procedure
    ? Q.t('procedure') + ': <b>' + Q.esc(Q.loc(cur.procedure.name)) + '</b> <small class="muted">' + Q.esc(cur.procedure.code) + '</small>'
    : '';
  $('#curDossiers').innerHTML = cur ? cur.dossiers.map((c) => '<span class="tag ok">' + Q.t('linked') + ' ' + Q.esc(c) + '</span>').join('') : '';
  const has = !!cur;
  ['#aRecall', '#aFinish', '#aNoShow', '#aPark', '#aTransfer'].forEach((id) => { $(id).disabled = !has; });
  $('#aStart').disabled = !(cur && cur.status === 'called');
  $('#aRate').disabled = !(cur || d.last_served);
  $('#dossierInput').disabled = !has;
  // Waiting lists per service (and tickets transferred to this counter only).
  let html = '';
  if (d.counter_queue.length) {
    html += '<h3><span>' + Q.esc(Q.loc(d.counter.name)) + '</span><span>' + d.counter_queue.length + '</span></h3><table class="list">' +
      d.counter_queue.map((t) => ticketRow(t, 0, '<button class="btn small" data-call="' + t.id + '">' + Q.t('call') + '</button>')).join('') + '</table>';
  }
  d.queues.forEach((q) => {
    const target = q.service.service_level_target_s;
    html += '<h3><span>' + Q.esc(q.service.letter + ' · ' + Q.loc(q.service.name)) + '</span><span class="muted">' + q.tickets.length + ' · ' +
      Q.t('wait_target', { m: Q.minutes(target) }) + '</span></h3>';
    html += q.tickets.length ? '<table class="list">' + q.tickets.map((t) => ticketRow(t, target,
      '<button class="btn small" data-call="' + t.id + '">' + Q.t('call') + '</button>')).join('') + '</table>' : '<div class="muted">' + Q.t('none_waiting') + '</div>';
  });
  $('#queues').innerHTML = html;
  $('#parked').innerHTML = d.parked.length ? '<table class="list">' + d.parked.map((t) => ticketRow(t, 0,
    '<button class="btn small" data-call="' + t.id + '">' + Q.t('call') + '</button> <button class="btn small" data-unpark="' + t.id + '">' + Q.t('return_queue') + '</button>')).join('') + '</table>' : Q.t('empty');
  $('#missed').innerHTML = d.missed.length ? '<table class="list">' + d.missed.map((t) => ticketRow(t, 0,
    '<button class="btn small" data-call="' + t.id + '">' + Q.t('call_back') + '</button>')).join('') + '</table>' : Q.t('empty');
  // What the display shows for this counter.
  $('#dispNumber').textContent = cur ? cur.number : '—';
  $('#dispCounter').textContent = Q.loc(d.counter.name);
  $('#dispRecent').textContent = d.display.map((c) => c.number + (c.recall ? ' (' + Q.t('recall') + ')' : '')).join(' · ');
  renderConn();
}

function renderTimers() {
  document.querySelectorAll('td.timer').forEach((td) => {
    const w = Number(td.dataset.w) + elapsed();
    td.textContent = Q.duration(w);
    td.className = 'timer ' + waitClass(w, Number(td.dataset.target));
  });
}

// Shows a translated message that follows later language switches.
function say(el, key, vars) {
  el.dataset.msgKey = key; el.dataset.msgVars = JSON.stringify(vars || {});
  el.textContent = Q.t(key, vars);
}

function hideFail() { S.failed = null; show('#failBanner', false); }
function failBanner(label, e, retry) {
  S.failed = retry ? { run: retry } : null;
  $('#failText').textContent = e.status === 0 ? Q.t('unreachable', { a: label }) : Q.t('failed', { a: label, m: Q.errText(e) });
  show('#retryBtn', !!retry && e.status === 0);
  show('#failBanner', true);
}
function note(text) {
  const m = $('#msgBanner'); m.textContent = text; show('#msgBanner', true);
  clearTimeout(note.t); note.t = setTimeout(() => { if (m.textContent === text) show('#msgBanner', false); }, 5000);
}

// Runs one action; never queues it. Reports a failure with a retry button when the server was unreachable.
async function act(labelKey, method, path, body) {
  if (S.busy) return null;
  S.busy = true;
  const run = () => act(labelKey, method, path, body);
  document.body.style.cursor = 'progress';
  try {
    const r = await Q.api(method, path, body, S.token);
    hideFail();
    S.online = true;
    await refresh();
    return r;
  } catch (e) {
    if (e.status === 401) { showLogin(); return null; }
    if (e.status === 0) { S.online = false; renderConn(); }
    failBanner(Q.t(labelKey), e, run);
    return null;
  } finally {
    S.busy = false; document.body.style.cursor = '';
  }
}
const C = () => '/api/v1/counters/' + S.counter;

function wireActions() {
  $('#aNext').addEventListener('click', () => act('call_next', 'POST', C() + '/call-next'));
  $('#aRecall').addEventListener('click', () => act('recall', 'POST', C() + '/recall'));
  $('#aStart').addEventListener('click', () => act('start', 'POST', C() + '/start'));
  $('#aNoShow').addEventListener('click', () => act('no_show', 'POST', C() + '/no-show'));
  $('#aPark').addEventListener('click', () => act('park', 'POST', C() + '/park'));
  $('#aRate').addEventListener('click', async () => { if (await act('invite_rating', 'POST', C() + '/invite-rating')) note(Q.t('invited')); });
  $('#aFinish').addEventListener('click', openFinish);
  $('#aTransfer').addEventListener('click', openTransfer);
  document.addEventListener('click', (ev) => {
    const call = ev.target.closest('[data-call]');
    if (call) return act('call', 'POST', C() + '/call', { ticket: call.dataset.call });
    const up = ev.target.closest('[data-unpark]');
    if (up) return act('return_queue', 'POST', '/api/v1/tickets/' + up.dataset.unpark + '/unpark', { placement: 'front' });
    return null;
  });
  $('#callForm').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('#callInput').value.trim();
    if (!v) return;
    act('call_specific', 'POST', C() + '/call', { ticket: v }).then((r) => { if (r) $('#callInput').value = ''; });
  });
  // Keyboard-wedge scanners type the code and press Enter (CR/LF): validate, then link.
  $('#dossierForm').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('#dossierInput'); const raw = input.value;
    const code = Q.dossierCode(raw);
    const msg = $('#dossierMsg');
    if (!code) {
      input.classList.add('invalid'); msg.className = 'formerror'; say(msg, 'bad_code', { c: raw.trim() });
      input.select();
      return;
    }
    input.classList.remove('invalid');
    const r = await act('dossier_code', 'POST', C() + '/link-dossier', { code });
    if (r) { msg.className = 'formok'; say(msg, 'done_link', { c: code }); input.value = ''; offerReceipt(r); }
    else { msg.className = 'hidden'; }
  });
  $('#dossierInput').addEventListener('input', () => { $('#dossierInput').classList.remove('invalid'); $('#dossierMsg').className = 'hidden'; });
  $('#finishForm').addEventListener('submit', async (ev) => {
    if (ev.submitter && ev.submitter.value === 'cancel') return;
    ev.preventDefault();
    const next = Array.from(document.querySelectorAll('#moreServices input:checked')).map((i) => i.value);
    const r = await act('finish', 'POST', C() + '/finish', { outcome: $('#outcome').value, next_services: next });
    if (r) $('#finishDlg').close();
  });
  document.querySelectorAll('input[name=ttype]').forEach((r) => r.addEventListener('change', fillTransferTargets));
  $('#transferForm').addEventListener('submit', async (ev) => {
    if (ev.submitter && ev.submitter.value === 'cancel') return;
    ev.preventDefault();
    const type = document.querySelector('input[name=ttype]:checked').value;
    const placement = document.querySelector('input[name=tplace]:checked').value;
    const v = $('#transferTarget').value;
    const body = type === 'service' ? { to_service: v, placement } : { to_counter: Number(v), placement };
    const r = await act('transfer', 'POST', C() + '/transfer', body);
    if (r) $('#transferDlg').close();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || !S.desk || !$('#desk').offsetParent) return;
    const tag = (ev.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea' || document.querySelector('dialog[open]')) return;
    const k = ev.key.toLowerCase();
    const map = { n: '#aNext', r: '#aRecall', s: '#aStart', f: '#aFinish', m: '#aNoShow', p: '#aPark', t: '#aTransfer', e: '#aRate' };
    if (map[k]) { ev.preventDefault(); const b = $(map[k]); if (!b.disabled) b.click(); }
    else if (k === 'd') { ev.preventDefault(); $('#dossierInput').focus(); }
    else if (k === 'c') { ev.preventDefault(); $('#callInput').focus(); }
  });
}

function openFinish() {
  const d = S.desk; if (!d || !d.current) return;
  $('#outcome').innerHTML = d.outcomes.map(([code, name]) => '<option value="' + Q.esc(code) + '">' + Q.esc(Q.loc(name)) + '</option>').join('');
  $('#moreServices').innerHTML = d.services.filter((s) => s.open).map((s) =>
    '<label><input type="checkbox" value="' + Q.esc(s.code) + '"> ' + Q.esc(s.letter + ' · ' + Q.loc(s.name)) + '</label>').join('');
  show('#finishErr', false);
  $('#finishDlg').showModal();
}
function fillTransferTargets() {
  const d = S.desk; const type = document.querySelector('input[name=ttype]:checked').value;
  $('#transferTarget').innerHTML = type === 'service'
    ? d.services.filter((s) => s.open).map((s) => '<option value="' + Q.esc(s.code) + '">' + Q.esc(s.letter + ' · ' + Q.loc(s.name)) + '</option>').join('')
    : d.counters.filter(([id]) => id !== S.counter).map(([id, name]) => '<option value="' + id + '">' + Q.esc(Q.loc(name)) + '</option>').join('');
}
function openTransfer() {
  if (!S.desk || !S.desk.current) return;
  fillTransferTargets();
  $('#transferDlg').showModal();
}

start();

// Procedure search: what the citizen asks about, with its time limit, fees and papers.
const PROC = { seq: 0, timer: null, last: null };

function vnd(amount) { return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.') + ' đ'; }

function renderProcedures() {
  const box = $('#procResults');
  const list = PROC.last;
  if (!list) { box.innerHTML = ''; return; }
  if (!list.procedures.length) { box.innerHTML = '<div class="muted">' + Q.t('proc_none') + '</div>'; return; }
  const items = list.procedures.map((p) => {
    const fees = p.fees.length ? p.fees.map((f) => Q.esc(Q.loc(f.name) || f.name.vi) + ': ' + vnd(f.amount_vnd)).join('; ') : Q.t('no_fee');
    const papers = p.papers.map((x) => '<li>' + Q.esc(Q.loc(x) || x.vi) + '</li>').join('');
    return '<details class="proc"><summary><b>' + Q.esc(Q.loc(p.name)) + '</b> <small class="muted">' + Q.esc(p.code) + '</small></summary>' +
      '<div class="muted">' + Q.esc(Q.loc(p.field)) + ' · ' + Q.t('taken_at') + ' ' + Q.esc(Q.loc(p.service_name)) + ' (' + p.letter + '), ' +
      Q.t('counters_list').replace('{c}', p.counters.join(', ')) + '</div>' +
      (p.time_limit_text ? '<div>' + Q.t('time_limit') + ': ' + Q.esc(Q.loc(p.time_limit_text)) + '</div>' : '') +
      '<div>' + Q.t('fees') + ': ' + fees + '</div>' +
      (papers ? '<div>' + Q.t('papers') + ':<ul>' + papers + '</ul></div>' : '') + '</details>';
  });
  const more = list.total - list.procedures.length;
  box.innerHTML = items.join('') + (more > 0 ? '<div class="muted">' + Q.t('proc_more').replace('{n}', more) + '</div>' : '');
}

async function searchProcedures() {
  const q = $('#procInput').value.trim();
  const seq = ++PROC.seq;
  if (!q) { PROC.last = null; renderProcedures(); return; }
  try {
    const list = await Q.api('GET', '/api/v1/procedures?limit=8&q=' + encodeURIComponent(q), undefined, S.token);
    if (seq === PROC.seq) { PROC.last = list; renderProcedures(); }
  } catch (e) {
    if (seq === PROC.seq) $('#procResults').innerHTML = '<div class="formerror">' + Q.esc(Q.errText(e)) + '</div>';
  }
}

// "Why not yet?": a citizen asks why others went first; the server replays today's log.
Q.explainForm($('#explainForm'), $('#explainInput'), $('#explainResult'), () => S.token);

$('#procForm').addEventListener('submit', (e) => { e.preventDefault(); searchProcedures(); });
$('#procInput').addEventListener('input', () => { clearTimeout(PROC.timer); PROC.timer = setTimeout(searchProcedures, 200); });
Q.onLang(renderProcedures);

// Receipt and appointment (giấy tiếp nhận hồ sơ và hẹn trả kết quả), offered once a dossier is linked. The
// link's rating token is kept in memory only (it goes on the receipt's QR); the citizen's name is sent to
// be printed and is stored nowhere. The appointment comes from the server (time limit + holiday calendar).
const RC = { link: null };

function offerReceipt(r) {
  RC.link = { code: r.dossier, token: r.rating_token };
  const proc = r.procedure || null;
  say($('#receiptFor'), 'receipt_for', { c: r.dossier });
  $('#rcProcedure').value = proc ? proc.code : '';
  $('#rcCitizen').value = ''; $('#rcBring').value = ''; $('#rcDate').value = '';
  $('#rcLang').value = Q.lang === 'en' ? 'en' : 'vi';
  $('#receiptMsg').className = 'hidden';
  show('#receiptForm', true);
  showLimit(proc ? proc.code : '');
  $('#rcCitizen').focus();
}

// The appointment a receipt printed now would carry, from the server (time limit + holiday calendar);
// the officer may still set another date.
async function showLimit(code) {
  const box = $('#rcLimit'); box.textContent = ''; box.className = 'muted';
  const q = code ? '?procedure=' + encodeURIComponent(code) : '';
  try {
    const a = await Q.api('GET', C() + '/appointment' + q, undefined, S.token);
    if ($('#rcProcedure').value.trim() === code) say(box, 'rc_limit', { l: Q.loc(a.time_limit), a: Q.loc(a.appointment_text) });
  } catch (e) { box.className = 'formerror'; box.textContent = Q.errText(e); }
}

$('#rcProcedure').addEventListener('change', () => showLimit($('#rcProcedure').value.trim()));
$('#receiptForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!RC.link) return;
  const msg = $('#receiptMsg');
  const citizen = $('#rcCitizen').value.trim();
  if (!citizen) { msg.className = 'formerror'; say(msg, 'rc_need_name'); $('#rcCitizen').focus(); return; }
  const body = { code: RC.link.code, rating_token: RC.link.token, citizen_name: citizen, lang: $('#rcLang').value };
  const proc = $('#rcProcedure').value.trim(); if (proc) body.procedure = proc;
  const bring = $('#rcBring').value.trim(); if (bring) body.bring_back = bring;
  const date = $('#rcDate').value; if (date) body.appointment = date;
  msg.className = 'hidden';
  const r = await act('print_receipt', 'POST', C() + '/receipt', body);
  if (!r) return; // the failure banner says why, in the page's language; nothing was queued
  msg.className = 'formok';
  const extra = r.printer === 'paper_near_end' ? ' ' + Q.t('rc_near_end') : r.printer === 'unconfirmed' ? ' ' + Q.t('rc_unconfirmed') : '';
  msg.textContent = Q.t('rc_printed', { c: r.dossier, a: Q.loc(r.appointment_text) }) + extra;
  $('#rcCitizen').value = '';
});
