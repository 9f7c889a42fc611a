// Native CRM console: a client of the public JSON API, nothing else. No third-party code, no build step.
// Data is only ever put on the page as text (el(), textContent), never as HTML.

const zone = document.querySelector('meta[name="clinic-time-zone"]')?.content || 'UTC';
const view = document.getElementById('view');
const state = { token: sessionStorage.getItem('crm.token'), user: JSON.parse(sessionStorage.getItem('crm.user') || 'null'), stream: null, unread: 0 };

// ---------------------------------------------------------------- helpers

/** An element with attributes (on* = listeners) and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium' });
const money = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fmtTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '—');
const fmtDate = (text) => (text ? dateOnly.format(new Date(text.length === 10 ? text + 'T12:00:00Z' : text)) : '—');

/** "2 h 5 min", "3 d 4 h" for a number of seconds. */
function span(seconds) {
  const s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return `${m} min`;
}

/** The instant of tomorrow 09:00 in the clinic's time zone. */
function tomorrowNineClinicTime(now = new Date()) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    .formatToParts(now).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
  const wallNow = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offset = wallNow - Math.floor(now.getTime() / 1000) * 1000;  // zone offset in ms
  return new Date(Date.UTC(parts.year, parts.month - 1, parts.day + 1, 9, 0, 0) - offset);
}

/** The `rel="next"` URL of a paged answer's `Link` header, if any. */
function nextLink(headers) {
  const link = headers?.get('Link') || '';
  const match = link.match(/<([^>]+)>;\s*rel="next"/);
  return match ? match[1] : null;
}

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));

// ---------------------------------------------------------------- API

class Problem extends Error {
  constructor(status, body, headers) {
    super(body?.detail || `Request failed (${status})`);
    this.status = status;
    this.body = body || {};
    this.headers = headers;
  }
  /** field → message, from the problem's `errors`. */
  get fields() { return Object.fromEntries((this.body.errors || []).map((e) => [e.field, e.message])); }
}

function setOffline(offline) { document.getElementById('offline').hidden = !offline; }

/** Calls the API. Writes that can be retried carry an Idempotency-Key and are retried with the same key after a network loss. */
async function api(method, path, body, { ifMatch, raw } = {}) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (ifMatch) headers['If-Match'] = ifMatch;
  const retryable = method === 'GET' || (method === 'POST' && path.startsWith('/crm/') && !path.endsWith('/stream-ticket'));
  if (method === 'POST' && retryable) headers['Idempotency-Key'] = newKey();
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      setOffline(true);
      if (!retryable || attempt >= 5) throw new Problem(0, { detail: 'The server cannot be reached. Check the connection and try again.' });
      await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      continue;
    }
    setOffline(false);
    if (raw) return response;
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (response.status === 401 && path !== '/auth/login') {
      signOut({ remember: true });
      throw new Problem(401, data, response.headers);
    }
    if (!response.ok) throw new Problem(response.status, data, response.headers);
    return { data, etag: response.headers.get('ETag'), headers: response.headers };
  }
}

// ---------------------------------------------------------------- session

function signedIn(login) {
  state.token = login.token;
  state.user = login.user;
  sessionStorage.setItem('crm.token', login.token);
  sessionStorage.setItem('crm.user', JSON.stringify(login.user));
}

