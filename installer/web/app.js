/* app.js: the hnsp-installer web GUI, a single-page app on the JSON API of docs/api.md.
 *
 * No framework and no build step.  Pages are drawn with h(), which puts text in
 * as text nodes (never HTML); routes, navigation, editor tabs, form fields and
 * run events are tables.  The project editor edits a plain object `doc` that a
 * small YAML emitter turns back into the project file (docs/project-file.md). */
'use strict';

/* ---- DOM helpers ---- */

const PROPS = new Set(['value', 'checked', 'readOnly']);

/* h('a', {href: '#/x', onclick: f}, 'text', child, [more]): an element; null,
 * undefined and false attributes and children are left out. */
function h(tag, attrs, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
		else if (PROPS.has(k)) el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	el.append(...nodes(kids));
	return el;
}

/* Children as nodes: lists flattened, null/undefined/false left out, the rest text. */
const nodes = kids => kids.flat(Infinity).filter(k => k !== null && k !== undefined && k !== false)
	.map(k => (k instanceof Node ? k : String(k)));

/* Replaces el's children, taking the same children as h(). */
function fill(el, ...kids) {
	el.replaceChildren(...nodes(kids));
	return el;
}

const sr = text => h('span', { class: 'sr-only' }, text);
const status = (word, text = word) => h('span', { class: 'status', 'data-status': word }, text);
const statusCell = (word, ...kids) => h('td', { 'data-status': word }, kids.length ? kids : word);
const loading = () => h('p', { class: 'loading', role: 'status' }, 'Loading…');
const isMap = v => v !== null && typeof v === 'object' && !Array.isArray(v);

/* A table in a horizontally scrolling region; a row is a <tr> or a list of
 * cells, a cell a <td>/<th> or its content. */
function table(head, rows, label) {
	const cell = c => (c instanceof HTMLTableCellElement ? c : h('td', {}, c));
	return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: 0 },
		h('table', {},
			h('thead', {}, h('tr', {}, head.map(c => (c instanceof Node ? c : h('th', { scope: 'col' }, c))))),
			h('tbody', {}, rows.map(r => (r instanceof Node ? r : h('tr', {}, r.map(cell)))))));
}

/* A label, its control and an optional help line; the label is for screen
 * readers only in table cells. */
function labelled(id, label, control, help, hideLabel) {
	control.id = id;
	if (help) control.setAttribute('aria-describedby', `${id}-help`);
	const check = control.type === 'checkbox';
	const lab = h('label', { for: id, class: hideLabel ? 'sr-only' : null }, label);
	return h('div', { class: check ? 'field check' : 'field' }, check ? [control, lab] : [lab, control],
		help ? h('div', { class: 'help', id: `${id}-help` }, help) : null);
}

/* Runs draw(), then gives the focus back to the element with the same id. */
function keepFocus(draw) {
	const id = document.activeElement && document.activeElement.id;
	draw();
	const again = id && document.getElementById(id);
	if (again && again !== document.activeElement) again.focus();
}

/* A modal dialog; resolves to the form's FormData, or null when cancelled. */
function dialog({ title, body, ok }) {
	return new Promise(resolve => {
		let result = null;
		const form = h('form', { method: 'dialog' }, h('h2', { id: 'dialog-title' }, title), body,
			h('div', { class: 'actions' },
				h('button', { type: 'submit', class: 'primary' }, ok),
				h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel')));
		const dlg = h('dialog', { 'aria-labelledby': 'dialog-title' }, form);
		form.addEventListener('submit', ev => {
			ev.preventDefault();
			result = new FormData(form);
			dlg.close();
		});
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(result);
		});
		document.body.append(dlg);
		dlg.showModal();
	});
}

/* ---- formatting ---- */

