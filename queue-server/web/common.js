// Shared by the counter, display and admin pages: language, API calls, live events, formatting.
// No framework and no external asset: everything the pages need is served by the queue server.
'use strict';

const Q = (() => {
  const urlLang = new URLSearchParams(location.search).get('lang');
  if (urlLang === 'en' || urlLang === 'vi') localStorage.setItem('motcua.lang', urlLang);
  let lang = localStorage.getItem('motcua.lang') === 'en' ? 'en' : 'vi';
  let dict = { vi: {}, en: {} };

  function t(key, vars) {
    let s = (dict[lang] && dict[lang][key]) || dict.vi[key] || key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(v);
    return s;
  }
  // A {vi, en} pair from the API in the page's language.
  function loc(pair) {
    if (!pair) return '';
    return (lang === 'en' ? pair.en : pair.vi) || pair.vi || pair.en || '';
  }
  function applyI18n(root) {
    (root || document).querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    (root || document).querySelectorAll('[data-i18n-ph]').forEach((el) => { el.placeholder = t(el.dataset.i18nPh); });
    (root || document).querySelectorAll('[data-i18n-title]').forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    document.documentElement.lang = lang;
    document.querySelectorAll('.langswitch').forEach((b) => { b.textContent = lang === 'vi' ? 'English' : 'Tiếng Việt'; });
  }
  const listeners = [];
  function setupLang(d) {
    dict = d;
    document.querySelectorAll('.langswitch').forEach((b) => b.addEventListener('click', () => {
      lang = lang === 'vi' ? 'en' : 'vi';
      localStorage.setItem('motcua.lang', lang);
      applyI18n();
      listeners.forEach((f) => f(lang));
    }));
    applyI18n();
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message ? message.en : code);
      this.status = status; this.code = code; this.msg = message;
    }
  }
  // status 0 = the server could not be reached: the action was NOT done.
  async function api(method, path, body, token, opts) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts && opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    let res;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), (opts && opts.timeoutMs) || 8000);
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ctrl.signal, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'unreachable', { vi: 'Không kết nối được máy chủ.', en: 'The server cannot be reached.' });
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!res.ok) {
      throw new ApiError(res.status, (data && data.code) || 'http_' + res.status,
        (data && data.message) || { vi: 'Lỗi máy chủ (' + res.status + ').', en: 'Server error (' + res.status + ').' });
    }
    return data;
  }
  function errText(e) {
    if (e && e.msg) return loc(e.msg);
    return String(e && e.message || e);
  }

  // Live events by SSE with automatic reconnect; `onOpen` is called on every (re)connection so the
  // page resynchronises, `onState(true|false)` reports connectivity after a short debounce.
  function liveEvents(token, types, onEvent, onOpen, onState) {
    let es = null; let downTimer = null; let up = null; let retry = 1000; let lastId = null; let closed = false;
    function report(ok) {
      if (ok) {
        clearTimeout(downTimer); downTimer = null;
        if (up !== true) { up = true; onState(true); }
      } else if (!downTimer && up !== false) {
        downTimer = setTimeout(() => { downTimer = null; up = false; onState(false); }, 2500);
      }
    }
    function connect() {
      if (closed) return;
      let url = '/api/v1/events?access_token=' + encodeURIComponent(token);
      if (types) url += '&types=' + encodeURIComponent(types.join(','));
      if (lastId) url += '&last_event_id=' + encodeURIComponent(lastId);
      es = new EventSource(url);
      es.onopen = () => { retry = 1000; report(true); onOpen(); };
      const handler = (ev) => {
        lastId = ev.lastEventId || lastId;
        let data = null;
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        onEvent(ev.type, data);
      };
      (types || ALL_TYPES).forEach((name) => es.addEventListener(name, handler));
      es.onerror = () => {
        report(false);
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (HTTP error): try again ourselves with backoff.
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 15000);
        }
      };
    }
    connect();
    return { close() { closed = true; if (es) es.close(); } };
  }
  const ALL_TYPES = ['settings_changed', 'service_saved', 'counter_saved', 'staff_saved', 'device_enrolled', 'ticket_issued',
    'ticket_called', 'ticket_recalled', 'service_started', 'ticket_finished', 'ticket_missed', 'ticket_parked', 'ticket_unparked',
    'ticket_transferred', 'ticket_cancelled', 'dossier_linked', 'rating_invited', 'rating_recorded', 'lease_granted',
    'lease_closed', 'day_closed', 'device_updated', 'device_revoked', 'login_locked_out'];

  function duration(s) {
    s = Math.max(0, Math.round(s));
    const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); const sec = s % 60;
    if (h > 0) return h + ':' + String(m).padStart(2, '0') + ':' + String(sec).padStart(2, '0');
    return m + ':' + String(sec).padStart(2, '0');
  }
  function minutes(s) {
    if (s > 0 && s < 60) return lang === 'en' ? (Math.round(s) + ' s') : (Math.round(s) + ' giây');
    const m = Math.round(s / 60);
    return lang === 'en' ? (m + ' min') : (m + ' phút');
  }
  // Office-local time (the office's UTC offset, not the browser's zone).
  function local(date, offsetS) {
    return new Date(date.getTime() + offsetS * 1000);
  }
  function hhmm(date, offsetS) {
    const d = local(date, offsetS);
    return String(d.getUTCHours()).padStart(2, '0') + ':' + String(d.getUTCMinutes()).padStart(2, '0');
  }
  function ddmmyyyy(date, offsetS) {
    const d = local(date, offsetS);
    return String(d.getUTCDate()).padStart(2, '0') + '/' + String(d.getUTCMonth() + 1).padStart(2, '0') + '/' + d.getUTCFullYear();
  }
  const WEEKDAYS = { vi: ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'],
    en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] };
  function weekday(date, offsetS) { return WEEKDAYS[lang][local(date, offsetS).getUTCDay()]; }

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  function $(sel, root) { return (root || document).querySelector(sel); }

  // A dossier code as scanned or typed: the canonical code or null, never an exception. The same
  // rules as the server's DossierCode::parse_lenient (domain/src/dossier/mod.rs), which is run over
  // the same vectors (domain/testdata/dossier-code-vectors.json; queue-server/tests/dossier_code_vectors.rs
  // runs this function over them in Chromium). Keep the two in step.
  const CODE_MAX_INPUT = 2048;
  const CODE_MAX_NESTING = 3;
  const CODE_JSON_DEPTH = 6;
  const CODE_JSON_ITEMS = 64;
  const CODE_JSON_KEYS = ['mahoso', 'mahs', 'sohoso', 'hoso', 'dossiercode', 'dossier', 'code', 'ma', 'id'];
  // Rust's char::is_whitespace (Unicode White_Space), not JS's \s (which has U+FEFF and lacks U+0085).
  const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
  const WS_ALL = new RegExp('[' + WS + ']', 'g');
  const WS_EDGES = new RegExp('^[' + WS + ']+|[' + WS + ']+$', 'g');
  const WORD_SEPARATORS = new RegExp('[' + WS + '?#&=/\\\\;,|"\'<>()\\[\\]{}:]');
  // Zero-width space, non-joiner, joiner, word joiner, BOM: dropped. Typographic dashes: '-'.
  const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;
  const DASHES = /[\u2010-\u2014\u2212\ufe63\uff0d]/g;
  const LENIENT_AGENCY = /^(?:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(?:\.\d{1,3}){0,3})$/;
  function isDay(yymmdd) {
    if (!/^\d{6}$/.test(yymmdd)) return false;
    const yy = Number(yymmdd.slice(0, 2)); const mm = Number(yymmdd.slice(2, 4)); const dd = Number(yymmdd.slice(4, 6));
    const days = [0, 31, yy % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mm] || 0;
    return dd >= 1 && dd <= days;
  }
  function asCode(text) {
    const s = text.replace(WS_ALL, '').replace(/[a-z]+/g, (m) => m.toUpperCase()); // ASCII only, like Rust
    const parts = s.split('-');
    if (parts.length < 3) return null;
    const seq = parts.pop(); const date = parts.pop(); const agency = parts.join('-');
    return LENIENT_AGENCY.test(agency) && isDay(date) && /^\d{4,7}$/.test(seq) && /[1-9]/.test(seq) ? s : null;
  }
  // %XX to bytes (a % without two hex digits stays), + to a space, UTF-8 with U+FFFD: never throws.
  function percentDecode(value) {
    const b = new TextEncoder().encode(value);
    const out = [];
    const hex = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    for (let i = 0; i < b.length;) {
      if (b[i] === 37 && i + 2 < b.length && hex(b[i + 1]) && hex(b[i + 2])) {
        out.push(parseInt(String.fromCharCode(b[i + 1], b[i + 2]), 16)); i += 3;
      } else { out.push(b[i] === 43 ? 32 : b[i]); i += 1; }
    }
    return new TextDecoder('utf-8').decode(new Uint8Array(out));
  }
  function findInJson(v, depth, keyed, nesting) {
    if (depth > CODE_JSON_DEPTH) return null;
    if (Array.isArray(v)) {
      for (const item of v.slice(0, CODE_JSON_ITEMS)) { const c = findInJson(item, depth + 1, keyed, nesting); if (c) return c; }
      return null;
    }
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v).sort(); // the order serde_json's sorted map has too
      if (keyed) {
        for (const k of keys) {
          const norm = k.replace(/[_-]/g, '').toLowerCase();
          if (CODE_JSON_KEYS.includes(norm) && typeof v[k] === 'string') { const c = findCode(v[k], nesting + 1); if (c) return c; }
        }
      }
      for (const k of keys) { const c = findInJson(v[k], depth + 1, keyed, nesting); if (c) return c; }
      return null;
    }
    return !keyed && typeof v === 'string' ? findCode(v, nesting + 1) : null;
  }
  function findCode(text, nesting) {
    const whole = asCode(text);
    if (whole) return whole;
    if (nesting >= CODE_MAX_NESTING) return null;
    const t = text.replace(WS_EDGES, '');
    if (t.startsWith('{') || t.startsWith('[')) {
      let v;
      try { v = JSON.parse(t); } catch (e) { v = undefined; }
      if (v !== undefined) {
        const c = findInJson(v, 0, true, nesting) || findInJson(v, 0, false, nesting);
        if (c) return c;
      }
    }
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) { // a '\r' left at the end is white space, as for Rust's lines()
      const colon = line.lastIndexOf(':');
      if (colon >= 0) { const c = asCode(line.slice(colon + 1)); if (c) return c; }
      for (const word of line.split(WORD_SEPARATORS)) {
        if (!word) continue;
        const c = asCode(word) || asCode(word.replace(/^\.+|\.+$/g, ''));
        if (c) return c;
        if (word.includes('%') || word.includes('+')) {
          const decoded = percentDecode(word);
          if (decoded !== word) { const d = findCode(decoded, nesting + 1); if (d) return d; }
        }
      }
    }
    return null;
  }
  function dossierCode(raw) {
    const s = String(raw == null ? '' : raw).replace(INVISIBLE, '').replace(DASHES, '-').replace(WS_EDGES, '');
    if (!s || Array.from(s).length > CODE_MAX_INPUT) return null;
    return findCode(s, 0);
  }

  // "Why not yet?": an explanation from GET /api/v1/explain, as HTML (the counter and admin pages).
  const EXPLAIN = {
    vi: { history: 'Diễn biến của số', first: 'Được gọi trước ({n})', more: '… và {n} số khác', none: 'Chưa có số nào được gọi trước.',
      ahead: 'còn {n} người trước', by: 'quầy {c}' },
    en: { history: 'What happened to it', first: 'Called first ({n})', more: '… and {n} more', none: 'No number was called first.',
      ahead: '{n} ahead', by: 'counter {c}' },
  };
  function explanationHtml(e) {
    const w = (k, vars) => {
      let s = EXPLAIN[lang][k];
      for (const [name, v] of Object.entries(vars || {})) s = s.split('{' + name + '}').join(v);
      return s;
    };
    const steps = e.history.map((s) => '<li>' + esc(loc(s.text)) + '</li>').join('');
    const calls = e.called_before.map((c) => '<tr data-rule="' + esc(c.rule) + '"><td>' + hhmm(new Date(c.at), e.utc_offset_s) +
      '</td><td class="n">' + esc(c.number) + '</td><td>' + esc(w('by', { c: c.counter })) + (c.officer ? ' · ' + esc(c.officer) : '') +
      '</td><td>' + esc(loc(c.text)) + '</td></tr>').join('');
    const more = e.called_before_total - e.called_before.length;
    return '<div class="explain-summary">' + esc(loc(e.summary)) + '</div>' +
      '<h3>' + esc(w('history')) + '</h3><ol class="explain-steps">' + steps + '</ol>' +
      '<h3>' + esc(w('first', { n: e.called_before_total })) + '</h3>' +
      (calls ? '<table class="list explain-calls">' + calls + '</table>' : '<div class="muted">' + esc(w('none')) + '</div>') +
      (more > 0 ? '<div class="muted">' + esc(w('more', { n: more })) + '</div>' : '');
  }
  // Wires a form (an input named by `input`) to show explanations in `box`, redrawn on a language switch.
  function explainForm(form, input, box, token) {
    let last = null;
    const draw = () => { if (last) box.innerHTML = explanationHtml(last); };
    listeners.push(draw);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const number = input.value.trim();
      if (!number) return;
      try {
        last = await api('GET', '/api/v1/explain?number=' + encodeURIComponent(number), undefined, token());
        draw();
      } catch (e) {
        last = null;
        box.innerHTML = '<div class="formerror">' + esc(errText(e)) + '</div>';
      }
    });
  }

  return { t, loc, setupLang, applyI18n, onLang: (f) => listeners.push(f), get lang() { return lang; }, api, ApiError, errText,
    liveEvents, duration, minutes, hhmm, ddmmyyyy, weekday, esc, $, dossierCode, explanationHtml, explainForm };
})();