function signOut({ remember = false } = {}) {
  if (remember && location.hash && !location.hash.startsWith('#/signin')) sessionStorage.setItem('crm.return', location.hash);
  const token = state.token;
  state.token = null;
  state.user = null;
  sessionStorage.removeItem('crm.token');
  sessionStorage.removeItem('crm.user');
  state.stream?.close();
  state.stream = null;
  if (token && !remember) fetch('/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  location.hash = '#/signin';
}

document.getElementById('signout').addEventListener('click', () => signOut());

// ---------------------------------------------------------------- live notifications

function setUnread(count) {
  state.unread = count;
  const badge = document.getElementById('badge');
  badge.textContent = count > 199 ? '200+' : String(count);
  badge.dataset.count = String(count);
}

async function refreshUnread() {
  try { setUnread((await api('GET', '/crm/notifications?unread=true&limit=200')).data.length); } catch { /* shown elsewhere */ }
}

/** Opens the stream with a single-use ticket (EventSource cannot send Authorization); on any end, a new ticket. */
async function openStream() {
  if (!state.token || state.stream) return;
  let ticket;
  try { ticket = (await api('POST', '/crm/notifications/stream-ticket')).data.ticket; } catch { setTimeout(openStream, 5000); return; }
  const source = new EventSource(`/crm/notifications/stream?ticket=${encodeURIComponent(ticket)}`);
  state.stream = source;
  source.addEventListener('open', refreshUnread);
  source.addEventListener('notification', (event) => {
    setUnread(state.unread + 1);
    const note = JSON.parse(event.data);
    document.dispatchEvent(new CustomEvent('crm:notification', { detail: note }));
  });
  const restart = () => {
    source.close();
    if (state.stream === source) state.stream = null;
    if (state.token) setTimeout(openStream, 3000);
  };
  source.addEventListener('error', restart);
}

// ---------------------------------------------------------------- screens

function page(title, ...content) {
  view.replaceChildren(el('h1', { text: title }), ...content);
  view.focus({ preventScroll: true });
}

/** Runs what `button` does; a failure is said right after the button, never silently. */
async function guarded(button, run) {
  let note = button.nextElementSibling;
  if (!note || !note.classList.contains('error')) {
    note = el('span', { class: 'error', role: 'alert' });
    button.after(note);
  }
  note.textContent = '';
  try { await run(); } catch (error) { note.textContent = error.message; }
}

// A failure no control caught still shows (at the top of the page) instead of vanishing.
window.addEventListener('unhandledrejection', (event) => {
  const view = document.getElementById('view');
  if (view) view.prepend(problemBox(event.reason instanceof Error ? event.reason : new Error(String(event.reason))));
});

function problemBox(error) {
  return el('p', { class: 'problem', role: 'alert', text: error.message });
}

/** A form whose field errors appear beside their fields and whose other problems appear above the button. */
function form(fields, submitText, onSubmit, prefix = 'f') {
  const errors = {};
  const summary = el('p', { class: 'problem', role: 'alert', hidden: true });
  const button = el('button', { type: 'submit', text: submitText });
  const node = el('form', { class: 'stack', novalidate: true },
    fields.map((f) => {
      const input = f.options
        ? el('select', { name: f.name, id: `${prefix}-${f.name}` }, f.options.map(([value, label]) => el('option', { value, selected: value === f.value, text: label })))
        : f.multiline
          ? el('textarea', { name: f.name, id: `${prefix}-${f.name}`, rows: 3 })
          : el('input', { name: f.name, id: `${prefix}-${f.name}`, type: f.type || 'text', value: f.value ?? '', autocomplete: f.autocomplete, min: f.min, required: f.required });
      errors[f.name] = el('span', { class: 'error', id: `${prefix}-${f.name}-error`, 'aria-live': 'polite' });
      input.setAttribute('aria-describedby', `${prefix}-${f.name}-error`);
      return el('label', { for: `${prefix}-${f.name}` }, f.label, input, errors[f.name]);
    }),
    summary, button);
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const span of Object.values(errors)) span.textContent = '';
    summary.hidden = true;
    const values = Object.fromEntries(new FormData(node).entries());
    // An empty required field is said beside it at once; the server is not asked.
    const missing = fields.filter((f) => f.required && !String(values[f.name] ?? '').trim());
    for (const f of missing) errors[f.name].textContent = 'is required';
    if (missing.length) { node.querySelector(`[name=${missing[0].name}]`).focus(); return; }
    button.disabled = true;
    try {
      await onSubmit(values, { summary, errors });
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      const fieldErrors = error.fields;
      let placed = false;
      for (const [field, message] of Object.entries(fieldErrors)) {
        if (errors[field]) { errors[field].textContent = message; placed = true; }
      }
      const rest = Object.keys(fieldErrors).filter((f) => !errors[f]);
      if (!placed || rest.length || error.status !== 400) {  // a conflict says why above the button too
        summary.textContent = error.message + (rest.length ? ` (${rest.map((f) => `${f}: ${fieldErrors[f]}`).join('; ')})` : '');
        summary.hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

function signInScreen() {
  document.getElementById('top').hidden = true;
  let timer;
  const node = form([
    { name: 'email', label: 'Email', type: 'email', autocomplete: 'username', required: true },
    { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true },
  ], 'Sign in', async (values, { summary }) => {
    try {
      signedIn((await api('POST', '/auth/login', { email: values.email, password: values.password })).data);
    } catch (error) {
      const wait = Number(error.headers?.get?.('Retry-After'));
      if (error.status === 429 && wait > 0) {
        clearInterval(timer);
        let left = wait;
        const button = node.querySelector('button');
        const tick = () => {
          summary.hidden = false;
          summary.textContent = `${error.message} Try again in ${left} s.`;
          button.disabled = left > 0;
          if (left-- <= 0) { clearInterval(timer); summary.textContent = 'You can try again now.'; }
        };
        tick();
        timer = setInterval(tick, 1000);
        return;
      }
      throw error;
    }
    const back = sessionStorage.getItem('crm.return');
    sessionStorage.removeItem('crm.return');
    location.hash = back || '#/day';
  });
  page('Sign in', node);
  node.querySelector('input').focus();
}

function dueLabel(action) {
  if (!action.dueDate) return el('span', { class: 'status later', text: 'No due date' });
  const seconds = action.secondsUntilDue;
  if (action.isOverdue) return el('span', { class: 'status overdue', text: `Overdue by ${span(seconds)}` });
  if (seconds <= 3600) return el('span', { class: 'status soon', text: `Due in ${span(seconds)}` });
  return el('span', { class: 'status later', text: `Due ${fmtTime(action.dueDate)}` });
}

async function myDay() {
  const list = el('ul', { class: 'rows', 'aria-label': 'Pending actions' });
  // Only an ADMIN may list users (SPEC), so only an ADMIN is offered a list of salespeople here; the front
  // desk hands an action to the customer's own salesperson.
  let salespeople = [];
  if (state.user?.role === 'ADMIN') {
    try { salespeople = (await api('GET', '/crm/users?role=SALESPERSON&active=true&limit=200')).data; } catch { /* no list, no reassign */ }
  }
  const status = el('p', { class: 'muted', role: 'status', text: 'Loading…' });
  page('My day', status, list);
  const load = async () => {
    try {
      const { data } = await api('GET', '/crm/actions/pending?limit=100');
      status.textContent = data.length ? `${data.length} pending` : 'Nothing pending. Well done.';
      list.replaceChildren(...data.map(actionRow));
    } catch (error) {
      status.replaceWith(problemBox(error));
    }
  };
  const actionRow = (action) => {
    const note = el('span', { class: 'error', 'aria-live': 'polite' });
    const change = async (body) => {
      note.textContent = '';
      try {
        await api('PUT', `/crm/actions/${action.id}`, body);
        await load();
      } catch (error) { note.textContent = error.message; }
    };
    const customer = action.customer;
    return el('li', { 'data-action': action.id },
      el('div', {},
        el('div', { class: 'row-head' }, el('strong', { text: action.title }), dueLabel(action)),
        customer && el('div', {},
          el('a', { href: `#/customer/${customer.id}`, text: `${customer.firstName} ${customer.lastName}` }),
          customer.phone && [' · ', el('a', { href: `tel:${customer.phone}`, text: customer.phone })]),
        el('div', { class: 'muted', text: `${action.actionType.replace('_', ' ')} · ${action.priority}` }),
        note),
      el('div', { class: 'actions' },
        el('button', { type: 'button', onclick: () => change({ status: 'completed' }), text: 'Complete' }),
        el('button', { type: 'button', class: 'secondary', onclick: () => change({ dueDate: new Date(Date.now() + 3600e3).toISOString() }), text: '+1 h' }),
        el('button', { type: 'button', class: 'secondary', onclick: () => change({ dueDate: tomorrowNineClinicTime().toISOString() }), text: 'Tomorrow 9:00' }),
        salespeople.length ? reassign(action, change) : null,
        state.user?.role === 'SECRETARIAT' && customer ? el('button', { type: 'button', class: 'secondary', text: "To the customer's salesperson",
          onclick: async () => {
            try {
              const { data } = await api('GET', `/crm/customers/${customer.id}`);
              if (!data.assignedSalesId) { note.textContent = `${customer.firstName} has no salesperson yet.`; return; }
              await change({ assignedTo: data.assignedSalesId });
            } catch (error) { note.textContent = error.message; }
          } }) : null));
  };
  const reassign = (action, change) => {
    const to = el('select', { 'aria-label': `Reassign ${action.title} to` }, salespeople.map((u) => el('option', { value: u.id, text: u.name })));
    return [to, el('button', { type: 'button', class: 'secondary', text: 'Reassign', onclick: () => change({ assignedTo: to.value }) })];
  };
  const onNote = (event) => {
    if (!view.contains(list)) { document.removeEventListener('crm:notification', onNote); return; }
    if (['action', 'customer', 'communication', 'appointment', 'lead'].includes(event.detail.entityType)) load();
  };
  document.addEventListener('crm:notification', onNote);
  await load();
}

async function inbox() {
  const list = el('ul', { class: 'rows', 'aria-label': 'Notifications' });
  const all = el('button', { type: 'button', class: 'secondary', text: 'Mark all read' });
  page('Inbox', el('div', { class: 'toolbar' }, all), list);
  const load = async () => {
    const { data } = await api('GET', '/crm/notifications?limit=100');
    list.replaceChildren(...data.map((n) => el('li', {},
      el('div', {}, el('div', { class: 'row-head' }, el('strong', { text: n.title }), el('span', { class: 'muted', text: fmtTime(n.createdAt) })),
        el('div', { text: n.body }), n.readAt ? el('span', { class: 'muted', text: 'Read' }) : el('span', { class: 'status soon', text: 'Unread' })),
      n.readAt ? null : el('div', { class: 'actions' }, el('button', { type: 'button', class: 'secondary', text: 'Mark read', onclick: (event) => guarded(event.currentTarget, async () => { await api('POST', `/crm/notifications/${n.id}/read`); await load(); await refreshUnread(); }) })))));
  };
  all.addEventListener('click', () => guarded(all, async () => { await api('POST', '/crm/notifications/read-all'); await load(); setUnread(0); }));
  try { await load(); } catch (error) { list.replaceWith(problemBox(error)); }
}

async function followUp() {
  const days = el('input', { type: 'number', id: 'days', min: 1, max: 3650, value: sessionStorage.getItem('crm.days') || 30 });
  const list = el('ul', { class: 'rows', 'aria-label': 'Customers to follow up' });
  const show = el('button', { type: 'button', text: 'Show' });
  page('Follow-up', el('div', { class: 'toolbar' }, el('label', { for: 'days' }, 'Not contacted for (days)', days), show), list);
  const load = async () => {
    sessionStorage.setItem('crm.days', days.value);
    try {
      const { data } = await api('GET', `/crm/customers/follow-up?daysThreshold=${encodeURIComponent(days.value)}&limit=100`);
      list.replaceChildren(...data.map((row) => el('li', {},
        el('a', { href: `#/customer/${row.customerId}`, text: `${row.customer.firstName} ${row.customer.lastName}` }),
        el('span', { class: 'muted', text: row.daysSinceLastContact === null ? 'Never contacted' : `${row.daysSinceLastContact} days since contact` }))));
      if (!data.length) list.replaceChildren(el('li', { class: 'muted', text: 'No one to follow up.' }));
    } catch (error) { list.replaceChildren(el('li', {}, problemBox(error))); }
  };
  show.addEventListener('click', load);
  days.addEventListener('keydown', (event) => { if (event.key === 'Enter') load(); });
  await load();
}

async function repeatCustomers() {
  const list = el('ul', { class: 'rows', 'aria-label': 'Repeat customers' });
  page('Repeat customers', list);
  try {
    const { data } = await api('GET', '/crm/customers/repeat?limit=100');
    list.replaceChildren(...(data.length ? data.map((row) => el('li', {},
      el('a', { href: `#/customer/${row.customerId}`, text: `${row.customer.firstName} ${row.customer.lastName}` }),
      el('span', { class: 'muted', text: `${row.repeatCount} repeat visits · ${money.format(row.lifetimeValue)}` })))
      : [el('li', { class: 'muted', text: 'No repeat customers yet.' })]));
  } catch (error) { list.replaceWith(problemBox(error)); }
}

function card(label, value) {
  return el('div', { class: 'card' }, el('div', { class: 'label', text: label }), el('div', { class: 'value', text: value }));
}

/** The customer's page; after a change on it (`refresh`) the page stays as it is until the new one is drawn. */
async function customerPage(id, { refresh = false } = {}) {
  if (!refresh) page('Customer', el('p', { class: 'muted', role: 'status', text: 'Loading…' }));
  let view$;
  try { view$ = await api('GET', `/crm/customers/${id}/record`); } catch (error) { page('Customer', problemBox(error)); return; }
  const { data, etag } = view$;
  const { customer, record } = data;
  const cards = el('div', { class: 'cards', id: 'record-cards' },
    card('Status', record.customerStatus),
    card('Lifetime value', money.format(record.lifetimeValue)),
    card('Visits', `${record.completedAppointments} of ${record.totalAppointments}`),
    card('Avg days between visits', record.averageDaysBetweenVisits ?? '—'),
    card('Last appointment', fmtTime(record.lastAppointmentDate)),
    card('Next appointment', fmtTime(record.nextAppointmentDate)),
    card('Expected next visit', fmtDate(record.expectedNextVisit)),
    card('Repeat count', String(record.repeatCount)),
    el('div', { class: 'card', id: 'last-contact' }, el('div', { class: 'label', text: 'Last contact' }), el('div', { class: 'value', text: fmtTime(record.lastContactDate) })));
  const tags = el('ul', { class: 'rows', 'aria-label': 'Tags' }, data.tags.length
    ? data.tags.map((t) => el('li', {}, el('span', {}, el('span', { class: 'tag', text: t.tag.name }), t.notes ? el('span', { class: 'muted', text: t.notes }) : null),
      el('button', { type: 'button', class: 'secondary', text: 'Remove', 'aria-label': `Remove tag ${t.tag.name}`, onclick: (event) => guarded(event.currentTarget, async () => { await api('DELETE', `/crm/customer-tags/${t.id}`); await customerPage(id, { refresh: true }); }) })))
    : el('li', { class: 'muted', text: 'No tags' }));
  let catalogue = [];
  try { catalogue = (await api('GET', '/crm/tags?limit=200')).data; } catch { /* the form shows none */ }
  const addTag = form([
    { name: 'tagId', label: 'Tag', options: catalogue.map((t) => [t.id, t.name]) },
    { name: 'notes', label: 'Why (optional)' },
  ], 'Add tag', async (values) => {
    await api('POST', `/crm/customers/${id}/tags`, values.notes ? { tagId: values.tagId, notes: values.notes } : { tagId: values.tagId });
    await customerPage(id, { refresh: true });
  }, 'tag');
  const callback = form([
    { name: 'scheduledAt', label: `When (${zone})`, type: 'datetime-local' },
    { name: 'subject', label: 'Subject' },
  ], 'Schedule callback', async (values) => {
    await api('POST', '/crm/communications', { customerId: id, type: 'call', direction: 'outgoing', status: 'scheduled',
      scheduledAt: values.scheduledAt ? clinicWallTime(values.scheduledAt).toISOString() : '', subject: values.subject || undefined });
    await customerPage(id, { refresh: true });
  }, 'callback');
  const task = form([
    { name: 'title', label: 'Task' },
    { name: 'actionType', label: 'Kind', options: ['phone_call', 'follow_up', 'email_sent', 'meeting', 'other'].map((v) => [v, v.replace('_', ' ')]) },
    { name: 'priority', label: 'Priority', options: ['medium', 'high', 'urgent', 'low'].map((v) => [v, v]) },
    { name: 'dueDate', label: `Due (${zone})`, type: 'datetime-local' },
  ], 'Create task', async (values) => {
    const body = { customerId: id, title: values.title, actionType: values.actionType, priority: values.priority };
    if (values.dueDate) body.dueDate = clinicWallTime(values.dueDate).toISOString();
    await api('POST', '/crm/actions', body);
    await customerPage(id, { refresh: true });
  }, 'task');
  const logCall = form([
    { name: 'type', label: 'Type', options: ['call', 'email', 'sms', 'whatsapp', 'meeting', 'note'].map((v) => [v, v]) },
    { name: 'direction', label: 'Direction', options: [['outgoing', 'outgoing'], ['incoming', 'incoming'], ['missed', 'missed']] },
    { name: 'status', label: 'Outcome', options: ['completed', 'no_answer', 'voicemail', 'missed'].map((v) => [v, v.replace('_', ' ')]) },
    { name: 'durationSeconds', label: 'Duration (seconds)', type: 'number', min: 0 },
    { name: 'notes', label: 'Notes', multiline: true },
  ], 'Log it', async (values) => {
    const body = { customerId: id, type: values.type, direction: values.direction, status: values.status };
    if (values.durationSeconds !== '') body.durationSeconds = Number(values.durationSeconds);
    if (values.notes.trim()) body.notes = values.notes;
    await api('POST', '/crm/communications', body);
    await customerPage(id, { refresh: true });
  }, 'call');
  const preferences = record.preferences || {};
  const editRecord = form([
    { name: 'customerStatus', label: 'Status', value: record.customerStatus, options: ['new', 'contacted', 'qualified', 'active', 'inactive', 'vip'].map((v) => [v, v]) },
    { name: 'notes', label: 'Notes', multiline: true },
    { name: 'preferences', label: 'Preferences (one "name: value" a line)', multiline: true },
  ], 'Save', async (values, { summary, errors }) => {
    const changed = preferenceChanges(preferences, values.preferences);
    if (changed.error) { errors.preferences.textContent = changed.error; return; }
    const body = { customerStatus: values.customerStatus, notes: values.notes || null };
    if (Object.keys(changed.patch).length) body.preferences = changed.patch;
    try {
      await api('PUT', `/crm/customers/${id}/record`, body, { ifMatch: etag });
    } catch (error) {
      if (error.status !== 412) throw error;
      summary.hidden = false;
      summary.replaceChildren('Someone else changed this record meanwhile. ', el('button', { type: 'button', class: 'secondary', text: 'Reload it', onclick: () => customerPage(id, { refresh: true }) }));
      return;
    }
    await customerPage(id, { refresh: true });
  }, 'record');
  editRecord.querySelector('[name=notes]').value = record.notes || '';
  editRecord.querySelector('[name=preferences]').value = Object.entries(preferences)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
  // One timeline of appointments, communications, tasks and changes, newest first: the first page at
  // once, the next ones as the end of the list scrolls into view.
  const timeline = el('ul', { class: 'rows timeline', 'aria-label': 'Timeline', id: 'timeline' });
  const more = el('button', { type: 'button', class: 'secondary', text: 'Load more' });
  let next = `/crm/customers/${id}/timeline?limit=20`;
  let loading = false;
  const loadMore = async () => {
    if (!next || loading) return;
    loading = true;
    try {
      const res = await api('GET', next);
      next = nextLink(res.headers);
      if (!res.data.length && !timeline.children.length) timeline.append(el('li', { class: 'muted', text: 'Nothing yet' }));
      timeline.append(...res.data.map(timelineRow));
      more.hidden = !next;
    } catch (error) { more.replaceWith(problemBox(error)); } finally { loading = false; }
  };
  more.addEventListener('click', loadMore);
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting) && timeline.children.length) loadMore(); }).observe(more);
  loadMore();
  page(`${customer.firstName} ${customer.lastName}`,
    el('p', {}, customer.phone ? el('a', { href: `tel:${customer.phone}`, text: customer.phone }) : null, customer.email ? [' · ', el('a', { href: `mailto:${customer.email}`, text: customer.email })] : null),
    cards, el('h2', { text: 'Tags' }), tags, addTag,
    el('h2', { text: 'Log a call' }), logCall,
    el('h2', { text: 'Schedule a callback' }), callback,
    el('h2', { text: 'Create a task' }), task,
    el('h2', { text: 'Record' }), editRecord,
    el('h2', { text: 'Timeline' }), timeline, more);
}