const pad2 = n => String(n).padStart(2, '0');
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function fmtClock(ts) {
	const d = new Date(ts * 1000);
	return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/* A Unix time (seconds) or a date string as local "YYYY-MM-DD HH:MM:SS". */
function fmtDate(t) {
	if (t === null || t === undefined || t === '') return '';
	const d = new Date(typeof t === 'number' ? t * 1000 : t);
	if (isNaN(d)) return String(t);
	return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${fmtClock(d.getTime() / 1000)}`;
}

function fmtDuration(ms) {
	if (ms === null || ms === undefined) return '';
	const s = ms / 1000;
	if (s < 60) return `${s.toFixed(1)} s`;
	const m = Math.floor(s / 60), sec = pad2(Math.floor(s % 60));
	return m >= 60 ? `${Math.floor(m / 60)}:${pad2(m % 60)}:${sec}` : `${m}:${sec}`;
}

const diagText = d => `${d.line > 0 ? `${d.line}:${d.column}: ` : ''}${d.severity}: ${d.message}`;

function diagCounts(diags) {
	const errors = diags.filter(d => d.severity === 'error').length;
	return `${plural(errors, 'error')}, ${plural(diags.length - errors, 'warning')}`;
}

/* Diagnostics as a list; with pick, each positioned one is a button. */
function diagList(diags, pick) {
	if (!diags || !diags.length) return null;
	return h('ul', { class: 'diags' }, diags.map(d => h('li', { 'data-severity': d.severity },
		pick && d.line > 0 ? h('button', { type: 'button', class: 'link', onclick: () => pick(d) }, diagText(d)) : diagText(d))));
}

/* "master1, master2, master3" or the first 12 and "and 30 more". */
const hostList = hosts => (hosts || []).length > 12 ? `${hosts.slice(0, 12).join(', ')} and ${hosts.length - 12} more` : (hosts || []).join(', ');

/* ---- messages ---- */

const alertBox = document.getElementById('alert');
const noticeBox = document.getElementById('notice');

function showError(message, diags) {
	fill(alertBox, h('p', {}, message), diagList(diags),
		h('button', { type: 'button', class: 'link', onclick: clearMessages }, 'Dismiss'));
}

function clearMessages() {
	fill(alertBox);
	fill(noticeBox);
}

const notice = text => fill(noticeBox, h('p', {}, text));

/* Shows what went wrong; a quiet error (a 401) has already sent the page to the login. */
function report(e) {
	if (e.quiet) return;
	document.querySelectorAll('#main .loading').forEach(el => el.remove());
	showError(e.message, e.data && e.data.diagnostics);
}

/* An event handler that reports errors and keeps its button disabled while it runs. */
function act(fn) {
	return async ev => {
		if (ev && ev.type === 'submit') ev.preventDefault();
		const t = ev && ev.currentTarget;
		const btn = t instanceof HTMLFormElement ? ev.submitter || t.querySelector('[type=submit]') : t instanceof HTMLButtonElement ? t : null;
		const focused = btn && document.activeElement === btn;
		if (btn) btn.disabled = true;
		try {
			await fn(ev);
		} catch (e) {
			report(e);
		} finally {
			if (btn) {
				btn.disabled = false;
				if (focused && btn.isConnected) btn.focus();
			}
		}
	};
}

/* ---- the API ---- */

let session = null;              /* {user, role, csrf} while logged in */
let returnTo = '#/projects';     /* where the login page goes back to */
const RANK = { viewer: 0, operator: 1, admin: 2 };
const can = role => session !== null && RANK[session.role] >= RANK[role];

class ApiError extends Error {
	constructor(status, data) {
		super((data && data.error) || `the installer answered ${status}`);
		this.status = status;
		this.data = data || {};
	}
}

/* One request: JSON in and out, the CSRF token on every change, 401 → login.
 * Every change says Content-Type: application/json, DELETE too: the server
 * refuses any other (415), as a form posted from another site would be. */
async function api(method, path, body) {
	const opt = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
	if (method !== 'GET') {
		if (session && session.csrf) opt.headers['X-CSRF-Token'] = session.csrf;
		opt.headers['Content-Type'] = 'application/json';
		if (method !== 'DELETE') opt.body = JSON.stringify(body === undefined ? {} : body);
	}
	let res;
	try {
		res = await fetch(path, opt);
	} catch (e) {
		throw new ApiError(0, { error: `cannot reach the installer (${e.message})` });
	}
	const text = await res.text();
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = res.ok ? text : { error: text.trim() || res.statusText };
	}
	if (res.status === 401 && path !== '/api/login') {
		toLogin();
		throw Object.assign(new ApiError(401, data), { quiet: true });
	}
	if (!res.ok) throw new ApiError(res.status, data);
	return data;
}

function toLogin() {
	session = null;
	renderHeader();
	if (!location.hash.startsWith('#/login')) {
		returnTo = location.hash || '#/projects';
		location.hash = '#/login';
	}
}

let catalogPromise = null;
function getCatalog() {
	catalogPromise = catalogPromise || api('GET', '/api/catalog').catch(e => {
		catalogPromise = null;
		throw e;
	});
	return catalogPromise;
}

/* ---- routing ---- */

const NAME = '([a-z][a-z0-9-]*)';
const ROUTES = [
	{ path: /^\/login$/, view: viewLogin, open: true },
	{ path: /^\/projects$/, view: viewProjects },
	{ path: new RegExp(`^/projects/${NAME}$`), view: viewProject },
	{ path: new RegExp(`^/projects/${NAME}/plan$`), view: viewPlan },
	{ path: new RegExp(`^/projects/${NAME}/preflight$`), view: viewPreflight },
	{ path: new RegExp(`^/projects/${NAME}/verify$`), view: viewVerify },
	{ path: /^\/runs$/, view: viewRuns },
	{ path: /^\/runs\/([^/]+)$/, view: viewRun },
	{ path: /^\/users$/, view: viewUsers, role: 'admin' },
	{ path: /^\/secrets$/, view: viewSecrets },
	{ path: /^\/account$/, view: viewAccount },
	{ path: /^\/audit$/, view: viewAudit, role: 'admin' },
];

const NAV = [
	{ href: '#/projects', label: 'Projects', role: 'viewer' },
	{ href: '#/runs', label: 'Runs', role: 'viewer' },
	{ href: '#/users', label: 'Users', role: 'admin' },
	{ href: '#/secrets', label: 'Secrets', role: 'viewer' },
	{ href: '#/audit', label: 'Audit', role: 'admin' },
];

const main = document.getElementById('main');
let routeGen = 0;
let leaveHooks = [];

function splitHash() {
	const [path, query = ''] = (location.hash.slice(1) || '/projects').split('?');
	return [path, new URLSearchParams(query)];
}

/* Draws the page the hash names; keep leaves the messages of the last action. */
async function route(keep) {
	leaveHooks.splice(0).forEach(f => f());
	const gen = ++routeGen;
	if (!keep) clearMessages();
	const [path, query] = splitHash();
	const r = ROUTES.find(x => x.path.test(path));
	if (!r) {
		location.replace('#/projects');
		return;
	}
	const page = { alive: () => gen === routeGen, onLeave: f => leaveHooks.push(f), query, first: true };
	try {
		if (!session && !r.open) {
			session = await api('GET', '/api/session');
			if (!page.alive()) return;
		}
		renderHeader();
		if (r.role && !can(r.role)) {
			mount(page, h('h1', {}, 'Not allowed'), h('p', {}, `This page needs the ${r.role} role.`));
			return;
		}
		mount(page, loading());
		await r.view(page, ...path.match(r.path).slice(1).map(decodeURIComponent));
	} catch (e) {
		if (page.alive()) report(e);
	}
}

/* Replaces the page's content, unless the user has moved on; the first time
 * on a page the focus goes to its heading. */
function mount(page, ...content) {
	if (!page.alive()) return;
	keepFocus(() => fill(main, content));
	const h1 = main.querySelector('h1');
	if (page.first && h1) {
		page.first = false;
		h1.tabIndex = -1;
		if (!main.contains(document.activeElement)) h1.focus({ preventScroll: true });
	}
}

function renderHeader() {
	const [path] = splitHash();
	fill(document.getElementById('nav'), NAV.filter(n => can(n.role)).map(n =>
		h('a', { href: n.href, 'aria-current': path.startsWith(n.href.slice(1)) ? 'page' : null }, n.label)));
	fill(document.getElementById('who'), (session ? [
		h('a', { href: '#/account', class: 'user', title: 'Change my password', 'aria-current': path === '/account' ? 'page' : null },
			session.user, ' ', h('span', { class: 'role' }, `(${session.role})`)),
		h('button', { type: 'button', onclick: act(logout) }, 'Log out'),
	] : []));
}

async function logout() {
	await api('POST', '/api/logout');
	session = null;
	returnTo = '#/projects';
	renderHeader();
	location.hash = '#/login';
}

/* ---- the YAML emitter: block mappings and lists, short scalar lists in flow
 * style, key order kept, strings quoted when plain text would read otherwise ---- */

const YAML_SPECIAL = /^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|<<)$/;
const YAML_NUMBER = /^[-+]?(\.?\d[\d_]*(\.[\d_]*)?([eE][-+]?\d+)?|0[xXoObB][\da-fA-F_]+|\.?(inf|Inf|INF|nan|NaN|NAN)|\d[\d_]*(:[0-5]?\d)+(\.[\d_]*)?)$/;
const YAML_DATE = /^\d{4}-\d\d?-\d\d?([Tt ]|$)/;
const YAML_INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

function yamlNeedsQuotes(s, flow) {
	return s === '' || YAML_SPECIAL.test(s) || YAML_NUMBER.test(s) || YAML_DATE.test(s) ||
		YAML_INDICATOR.test(s) || /\s$/.test(s) || s.includes(': ') || s.includes(' #') || s.endsWith(':') ||
		/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(s) || (flow && /[,[\]{}]/.test(s));
}

function yamlScalar(v, flow) {
	if (v === null || v === undefined) return '';
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	if (typeof v === 'number')
		return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
	const s = String(v);
	if (!yamlNeedsQuotes(s, flow)) return s;
	/* JSON's strings are YAML double-quoted strings; escape what YAML cannot print. */
	return JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029\ufeff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/* A value that fits after "key: " or "- ", or null when it needs lines of its own. */
function yamlInline(v) {
	if (v === null || v === undefined || typeof v !== 'object') return yamlScalar(v);
	if (Array.isArray(v)) {
		if (!v.length) return '[]';
		if (v.every(x => x !== null && typeof x !== 'object')) {
			const s = `[${v.map(x => yamlScalar(x, true)).join(', ')}]`;
			if (s.length <= 72) return s;
		}
		return null;
	}
	return Object.keys(v).length ? null : '{}';
}

function yamlLines(v, indent) {
	const pad = ' '.repeat(indent), out = [];
	if (Array.isArray(v)) {
		for (const item of v) {
			const s = yamlInline(item);
			if (s !== null) {
				out.push(`${pad}- ${s}`.trimEnd());
			} else {
				const sub = yamlLines(item, indent + 2);
				sub[0] = `${pad}- ${sub[0].slice(indent + 2)}`;
				out.push(...sub);
			}
		}
		return out;
	}
	for (const [k, x] of Object.entries(v)) {
		if (x === undefined) continue;
		const s = yamlInline(x);
		if (s !== null) out.push(`${pad}${yamlScalar(k)}: ${s}`.trimEnd());
		else out.push(`${pad}${yamlScalar(k)}:`, ...yamlLines(x, indent + 2));
	}
	return out;
}

function emitYaml(doc) {
	const s = yamlInline(doc);
	return `${s !== null ? s : yamlLines(doc, 0).join('\n')}\n`;
}

/* ---- form fields bound to the document ---- */

/* A binding reads and writes one value; writing undefined removes the key. */
const bindKey = (obj, key) => ({
	get: () => obj[key],
	set: v => { if (v === undefined) delete obj[key]; else obj[key] = v; },
});

/* A binding to root.a.b.c that makes the mappings on the way when it writes. */
function bindPath(root, path) {
	const parent = make => {
		let o = root;
		for (const k of path.slice(0, -1)) {
			if (!isMap(o[k])) {
				if (!make) return null;
				o[k] = {};
			}
			o = o[k];
		}
		return o;
	};
	const last = path[path.length - 1];
	return {
		get: () => { const p = parent(false); return p ? p[last] : undefined; },
		set: v => { const p = parent(v !== undefined); if (p) bindKey(p, last).set(v); },
	};
}

/* Text in a key=value (or key: value) box: true/false, integers and JSON are
 * read as such, anything else is a string; formatValue is its inverse. */
function parseValue(s) {
	if (s === 'true' || s === 'false') return s === 'true';
	if (s === 'null') return null;
	if (/^-?\d{1,15}$/.test(s)) return Number(s);
	if (/^[[{"]/.test(s)) {
		try {
			return JSON.parse(s);
		} catch { /* plain text */ }
	}
	return s;
}

const formatValue = v => (typeof v === 'string' && parseValue(v) === v ? v : JSON.stringify(v));

function parseKv(text, sep) {
	const out = {};
	for (const line of text.split('\n')) {
		const i = line.indexOf(sep);
		if (line.trim() === '' || line.trim().startsWith('#') || i <= 0) continue;
		out[line.slice(0, i).trim()] = parseValue(line.slice(i + 1).trim());
	}
	return Object.keys(out).length ? out : undefined;
}

const formatKv = (v, sep) => (isMap(v) ? Object.entries(v).map(([k, x]) => `${k}${sep}${sep === ':' ? ' ' : ''}${formatValue(x)}`).join('\n') : '');
const parseList = s => { const l = s.split(/[\s,]+/).filter(Boolean); return l.length ? l : undefined; };
const parseInt10 = s => (s.trim() === '' ? undefined : /^[-+]?\d+$/.test(s.trim()) ? Number(s) : s.trim());

/* What each field type shows and how it reads the control back. */
const FIELD_TYPES = {
	text: { control: (f, v) => h('input', { type: 'text', value: v === undefined || v === null ? '' : String(v), placeholder: f.placeholder, autocomplete: 'off' }), event: 'input', read: el => el.value.trim() || undefined },
	int: { control: (f, v) => h('input', { type: 'number', value: v === undefined || v === null ? '' : String(v), min: f.min, max: f.max, placeholder: f.placeholder }), event: 'input', read: el => parseInt10(el.value) },
	list: { control: (f, v) => h('input', { type: 'text', value: Array.isArray(v) ? v.join(', ') : v || '', placeholder: f.placeholder, autocomplete: 'off' }), event: 'input', read: el => parseList(el.value) },
	kv: { control: (f, v) => h('textarea', { rows: f.rows || 2, value: formatKv(v, f.sep), spellcheck: 'false' }), event: 'input', read: (el, f) => parseKv(el.value, f.sep) },
	bool: { control: (f, v) => h('input', { type: 'checkbox', checked: v === undefined ? f.default === true : v === true }), event: 'change', read: (el, f) => (el.checked ? true : f.default === true ? false : undefined) },
	select: {
		control: (f, v) => h('select', {},
			h('option', { value: '' }, f.unset || (f.default !== undefined ? `(default: ${f.default})` : '(not set)')),
			[...f.values, ...(v !== undefined && !f.values.includes(v) ? [v] : [])].map(x => h('option', { value: x, selected: x === v }, (f.labels && f.labels[x]) || x))),
		event: 'change', read: el => el.value || undefined,
	},
};

/* One labelled form field: f = {id, label, type, help, ...}, b a binding. */
function field(ctx, f, b) {
	const type = FIELD_TYPES[f.type || 'text'];
	const el = type.control(f, b.get());
	el.addEventListener(type.event, () => {
		b.set(type.read(el, f));
		ctx.edited();
	});
	return labelled(f.id, f.label, el, f.help, f.hideLabel);
}

const fieldGroup = (ctx, legend, fields) => h('fieldset', {}, h('legend', {}, legend),
	fields.map(f => field(ctx, { ...f, id: f.id || `f-${f.path.join('-')}` }, bindPath(ctx.st.doc, f.path))));

/* ---- the project editor ---- */

const NETWORK_FIELDS = [
	{ path: ['network', 'host_cidrs'], label: 'Host networks (host_cidrs)', type: 'list', help: 'CIDR networks the host addresses lie in, separated by commas' },
	{ path: ['network', 'api_vip'], label: 'API VIP (api_vip)', help: 'virtual IP of the Kubernetes API; required with more than one master' },
	{ path: ['network', 'api_port'], label: 'API port on the VIP (api_port)', type: 'int', min: 1, max: 65535, placeholder: '8443' },
	{ path: ['network', 'apiserver_port'], label: 'API server port (apiserver_port)', type: 'int', min: 1, max: 65535, placeholder: '6443' },
	{ path: ['network', 'pod_cidr'], label: 'Pod network (pod_cidr)', placeholder: '10.244.0.0/16' },
	{ path: ['network', 'service_cidr'], label: 'Service network (service_cidr)', placeholder: '10.96.0.0/12' },
];

const SSH_FIELDS = [
	{ path: ['ssh', 'user'], label: 'SSH user (ssh.user)', placeholder: 'root' },
	{ path: ['ssh', 'port'], label: 'SSH port (ssh.port)', type: 'int', min: 1, max: 65535, placeholder: '22' },
	{ path: ['ssh', 'become'], label: 'Become root through sudo (ssh.become)', type: 'bool', default: false },
	{
		path: ['ssh', 'host_key_policy'], label: 'Host key policy (ssh.host_key_policy)', type: 'select', values: ['strict', 'accept-new', 'off'], default: 'accept-new',
		help: 'strict: every key must be in known_hosts; accept-new: trust and record a new key, refuse a changed one; off: no checking',
	},
	{ path: ['ssh', 'connect_timeout'], label: 'Connect timeout in seconds (ssh.connect_timeout)', type: 'int', min: 1, max: 600, placeholder: '10' },
	{ path: ['ssh', 'forks'], label: 'Hosts worked on at once (ssh.forks)', type: 'int', min: 1, max: 1024, placeholder: '32' },
];

const ARTEFACT_FIELDS = [
	{ path: ['artefacts', 'source'], label: 'Artefact source (artefacts.source)', type: 'select', values: ['online', 'offline'], default: 'online', help: 'offline: hosts install only from the bundle hnsp-installer pushes' },
	{ path: ['artefacts', 'bundle'], label: 'Bundle name (artefacts.bundle)', help: "required when offline: a directory name under the state directory's bundles/, such as the project's name; no other path" },
];

/* The columns of the hosts table besides roles. */
const HOST_FIELDS = [
	{ key: 'name', label: 'name' },
	{ key: 'address', label: 'address' },
	{ key: 'port', label: 'port', type: 'int', min: 1, max: 65535, placeholder: '22' },
	{ key: 'user', label: 'user' },
	{ key: 'storage_devices', label: 'storage devices', type: 'list', placeholder: '/dev/sdb' },
	{ key: 'vars', label: 'role tunables (key=value lines)', type: 'kv', sep: '=' },
];

const TABS = [
	{ id: 'hosts', label: 'Hosts', draw: tabHosts },
	{ id: 'network', label: 'Network', draw: tabNetwork },
	{ id: 'ssh', label: 'SSH & artefacts', draw: tabSsh },
	{ id: 'components', label: 'Components', draw: tabComponents },
	{ id: 'vars', label: 'Extra variables', draw: tabVars },
	{ id: 'yaml', label: 'YAML', draw: tabYaml },
];

/* Editor states with unsaved changes (and new projects), by project name:
 * {name, isNew, doc, yamlText, source: 'yaml'|'doc' (which one Save sends),
 *  yamlChanged (text edited since doc was read from it), diags, tab, dirty}. */
const drafts = new Map();

function editorState(p) {
	return {
		name: p.name, isNew: false, doc: p.doc, yamlText: p.yaml, source: 'yaml', yamlChanged: !isMap(p.doc),
		diags: p.diagnostics || [], tab: isMap(p.doc) ? 'hosts' : 'yaml', dirty: false,
	};
}

function newDraft(name) {
	const doc = {
		name,
		ssh: { user: 'root', host_key_policy: 'accept-new' },
		hosts: [{ name: 'master1', address: '', roles: ['master', 'etcd'] }],
		network: { host_cidrs: [] },
		components: { base: {}, verify: {} },
		artefacts: { source: 'online' },
	};
	return { name, isNew: true, doc, yamlText: '', source: 'doc', yamlChanged: false, diags: [], tab: 'hosts', dirty: true };
}

function markEdited(st, from) {
	st.dirty = true;
	st.source = from;
	if (from === 'yaml') st.yamlChanged = true;
	drafts.set(st.name, st);
	const line = document.getElementById('editor-state');
	if (line) fill(line, editorStateLine(st));
	const note = document.getElementById('host-key-note');
	if (note) fill(note, hostKeyWarning(st.doc));
}

/* Shown wherever a project is looked at or run: with no host key checking,
 * anyone on the network path can pose as a host and take what a run sends. */
const hostKeyWarning = doc => (isMap(doc) && isMap(doc.ssh) && doc.ssh.host_key_policy === 'off'
	? h('p', { class: 'warning', role: 'note' }, 'Warning: host keys are not verified (ssh.host_key_policy: off). Anyone on the network path can pose as a host and receive what a run sends it, the become password included. Use accept-new or strict.')
	: null);

function editorStateLine(st) {
	const errors = st.diags.filter(d => d.severity === 'error').length;
	const word = st.isNew ? 'new' : errors ? 'fail' : st.diags.length ? 'warn' : 'ok';
	return [
		status(word, st.isNew ? 'new, not saved yet' : errors ? `invalid: ${diagCounts(st.diags)}` : st.diags.length ? `valid, ${plural(st.diags.length, 'warning')}` : 'valid'),
		st.dirty && !st.isNew ? [' ', h('span', { class: 'unsaved' }, 'unsaved changes'), ' ',
			h('button', { type: 'button', class: 'link', onclick: () => { drafts.delete(st.name); route(); } }, 'Discard changes')] : null,
	];
}

async function viewProject(page, name) {
	const st = drafts.get(name);
	const [p, cat] = await Promise.all([st ? null : api('GET', `/api/projects/${name}`), getCatalog()]);
	drawEditor(page, st || editorState(p), cat);
}

/* Reads doc back from the YAML text; false (with the problems shown) when it does not parse. */
async function syncFromYaml(st) {
	const r = await api('POST', '/api/validate', { yaml: st.yamlText });
	st.diags = r.diagnostics || [];
	if (!isMap(r.doc)) {
		showError('The YAML does not parse, so the forms cannot show it; fix the problems listed under it first.');
		return false;
	}
	st.doc = r.doc;
	st.yamlChanged = false;
	return true;
}

function drawEditor(page, st, cat) {
	const name = st.name, edit = can('operator');
	const tabs = h('div', { role: 'tablist', 'aria-label': 'Project sections', class: 'tabs', onkeydown: tabKeys });
	const panel = h('div', { role: 'tabpanel', id: 'tabpanel', class: 'tabpanel' });
	const out = h('div', { id: 'action-result' });
	const note = h('div', { id: 'host-key-note' }, hostKeyWarning(st.doc));
	const ctx = { st, cat, edit, edited: () => markEdited(st, 'doc'), redraw: () => showTab(st.tab) };

	async function showTab(id, focus) {
		if (st.tab === 'yaml' && id !== 'yaml' && st.source === 'yaml' && st.yamlChanged && !(await syncFromYaml(st)))
			id = 'yaml';
		st.tab = id;
		fill(tabs, TABS.map(t => h('button', {
			type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-selected': String(t.id === id),
			'aria-controls': 'tabpanel', tabindex: t.id === id ? 0 : -1, onclick: act(() => showTab(t.id, true)),
		}, t.label)));
		panel.setAttribute('aria-labelledby', `tab-${id}`);
		const tab = TABS.find(t => t.id === id);
		const body = id === 'yaml' ? tab.draw(ctx) : h('fieldset', { class: 'bare', disabled: !edit },
			h('legend', { class: 'sr-only' }, tab.label), tab.draw(ctx));
		keepFocus(() => fill(panel, body));
		fill(note, hostKeyWarning(st.doc));
		if (focus) document.getElementById(`tab-${id}`).focus();
	}

	const link = (href, text) => h('a', { class: 'button', href }, text);
	mount(page,
		h('p', { class: 'crumbs' }, h('a', { href: '#/projects' }, 'All projects')),
		h('h1', {}, `Project ${name}`),
		h('p', { id: 'editor-state' }, editorStateLine(st)),
		note,
		h('div', { class: 'actions' },
			edit ? h('button', { type: 'button', id: 'save', class: 'primary', onclick: act(() => save(page, st, cat)) }, 'Save') : null,
			st.isNew ? null : [
				link(`#/projects/${name}/plan`, 'Plan'),
				edit ? link(`#/projects/${name}/preflight`, 'Preflight') : null,
				edit ? h('button', { type: 'button', id: 'bundle', onclick: act(() => buildBundle(name, out)) }, 'Build bundle') : null,
				edit ? h('button', { type: 'button', id: 'apply', onclick: act(() => startRun(st, 'new')) }, 'Apply') : null,
				edit ? h('button', { type: 'button', id: 'resume', onclick: act(() => startRun(st, 'resume')) }, 'Resume') : null,
				link(`#/projects/${name}/verify`, 'Verify'),
				link(`#/runs?project=${name}`, 'Run history'),
			]),
		out, tabs, panel);
	showTab(st.tab).catch(report);
}

