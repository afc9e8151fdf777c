// Administration, the office's link to the city's central server (GET /api/v1/sync): enrolled or not,
// the last event the city acknowledged, the backlog, the last error; an alarm on the dashboard when the
// office has been behind for longer than [sync] alarm_after_min or was refused. Loaded after admin.js.
'use strict';

Object.assign(DICT.vi, {
  sync_title: 'Đồng bộ với máy chủ trung tâm thành phố', sync_off: 'Đơn vị chưa đăng ký đồng bộ (queue-server sync enrol).',
  sync_ok: 'Đã đồng bộ', sync_behind: 'Còn {n} sự kiện chưa gửi', sync_acked: 'Trung tâm đã nhận đến sự kiện {a} / {l}',
  sync_last: 'Lần nhận gần nhất: {t}', sync_never: 'Trung tâm chưa nhận gói nào', sync_error: 'Lỗi gần nhất: {e}',
  sync_alarm: 'Chưa đồng bộ được với máy chủ trung tâm thành phố ({n} sự kiện đang chờ). Dữ liệu vẫn được lưu tại đơn vị.',
  sync_refused: 'Máy chủ trung tâm từ chối dữ liệu của đơn vị: {e}',
});
Object.assign(DICT.en, {
  sync_title: "Sync with the city's central server", sync_off: 'This office is not enrolled for sync (queue-server sync enrol).',
  sync_ok: 'Up to date', sync_behind: '{n} events not sent yet', sync_acked: 'The city holds events up to {a} of {l}',
  sync_last: 'Last acknowledged: {t}', sync_never: 'The city has acknowledged nothing yet', sync_error: 'Last error: {e}',
  sync_alarm: "Not synced with the city's central server ({n} events waiting). Everything is kept at the office.",
  sync_refused: "The city's central server refused this office's data: {e}",
});
Q.applyI18n();

const S = { view: null };

async function loadSync() {
  try { S.view = await Q.api('GET', '/api/v1/sync', undefined, A.token); renderSync(); } catch (e) { /* shown by the connection state */ }
}

function renderSync() {
  const v = S.view; if (!v) return;
  const tag = (cls, text) => '<span class="tag ' + cls + '">' + esc(text) + '</span>';
  let html;
  if (!v.enrolled) html = esc(t('sync_off'));
  else {
    html = (v.backlog ? tag(v.alarm ? 'bad' : 'warn', t('sync_behind', { n: v.backlog })) : tag('ok', t('sync_ok'))) + ' ' +
      esc(v.central || '') + '<br>' + esc(t('sync_acked', { a: v.acked_seq, l: v.last_seq })) + ' · ' +
      esc(v.last_ack_at ? t('sync_last', { t: officeTime(v.last_ack_at) }) : t('sync_never'));
    if (v.last_error) html += '<br>' + esc(t('sync_error', { e: v.last_error }));
  }
  setHTML($('#syncState'), html);
  const refused = v.last_error && v.last_error.startsWith('refused');
  $('#syncAlert').textContent = !v.alarm ? '' : refused ? t('sync_refused', { e: v.last_error }) : t('sync_alarm', { n: v.backlog });
  $('#syncAlert').classList.toggle('hidden', !v.alarm);
}

// Soon after login, then every 10 s.
S.at = 0;
setInterval(() => {
  if (!A.token || !A.me || (S.view && Date.now() - S.at < 10000)) return;
  S.at = Date.now();
  loadSync();
}, 1000);
Q.onLang(renderSync);
