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

  // A dossier code as scanned (keyboard-wedge scanner: may come inside a URL, lower case, with
  // spaces or a trailing CR/LF). Returns the canonical code or null. Lenient, like the server.
  const LENIENT = /^(?:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(?:\.\d{1,3}){0,3})-\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-\d{4,7}$/;
  function dossierCode(raw) {
    let s = String(raw || '').trim();
    const m = s.match(/[?&](?:maHoSo|mahoso|MaHoSo|code)=([^&#\s]+)/);
    if (m) s = decodeURIComponent(m[1]);
    s = s.replace(/\s+/g, '').toUpperCase();
    return LENIENT.test(s) ? s : null;
  }

  return { t, loc, setupLang, applyI18n, onLang: (f) => listeners.push(f), get lang() { return lang; }, api, ApiError, errText,
    liveEvents, duration, minutes, hhmm, ddmmyyyy, weekday, esc, $, dossierCode };
})();