/* Left/Right/Home/End move between the tabs. */
function tabKeys(ev) {
	const all = [...ev.currentTarget.querySelectorAll('[role=tab]')];
	const i = all.indexOf(document.activeElement);
	const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[ev.key];
	if (i < 0 || next === undefined) return;
	ev.preventDefault();
	all[(next + all.length) % all.length].click();
}

async function save(page, st, cat) {
	const text = st.source === 'yaml' ? st.yamlText : emitYaml(st.doc);
	try {
		await api('PUT', `/api/projects/${st.name}`, { yaml: text });
	} catch (e) {
		if (e.status !== 400 || !Array.isArray(e.data.diagnostics)) throw e;
		Object.assign(st, { yamlText: text, source: 'yaml', yamlChanged: false, diags: e.data.diagnostics, tab: 'yaml' });
		drafts.set(st.name, st);
		drawEditor(page, st, cat);
		showError(`Not saved: ${diagCounts(st.diags)}. Your changes are kept; the problems are listed under the YAML.`);
		return;
	}
	drafts.delete(st.name);
	clearMessages();
	const fresh = editorState(await api('GET', `/api/projects/${st.name}`));
	if (isMap(fresh.doc)) fresh.tab = st.tab;
	drawEditor(page, fresh, cat);
	notice(`Saved ${st.name}.`);
}

