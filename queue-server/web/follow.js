// Following a ticket from a phone (/t/{token}, opened from the ticket's QR on the office Wi-Fi): the
// number, what to do now, people ahead, estimated wait and the counter when called. Live from
// /api/v1/follow/{token}/events; when the stream cannot be had (the server holds as many as it
// allows, or the link dropped) the ticket is fetched every half minute instead. No login, nothing
// stored on the phone but the language.
'use strict';

const DICT = {
  vi: { your_number: 'Số của quý khách', ahead: 'Số người chờ trước', wait: 'Thời gian chờ dự kiến', counter: 'Quầy',
    issued: 'Giờ lấy số', people: '{n} người', soon: 'Sắp đến lượt', about: 'khoảng {m}', counter_n: 'Quầy số {n}',
    live: 'Tự động cập nhật · {t}', polling: 'Cập nhật lúc {t} · làm mới mỗi 30 giây', down: 'Mất kết nối với máy chủ, đang thử lại. Thông tin có thể chưa mới nhất.',
    loading: 'Đang tải…', ended: 'Cập nhật lần cuối lúc {t}', title_called: 'Đến lượt! {num} – quầy số {n}' },
  en: { your_number: 'Your number', ahead: 'People ahead', wait: 'Estimated wait', counter: 'Counter',
    issued: 'Taken at', people: '{n}', soon: 'Almost your turn', about: 'about {m}', counter_n: 'Counter {n}',
    live: 'Updates automatically · {t}', polling: 'Updated at {t} · refreshed every 30 s', down: 'Lost the connection to the server, retrying. This may not be up to date.',
    loading: 'Loading…', ended: 'Last updated at {t}', title_called: 'Your turn! {num} – counter {n}' },
};

const POLL_MS = 30000;
const token = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
const F = { view: null, error: null, mode: 'loading', updated: null, stream: null, timer: null, lastStatus: null };
const $ = Q.$;
// For tests: what the page has received.
window.motcuaFollow = { updates: 0 };

function start() {
  Q.setupLang(DICT);
  Q.onLang(render);
  render();
  fetchOnce().then(() => { if (!finished()) connect(); });
}

function finished() { return F.error !== null || (F.view && F.view.ended); }

function show(view) {
  if (F.lastStatus && F.lastStatus !== 'called' && view.status === 'called' && navigator.vibrate) navigator.vibrate([300, 150, 300]);
  F.lastStatus = view.status;
  F.view = view; F.error = null; F.updated = new Date();
  window.motcuaFollow.updates += 1;
  render();
}

function fail(message) {
  F.error = message;
  if (F.stream) { F.stream.close(); F.stream = null; }
  clearTimeout(F.timer);
  render();
}

async function fetchOnce() {
  try {
    show(await Q.api('GET', '/api/v1/follow/' + encodeURIComponent(token)));
  } catch (e) {
    if (e.status === 404 || e.status === 410 || e.status === 422) fail(e.msg || { vi: 'Không tìm thấy.', en: 'Not found.' });
    else { F.mode = 'down'; render(); }
  }
}

function connect() {
  const es = new EventSource('/api/v1/follow/' + encodeURIComponent(token) + '/events');
  F.stream = es;
  es.addEventListener('ticket', (ev) => {
    F.mode = 'live';
    try { show(JSON.parse(ev.data)); } catch (e) { return; }
    if (F.view.ended) { es.close(); F.stream = null; render(); }
  });
  es.addEventListener('gone', (ev) => {
    let body = null;
    try { body = JSON.parse(ev.data); } catch (e) { body = null; }
    fail((body && body.message) || { vi: 'Phiếu đã hết hiệu lực.', en: 'This ticket has expired.' });
  });
  es.onerror = () => {
    if (finished()) return;
    if (es.readyState === EventSource.CLOSED) {
      // Refused (the server follows as many phones as it allows) or gone: fetch now and then, and try
      // the stream again later.
      F.stream = null;
      F.mode = 'polling';
      clearTimeout(F.timer);
      F.timer = setTimeout(() => fetchOnce().then(() => { if (!finished()) connect(); }), POLL_MS);
    } else {
      F.mode = 'down'; // the browser reconnects by itself
    }
    render();
  };
}

function time(date) {
  const offset = F.view ? F.view.utc_offset_s : 7 * 3600;
  const d = new Date(date.getTime() + offset * 1000);
  return [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function render() {
  const v = F.view;
  const err = $('#err');
  err.classList.toggle('hidden', F.error === null);
  err.textContent = F.error ? Q.loc(F.error) : '';
  $('#card').classList.toggle('hidden', !v || F.error !== null);
  if (v) {
    $('#agency').textContent = v.agency || '';
    $('#office').textContent = Q.loc(v.office);
    $('#num').textContent = v.number;
    $('#svc').textContent = Q.loc(v.service_name);
    $('#headline').textContent = Q.loc(v.headline);
    $('#card').dataset.status = v.status;
    $('#aheadRow').classList.toggle('hidden', v.ahead == null);
    $('#ahead').textContent = v.ahead == null ? '' : Q.t('people', { n: v.ahead });
    $('#waitRow').classList.toggle('hidden', v.estimated_wait_s == null);
    $('#wait').textContent = v.estimated_wait_s == null ? ''
      : (v.estimated_wait_s === 0 ? Q.t('soon') : Q.t('about', { m: Q.minutes(v.estimated_wait_s) }));
    $('#counterRow').classList.toggle('hidden', v.counter == null);
    $('#counter').textContent = v.counter == null ? '' : Q.t('counter_n', { n: v.counter });
    $('#issuedRow').classList.toggle('hidden', !v.issued_at);
    $('#issued').textContent = v.issued_at ? Q.hhmm(new Date(v.issued_at), v.utc_offset_s) + ' · ' + Q.ddmmyyyy(new Date(v.issued_at), v.utc_offset_s) : '';
    document.title = v.status === 'called' && v.counter != null
      ? Q.t('title_called', { num: v.number, n: v.counter }) : v.number + ' – ' + Q.loc(v.office);
  }
  const at = F.updated ? time(F.updated) : '';
  let foot = '';
  if (F.error !== null) foot = '';
  else if (v && v.ended) foot = Q.t('ended', { t: at });
  else if (F.mode === 'live') foot = Q.t('live', { t: at });
  else if (F.mode === 'polling') foot = Q.t('polling', { t: at });
  else if (F.mode === 'down') foot = Q.t('down');
  else foot = Q.t('loading');
  $('#foot').textContent = foot;
  $('#foot').classList.toggle('warn', F.mode === 'down' && !finished());
}

start();
