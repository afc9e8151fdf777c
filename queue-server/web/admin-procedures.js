// Administration, the procedure catalogue (thủ tục hành chính): search, add or change one entry, and
// import a whole file (CSV from a spreadsheet or JSON), all or none. Loaded after admin.js, whose
// form helpers (field, val, clearMsgs, fail, ok, serverFail, fillChecks, checked) it uses.
'use strict';

Object.assign(DICT.vi, {
  tab_procedures: 'Thủ tục', proc_ph: 'Tìm theo tên, mã hoặc lĩnh vực (có dấu hoặc không dấu)', proc_all_fields: 'Mọi lĩnh vực',
  proc_edit: 'Thêm / sửa thủ tục', proc_code: 'Mã thủ tục', proc_service: 'Dịch vụ tiếp nhận (lấy số)', proc_limit: 'Thời hạn giải quyết',
  u_days: 'ngày làm việc', u_hours: 'giờ làm việc', u_none: 'không quy định', proc_active: 'Đang tiếp nhận', proc_withdrawn: 'Ngừng tiếp nhận',
  proc_fees: 'Lệ phí (mỗi dòng: tên = số tiền đồng)', proc_papers: 'Thành phần hồ sơ (mỗi dòng một giấy tờ)',
  proc_counters: 'Chỉ các quầy (để trống: mọi quầy của dịch vụ)', proc_import: 'Nhập danh mục từ tệp',
  proc_import_hint: 'Tệp CSV (UTF-8, dấu phẩy hoặc chấm phẩy) hoặc JSON. Cả tệp được nhập, hoặc không nhập gì nếu có lỗi.',
  proc_import_go: 'Nhập', proc_template: 'Tải tệp mẫu', h_procedure: 'Thủ tục', h_field: 'Lĩnh vực', h_limit: 'Thời hạn',
  proc_more: 'Còn {n} thủ tục khác; hãy tìm để thu hẹp.', proc_none: 'Chưa có thủ tục nào khớp.',
  e_proc_code: 'Mã thủ tục gồm 1–40 chữ, số, dấu chấm hoặc gạch nối.', e_proc_limit: 'Thời hạn là số ngày (0–365) hoặc số giờ (1–48).',
  e_proc_fee: 'Dòng lệ phí «{l}» phải có dạng «tên = số tiền».', e_proc_file: 'Hãy chọn một tệp .csv hoặc .json.',
  e_proc_exists: 'Mã thủ tục «{c}» đã có; bấm «Sửa» để thay đổi.', f_proc_name: 'Tên thủ tục', f_proc_field: 'Lĩnh vực',
  proc_imported: 'Đã đọc {r} thủ tục; {s} thủ tục được thêm hoặc thay đổi.', no_fee: 'Không thu', withdrawn: 'ngừng',
});
Object.assign(DICT.en, {
  tab_procedures: 'Procedures', proc_ph: 'Search by name, code or field (with or without diacritics)', proc_all_fields: 'All fields',
  proc_edit: 'Add / edit a procedure', proc_code: 'Procedure code', proc_service: 'Service that takes it (ticket)', proc_limit: 'Time limit',
  u_days: 'working days', u_hours: 'working hours', u_none: 'none set', proc_active: 'Received', proc_withdrawn: 'Withdrawn',
  proc_fees: 'Fees (one per line: name = amount in đồng)', proc_papers: 'Papers to bring (one per line)',
  proc_counters: 'Only these counters (none ticked: every counter of the service)', proc_import: 'Import a catalogue file',
  proc_import_hint: 'A CSV file (UTF-8, comma or semicolon) or JSON. The whole file is imported, or nothing if it has an error.',
  proc_import_go: 'Import', proc_template: 'Download a template', h_procedure: 'Procedure', h_field: 'Field', h_limit: 'Time limit',
  proc_more: '{n} more; search to narrow down.', proc_none: 'No procedure matches.',
  e_proc_code: 'A procedure code has 1–40 letters, digits, dots or hyphens.', e_proc_limit: 'The time limit is 0–365 days or 1–48 hours.',
  e_proc_fee: 'The fee line «{l}» must read «name = amount».', e_proc_file: 'Please choose a .csv or .json file.',
  e_proc_exists: 'Procedure code «{c}» exists; use «Edit» to change it.', f_proc_name: 'Procedure name', f_proc_field: 'Field',
  proc_imported: 'Read {r} procedures; {s} were added or changed.', no_fee: 'None', withdrawn: 'withdrawn',
});
Q.applyI18n();

