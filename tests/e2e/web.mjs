// tests/e2e/web.mjs: a person's way through the web GUI, in headless chromium.
//
// Run by tests/e2e/web.sh, which starts the server and passes E2E_URL,
// E2E_USER, E2E_PASSWORD, E2E_SHOTS (screenshot directory) and E2E_KEY (the
// lab's private key, uploaded through the GUI).  Prints "ok - " / "not ok - " lines; a step
// that fails ends the walk (what follows depends on it).
import { chromium } from './node_modules/playwright-core/index.mjs';
import { join } from 'node:path';

const env = name => {
	if (!process.env[name]) throw new Error(`${name} is not set`);
	return process.env[name];
};
const url = env('E2E_URL'), shots = env('E2E_SHOTS');
const hosts = [
	{ name: 'master1', address: '10.77.0.11', roles: ['master', 'etcd'] },
	{ name: 'worker1', address: '10.77.0.14', roles: ['worker'] },
	{ name: 'registry1', address: '10.77.0.19', roles: ['registry', 'monitoring'] },
];

let step = 0;
async function check(desc, fn) {
	try {
		await fn();
		console.log(`ok - ${desc}`);
	} catch (e) {
		console.log(`not ok - ${desc}`);
		console.log(`# ${String(e.message || e).split('\n').slice(0, 6).join('\n# ')}`);
		throw e;
	}
}
const shot = (page, name) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
const expectText = async (locator, re, timeout = 30000) => {
	await locator.first().waitFor({ timeout });
	const deadline = Date.now() + timeout;
	for (;;) {
		const t = await locator.first().textContent();
		if (re.test(t)) return t;
		if (Date.now() > deadline) throw new Error(`expected ${re} in "${t}"`);
		await new Promise(r => setTimeout(r, 250));
	}
};

// launch() gives chromium a fresh --user-data-dir of its own and removes it at close.
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run'],
});
const problems = []; // console errors and CSP reports, from every page
const newPage = async () => {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await ctx.newPage();
	// A 401 before login and a 404 for a report not made yet are answers, not faults.
	page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text()); });
	page.on('pageerror', e => problems.push(String(e)));
	return page;
};
const login = async page => {
	await page.goto(url);
	await page.getByLabel('Name', { exact: true }).fill(env('E2E_USER'));
	await page.getByLabel('Password', { exact: true }).fill(env('E2E_PASSWORD'));
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor();
};

