// A throwaway Redis from Debian's redis-server package, as queue mode's and the shared budget's specs use it:
// a loopback port of its own, no persistence, a password (as a production Redis has one).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './realN8n';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
	port: number;
	password: string;
	stop(): Promise<void>;
}

/** Resolved once it accepts connections; an error that says what to install when redis-server is missing. */
export async function startRedis(redisServer = REDIS_SERVER): Promise<RedisServer> {
	if (!existsSync(redisServer))
		throw new Error(
			`${redisServer} not found: install Debian's redis-server (sudo apt-get install -y --no-install-recommends redis-server), as .ci/run does`,
		);
	const folder = mkdtempSync(join(tmpdir(), 'n8n-entra-redis-'));
	const port = await freePort();
	const password = `redis-${randomBytes(12).toString('hex')}`;
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
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
		stop: async () => {
			if (redis.exitCode === null) {
				redis.kill('SIGTERM');
				await new Promise((done) => redis.once('exit', done));
			}
			rmSync(folder, { recursive: true, force: true });
		},
	};
}