const P = { list: null, editing: null, seq: 0, timer: null };

function vnd(amount) { return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.') + ' đ'; }

async function loadProcedures() {
  const seq = ++P.seq;
  const q = $('#procQuery').value.trim();
  const fieldName = $('#procField').value;
  const url = '/api/v1/procedures?include_withdrawn=true&limit=200&q=' + encodeURIComponent(q) +
    (fieldName ? '&field=' + encodeURIComponent(fieldName) : '');
  try {
    const list = await Q.api('GET', url, undefined, A.token);
    if (seq !== P.seq) return;
    P.list = list;
    renderProcedures();
  } catch (e) { if (e.status === 401) showLogin(); }
}

function renderProcedures() {
  const list = P.list; if (!list) return;
  const select = $('#procField');
  const chosen = select.value;
  setHTML(select, '<option value="">' + esc(t('proc_all_fields')) + '</option>' +
    list.fields.map((f) => '<option value="' + esc(f.vi) + '">' + esc(Q.loc(f)) + '</option>').join(''));
  select.value = chosen;
  setHTML($('#procList'), list.procedures.length ? th(['h_procedure', 'h_field', 'h_service', 'h_limit', '']) + list.procedures.map((p) =>
    '<tr><td>' + esc(Q.loc(p.name)) + (p.active ? '' : ' <span class="tag">' + esc(t('withdrawn')) + '</span>') +
    '<div class="muted">' + esc(p.code) + '</div></td><td>' + esc(Q.loc(p.field)) + '</td><td><b>' + esc(p.letter) + '</b> ' +
    esc(Q.loc(p.service_name)) + '</td><td>' + (p.time_limit_text ? esc(Q.loc(p.time_limit_text)) : '–') +
    '</td><td><button class="btn small" type="button" data-edit-procedure="' + esc(p.code) + '">' + esc(t('edit')) + '</button></td></tr>').join('')
    : '<tr><td class="muted">' + esc(t('proc_none')) + '</td></tr>');
  const more = list.total - list.procedures.length;
  $('#procMore').textContent = more > 0 ? t('proc_more', { n: more }) : '';
  fillProcedureServices();
}

function fillProcedureServices() {
  const select = field('#procForm', 'service');
  const chosen = select.value;
  setHTML(select, A.services.map((s) => '<option value="' + esc(s.code) + '">' + esc(s.letter + ' · ' + Q.loc(s.name)) + '</option>').join(''));
  if (chosen) select.value = chosen;
  procedureCounters(P.editing ? null : []);
}

// The counters that serve the chosen service; ticks kept unless `selected` is given.
function procedureCounters(selected) {
  const service = field('#procForm', 'service').value;
  const serving = A.counters.filter((c) => c.services.includes(service));
  fillChecks('#procForm', 'counters', selected || checked('#procForm', 'counters'), serving, true);
}

function editProcedure(code) {
  const p = P.list && P.list.procedures.find((x) => x.code === code); if (!p) return;
  const f = '#procForm'; clearMsgs(f); P.editing = code;
  const set = (n, v) => { field(f, n).value = v; };
  set('code', p.code); set('name_vi', p.name.vi); set('name_en', p.name.en); set('field_vi', p.field.vi); set('field_en', p.field.en);
  set('service', p.service); set('active', p.active ? '1' : '0');
  const limit = p.time_limit;
  if (!limit) { set('limit_unit', 'none'); set('limit_n', ''); }
  else if ('working_days' in limit) { set('limit_unit', 'working_days'); set('limit_n', limit.working_days); }
  else { set('limit_unit', 'working_hours'); set('limit_n', limit.working_hours); }
  set('fees', p.fees.map((x) => x.name.vi + ' = ' + x.amount_vnd).join('\n'));
  set('papers', p.papers.map((x) => x.vi).join('\n'));
  // The view lists every serving counter when the entry names none; tick only an explicit subset.
  const all = A.counters.filter((c) => c.services.includes(p.service)).map((c) => c.id);
  procedureCounters(p.counters.length === all.length ? [] : p.counters);
}

function readFees(text, problems) {
  const fees = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const at = line.lastIndexOf('=');
    const name = at > 0 ? line.slice(0, at).trim() : '';
    const amount = at > 0 ? Number(line.slice(at + 1).replace(/[.\s\u00a0đ]/g, '')) : NaN;
    if (!name || !Number.isInteger(amount) || amount < 0) { problems.push(['fees', t('e_proc_fee', { l: line })]); continue; }
    fees.push({ name: { vi: name, en: '' }, amount_vnd: amount });
  }
  return fees;
}

