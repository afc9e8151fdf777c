// Waiting-room display: live by server events, resynchronised from /api/v1/board on every
// (re)connection, with announcements played one after another (a new call never cuts one off; a
// recall is announced again). URL parameters: access_token (display device token set by an admin),
// lang=vi|en, counters=1,2,3 (only these counters), recent=N (how many last calls).
'use strict';

const DICT = {
  vi: { enrol_title: 'Đăng ký màn hình hiển thị', enrol_help: 'Nhập mã đăng ký thiết bị do quản trị viên cấp (vai trò: màn hình).',
    enrol_code: 'Mã đăng ký', enrol_name: 'Tên màn hình', enrol_ok: 'Đăng ký', invite: 'Xin mời số', to_counter: 'đến quầy',
    recent: 'Số vừa gọi', waiting: 'Đang chờ · thời gian chờ dự kiến', counter: 'Quầy', closed: 'Tạm nghỉ', free: '—',
    people: 'người', recall: 'gọi lại', office_closed: 'Ngoài giờ làm việc', nobody: 'Chưa gọi số nào' },
  en: { enrol_title: 'Enrol this display', enrol_help: 'Type the device enrolment code an administrator created (role: display).',
    enrol_code: 'Enrolment code', enrol_name: 'Display name', enrol_ok: 'Enrol', invite: 'Number', to_counter: 'to counter',
    recent: 'Last calls', waiting: 'Waiting · estimated wait', counter: 'Counter', closed: 'Closed', free: '—',
    people: 'waiting', recall: 'recall', office_closed: 'Office closed', nobody: 'No call yet' },
};

const params = new URLSearchParams(location.search);
if (params.get('lang') === 'en' || params.get('lang') === 'vi') localStorage.setItem('motcua.lang', params.get('lang'));
if (params.get('access_token')) localStorage.setItem('motcua.display.token', params.get('access_token'));
const D = {
  token: params.get('access_token') || localStorage.getItem('motcua.display.token'),
  only: params.get('counters') ? new Set(params.get('counters').split(',').map(Number)) : null,
  recentN: Math.max(3, Math.min(20, Number(params.get('recent')) || 6)),
  board: null, skew: 0, lastFlashSeq: null, up: true,
};
const $ = Q.$;
// For tests and the technician's console: what was queued and what was played.
window.motcuaDisplay = { queued: [], played: [], blocked: false };

function start() {
  Q.setupLang(DICT);
  Q.onLang(render);
  document.addEventListener('keydown', (e) => { if (e.key === 'l' || e.key === 'L') document.querySelector('.langswitch').click(); });
  $('#enrol').addEventListener('submit', enrol);
  $('#soundBtn').addEventListener('click', enableSound);
  if (!D.token) { $('#enrol').classList.remove('hidden'); return; }
  run();
}

async function enrol(ev) {
  ev.preventDefault();
  try {
    const r = await Q.api('POST', '/api/v1/devices/enrol', { code: $('#enrolCode').value, name: $('#enrolName').value });
    if (r.role !== 'display') throw new Q.ApiError(422, 'role', { vi: 'Mã này không dành cho màn hình.', en: 'This code is not for a display.' });
    localStorage.setItem('motcua.display.token', r.token);
    D.token = r.token;
    $('#enrol').classList.add('hidden');
    run();
  } catch (e) { $('#enrolErr').textContent = Q.errText(e); $('#enrolErr').classList.remove('hidden'); }
}

function run() {
  $('#dsp').classList.remove('hidden');
  detectAutoplay();
  const types = ['ticket_called', 'ticket_recalled', 'service_started', 'ticket_finished', 'ticket_missed', 'ticket_parked',
    'ticket_unparked', 'ticket_transferred', 'ticket_cancelled', 'ticket_issued', 'settings_changed', 'service_saved',
    'counter_saved', 'day_closed'];
  Q.liveEvents(D.token, types, onEvent, () => refresh(), (up) => { D.up = up; $('#down').classList.toggle('hidden', up); if (up) refresh(); });
  refresh();
  setInterval(tick, 1000);
  setInterval(refresh, 30000);
}

function onEvent(type, ev) {
  if (type === 'ticket_called' || type === 'ticket_recalled') {
    const k = ev.kind;
    const fresh = Date.now() + D.skew - new Date(ev.at).getTime() < 90000;
    if (fresh && (!D.only || D.only.has(k.counter))) enqueue(ev.seq);
  }
  clearTimeout(onEvent.t);
  onEvent.t = setTimeout(refresh, 30);
}

async function refresh() {
  try {
    const b = await Q.api('GET', '/api/v1/board?recent=' + (D.recentN * 2), undefined, D.token, { timeoutMs: 5000 });
    D.skew = new Date(b.now).getTime() - Date.now();
    const newest = b.recent.find((c) => !D.only || D.only.has(c.counter));
    const flash = newest && D.board && newest.seq !== D.lastFlashSeq;
    D.board = b;
    render();
    if (newest) {
      if (flash) highlight(newest);
      D.lastFlashSeq = newest.seq;
    }
    if (!D.up) return;
    $('#down').classList.add('hidden');
  } catch (e) {
    if (e.status === 401) { localStorage.removeItem('motcua.display.token'); location.replace('/display'); return; }
    if (e.status === 0) $('#down').classList.remove('hidden');
  }
}

function counterName(id) {
  const c = D.board && D.board.counters.find((x) => x.id === id);
  return c ? Q.loc(c.name) : Q.t('counter') + ' ' + id;
}