let page = await newPage();
let runId = '';
try {
	await check('a wrong password is refused with a message; the right one opens the projects page', async () => {
		await page.goto(url);
		await page.getByLabel('Name', { exact: true }).fill(env('E2E_USER'));
		await page.getByLabel('Password', { exact: true }).fill('not-the-password');
		await page.getByRole('button', { name: 'Log in' }).click();
		await expectText(page.getByRole('alert'), /wrong user name or password/);
		await shot(page, 'login-refused');
		await login(page);
		await shot(page, 'projects-empty');
	});

	await check('a new project for three lab hosts is made in the forms and saved', async () => {
		await page.getByLabel('Project name').fill('weblab');
		await page.getByRole('button', { name: 'New project' }).click();
		await page.getByRole('heading', { level: 1, name: 'Project weblab' }).waitFor();
		for (let i = 0; i < hosts.length; i++) {
			const n = i + 1, hst = hosts[i];
			if (i > 0) await page.getByRole('button', { name: 'Add host' }).click();
			await page.getByLabel(`Host ${n} name`, { exact: true }).fill(hst.name);
			await page.getByLabel(`Host ${n} address`, { exact: true }).fill(hst.address);
			for (const r of hst.roles) await page.getByLabel(`Host ${n} role ${r}`, { exact: true }).check();
		}
		await shot(page, 'hosts');
		await page.getByRole('tab', { name: 'Network' }).click();
		await page.getByLabel('Host networks (host_cidrs)').fill('10.77.0.0/24');
		await page.getByRole('tab', { name: 'SSH & artefacts' }).click();
		await page.getByLabel('SSH user (ssh.user)').fill('root');
		// The lab's key goes into the state directory through the upload
		// form, which then makes it the project's key; known_hosts is the
		// state's own, which web.sh filled with the lab's host keys.
		await expectText(page.locator('#known-hosts-note'), /state directory's known_hosts/);
		await page.getByLabel('Key name').fill('weblab');
		await page.getByLabel('Private key file').setInputFiles(env('E2E_KEY'));
		await page.getByRole('button', { name: 'Upload key' }).click();
		await expectText(page.getByRole('status').filter({ hasText: 'Imported' }), /Imported key weblab \(SHA256:/);
		await page.waitForFunction(() => document.getElementById('f-ssh-key_file')?.value === 'weblab', null, { timeout: 10000 });
		const option = await page.getByLabel('Key (ssh.key_file)').locator('option:checked').textContent();
		if (!/^weblab \(ssh-ed25519 SHA256:/.test(option)) throw new Error(`the key is shown as '${option}'`);
		await page.getByLabel('Host key policy (ssh.host_key_policy)').selectOption('strict');
		await page.getByLabel('Artefact source (artefacts.source)').selectOption('offline');
		await page.getByLabel('Bundle name (artefacts.bundle)').fill('weblab');
		await shot(page, 'ssh');
		await page.getByRole('tab', { name: 'Components' }).click();
		await page.getByLabel('base', { exact: true }).check();
		await shot(page, 'components');
		await page.getByRole('button', { name: 'Save' }).click();
		await expectText(page.getByRole('status').filter({ hasText: 'Saved' }), /Saved weblab/);
	});

	await check('the YAML view shows the file, and a bad address is shown at its line and not saved', async () => {
		await page.getByRole('tab', { name: 'YAML' }).click();
		const yaml = page.getByLabel('Project YAML');
		const text = await yaml.inputValue();
		if (!/name: weblab/.test(text) || !/10\.77\.0\.19/.test(text)) throw new Error(`YAML view: ${text.slice(0, 200)}`);
		await yaml.fill(text.replace('10.77.0.19', '10.77.0.300'));
		await page.getByRole('button', { name: 'Validate' }).click();
		const line = text.split('\n').findIndex(l => l.includes('10.77.0.19')) + 1;
		await expectText(page.locator('main'), new RegExp(`${line}:\\d+: error: .*10\\.77\\.0\\.300`));
		await shot(page, 'yaml-error');
		await yaml.fill(text);
		await page.getByRole('button', { name: 'Validate' }).click();
	});

	await check('host_key_policy off shows a warning on the project page; choosing accept-new again removes it', async () => {
		await page.getByRole('tab', { name: 'SSH & artefacts' }).click();
		const policy = page.getByLabel('Host key policy (ssh.host_key_policy)');
		await policy.selectOption('off');
		await expectText(page.locator('#host-key-note'), /host keys are not verified \(ssh\.host_key_policy: off\)/);
		await shot(page, 'host-keys-off');
		await policy.selectOption('accept-new');
		if ((await page.locator('#host-key-note').textContent()).trim() !== '') throw new Error('the warning stayed after accept-new');
		await page.getByRole('button', { name: 'Save' }).click();
		await expectText(page.getByRole('status').filter({ hasText: 'Saved' }), /Saved weblab/);
	});

	await check('preflight shows a host x check table with every host ok', async () => {
		await page.getByRole('link', { name: 'Preflight' }).click();
		await page.getByRole('heading', { level: 1, name: 'Preflight' }).waitFor();
		const table = page.locator('table');
		await table.first().waitFor({ timeout: 120000 });
		for (const hst of hosts) await expectText(table, new RegExp(hst.name));
		const fails = await page.locator('td[data-status="fail"]').count();
		const oks = await page.locator('td[data-status="ok"]').count();
		await shot(page, 'preflight');
		if (fails !== 0 || oks < hosts.length) throw new Error(`${fails} failed cells, ${oks} ok cells`);
	});

	await check('the offline bundle is built from the project page', async () => {
		await page.goBack();
		await page.getByRole('heading', { level: 1, name: 'Project weblab' }).waitFor();
		await page.getByRole('button', { name: 'Build bundle' }).click();
		await expectText(page.locator('#bundle-title'), /Bundle built/, 300000);
		await shot(page, 'bundle');
	});

	await check('apply starts a run and the run page shows live progress', async () => {
		await page.getByRole('button', { name: 'Apply' }).click();
		await page.getByRole('button', { name: 'Start run' }).click();
		await page.getByRole('heading', { level: 1, name: /^Run / }).waitFor();
		runId = (await page.getByRole('heading', { level: 1 }).textContent()).replace(/^Run /, '').trim();
		await expectText(page.locator('.banner'), /running/);
		await page.locator('progress, [role="progressbar"]').first().waitFor({ timeout: 60000 });
		await shot(page, 'run-live');
	});

	await check('the browser closed mid-run and opened again: the run went on and reaches success', async () => {
		await page.context().close();
		page = await newPage();
		await login(page);
		await page.goto(`${url}#/runs/${runId}`);
		await expectText(page.locator('.banner'), /succeeded/, 900000);
		const failedCells = await page.locator('[data-status="failed"]').count();
		await shot(page, 'run-succeeded');
		if (failedCells !== 0) throw new Error(`${failedCells} failed cells on the run page`);
	});

	await check('run history lists the run as succeeded', async () => {
		await page.goto(`${url}#/runs`);
		await expectText(page.locator('table'), new RegExp(`${runId}[\\s\\S]*weblab[\\s\\S]*succeeded`));
		await shot(page, 'runs');
	});

	await check('the audit page shows the failed and the good login and who started the run', async () => {
		await page.goto(`${url}#/audit`);
		await expectText(page.locator('table'), /run\.start[\s\S]*project=weblab[\s\S]*login\.ok[\s\S]*login\.fail[\s\S]*reason=wrong password/);
		await page.goto(`${url}#/runs/${runId}`);
		await expectText(page.locator('.banner'), new RegExp(`by ${env('E2E_USER')} \\(web\\)`));
		await shot(page, 'audit');
	});

	await check('the verification report shows every check passed', async () => {
		await page.goto(`${url}#/projects/weblab/verify`);
		await page.getByRole('button', { name: 'Run verification' }).click();
		await expectText(page.locator('.banner'), /verified: \d+ checks?, 0 failed/, 300000);
		await shot(page, 'verify');
	});

	await check('a narrow window (400 px) still shows the run page whole', async () => {
		await page.setViewportSize({ width: 400, height: 800 });
		await page.goto(`${url}#/runs/${runId}`);
		await expectText(page.locator('.banner'), /succeeded/);
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		await shot(page, 'narrow');
		if (overflow > 1) throw new Error(`the page is ${overflow} px wider than the window`);
	});

	await check('a form post cannot log in (415), and the GUI deletes a project (its DELETE says JSON)', async () => {
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.goto(`${url}#/projects`);
		await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor();
		const codes = await page.evaluate(async () => {
			const form = await fetch('/api/login', { method: 'POST', body: new URLSearchParams({ name: 'x', password: 'y' }) });
			const { csrf } = await (await fetch('/api/session')).json();
			const { yaml } = await (await fetch('/api/projects/weblab')).json();
			const put = await fetch('/api/projects/scratch', {
				method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
				body: JSON.stringify({ yaml: yaml.replace('name: weblab', 'name: scratch') }),
			});
			return [form.status, put.status];
		});
		if (codes[0] !== 415 || codes[1] !== 201) throw new Error(`form login ${codes[0]}, PUT scratch ${codes[1]}`);
		await page.reload();
		await page.getByRole('button', { name: 'Delete scratch' }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
		await expectText(page.getByRole('status').filter({ hasText: 'Deleted' }), /Deleted project scratch/);
	});

	await check('no script error or CSP violation in any page', async () => {
		if (problems.length) throw new Error(problems.slice(0, 5).join('\n'));
	});
} catch {
	process.exitCode = 1;
} finally {
	await browser.close();
}
