// A throwaway Redis from Debian's redis-server package, as queue mode's and the shared budget's specs use it:
// a loopback port of its own, no persistence, a password (as a production Redis has one).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RedisConnection, type RedisReply } from '../nodes/UserFlowApiConnectors/transport/redis';
import { repositoryFile } from '../emulator/http';
import { freePort } from './realN8n';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
	port: number;
	password: string;
	/** Whether it speaks TLS only, with the emulator's certificate for 127.0.0.1 (its CA in NODE_EXTRA_CA_CERTS). */
	tls: boolean;
	stop(): Promise<void>;
}

/** Resolved once it accepts connections; an error that says what to install when redis-server is missing. */
export async function startRedis({
	redisServer = REDIS_SERVER,
	tls = false,
}: { redisServer?: string; tls?: boolean } = {}): Promise<RedisServer> {
	if (!existsSync(redisServer))
		throw new Error(
			`${redisServer} not found: install Debian's redis-server (sudo apt-get install -y --no-install-recommends redis-server), as .ci/run does`,
		);
	const folder = mkdtempSync(join(tmpdir(), 'n8n-entra-redis-'));
	const port = await freePort();
	const password = `redis-${randomBytes(12).toString('hex')}`;
	const certs = (file: string) => repositoryFile(`emulator/certs/${file}`);
	const listen = tls
		? ['--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no']
		: ['--port', String(port)];
	const tlsFiles = tls
		? [
				['--tls-cert-file', certs('server.pem')],
				['--tls-key-file', certs('server.key')],
				['--tls-ca-cert-file', certs('ca.pem')],
			].flat()
		: [];
	const args = [...listen, ...tlsFiles, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
	// The password on stdin (a config file of one line), not in the process list.
	const redis = spawn(redisServer, ['-', ...args, '--dir', folder], {
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	redis.stdin.end(`requirepass ${password}\n`);
	let output = '';
	await new Promise<void>((ready, fail) => {
		const listen = (chunk: Buffer) => {
			output += chunk;
			if (output.includes('Ready to accept connections')) ready();
		};
		redis.stdout.on('data', listen);
		redis.stderr.on('data', listen);
		redis.once('exit', (code) => fail(new Error(`redis-server exited ${code}\n${output}`)));
	});
	return {
		port,
		password,
		tls,
		stop: async () => {
			if (redis.exitCode === null) {
				redis.kill('SIGTERM');
				await new Promise((done) => redis.once('exit', done));
			}
			rmSync(folder, { recursive: true, force: true });
		},
	};
}

/** One command to `redis`, through the node's own Redis client. */
export async function redisCommand(redis: RedisServer, ...args: string[]): Promise<RedisReply> {
	const { port, password, tls } = redis;
	const address = { host: '127.0.0.1', port, db: 0, username: '', password };
	const client = new RedisConnection(
		tls ? { ...address, tls: { rejectUnauthorized: true } } : address,
		2_000,
	);
	const reply = await client.command(...args);
	// Redis closes the connection after its OK.
	await client.command('QUIT');
	return reply;
}

/** The node's shared-budget keys in `redis` (queue mode's own keys left out), and how long each lasts (ms). */
export async function sharedBudgetKeys(
	redis: RedisServer,
): Promise<Array<{ name: string; ttl: number }>> {
	const names = (await redisCommand(redis, 'KEYS', 'n8n-nodes-entra-user-flows:*')) as string[];
	return await Promise.all(
		names.map(async (name) => ({ name, ttl: Number(await redisCommand(redis, 'PTTL', name)) })),
	);
}

/** What every shared-budget key looks like: a kind and a hash, nothing of the tenant or the app. */
export const SHARED_BUDGET_KEY =
	/^n8n-nodes-entra-user-flows:budget:(app|tenant|hold):[0-9a-f]{32}$/;