/* A list in the document that a form may extend: the list, a new one when there
 * is none yet (put in place by the first add), or null when it is something else. */
function listAt(obj, key) {
	const v = isMap(obj) ? obj[key] : undefined;
	return v === undefined || v === null ? [] : Array.isArray(v) ? v : null;
}

/* "Add …": put(list) puts the list in the document, then a new item() goes at
 * its end and the focus into the new row's field named by focusId(index). */
const addButton = (ctx, id, label, list, put, item, focusId) => h('div', { class: 'actions' }, h('button', {
	type: 'button', id, onclick: () => {
		put(list);
		list.push(item());
		ctx.edited();
		ctx.redraw();
		document.getElementById(focusId(list.length - 1)).focus();
	},
}, label));

const removeButton = (ctx, list, i, what) => h('button', {
	type: 'button', id: `${what}-${i}-remove`, onclick: () => {
		list.splice(i, 1);
		ctx.edited();
		ctx.redraw();
	},
}, 'Remove', sr(` ${what} ${i + 1}`));

const notAList = what => h('p', { class: 'warning' }, `'${what}' is not a list; change it in the YAML tab.`);

function tabHosts(ctx) {
	const hosts = listAt(ctx.st.doc, 'hosts');
	if (!hosts) return notAList('hosts');
	const rows = hosts.map((host, i) => {
		if (!isMap(host)) return [h('td', { colspan: 8 }, `host ${i + 1} is not a mapping; change it in the YAML tab`)];
		const n = i + 1, roles = () => (Array.isArray(host.roles) ? host.roles : []);
		const order = r => { const k = ctx.cat.roles.findIndex(x => x.name === r); return k < 0 ? 1e9 : k; };
		const cell = f => h('td', {}, field(ctx, { ...f, id: `host-${i}-${f.key}`, label: `Host ${n} ${f.label}`, hideLabel: true }, bindKey(host, f.key)));
		return [
			...HOST_FIELDS.slice(0, 4).map(cell),
			h('td', {}, h('div', { class: 'checks', role: 'group', 'aria-label': `Host ${n} roles` }, ctx.cat.roles.map(r => {
				const id = `host-${i}-role-${r.name}`;
				return h('span', { class: 'check' },
					h('input', {
						type: 'checkbox', id, checked: roles().includes(r.name), onchange: ev => {
							const rest = roles().filter(x => x !== r.name);
							host.roles = (ev.target.checked ? [...rest, r.name] : rest).sort((a, b) => order(a) - order(b));
							ctx.edited();
						},
					}),
					h('label', { for: id, title: r.description }, sr(`Host ${n} role `), r.name));
			}))),
			...HOST_FIELDS.slice(4).map(cell),
			h('td', {}, removeButton(ctx, hosts, i, 'host')),
		];
	});
	return [
		h('h2', {}, 'Hosts'),
		hosts.length ? table(['Name', 'Address', 'Port', 'User', 'Roles', 'Storage devices', 'Variables', ''], rows, 'Hosts') : h('p', {}, 'No hosts yet.'),
		addButton(ctx, 'add-host', 'Add host', hosts, l => { ctx.st.doc.hosts = l; }, () => ({ name: '', address: '', roles: [] }), k => `host-${k}-name`),
	];
}

function tabNetwork(ctx) {
	const doc = ctx.st.doc, pools = listAt(doc.network, 'metallb_pools');
	const put = l => {
		if (!isMap(doc.network)) doc.network = {};
		doc.network.metallb_pools = l;
	};
	return [
		h('h2', {}, 'Network'),
		fieldGroup(ctx, 'Addresses and networks', NETWORK_FIELDS),
		h('h2', {}, 'MetalLB address pools'),
		!pools ? notAList('network.metallb_pools') : [
			pools.length ? table(['Name', 'Addresses', ''], pools.map((pool, i) => [
				h('td', {}, field(ctx, { id: `pool-${i}-name`, label: `Pool ${i + 1} name`, hideLabel: true }, bindKey(pool, 'name'))),
				h('td', {}, field(ctx, { id: `pool-${i}-addresses`, label: `Pool ${i + 1} addresses`, type: 'list', placeholder: '10.0.0.240-10.0.0.250', hideLabel: true }, bindKey(pool, 'addresses'))),
				h('td', {}, removeButton(ctx, pools, i, 'pool')),
			]), 'MetalLB pools') : h('p', {}, 'No pools.'),
			h('p', { class: 'help' }, 'Addresses: FIRST-LAST ranges or CIDR networks, separated by commas.'),
			addButton(ctx, 'add-pool', 'Add pool', pools, put, () => ({ name: pools.length ? `pool${pools.length + 1}` : 'default', addresses: [] }), k => `pool-${k}-addresses`),
		],
	];
}

/* The key is one of the keys imported into the state directory (a project
 * kept there names no other file); known_hosts is always the state's own. */
function tabSsh(ctx) {
	const keyBox = h('div', { id: 'ssh-key-box' }, loading());
	api('GET', '/api/keys').then(keys => keepFocus(() => fill(keyBox, field(ctx, {
		id: 'f-ssh-key_file', label: 'Key (ssh.key_file)', type: 'select', unset: '(none: ssh-agent)',
		values: keys.map(k => k.name), labels: Object.fromEntries(keys.map(k => [k.name, `${k.name} (${k.type} ${k.fingerprint})`])),
		help: 'a key imported into the state directory (below, or hnsp-installer key import); its name and public fingerprint are shown, never the key',
	}, bindPath(ctx.st.doc, ['ssh', 'key_file']))))).catch(e => { fill(keyBox); report(e); });
	return [h('h2', {}, 'SSH & artefacts'),
		h('fieldset', {}, h('legend', {}, 'SSH'), keyBox,
			h('p', { class: 'help', id: 'known-hosts-note' }, "Host keys are checked against the state directory's known_hosts, which every project kept here shares: with accept-new a new host's key is recorded there, with strict it must be there already (an admin adds it on the installer host)."),
			SSH_FIELDS.map(f => field(ctx, { ...f, id: `f-${f.path.join('-')}` }, bindPath(ctx.st.doc, f.path)))),
		ctx.edit ? keyUpload(ctx) : null,
		fieldGroup(ctx, 'Artefacts', ARTEFACT_FIELDS)];
}

/* Imports a private key (a file or pasted text) as STATE/keys/NAME and makes
 * it the project's key.  The passphrase only proves the key whole (an
 * encrypted key is kept encrypted); neither field keeps its text once sent. */