/**
 * The shallow patch that turns `current` preferences into the `name: value` lines typed: changed and
 * new names with their values, removed names as null. A value is JSON when the stored one was not a
 * string or it reads as a list or object (`["botox", "fillers"]`), else the text as typed.
 */
function preferenceChanges(current, text) {
  const typed = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(':');
    if (colon < 1) return { error: `"${line.slice(0, 30)}" is not "name: value"` };
    const name = line.slice(0, colon).trim();
    const raw = line.slice(colon + 1).trim();
    let value = raw;
    if ((current[name] !== undefined && typeof current[name] !== 'string') || /^[[{]/.test(raw)) {
      try { value = JSON.parse(raw); } catch { if (/^[[{]/.test(raw)) return { error: `${name}: is not a list or object` }; }
    }
    typed[name] = value;
  }
  const patch = {};
  for (const [name, value] of Object.entries(typed)) if (JSON.stringify(current[name]) !== JSON.stringify(value)) patch[name] = value;
  for (const name of Object.keys(current)) if (!(name in typed)) patch[name] = null;
  return { patch };
}

const ENTITY_NAMES = { customer: 'Customer', customer_record: 'Record', customer_tag: 'Tag', appointment: 'Appointment', communication: 'Communication', action: 'Task' };

/** A changed value as a short text. */
function shortValue(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return fmtTime(value);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** One row of the customer timeline: what it is, what happened, when. */
function timelineRow(item) {
  let kind;
  let text;
  if (item.kind === 'appointment') {
    const a = item.appointment;
    kind = 'Appointment';
    text = `${a.serviceName} at ${a.clinicName} · ${a.status.replaceAll('_', ' ')}`;
  } else if (item.kind === 'communication') {
    const c = item.communication;
    kind = c.type;
    text = [c.direction, c.status.replaceAll('_', ' '), c.subject, c.notes].filter(Boolean).join(' · ');
  } else if (item.kind === 'action') {
    const a = item.action;
    kind = 'Task';
    text = `${a.title} · ${a.status.replaceAll('_', ' ')}`;
  } else {
    const c = item.change;
    const verb = { create: 'added', update: 'changed', delete: 'removed' }[c.action] || c.action;
    kind = `${ENTITY_NAMES[c.entityType] || c.entityType} ${verb}`;
    const fields = Object.entries(c.changes || {}).filter(([k]) => k !== 'id' && k !== 'customerId');
    text = c.action === 'update'
      ? fields.map(([k, v]) => `${k}: ${shortValue(v.old)} → ${shortValue(v.new)}`).join(' · ')
      : fields.filter(([, v]) => (c.action === 'delete' ? v.old : v.new) !== null).map(([k]) => k).join(', ');
  }
  return el('li', { 'data-kind': item.kind }, el('span', { class: 'kind', text: kind }), el('span', { text: text || '—' }),
    el('span', { class: 'muted', text: fmtTime(item.at) }));
}

// ---------------------------------------------------------------- more screens

const isFrontDesk = () => ['SECRETARIAT', 'ADMIN'].includes(state.user?.role);
const isAdmin = () => state.user?.role === 'ADMIN';
const options = (values, current) => values.map((v) => el('option', { value: v, selected: v === current, text: v.replaceAll('_', ' ') }));

/** `YYYY-MM-DDTHH:MM` (a datetime-local value) read as the clinic's wall time, as an instant. */
function clinicWallTime(value) {
  const [date, time] = value.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const guess = new Date(Date.UTC(y, m - 1, d, hh, mm));
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(guess).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
  const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return new Date(guess.getTime() - (shown - guess.getTime()));
}

const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'lost'];
const LEAD_SOURCES = ['facebook_ads', 'google_ads', 'referral', 'walk_in', 'website'];

async function leadsScreen() {
  const search = el('input', { id: 'lead-search', type: 'search', value: '' });
  const status = el('select', { id: 'lead-status' }, el('option', { value: '', text: 'any' }), options(LEAD_STATUSES));
  const source = el('select', { id: 'lead-source' }, el('option', { value: '', text: 'any' }), options(LEAD_SOURCES));
  const mine = el('select', { id: 'lead-owner' }, el('option', { value: '', text: 'everyone' }), el('option', { value: 'me', text: 'me' }));
  if (isAdmin()) {  // only an ADMIN may list users: the others pick themselves or everyone
    try {
      const { data } = await api('GET', '/crm/users?role=SALESPERSON&limit=200');
      mine.append(...data.filter((u) => u.id !== state.user.id).map((u) => el('option', { value: u.id, text: u.name })));
    } catch { /* the two choices remain */ }
  }
  const show = el('button', { type: 'button', text: 'Show' });
  const list = el('ul', { class: 'rows', 'aria-label': 'Leads' });
  page('Leads', el('div', { class: 'toolbar' },
    el('label', { for: 'lead-search' }, 'Search', search), el('label', { for: 'lead-status' }, 'Status', status),
    el('label', { for: 'lead-source' }, 'Source', source), el('label', { for: 'lead-owner' }, 'Assigned to', mine), show), list);
  const load = async () => {
    const query = new URLSearchParams({ limit: '100' });
    if (search.value.trim()) query.set('search', search.value.trim());
    if (status.value) query.set('status', status.value);
    if (source.value) query.set('source', source.value);
    if (mine.value) query.set('assignedSalesId', mine.value === 'me' ? state.user.id : mine.value);
    try {
      const { data } = await api('GET', `/crm/leads?${query}`);
      list.replaceChildren(...(data.length ? data.map(leadRow) : [el('li', { class: 'muted', text: 'No leads match.' })]));
    } catch (error) { list.replaceChildren(el('li', {}, problemBox(error))); }
  };
  const leadRow = (lead) => {
    const note = el('span', { class: 'error', 'aria-live': 'polite' });
    const move = el('select', { 'aria-label': `New status for ${lead.firstName}` }, options(LEAD_STATUSES, lead.status));
    const patch = async (body) => {
      note.textContent = '';
      try {
        const { data } = await api('PATCH', `/crm/leads/${lead.id}`, body);
        row.replaceWith(leadRow(data));
      } catch (error) { note.textContent = error.message; }
    };
    const owner = lead.assignedSalesId ? (lead.assignedSalesId === state.user.id ? 'yours' : 'assigned') : 'unassigned';
    const row = el('li', { 'data-lead': lead.id },
      el('div', {},
        el('div', { class: 'row-head' }, el('strong', { text: `${lead.firstName} ${lead.lastName || ''}`.trim() }), el('span', { class: 'status', text: lead.status })),
        el('div', { class: 'muted', text: [lead.source.replaceAll('_', ' '), lead.email, lead.phone, owner].filter(Boolean).join(' · ') }),
        lead.convertedCustomerId ? el('span', {}, 'Customer: ', el('a', { href: `#/customer/${lead.convertedCustomerId}`, text: 'open' })) : null,
        note),
      el('div', { class: 'actions' },
        !lead.assignedSalesId && state.user.role === 'SALESPERSON' ? el('button', { type: 'button', text: 'Claim', onclick: () => patch({ assignedSalesId: state.user.id }) }) : null,
        lead.status !== 'converted' ? [move, el('button', { type: 'button', class: 'secondary', text: 'Move', onclick: () => patch({ status: move.value }) }),
          el('button', { type: 'button', text: 'Convert', onclick: () => patch({ status: 'converted' }) })] : null));
    return row;
  };
  show.addEventListener('click', load);
  search.addEventListener('keydown', (event) => { if (event.key === 'Enter') load(); });
  await load();
}

async function appointmentsScreen() {
  if (!isFrontDesk()) { page('Appointments', el('p', { text: 'Only the front desk and managers book appointments.' })); return; }
  const list = el('ul', { class: 'rows', 'aria-label': 'Appointments' });
  const [clinics, services] = await Promise.all([api('GET', '/crm/clinics?limit=200'), api('GET', '/crm/services?limit=200')]);
  const customerSearch = el('input', { id: 'book-find', type: 'search' });
  const booking = form([
    { name: 'customerId', label: 'Customer', options: [['', 'search above first']] },
    { name: 'serviceId', label: 'Service', options: services.data.map((s) => [s.id, `${s.name} (${money.format(s.price)})`]) },
    { name: 'clinicId', label: 'Clinic', options: clinics.data.map((c) => [c.id, c.name]) },
    { name: 'startTime', label: `Start (${zone})`, type: 'datetime-local' },
  ], 'Book', async (values) => {
    await api('POST', '/crm/appointments', { customerId: values.customerId, serviceId: values.serviceId, clinicId: values.clinicId,
      startTime: values.startTime ? clinicWallTime(values.startTime).toISOString() : '' });
    await load();
  }, 'book');
  customerSearch.addEventListener('change', async () => {
    const { data } = await api('GET', `/crm/customers?search=${encodeURIComponent(customerSearch.value)}&limit=20`);
    booking.querySelector('[name=customerId]').replaceChildren(...data.map((c) => el('option', { value: c.id, text: `${c.firstName} ${c.lastName}${c.phone ? ' · ' + c.phone : ''}` })));
  });
  page('Appointments', el('h2', { text: 'Book' }), el('label', { for: 'book-find' }, 'Find the customer (name, email or phone)', customerSearch), booking,
    el('h2', { text: 'Coming up' }), list);
  async function load() {
    const from = new Date(Date.now() - 86400e3).toISOString();
    const { data } = await api('GET', `/crm/appointments?from=${encodeURIComponent(from)}&limit=100`);
    list.replaceChildren(...(data.length ? data.map(row) : [el('li', { class: 'muted', text: 'Nothing booked.' })]));
  }
  function row(a) {
    const note = el('span', { class: 'error', 'aria-live': 'polite' });
    const when = el('input', { type: 'datetime-local', 'aria-label': 'New start' });
    const patch = async (body) => {
      note.textContent = '';
      try { await api('PATCH', `/crm/appointments/${a.id}`, body); await load(); } catch (error) { note.textContent = error.message; }
    };
    const open = a.status === 'scheduled' || a.status === 'confirmed';
    return el('li', { 'data-appointment': a.id },
      el('div', {}, el('div', { class: 'row-head' }, el('strong', { text: `${a.serviceName} · ${a.clinicName}` }), el('span', { class: 'status', text: a.status })),
        el('div', { class: 'muted' }, fmtTime(a.startTime), ' · ', el('a', { href: `#/customer/${a.customerId}`, text: 'customer' })), note),
      open ? el('div', { class: 'actions' },
        a.status === 'scheduled' ? el('button', { type: 'button', text: 'Confirm', onclick: () => patch({ status: 'confirmed' }) }) : null,
        el('button', { type: 'button', class: 'secondary', text: 'Complete', onclick: () => patch({ status: 'completed' }) }),
        el('button', { type: 'button', class: 'secondary', text: 'No-show', onclick: () => patch({ status: 'no_show' }) }),
        el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => patch({ status: 'cancelled' }) }),
        when, el('button', { type: 'button', class: 'secondary', text: 'Move', onclick: () => when.value && patch({ startTime: clinicWallTime(when.value).toISOString() }) })) : null);
  }
  await load();
}

/** A horizontal bar chart as inline SVG; the numbers stay readable as text beside each bar. */
function barChart(title, entries, format = String) {
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const rowHeight = 22, labelWidth = 110, width = 320;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${entries.length * rowHeight}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${entries.map(([k, v]) => `${k} ${format(v)}`).join(', ')}`);
  svg.setAttribute('class', 'chart');
  entries.forEach(([label, value], i) => {
    const y = i * rowHeight;
    const text = document.createElementNS(svg.namespaceURI, 'text');
    text.setAttribute('x', '0'); text.setAttribute('y', String(y + 15)); text.textContent = label;
    const bar = document.createElementNS(svg.namespaceURI, 'rect');
    bar.setAttribute('x', String(labelWidth)); bar.setAttribute('y', String(y + 4)); bar.setAttribute('height', '14');
    bar.setAttribute('width', String(Math.max(1, ((width - labelWidth - 40) * value) / max)));
    const number = document.createElementNS(svg.namespaceURI, 'text');
    number.setAttribute('x', String(labelWidth + Math.max(1, ((width - labelWidth - 40) * value) / max) + 4)); number.setAttribute('y', String(y + 15));
    number.textContent = format(value);
    svg.append(text, bar, number);
  });
  return el('figure', {}, el('figcaption', { text: title }), svg);
}

async function analyticsScreen() {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
  const monthAgo = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date(Date.now() - 29 * 86400e3));
  const start = el('input', { type: 'date', id: 'an-start', value: monthAgo });
  const end = el('input', { type: 'date', id: 'an-end', value: today });
  const who = el('select', { id: 'an-who' });
  const show = el('button', { type: 'button', text: 'Show' });
  const out = el('div', { id: 'analytics' });
  const controls = [el('label', { for: 'an-start' }, 'From', start), el('label', { for: 'an-end' }, 'To', end)];
  if (isAdmin()) {
    const { data } = await api('GET', '/crm/users?role=SALESPERSON&limit=200');
    who.replaceChildren(el('option', { value: '', text: 'the whole team' }), ...data.map((u) => el('option', { value: u.id, text: u.name })));
    controls.push(el('label', { for: 'an-who' }, 'Salesperson', who));
  }
  page('Analytics', el('div', { class: 'toolbar' }, controls, show), out);
  const load = async () => {
    // The period before, of the same length, for the revenue comparison.
    const days = Math.round((Date.parse(end.value) - Date.parse(start.value)) / 86400e3) + 1;
    const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
    const before = { startDate: iso(Date.parse(start.value) - days * 86400e3), endDate: iso(Date.parse(start.value) - 86400e3) };
    const ask = (period) => {
      const query = new URLSearchParams(period);
      if (who.value) query.set('salespersonId', who.value);
      return api('GET', `/crm/analytics/salesperson?${query}`);
    };
    try {
      const [{ data }, previous] = await Promise.all([ask({ startDate: start.value, endDate: end.value }),
        days > 0 ? ask(before).catch(() => null) : null]);
      const c = data.communications, a = data.actions, l = data.leads;
      out.replaceChildren(
        el('div', { class: 'cards' }, card('Revenue', money.format(data.customers.totalRevenue)), card('Customers', String(data.customers.total)),
          card('Repeat customers', String(data.customers.repeat)), card('Leads converted', `${l.converted} of ${l.total} (${Math.round(l.conversionRate * 100)} %)`),
          card('Overdue actions', String(a.overdue))),
        barChart('Communications by type', [['calls', c.calls], ['missed calls', c.missedCalls], ['emails', c.emails], ['SMS', c.sms], ['WhatsApp', c.whatsapp], ['meetings', c.meetings], ['notes', c.notes]]),
        barChart('Actions by status', [['pending', a.pending], ['completed', a.completed], ['missed', a.missed], ['cancelled', a.cancelled]]),
        barChart('Revenue', [['this period', data.customers.totalRevenue],
          ...(previous ? [['the one before', previous.data.customers.totalRevenue]] : [])], (v) => money.format(v)),
        barChart('Leads by source', Object.entries(l.bySource).map(([k, v]) => [k.replaceAll('_', ' '), v])),
        barChart('Lead conversion', [['converted', l.converted], ['not converted', l.total - l.converted]]));
    } catch (error) { out.replaceChildren(problemBox(error)); }
  };
  show.addEventListener('click', load);
  await load();
}

async function adminScreen() {
  if (!isAdmin()) { page('Admin', el('p', { text: 'Only an ADMIN manages users and tags.' })); return; }
  const users = el('ul', { class: 'rows', 'aria-label': 'Users' });
  const tags = el('ul', { class: 'rows', 'aria-label': 'Tags' });
  const newUser = form([
    { name: 'name', label: 'Name' }, { name: 'email', label: 'Email', type: 'email' },
    { name: 'role', label: 'Role', options: [['SALESPERSON', 'SALESPERSON'], ['SECRETARIAT', 'SECRETARIAT'], ['ADMIN', 'ADMIN']] },
    { name: 'password', label: 'First password', type: 'password', autocomplete: 'new-password' },
  ], 'Create user', async (values) => { await api('POST', '/crm/users', values); newUser.reset(); await load(); }, 'user');
  const newTag = form([{ name: 'name', label: 'Tag name' }, { name: 'color', label: 'Colour (#RRGGBB)' }, { name: 'description', label: 'Description' }],
    'Create tag', async (values) => {
      const body = { name: values.name };
      if (values.color) body.color = values.color;
      if (values.description) body.description = values.description;
      await api('POST', '/crm/tags', body); newTag.reset(); await load();
    }, 'tag');
  page('Admin', el('h2', { text: 'Users' }), newUser, users, el('h2', { text: 'Tag catalogue' }), newTag, tags);
  async function load() {
    const [u, t] = await Promise.all([api('GET', '/crm/users?limit=200'), api('GET', '/crm/tags?limit=200')]);
    users.replaceChildren(...u.data.map((user) => {
      const note = el('span', { class: 'error', 'aria-live': 'polite' });
      const role = el('select', { 'aria-label': `Role of ${user.name}` }, options(['SALESPERSON', 'SECRETARIAT', 'ADMIN'], user.role));
      const patch = async (body) => { note.textContent = ''; try { await api('PATCH', `/crm/users/${user.id}`, body); await load(); } catch (error) { note.textContent = error.message; } };
      return el('li', {}, el('div', {}, el('strong', { text: user.name }), el('div', { class: 'muted', text: `${user.email} · ${user.active ? 'active' : 'inactive'}` }), note),
        el('div', { class: 'actions' }, role, el('button', { type: 'button', class: 'secondary', text: 'Change role', onclick: () => patch({ role: role.value }) }),
          el('button', { type: 'button', class: 'secondary', text: user.active ? 'Deactivate' : 'Reactivate', onclick: () => patch({ active: !user.active }) }),
          el('button', { type: 'button', class: 'secondary', text: 'Reset password', onclick: () => { const password = prompt(`New password for ${user.name} (8 or more characters)`); if (password) patch({ password }); } })));
    }));
    tags.replaceChildren(...t.data.map((tag) => el('li', {}, el('span', { class: 'tag', text: tag.name }), el('span', { class: 'muted', text: [tag.color, tag.description].filter(Boolean).join(' · ') }),
      el('button', { type: 'button', class: 'secondary', text: 'Delete', onclick: (event) => guarded(event.currentTarget, async () => { if (confirm(`Delete the tag ${tag.name} and remove it from every customer?`)) { await api('DELETE', `/crm/tags/${tag.id}`); await load(); } }) }))));
  }
  await load();
}

// ---------------------------------------------------------------- routing

const routes = [
  [/^#\/day$/, myDay, 'day'],
  [/^#\/inbox$/, inbox, 'inbox'],
  [/^#\/follow-up$/, followUp, 'follow-up'],
  [/^#\/repeat$/, repeatCustomers, 'repeat'],
  [/^#\/customer\/([0-9A-Fa-f-]{36})$/, customerPage, null],
  [/^#\/leads$/, leadsScreen, 'leads'],
  [/^#\/appointments$/, appointmentsScreen, 'appointments'],
  [/^#\/analytics$/, analyticsScreen, 'analytics'],
  [/^#\/admin$/, adminScreen, 'admin'],
];

async function route() {
  if (!state.token) { if (location.hash !== '#/signin') { signOut({ remember: true }); return; } signInScreen(); return; }
  if (location.hash === '#/signin' || !location.hash) { location.hash = '#/day'; return; }
  document.getElementById('top').hidden = false;
  // Screens a role may not use are not offered (the API refuses them anyway).
  for (const link of document.querySelectorAll('[data-roles]')) link.hidden = !link.dataset.roles.split(' ').includes(state.user?.role);
  openStream();
  for (const [pattern, screen, nav] of routes) {
    const match = location.hash.match(pattern);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
    await screen(...match.slice(1));
    return;
  }
  page('Not found', el('p', {}, 'No such page. ', el('a', { href: '#/day', text: 'Go to My day' })));
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
});
window.addEventListener('hashchange', route);
route();
