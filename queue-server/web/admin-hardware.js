// Administration, counter hardware: the serial buses of LED number displays and caller keypads
// (GET /api/v1/devices), each port's state and each board's last answer, refreshed every 5 s; a
// disconnected bus or a silent board also shows as an alert on the dashboard. Loaded after admin.js.
'use strict';

Object.assign(DICT.vi, {
  hw_title: 'Bảng số LED và bàn phím gọi số', hw_hint: 'Các đường truyền RS-485 trong mục [devices] của tệp cấu hình; máy chủ tự kết nối lại khi mất.',
  hw_none: 'Chưa cấu hình bảng số LED hay bàn phím gọi số ([devices]).', hw_bus: 'Đường truyền', hw_board: 'Thiết bị',
  hw_display: 'Bảng số LED', hw_keypad: 'Bàn phím gọi số', hw_connected: 'Đã kết nối', hw_disconnected: 'Mất kết nối',
  hw_ok: 'Trả lời bình thường', hw_silent: 'Không trả lời', hw_showing: 'Đang hiện', hw_blank: '(tắt)', hw_presses: '{n} lần bấm',
  hw_lost: '{n} lần bấm bị mất', hw_address: 'Địa chỉ', hw_alert: 'Mất kết nối thiết bị quầy: {list}. Số vẫn được gọi bình thường trên trang quầy.',
  hw_since: 'từ {t}',
});
Object.assign(DICT.en, {
  hw_title: 'Counter LED displays and caller keypads', hw_hint: 'The RS-485 buses in the [devices] section of the configuration file; the server reconnects by itself.',
  hw_none: 'No LED displays or caller keypads configured ([devices]).', hw_bus: 'Bus', hw_board: 'Board',
  hw_display: 'LED display', hw_keypad: 'Caller keypad', hw_connected: 'Connected', hw_disconnected: 'Disconnected',
  hw_ok: 'Answering', hw_silent: 'Not answering', hw_showing: 'Showing', hw_blank: '(blank)', hw_presses: '{n} presses',
  hw_lost: '{n} presses lost', hw_address: 'Address', hw_alert: 'Counter hardware disconnected: {list}. Calls still work on the counter page.',
  hw_since: 'since {t}',
});
Q.applyI18n();

const H = { buses: [] };

async function loadHardware() {
  try { H.buses = await Q.api('GET', '/api/v1/devices', undefined, A.token) || []; renderHardware(); } catch (e) { /* shown by the connection state */ }
}

function renderHardware() {
  const tag = (cls, text) => '<span class="tag ' + cls + '">' + esc(text) + '</span>';
  const rows = [];
  H.buses.forEach((bus) => {
    const state = bus.connected ? tag('ok', t('hw_connected')) : tag('bad', t('hw_disconnected'));
    const since = bus.since ? ' <span class="muted">' + esc(t('hw_since', { t: officeTime(bus.since) })) + '</span>' : '';
    rows.push('<tr data-bus="' + esc(bus.name) + '"><td><b>' + esc(bus.name) + '</b><br><span class="muted">' + esc(bus.port) + ' · ' + esc(bus.protocol) +
      '</span></td><td colspan="3">' + state + since + (bus.error ? '<br><span class="muted">' + esc(bus.error) + '</span>' : '') + '</td></tr>');
    bus.boards.forEach((b) => {
      const health = !bus.connected ? '' : b.ok ? tag('ok', t('hw_ok')) : tag(b.last_answer_at || b.error ? 'bad' : '', t('hw_silent'));
      let detail = '';
      if (b.kind === 'display') detail = t('hw_showing') + ': <b>' + esc(b.showing || t('hw_blank')) + '</b>';
      else {
        detail = esc(t('hw_presses', { n: b.presses }));
        if (b.lost) detail += ' · ' + tag('warn', t('hw_lost', { n: b.lost }));
        if (b.last_result) detail += '<br><span class="muted">' + esc(b.last_result) + '</span>';
      }
      rows.push('<tr data-board="' + esc(bus.name + ':' + b.address) + '"><td>' + esc(t(b.kind === 'display' ? 'hw_display' : 'hw_keypad')) + ' · ' +
        esc(t('hw_address')) + ' ' + esc(b.address) + '</td><td>' + esc(counterName(b.counter)) + '</td><td>' + health +
        (b.error ? '<br><span class="muted">' + esc(b.error) + '</span>' : '') + '</td><td>' + detail + '</td></tr>');
    });
  });
  setHTML($('#hardwareList'), th(['hw_board', 'h_counter', 'h_status', '']) +
    (rows.join('') || '<tr><td colspan="4" class="muted">' + esc(t('hw_none')) + '</td></tr>'));
  const down = H.buses.filter((b) => !b.connected).map((b) => b.name)
    .concat(H.buses.flatMap((bus) => bus.connected ? bus.boards.filter((b) => !b.ok && b.error).map((b) => bus.name + ' #' + b.address) : []));
  $('#hwAlert').textContent = down.length ? t('hw_alert', { list: down.join(', ') }) : '';
  $('#hwAlert').classList.toggle('hidden', !down.length);
}

document.querySelector('#tabs button[data-tab=devices]').addEventListener('click', loadHardware);
setInterval(() => { if (A.token && A.me) loadHardware(); }, 5000);
Q.onLang(renderHardware);