function keyUpload(ctx) {
	const file = h('input', { type: 'file', name: 'file' });
	const text = h('textarea', { name: 'text', rows: 4, spellcheck: 'false', autocomplete: 'off', placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----' });
	const pass = h('input', { type: 'password', name: 'passphrase', autocomplete: 'off' });
	const form = h('form', {
		class: 'card', id: 'key-upload', onsubmit: act(async () => {
			const name = new FormData(form).get('name');
			const key = file.files.length ? await file.files[0].text() : text.value;
			const body = pass.value ? { key, passphrase: pass.value } : { key };
			text.value = pass.value = '';
			file.value = '';
			if (!key.trim()) throw new Error('choose a key file or paste a private key');
			const r = await api('PUT', `/api/keys/${encodeURIComponent(name)}`, body);
			bindPath(ctx.st.doc, ['ssh', 'key_file']).set(r.name);
			ctx.edited();
			notice(`Imported key ${r.name} (${r.fingerprint}); it is this project's key once saved.`);
			ctx.redraw();
		}),
	},
	h('h3', {}, 'Upload a key'),
	labelled('key-name', 'Key name', h('input', { name: 'name', required: true, autocomplete: 'off', pattern: '[a-z0-9][a-z0-9_\\-]{0,62}', value: ctx.st.name }),
		'1 to 63 of a-z 0-9 - _; a key of that name is replaced'),
	labelled('key-file', 'Private key file', file, 'kept in the state directory (mode 0600), never shown again'),
	labelled('key-text', 'or paste the private key', text),
	labelled('key-passphrase', 'Passphrase (only for an encrypted key)', pass, 'checks the key; not kept'),
	h('button', { type: 'submit' }, 'Upload key'));
	return form;
}

function tabVars(ctx) {
	return [h('h2', {}, 'Extra variables'), field(ctx, {
		id: 'ansible-vars', label: 'Role tunables for every host (ansible_vars), one "key: value" per line', type: 'kv', sep: ':', rows: 12,
		help: 'Only the variables that the roles declare (docs/project-file.md); never ansible_*, hnsp_* or pki_*. true, false and integers are read as such, [..] and {..} as JSON; anything else is text, passed as data, never as a template.',
	}, bindPath(ctx.st.doc, ['ansible_vars']))];
}

/* Components that come along: id → the component that needs it first. */
function neededBy(cat, comps, ha) {
	const byId = new Map(cat.components.map(c => [c.id, c]));
	const selected = id => id in comps && comps[id] !== false;
	const need = new Map();
	const queue = cat.components.filter(c => selected(c.id)).map(c => c.id);
	while (queue.length) {
		const c = byId.get(queue.shift());
		for (const d of c ? [...(c.depends || []), ...(ha ? c.ha_depends || [] : [])] : []) {
			if (!selected(d) && !need.has(d)) {
				need.set(d, c.id);
				queue.push(d);
			}
		}
	}
	return need;
}

const masterCount = doc => (Array.isArray(doc.hosts) ? doc.hosts : []).filter(x => isMap(x) && Array.isArray(x.roles) && x.roles.includes('master')).length;

function optionField(c, o) {
	const def = Array.isArray(o.default) ? `[${o.default.join(', ')}]` : o.default;
	return {
		id: `opt-${c.id}-${o.name}`, label: `${o.name}`, default: o.default, min: o.min, max: o.max, values: o.values,
		type: o.type === 'string' || !FIELD_TYPES[o.type] ? (o.values && o.values.length ? 'select' : 'text') : o.type,
		placeholder: o.type === 'list' ? 'separated by commas' : def === undefined ? null : String(def),
		help: `${o.description || ''}${def === undefined ? '' : ` (default ${def})`}`,
	};
}

function tabComponents(ctx) {
	const { st, cat } = ctx;
	const comps = st.doc.components === undefined || st.doc.components === null ? {} : st.doc.components;
	if (!isMap(comps)) return h('p', { class: 'warning' }, "'components' is not a mapping; change it in the YAML tab.");
	const ha = masterCount(st.doc) > 1;
	const need = neededBy(cat, comps, ha);
	const chosen = cat.components.filter(c => c.id in comps && comps[c.id] !== false).length;

	function toggle(id, on) {
		const before = neededBy(cat, comps, ha);
		st.doc.components = comps;
		if (on) comps[id] = {};
		else delete comps[id];
		const brought = [...neededBy(cat, comps, ha).keys()].filter(d => !before.has(d) && d !== id);
		st.compMessage = on ? `${id} selected${brought.length ? `; it brings ${brought.join(', ')}` : ''}.` : `${id} removed.`;
		ctx.edited();
		ctx.redraw();
	}

	return [
		h('h2', {}, 'Components'),
		h('p', { role: 'status', class: 'summary' },
			`${plural(chosen, 'component')} selected, ${need.size} more come along as dependencies${need.size ? `: ${[...need.keys()].join(', ')}` : ''}. `,
			st.compMessage || ''),
		h('ul', { class: 'components' }, cat.components.map(c => {
			const on = c.id in comps && comps[c.id] !== false, excluded = comps[c.id] === false, id = `comp-${c.id}`;
			const why = on ? ['ok', 'selected'] : need.has(c.id) ? [excluded ? 'fail' : 'warn', `${excluded ? 'excluded, but' : 'comes along:'} needed by ${need.get(c.id)}`] : [null, excluded ? 'excluded' : 'not selected'];
			const adds = [
				c.packages && c.packages.length ? `packages ${c.packages.join(', ')}` : null,
				c.images && c.images.length ? `images ${c.images.join(', ')}` : null,
			].filter(Boolean);
			return h('li', { class: on ? 'on' : need.has(c.id) ? 'dep' : null },
				h('div', { class: 'comp-head' },
					h('input', { type: 'checkbox', id, checked: on, onchange: ev => toggle(c.id, ev.target.checked) }),
					h('label', { for: id }, c.id), ' ', h('span', { class: 'badge', 'data-status': why[0] }, why[1])),
				h('p', {}, c.description),
				h('p', { class: 'muted' }, `runs on ${(c.hosts || []).join(', ')}; `,
					c.depends && c.depends.length ? `depends on ${c.depends.join(', ')}` : 'depends on nothing',
					c.ha_depends && c.ha_depends.length ? `; with more than one master also on ${c.ha_depends.join(', ')}` : '',
					c.final ? '; runs last' : ''),
				adds.length ? h('p', { class: 'muted' }, `adds ${adds.join('; ')}`) : null,
				c.checks && c.checks.length ? h('p', { class: 'muted' }, 'verified by: ', c.checks.map(k => `${k.name} (${k.description})`).join(', ')) : null,
				on && c.options && c.options.length ? h('div', { class: 'options' },
					c.options.map(o => field(ctx, optionField(c, o), bindPath(st.doc, ['components', c.id, o.name])))) : null);
		})),
	];
}

/* Puts the caret at a diagnostic's line and column and scrolls there. */
function gotoLine(ta, d) {
	const lines = ta.value.split('\n');
	const line = Math.max(1, Math.min(d.line, lines.length));
	let pos = 0;
	for (let i = 0; i < line - 1; i++) pos += lines[i].length + 1;
	pos += Math.min(Math.max((d.column || 1) - 1, 0), lines[line - 1].length);
	ta.focus();
	ta.setSelectionRange(pos, pos);
	ta.scrollTop = Math.max(0, (line - 4) * (parseFloat(getComputedStyle(ta).lineHeight) || 18));
}

function tabYaml(ctx) {
	const { st } = ctx;
	if (st.source === 'doc') st.yamlText = emitYaml(st.doc);
	const ta = h('textarea', { id: 'yaml-text', class: 'yaml', spellcheck: 'false', wrap: 'off', autocapitalize: 'off', rows: 24, readOnly: !ctx.edit, value: st.yamlText });
	const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
	const numbers = () => {
		const n = ta.value.split('\n').length;
		if (gutter.dataset.lines !== String(n)) {
			gutter.dataset.lines = n;
			gutter.textContent = `${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n\n`;
		}
	};
	ta.addEventListener('input', () => {
		st.yamlText = ta.value;
		markEdited(st, 'yaml');
		numbers();
	});
	ta.addEventListener('scroll', () => { gutter.scrollTop = ta.scrollTop; });
	numbers();
	const result = h('div', { id: 'yaml-problems' });
	const showDiags = verdict => fill(result,
		h('p', { role: 'status' }, verdict || (st.diags.length ? `${diagCounts(st.diags)}:` : '')),
		diagList(st.diags, d => gotoLine(ta, d)));
	showDiags();
	return [
		h('h2', {}, 'YAML'),
		h('div', { class: 'field wide' }, h('label', { for: 'yaml-text' }, 'Project YAML'), h('div', { class: 'yaml-editor' }, gutter, ta)),
		h('div', { class: 'actions' }, h('button', {
			type: 'button', id: 'validate', onclick: act(async () => {
				const r = await api('POST', '/api/validate', { yaml: ta.value });
				st.diags = r.diagnostics || [];
				if (st.source === 'yaml' && isMap(r.doc)) {
					st.doc = r.doc;
					st.yamlChanged = false;
				}
				showDiags(r.valid ? `valid${st.diags.length ? `, ${plural(st.diags.length, 'warning')}:` : ''}` : `invalid: ${diagCounts(st.diags)}:`);
			}),
		}, 'Validate')),
		result,
	];
}

/* ---- project actions ---- */

const planTable = phases => table(['#', 'Component', 'Hosts', 'Reason'],
	phases.map((p, i) => [String(i + 1), p.component, hostList(p.hosts), p.reason]), 'Plan');

async function startRun(st, mode) {
	const [plan, saved] = await Promise.all([api('GET', `/api/projects/${st.name}/plan`), api('GET', `/api/projects/${st.name}`)]);
	const form = await dialog({
		title: `${mode === 'resume' ? 'Resume' : 'Apply'} ${st.name}`,
		ok: mode === 'resume' ? 'Resume run' : 'Start run',
		body: [
			h('p', {}, mode === 'resume'
				? 'Continues the newest unfinished run of this project; phases that succeeded in it are skipped.'
				: `These ${plural(plan.phases.length, 'phase')} run in this order:`),
			planTable(plan.phases),
			hostKeyWarning(saved.doc),
			st.dirty ? h('p', { class: 'warning' }, 'This page has unsaved changes; the run uses the saved project file.') : null,
			labelled('become-password', 'Become password (optional)', h('input', { type: 'password', name: 'become_password', autocomplete: 'off' }),
				'the sudo password of the hosts; it is never stored'),
		],
	});
	if (!form) return;
	const body = { mode };
	if (form.get('become_password')) body.become_password = form.get('become_password');
	const r = await api('POST', `/api/projects/${st.name}/runs`, body);
	location.hash = `#/runs/${encodeURIComponent(r.id)}`;
}

async function buildBundle(name, out) {
	fill(out, h('p', { role: 'status' }, 'Building the bundle… (this downloads the packages)'));
	let m;
	try {
		m = await api('POST', `/api/projects/${name}/bundle`);
	} catch (e) {
		if (e.status !== 400 || !Array.isArray(e.data.missing)) {
			fill(out);
			throw e;
		}
		fill(out, h('section', { class: 'result', 'data-status': 'fail', 'aria-labelledby': 'bundle-title' },
			h('h2', { id: 'bundle-title' }, 'Bundle not built'),
			h('p', {}, `No source for ${plural(e.data.missing.length, 'artefact')}; nothing was written.`),
			h('ul', {}, e.data.missing.map(x => h('li', {}, `component ${x.component}: ${x.kind} ${x.name}: ${x.reason}`)))));
		return;
	}
	const bytes = Object.values(m.files || {}).reduce((sum, f) => sum + (f.size || 0), 0);
	const count = key => (m[key] || []).length;
	fill(out, h('section', { class: 'result', 'data-status': 'ok', 'aria-labelledby': 'bundle-title' },
		h('h2', { id: 'bundle-title' }, 'Bundle built'),
		h('p', {}, `${plural(count('packages'), 'package')}, ${count('binaries')} ${count('binaries') === 1 ? 'binary' : 'binaries'}, ${plural(count('images'), 'image')}, ${(bytes / 1e6).toFixed(1)} MB`),
		h('ul', {},
			(m.binaries || []).map(b => h('li', {}, `${b.name} ${b.version || ''} (${b.source || ''})`)),
			(m.images || []).map(i => h('li', {}, `${i.name}:${i.tag} (built here)`)))));
}

const backLink = name => h('p', { class: 'crumbs' }, h('a', { href: '#/projects' }, 'All projects'), ' / ', h('a', { href: `#/projects/${name}` }, `Project ${name}`));

async function viewPlan(page, name) {
	const plan = await api('GET', `/api/projects/${name}/plan`);
	mount(page, backLink(name), h('h1', {}, 'Plan'),
		h('p', {}, `Project ${name}: ${plural(plan.phases.length, 'phase')}, in the order they run.`), planTable(plan.phases));
}

async function viewPreflight(page, name) {
	const body = h('div');
	const run = h('button', {
		type: 'button', id: 'run-preflight', onclick: act(async () => {
			fill(body, h('p', { role: 'status', class: 'running', 'data-status': 'running' }, 'running… every host is checked over SSH'));
			const r = await api('POST', `/api/projects/${name}/preflight`).catch(e => { fill(body); throw e; });
			if (page.alive()) fill(body, preflightReport(r));
		}),
	}, 'Run preflight');
	mount(page, backLink(name), h('h1', {}, 'Preflight'), can('operator') ? h('div', { class: 'actions' }, run) : h('p', {}, 'Running a preflight needs the operator role.'), body);
	if (can('operator')) run.click();
}

function preflightReport(r) {
	const hosts = r.hosts || [];
	const checks = [...new Set(hosts.flatMap(x => (x.checks || []).map(c => c.name)))];
	const all = hosts.flatMap(x => x.checks || []);
	const fails = all.filter(c => c.status === 'fail').length, warns = all.filter(c => c.status === 'warn').length;
	return [
		h('p', { class: 'banner', 'data-status': r.ok ? 'ok' : 'fail' },
			`preflight ${r.ok ? 'passed' : 'failed'}: ${plural(hosts.length, 'host')}, ${plural(fails, 'failed check')}, ${plural(warns, 'warning')}`),
		table(['Host', ...checks], hosts.map(x => h('tr', {},
			h('th', { scope: 'row' }, x.name, x.address ? h('div', { class: 'muted' }, x.address) : null),
			checks.map(name => {
				const c = (x.checks || []).find(k => k.name === name);
				if (!c) return h('td', {}, '-');
				const cell = statusCell(c.status, h('span', { class: 'word' }, c.status), c.status !== 'ok' && c.detail ? h('div', { class: 'detail' }, c.detail) : null);
				cell.title = c.detail || '';
				return cell;
			}))), 'Preflight results'),
	];
}

const VERIFY_STATUS = { pass: 'ok', fail: 'fail', skip: 'skip' };

function verifyReport(r) {
	const checks = r.checks || [];
	const failed = checks.filter(c => c.status === 'fail').length;
	return [
		h('p', { class: 'banner', 'data-status': r.ok ? 'ok' : 'fail' }, `verified: ${plural(checks.length, 'check')}, ${failed} failed`),
		r.finished ? h('p', { class: 'muted' }, `finished ${fmtDate(r.finished)}`) : null,
		table(['Component', 'Check', 'Status', 'Time', 'Detail'], checks.map(c => [
			c.component, c.name, statusCell(VERIFY_STATUS[c.status] || c.status, c.status),
			c.ms === undefined ? '' : `${(c.ms / 1000).toFixed(1)}s`, c.detail || '',
		]), 'Verification results'),
	];
}

async function viewVerify(page, name) {
	const body = h('div', {}, loading());
	const run = h('button', {
		type: 'button', id: 'run-verify', onclick: act(async () => {
			fill(body, h('p', { role: 'status', class: 'running', 'data-status': 'running' }, 'running… checking over SSH what was installed'));
			const r = await api('POST', `/api/projects/${name}/verify`).catch(e => { fill(body); throw e; });
			if (page.alive()) fill(body, verifyReport(r));
		}),
	}, 'Run verification');
	mount(page, backLink(name), h('h1', {}, 'Verification'), can('operator') ? h('div', { class: 'actions' }, run) : null, body);
	try {
		const r = await api('GET', `/api/projects/${name}/verify`);
		if (body.querySelector('.loading')) fill(body, verifyReport(r));
	} catch (e) {
		if (e.status !== 404) throw e;
		fill(body, h('p', {}, 'No verification report yet.'));
	}
}

/* ---- pages: login, projects, runs, users, account ---- */

async function viewLogin(page) {
	const name = h('input', { name: 'name', autocomplete: 'username', required: true });
	const form = h('form', {
		class: 'card narrow', onsubmit: act(async () => {
			const fd = new FormData(form);
			session = await api('POST', '/api/login', { name: fd.get('name'), password: fd.get('password') });
			clearMessages();
			renderHeader();
			location.hash = returnTo.startsWith('#/login') ? '#/projects' : returnTo;
		}),
	},
	h('h1', {}, 'Log in'),
	labelled('login-name', 'Name', name),
	labelled('login-password', 'Password', h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true })),
	h('button', { type: 'submit', class: 'primary' }, 'Log in'));
	mount(page, form);
	name.focus();
}