function render() {
  const b = D.board; if (!b) return;
  $('#office').textContent = Q.loc(b.office);
  const notice = Q.loc(b.notice);
  const n = $('#notice');
  if (n.textContent !== notice) n.textContent = notice;
  $('.ticker').classList.toggle('hidden', !notice);
  const counters = b.counters.filter((c) => !D.only || D.only.has(c.id));
  const cols = counters.length <= 4 ? 2 : counters.length <= 9 ? 3 : 4;
  $('#counters').style.gridTemplateColumns = 'repeat(' + cols + ', 1fr)';
  $('#counters').innerHTML = counters.map((c) => '<div class="ctile' + (c.open ? '' : ' closed') + '" data-counter="' + c.id + '">' +
    '<div class="cn">' + Q.esc(Q.loc(c.name)) + '</div><div class="cv">' + Q.esc(c.open ? (c.number || Q.t('free')) : Q.t('closed')) + '</div>' +
    '<div class="cs">' + Q.esc(c.service_name ? Q.loc(c.service_name) : '') + '</div></div>').join('');
  const recent = b.recent.filter((c) => !D.only || D.only.has(c.counter));
  const newest = recent[0];
  $('#ncNum').textContent = newest ? newest.number : '—';
  $('#ncCtr').textContent = newest ? String(newest.counter) : '—';
  $('#recent').innerHTML = recent.slice(0, D.recentN).map((c) => '<tr' + (c.recall ? ' class="recall"' : '') + '><td class="big">' + Q.esc(c.number) +
    '</td><td>➜ ' + Q.esc(counterName(c.counter)) + (c.recall ? ' <small>(' + Q.t('recall') + ')</small>' : '') + '</td><td class="num">' +
    Q.hhmm(new Date(c.at), b.utc_offset_s) + '</td></tr>').join('') || '<tr><td>' + Q.t('nobody') + '</td></tr>';
  $('#services').innerHTML = b.office_open ? b.services.map((s) => '<tr><td class="big">' + Q.esc(s.letter) + '</td><td>' + Q.esc(Q.loc(s.name)) +
    '</td><td class="num">' + s.waiting + '</td><td class="num">' + (s.waiting ? '~' + Q.minutes(s.estimated_wait_s) : '–') + '</td></tr>').join('')
    : '<tr><td>' + Q.t('office_closed') + '</td></tr>';
  tick();
}

function highlight(call) {
  const nc = $('#newcall');
  nc.classList.remove('flash'); void nc.offsetWidth; nc.classList.add('flash');
  const tile = document.querySelector('.ctile[data-counter="' + call.counter + '"]');
  if (tile) tile.classList.add('hot');
}

function tick() {
  if (!D.board) return;
  const now = new Date(Date.now() + D.skew);
  const off = D.board.utc_offset_s;
  $('#clock').textContent = Q.hhmm(now, off);
  $('#date').textContent = Q.weekday(now, off) + ', ' + Q.ddmmyyyy(now, off);
}

// ---- sound: one announcement at a time, in order ----------------------------------------------
const queue = [];
let playing = false;
let soundBlocked = false;

function enqueue(seq) {
  queue.push(seq);
  window.motcuaDisplay.queued.push(seq);
  pump();
}

function silentWav() {
  const n = 1600; const buf = new ArrayBuffer(44 + n * 2); const v = new DataView(buf);
  const w = (o, s) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
  w(0, 'RIFF'); v.setUint32(4, 36 + n * 2, true); w(8, 'WAVEfmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true);
  v.setUint16(22, 1, true); v.setUint32(24, 16000, true); v.setUint32(28, 32000, true); v.setUint16(32, 2, true);
  v.setUint16(34, 16, true); w(36, 'data'); v.setUint32(40, n * 2, true);
  return URL.createObjectURL(new Blob([buf], { type: 'audio/wav' }));
}

async function detectAutoplay() {
  try {
    await new Audio(silentWav()).play();
    soundBlocked = false;
  } catch (e) {
    if (e && e.name === 'NotAllowedError') blockSound();
  }
}
function blockSound() {
  soundBlocked = true; window.motcuaDisplay.blocked = true;
  $('#soundgate').classList.remove('hidden');
}
async function enableSound() {
  try { await new Audio(silentWav()).play(); } catch (e) { /* still blocked: keep the button */ return; }
  soundBlocked = false; window.motcuaDisplay.blocked = false;
  $('#soundgate').classList.add('hidden');
  pump();
}

async function pump() {
  if (playing || soundBlocked || queue.length === 0) return;
  playing = true;
  const seq = queue[0];
  let done = true;
  try {
    const res = await fetch('/api/v1/announcements/' + seq + '.wav', { headers: { Authorization: 'Bearer ' + D.token } });
    if (res.ok) {
      const url = URL.createObjectURL(await res.blob());
      const audio = new Audio(url);
      await audio.play();
      await new Promise((resolve) => {
        audio.onended = resolve; audio.onerror = resolve;
        // Never hang the queue on a lost "ended" event.
        setTimeout(resolve, ((audio.duration && isFinite(audio.duration)) ? audio.duration : 20) * 1000 + 2000);
      });
      URL.revokeObjectURL(url);
      window.motcuaDisplay.played.push(seq);
    }
  } catch (e) {
    if (e && e.name === 'NotAllowedError') { done = false; blockSound(); } else if (e && e instanceof TypeError) { done = false; }
  }
  if (done) queue.shift();
  playing = false;
  if (!done && !soundBlocked) setTimeout(pump, 3000); else pump();
}

start();