async function saveProcedure(ev) {
  ev.preventDefault();
  const f = '#procForm'; clearMsgs(f);
  const p = [];
  const code = val(f, 'code');
  if (!/^[0-9A-Za-z][0-9A-Za-z.-]{0,39}$/.test(code)) p.push(['code', t('e_proc_code')]);
  else if (P.editing !== code && P.list && P.list.procedures.some((x) => x.code === code)) p.push(['code', t('e_proc_exists', { c: code })]);
  const nameVi = required(f, 'name_vi', 'f_proc_name', p);
  const fieldVi = required(f, 'field_vi', 'f_proc_field', p);
  const unit = val(f, 'limit_unit');
  let timeLimit = null;
  if (unit !== 'none') {
    const n = Number(val(f, 'limit_n'));
    const okDays = unit === 'working_days' && Number.isInteger(n) && n >= 0 && n <= 365 && val(f, 'limit_n') !== '';
    const okHours = unit === 'working_hours' && Number.isInteger(n) && n >= 1 && n <= 48;
    if (!okDays && !okHours) p.push(['limit_n', t('e_proc_limit')]); else timeLimit = { [unit]: n };
  }
  const fees = readFees(field(f, 'fees').value, p);
  if (p.length) return fail(f, p);
  const record = {
    code, name: { vi: nameVi, en: val(f, 'name_en') }, field: { vi: fieldVi, en: val(f, 'field_en') }, time_limit: timeLimit, fees,
    papers: field(f, 'papers').value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => ({ vi: l, en: '' })),
    service: val(f, 'service'), counters: checked(f, 'counters').map(Number), active: val(f, 'active') === '1',
  };
  try {
    await Q.api('PUT', '/api/v1/admin/procedures/' + encodeURIComponent(code), record, A.token);
    P.editing = code;
    ok(f, esc(t('saved')));
    await loadProcedures();
  } catch (e) { serverFail(f, e); }
}

async function importProcedures(ev) {
  ev.preventDefault();
  const f = '#procImport'; clearMsgs(f);
  const file = field(f, 'file').files[0];
  const name = file ? file.name.toLowerCase() : '';
  if (!file || !(name.endsWith('.csv') || name.endsWith('.json'))) return fail(f, [['file', t('e_proc_file')]]);
  try {
    const content = await file.text();
    const r = await Q.api('POST', '/api/v1/admin/procedures/import', { format: name.endsWith('.json') ? 'json' : 'csv', content }, A.token,
      { timeoutMs: 30000 });
    ok(f, esc(t('proc_imported', { r: r.read, s: r.saved })));
    await loadProcedures();
  } catch (e) { serverFail(f, e); }
}

function downloadTemplate() {
  const rows = [
    'code,name_vi,name_en,field_vi,field_en,time_limit,fees,papers,service,counters,active',
    '2.000815.000.00.00.H29,Chứng thực bản sao từ bản chính,Certified copy from the original,Chứng thực,Certification,trong ngày,' +
      'Lệ phí chứng thực (mỗi trang)=2000,Bản chính giấy tờ|Bản sao cần chứng thực,' + ((A.services[0] && A.services[0].code) || 'chung-thuc') + ',,có',
  ];
  const blob = new Blob(['\ufeff' + rows.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = 'danh-muc-thu-tuc.csv'; a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

$('#procSearch').addEventListener('submit', (e) => { e.preventDefault(); loadProcedures(); });
$('#procQuery').addEventListener('input', () => { clearTimeout(P.timer); P.timer = setTimeout(loadProcedures, 200); });
$('#procField').addEventListener('change', loadProcedures);
$('#procForm').addEventListener('submit', saveProcedure);
$('#procForm').addEventListener('reset', () => { P.editing = null; setTimeout(() => { clearMsgs('#procForm'); procedureCounters([]); }); });
field('#procForm', 'service').addEventListener('change', () => procedureCounters([]));
$('#procImport').addEventListener('submit', importProcedures);
$('#procTemplate').addEventListener('click', downloadTemplate);
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-edit-procedure]'); if (b) editProcedure(b.dataset.editProcedure);
});
document.querySelector('#tabs button[data-tab=procedures]').addEventListener('click', loadProcedures);
Q.onLang(renderProcedures);