const projectsCell = v => (Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v));

async function viewProjects(page) {
	const list = await api('GET', '/api/projects');
	const names = new Set(list.map(p => p.name));
	const input = h('input', { name: 'name', autocomplete: 'off', placeholder: 'a-z, 0-9 and -' });
	const create = h('form', {
		class: 'inline', onsubmit: act(() => {
			const name = input.value.trim();
			input.focus();
			if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
				throw new Error('A project name is 1 to 63 of a-z, 0-9 and -, starting with a letter.');
			if (names.has(name)) throw new Error(`A project named ${name} exists already.`);
			drafts.set(name, newDraft(name));
			location.hash = `#/projects/${name}`;
		}),
	}, labelled('new-project-name', 'Project name', input), h('button', { type: 'submit', class: 'primary' }, 'New project'));
	const validity = p => {
		const w = p.warnings ? `, ${plural(p.warnings, 'warning')}` : '';
		return p.valid ? statusCell(p.warnings ? 'warn' : 'ok', `valid${w}`) : statusCell('fail', `invalid: ${plural(p.errors || 0, 'error')}${w}`);
	};
	mount(page, h('h1', {}, 'Projects'), can('operator') ? create : null,
		list.length ? table(['Name', 'Status', 'Hosts', 'Components', 'Last run', ''], list.map(p => [
			h('a', { href: `#/projects/${p.name}` }, p.name),
			validity(p),
			Array.isArray(p.hosts) ? String(p.hosts.length) : projectsCell(p.hosts),
			projectsCell(p.components),
			p.last_run ? [h('a', { href: `#/runs/${encodeURIComponent(p.last_run.id)}` }, status(p.last_run.state)), ' ', fmtDate(p.last_run.started)] : 'never',
			can('operator') ? h('button', { type: 'button', onclick: act(() => deleteProject(p.name)) }, 'Delete', sr(` ${p.name}`)) : '',
		]), 'Projects') : h('p', {}, 'No projects yet.'));
}

async function deleteProject(name) {
	const ok = await dialog({ title: `Delete project ${name}?`, ok: 'Delete', body: h('p', {}, 'The project file is removed; its runs stay in the journal.') });
	if (!ok) return;
	await api('DELETE', `/api/projects/${name}`);
	drafts.delete(name);
	notice(`Deleted project ${name}.`);
	route(true);
}

function runDuration(r) {
	if (typeof r.finished === 'number' && typeof r.started === 'number')
		return fmtDuration((r.finished - r.started) * 1000);
	return r.state === 'running' ? (r.live === false ? '' : 'running') : '';
}

async function viewRuns(page) {
	const project = page.query.get('project');
	const runs = await api('GET', `/api/runs${project ? `?project=${encodeURIComponent(project)}` : ''}`);
	mount(page, h('h1', {}, project ? `Runs of ${project}` : 'Runs'),
		project ? h('p', { class: 'crumbs' }, h('a', { href: `#/projects/${project}` }, `Project ${project}`), ' / ', h('a', { href: '#/runs' }, 'all runs')) : null,
		runs.length ? table(['Run', 'Project', 'State', 'Started', 'Duration', 'Started by'], runs.map(r => [
			h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.id),
			h('a', { href: `#/projects/${r.project}` }, r.project),
			statusCell(r.state), fmtDate(r.started), runDuration(r), startedBy(r),
		]), 'Runs') : h('p', {}, 'No runs yet.'));
}

const ROLES = ['viewer', 'operator', 'admin'];

async function viewUsers(page) {
	const users = await api('GET', '/api/users');
	const form = h('form', {
		class: 'card', onsubmit: act(async () => {
			const fd = new FormData(form);
			await api('POST', '/api/users', { name: fd.get('name'), role: fd.get('role'), password: fd.get('password') });
			notice(`Added ${fd.get('name')} (${fd.get('role')}).`);
			route(true);
		}),
	},
	h('h2', {}, 'Add a user'),
	labelled('user-name', 'Name', h('input', { name: 'name', required: true, autocomplete: 'off' })),
	labelled('user-role', 'Role', h('select', { name: 'role' }, ROLES.map(r => h('option', { value: r }, r)))),
	labelled('user-password', 'Password', h('input', { type: 'password', name: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), 'at least 8 characters'),
	h('button', { type: 'submit', class: 'primary' }, 'Add user'));
	const remove = async name => {
		if (!await dialog({ title: `Remove user ${name}?`, ok: 'Remove', body: h('p', {}, 'Their sessions and tokens stop working.') }))
			return;
		await api('DELETE', `/api/users/${encodeURIComponent(name)}`);
		notice(`Removed ${name}.`);
		route(true);
	};
	const setPassword = async name => {
		const fd = await dialog({
			title: `Set the password of ${name}`, ok: 'Set password', body: [
				labelled('set-password', 'New password', h('input', { type: 'password', name: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), 'at least 8 characters'),
				h('p', {}, 'Their sessions end; their API tokens stay good.')],
		});
		if (!fd) return;
		await api('PUT', `/api/users/${encodeURIComponent(name)}/password`, { password: fd.get('password') });
		clearMessages();
		notice(`Set the password of ${name}.`);
	};
	mount(page, h('h1', {}, 'Users'),
		table(['Name', 'Role', '', ''], users.map(u => [u.name, u.role,
			h('button', { type: 'button', onclick: act(() => setPassword(u.name)) }, 'Set password', sr(` of ${u.name}`)),
			h('button', { type: 'button', onclick: act(() => remove(u.name)) }, 'Remove', sr(` ${u.name}`))]), 'Users'),
		form);
}

/* Secrets: names and when they were set; nobody reads a value back.  An
 * operator sets one (the field is cleared once sent) or removes one. */
async function viewSecrets(page) {
	const secrets = await api('GET', '/api/secrets');
	const value = h('input', { type: 'password', name: 'value', required: true, autocomplete: 'new-password' });
	const form = h('form', {
		class: 'card', onsubmit: act(async () => {
			const name = new FormData(form).get('name');
			const v = value.value;
			value.value = '';
			await api('PUT', `/api/secrets/${encodeURIComponent(name)}`, { value: v });
			notice(`Set secret ${name}.`);
			route(true);
		}),
	},
	h('h2', {}, 'Set a secret'),
	labelled('secret-name', 'Name', h('input', { name: 'name', required: true, autocomplete: 'off', pattern: '[a-z0-9_\\-]{1,63}' }),
		'1 to 63 of a-z 0-9 _ -; a project refers to it as {secret: NAME}'),
	labelled('secret-value', 'Value', value, 'replaces any value it had; it cannot be read back'),
	h('button', { type: 'submit', class: 'primary' }, 'Set secret'));
	const remove = async name => {
		if (!await dialog({ title: `Remove secret ${name}?`, ok: 'Remove', body: h('p', {}, 'Projects that refer to it stop at their next run.') }))
			return;
		await api('DELETE', `/api/secrets/${encodeURIComponent(name)}`);
		notice(`Removed secret ${name}.`);
		route(true);
	};
	mount(page, h('h1', {}, 'Secrets'),
		table(['Name', 'Set', ''], secrets.map(s => [s.name, s.set || '',
			can('operator') ? h('button', { type: 'button', onclick: act(() => remove(s.name)) }, 'Remove', sr(` ${s.name}`)) : '']), 'Secrets'),
		can('operator') ? form : null);
}

/* The logged-in user's own password: the current one is asked for, so a
 * session left open is not enough to take the account over. */
async function viewAccount(page) {
	const form = h('form', {
		class: 'card narrow', onsubmit: act(async () => {
			const fd = new FormData(form);
			if (fd.get('new') !== fd.get('again')) {
				form.elements.again.focus();
				throw new Error('The new passwords differ.');
			}
			await api('POST', '/api/session/password', { current: fd.get('current'), new: fd.get('new') });
			form.reset();
			clearMessages();
			notice('Your password is changed; your other sessions are logged out.');
		}),
	},
	h('h1', {}, 'Change my password'),
	h('input', { type: 'text', name: 'username', autocomplete: 'username', value: session.user, readOnly: true, hidden: true }),
	labelled('account-current', 'Current password', h('input', { type: 'password', name: 'current', autocomplete: 'current-password', required: true })),
	labelled('account-new', 'New password', h('input', { type: 'password', name: 'new', autocomplete: 'new-password', required: true, minlength: 8 }), 'at least 8 characters'),
	labelled('account-again', 'The new password again', h('input', { type: 'password', name: 'again', autocomplete: 'new-password', required: true, minlength: 8 })),
	h('button', { type: 'submit', class: 'primary' }, 'Change password'));
	mount(page, form);
}

/* ---- the audit log (admin): who did what, newest first ---- */

const AUDIT_FIXED = new Set(['time', 'actor', 'via', 'address', 'action']);
const AUDIT_LIMITS = [100, 200, 500, 1000];
const startedBy = r => (r.started_by && r.started_by.user ? `${r.started_by.user} (${r.started_by.via || '?'})` : '');

/* An entry's detail as "key=value" words, values as text. */
const auditWhat = e => Object.entries(e).filter(([k]) => !AUDIT_FIXED.has(k))
	.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');

async function viewAudit(page) {
	const limit = AUDIT_LIMITS.includes(Number(page.query.get('limit'))) ? Number(page.query.get('limit')) : 200;
	const log = await api('GET', `/api/audit?limit=${limit}`);
	const pick = h('select', {
		name: 'limit', onchange: ev => { location.hash = `#/audit?limit=${ev.target.value}`; },
	}, AUDIT_LIMITS.map(n => h('option', { value: n, selected: n === limit ? 'selected' : null }, `the newest ${n}`)));
	mount(page, h('h1', {}, 'Audit log'),
		h('p', {}, 'Logins, user, secret and project changes, and runs started or stopped, from the web GUI, the command line and the TUI (STATE/audit.jsonl).'),
		h('form', { class: 'inline', onsubmit: ev => ev.preventDefault() }, labelled('audit-limit', 'Show', pick)),
		log.damaged.length ? h('p', {}, status('warn', 'damaged'), ` ${plural(log.damaged.length, 'line')} of the log skipped: line ${log.damaged.slice().reverse().join(', ')}.`) : null,
		log.partial ? h('p', { class: 'muted' }, 'Only the end of a very large log was read.') : null,
		log.entries.length ? table(['Time', 'Actor', 'Via', 'Address', 'Action', 'What'], log.entries.map(e => [
			fmtDate(e.time), e.actor, e.via, e.address || '', e.action, auditWhat(e),
		]), 'Audit log') : h('p', {}, 'Nothing recorded yet.'));
}

/* ---- the run page: a model fed by the summary and then by the event stream ---- */

const RESULT_LETTER = { ok: 'O', changed: 'C', failed: 'F', skipped: 'S', unreachable: 'U' };
const LOG_LINES = 2000;
const MATRIX_ROWS = 300;

function newPhase(n, component) {
	return { n, component, hosts: [], status: 'pending', done: 0, total: 0, seen: 0, task: '', results: {}, failures: [], columns: [], columnOf: {}, cells: {} };
}

function runModel(s) {
	return {
		id: s.id, project: s.project, state: s.state, live: s.live !== false, started: s.started, finished: s.finished,
		duration: null, current: 0, selected: 0, lastId: 0, log: [], logDirty: false, stopping: false,
		phases: (s.phases || []).map((p, i) => Object.assign(newPhase(i + 1, p.component), {
			hosts: p.hosts || [], status: p.status || 'pending', done: p.tasks_done || 0, total: p.tasks_total || 0,
			duration: p.duration_ms, results: p.results || {}, failures: p.failures || [], task: p.current_task || '',
		})),
	};
}

function phaseAt(m, e) {
	while (m.phases.length < e.phase) m.phases.push(newPhase(m.phases.length + 1, e.component));
	return m.phases[e.phase - 1];
}

function addColumn(p, e, handler) {
	const col = { index: e.index, task: e.task, handler, n: p.columns.length + 1 };
	p.columns.push(col);
	p.columnOf[`${handler ? 'h' : 't'}${e.index}`] = col;
}

/* How each event changes the model (as the engine keeps summary.json). */
const RUN_EVENTS = {
	run_start(m, e) {
		m.phases = (e.phases || []).map((c, i) => (m.phases[i] && m.phases[i].component === c ? m.phases[i] : newPhase(i + 1, c)));
		m.state = 'running';
	},
	phase_start(m, e) {
		Object.assign(phaseAt(m, e), newPhase(e.phase, e.component), { status: 'running', hosts: e.hosts || [], total: e.tasks_estimate || 0 });
		m.current = e.phase;
	},
	phase_skip(m, e) {
		const p = phaseAt(m, e);
		p.note = e.reason;
		if (p.status === 'pending') p.status = 'skipped';
	},
	play_start(m, e) {
		const p = phaseAt(m, e);
		p.seen += e.tasks_total || 0;
		p.total = Math.max(p.total, p.seen);
	},
	task_start(m, e) {
		const p = phaseAt(m, e);
		p.done++;
		p.total = Math.max(p.total, p.done);
		p.task = e.task;
		addColumn(p, e, false);
	},
	handler_start(m, e) {
		const p = phaseAt(m, e);
		p.task = e.task;
		addColumn(p, e, true);
	},
	host_result(m, e) {
		const p = phaseAt(m, e);
		let col = p.columnOf[`${e.handler ? 'h' : 't'}${e.index}`];
		if (!col) {
			addColumn(p, e, !!e.handler);
			col = p.columns[p.columns.length - 1];
		}
		const row = p.cells[e.host] || (p.cells[e.host] = {});
		const old = row[col.n];
		if (!old || !(old.status === 'failed' || old.status === 'unreachable'))
			row[col.n] = { status: e.status, msg: e.msg || '' };
		const counts = p.results[e.host] || (p.results[e.host] = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 });
		counts[e.status] = (counts[e.status] || 0) + 1;
		if ((e.status === 'failed' || e.status === 'unreachable') && !e.ignored)
			p.failures.push({ host: e.host, task: e.task, status: e.status, msg: e.msg, stderr_tail: e.stderr_tail, stdout_tail: e.stdout_tail });
	},
	phase_end(m, e) {
		Object.assign(phaseAt(m, e), { status: e.status, duration: e.duration_ms, results: e.results || {}, failures: e.failures || [], task: '' });
	},
	run_end(m, e) {
		m.state = e.status;
		m.duration = e.duration_ms;
		m.live = false;
	},
};

/* One log line per event, or nothing. */
const RUN_LOG = {
	run_start: e => `run ${e.run}${e.resumed ? ' resumed' : ''}: ${plural((e.phases || []).length, 'phase')}`,
	phase_start: e => `phase ${e.phase}/${e.phases_total} ${e.component} on ${plural((e.hosts || []).length, 'host')}`,
	phase_skip: e => `phase ${e.phase} ${e.component} skipped: ${e.reason}`,
	play_start: e => `play ${e.play}`,
	task_start: e => `task ${e.task}`,
	handler_start: e => `handler ${e.task}`,
	host_result: e => `${e.host} ${String(e.status).padEnd(7)} ${e.task}${e.ignored ? ' (ignored)' : ''}${(e.status === 'failed' || e.status === 'unreachable') && e.msg ? `: ${e.msg}` : ''}`,
	phase_end: e => `phase ${e.phase} ${e.component} ${e.status} in ${fmtDuration(e.duration_ms)}`,
	run_end: e => `run ${e.status} in ${fmtDuration(e.duration_ms)}`,
};

const runState = m => (m.state === 'running' && !m.live ? 'interrupted' : m.state);

function drawRun(m, els) {
	const state = runState(m);
	const duration = m.duration !== null ? m.duration : typeof m.finished === 'number' && typeof m.started === 'number' ? (m.finished - m.started) * 1000 : null;
	const bannerText = `${state}${state === 'interrupted' && m.state === 'running' ? " (the run's process is gone)" : ''}${duration !== null ? ` in ${fmtDuration(duration)}` : ''}`;
	if (els.state.textContent !== bannerText) {
		els.banner.dataset.status = state;
		els.state.textContent = bannerText;
	}
	els.stop.parentElement.hidden = !(can('operator') && m.state === 'running' && m.live);
	els.stop.disabled = m.stopping;
	els.stop.textContent = m.stopping ? 'Stopping…' : 'Stop';

	const failures = m.phases.flatMap(p => p.failures.map(f => ({ ...f, phase: p })));
	keepFocus(() => {
		fill(els.failures, (failures.length ? [h('section', { class: 'failures', 'aria-labelledby': 'failures-title' },
			h('h2', { id: 'failures-title' }, failures.length === 1 ? 'Failure' : `${failures.length} failures`),
			h('ul', {}, failures.map(f => h('li', {},
				h('p', {}, h('strong', {}, `phase ${f.phase.n} ${f.phase.component}: ${f.host || '(no host)'}`), f.task ? ` task "${f.task}"` : '', f.status ? ` ${f.status}` : ''),
				f.msg ? h('p', { class: 'msg' }, f.msg) : null,
				f.ssh ? h('p', { class: 'msg' }, f.ssh) : null,
				f.stderr_tail ? h('pre', { class: 'tail' }, f.stderr_tail) : f.stdout_tail ? h('pre', { class: 'tail' }, f.stdout_tail) : null))))] : []));

		const cur = m.phases[m.current - 1];
		els.current.textContent = cur && cur.status === 'running'
			? `phase ${cur.n}/${m.phases.length} ${cur.component}: ${cur.task || 'starting'} on ${plural(cur.hosts.length, 'host')}` : '';

		fill(els.phases, h('ol', { class: 'phases' }, m.phases.map(p => {
			const pct = p.status === 'succeeded' ? 100 : p.total ? Math.min(100, Math.round((100 * p.done) / p.total)) : 0;
			const bar = h('div', { class: 'bar' });
			bar.style.width = `${pct}%`;
			const sums = {};
			Object.values(p.results).forEach(r => Object.entries(r).forEach(([k, v]) => { sums[k] = (sums[k] || 0) + v; }));
			return h('li', { class: p.n === shownPhase(m) ? 'shown' : null },
				h('button', { type: 'button', class: 'link', id: `phase-${p.n}`, 'aria-pressed': String(p.n === shownPhase(m)), onclick: () => { m.selected = p.n; drawRun(m, els); } },
					`${p.n}. ${p.component}`),
				' ', status(p.status), p.note ? h('span', { class: 'muted' }, ` (${p.note})`) : null,
				h('div', { class: 'progress', role: 'progressbar', 'aria-label': `phase ${p.n} ${p.component}`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct }, bar),
				h('span', { class: 'muted' }, p.status === 'succeeded' ? plural(p.done, 'task') : `${p.done}/${p.total} tasks`,
					Object.keys(sums).length ? `; ${['ok', 'changed', 'failed', 'unreachable', 'skipped'].map(k => `${k} ${sums[k] || 0}`).join(', ')}` : '',
					p.duration !== undefined && p.duration !== null ? `; ${fmtDuration(p.duration)}` : ''),
				p.status !== 'pending' && p.status !== 'skipped' ? [' ', h('a', { href: `/api/runs/${encodeURIComponent(m.id)}/log/${p.n}`, target: '_blank', rel: 'noopener' }, 'Ansible log', sr(` of phase ${p.n}`))] : null);
		})));
		fill(els.matrix, taskMatrix(m.phases[shownPhase(m) - 1]));
	});

	if (m.logDirty) {
		const log = els.log, atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
		log.textContent = m.log.join('\n');
		if (atEnd) log.scrollTop = log.scrollHeight;
		m.logDirty = false;
	}
}

/* The phase whose tasks are shown: the chosen one, else the current, else the last started. */
function shownPhase(m) {
	if (m.selected) return m.selected;
	if (m.current) return m.current;
	const started = m.phases.filter(p => p.status !== 'pending' && p.status !== 'skipped');
	return started.length ? started[started.length - 1].n : 1;
}

function taskMatrix(p) {
	if (!p) return [];
	const title = h('h2', {}, `Tasks of phase ${p.n} ${p.component}`);
	if (!p.columns.length)
		return [title, h('p', {}, p.status === 'pending' ? 'Not started.' : 'No task results in this view.')];
	const bad = host => Object.values(p.cells[host] || {}).some(c => c.status === 'failed' || c.status === 'unreachable');
	const hosts = [...new Set([...p.hosts, ...Object.keys(p.cells)])].sort((a, b) => bad(b) - bad(a));
	return [
		title,
		h('p', { class: 'legend' }, 'O ok, C changed, F failed, S skipped, U unreachable; a column is a task (its name is in the header\'s tooltip and listed below).'),
		table([h('th', { scope: 'col' }, 'Host'), ...p.columns.map(c => h('th', { scope: 'col', title: c.task }, `${c.handler ? 'h' : ''}${c.index}`))],
			hosts.slice(0, MATRIX_ROWS).map(host => h('tr', {}, h('th', { scope: 'row' }, host), p.columns.map(c => {
				const r = (p.cells[host] || {})[c.n];
				if (!r) return h('td', {}, '');
				return h('td', { class: 'cell', 'data-status': r.status, title: `${c.task}: ${r.status}${r.msg ? ` - ${r.msg}` : ''}` }, RESULT_LETTER[r.status] || '?');
			}))), 'Task results'),
		hosts.length > MATRIX_ROWS ? h('p', { class: 'muted' }, `Showing ${MATRIX_ROWS} of ${hosts.length} hosts, failed hosts first.`) : null,
		h('details', {}, h('summary', {}, 'Task names'),
			h('ol', { class: 'tasks' }, p.columns.map(c => h('li', {}, `${c.handler ? 'handler h' : ''}${c.index}: ${c.task}`)))),
	];
}

async function viewRun(page, id) {
	const s = await api('GET', `/api/runs/${encodeURIComponent(id)}`);
	const m = runModel(s);
	const els = {
		state: h('strong', { class: 'state' }),
		current: h('p', { class: 'current' }),
		failures: h('div'), phases: h('div'), matrix: h('div', { class: 'matrix' }),
		log: h('pre', { class: 'log', tabindex: 0, role: 'log', 'aria-label': 'Run log' }),
	};
	els.stop = h('button', {
		type: 'button', id: 'stop', class: 'danger', onclick: act(async () => {
			await api('POST', `/api/runs/${encodeURIComponent(id)}/stop`);
			m.stopping = true;
			notice('Stopping after the current task…');
			drawRun(m, els);
		}),
	}, 'Stop');
	els.banner = h('div', { class: 'banner', role: 'status' }, 'Run state: ', els.state, ' · project ',
		h('a', { href: `#/projects/${s.project}` }, s.project), s.started ? ` · started ${fmtDate(s.started)}` : '',
		startedBy(s) ? ` by ${startedBy(s)}` : '');
	mount(page, h('p', { class: 'crumbs' }, h('a', { href: '#/runs' }, 'All runs')), h('h1', {}, `Run ${id}`), els.banner,
		h('div', { class: 'actions' }, els.stop), els.failures, els.current,
		h('h2', {}, 'Phases'), els.phases, els.matrix, h('h2', {}, 'Log'), els.log);

	let timer = 0;
	const later = () => { timer = timer || setTimeout(() => { timer = 0; drawRun(m, els); }, 150); };
	drawRun(m, els);
	const es = new EventSource(`/api/runs/${encodeURIComponent(id)}/events`);
	page.onLeave(() => {
		es.close();
		clearTimeout(timer);
	});
	es.onmessage = msg => {
		const n = Number(msg.lastEventId);
		if (n && n <= m.lastId) return;
		m.lastId = n || m.lastId;
		let e;
		try {
			e = JSON.parse(msg.data);
		} catch {
			return;
		}
		if (RUN_EVENTS[e.event]) RUN_EVENTS[e.event](m, e);
		const line = RUN_LOG[e.event] && RUN_LOG[e.event](e);
		if (line) {
			m.log.push(`${typeof e.ts === 'number' ? fmtClock(e.ts) : '--:--:--'} ${line}`);
			if (m.log.length > LOG_LINES) m.log.splice(0, m.log.length - LOG_LINES);
			m.logDirty = true;
		}
		if (e.event === 'run_end') es.close();
		later();
	};
	/* The stream ended or broke: EventSource reconnects by itself (with
	 * Last-Event-ID) while the run lives; once it is gone, stop and take its summary. */
	es.onerror = async () => {
		if (es.readyState === EventSource.CLOSED && m.live === false) return;
		try {
			const now = await api('GET', `/api/runs/${encodeURIComponent(id)}`);
			if (!now.live && page.alive()) {
				es.close();
				Object.assign(m, { live: false, state: now.state, finished: now.finished });
				later();
			}
		} catch (e) {
			es.close();
			if (page.alive()) report(e);
		}
	};
}

/* ---- start ---- */

window.addEventListener('hashchange', () => route());
window.addEventListener('beforeunload', ev => {
	if ([...drafts.values()].some(st => st.dirty)) ev.preventDefault();
});
route();
