import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LoggerProxy } from 'n8n-workflow';

import { RedisConnection, type RedisAddress, type RedisReply } from './redis';

/*
 * In n8n's queue mode, the main, the workers and the webhook processes each run executions, and several of
 * them may use the same app at once: each alone cannot see what the others send of the app's 200 a minute.
 * So there the pace's counts live in the Redis that queue mode already runs, and every process takes its
 * turns from them: together they pace as one process would. Each count is a sorted set of requests, scored
 * with when the request stops counting (a minute after its answer came; until then a lease, so that a process
 * that died does not hold its places for ever). Redis's own clock times every request, so processes whose
 * clocks disagree still agree on the minute. Keys are the app's and tenant's hash (no tenant or client id in
 * Redis), below a prefix of their own, shared by every n8n that uses the same Redis, as Graph's budget is.
 * When Redis cannot be reached, the process paces alone for a minute and says so in n8n's log.
 */

const KEY_PREFIX = 'n8n-nodes-entra-user-flows:budget';

/** Set to `off` to keep queue-mode processes from sharing their pace through Redis. */
export const SHARED_BUDGET_VARIABLE = 'ENTRA_USER_FLOWS_SHARED_BUDGET';

/** How long a request counts while its answer has not come (it counts a minute after the answer, once it has). */
const LEASE_MS = 120_000;
/** How long one Redis command may take before the process paces alone. */
const COMMAND_TIMEOUT_MS = 500;
/** How long the process paces alone after Redis failed. */
const OUTAGE_MS = 60_000;

// Redis 3.2 to 4 need this before writing after TIME; later versions replicate effects anyway.
const TIME_IN_MS = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: the app's requests, the tenant's, the app's hold. ARGV: the app's allowance, the tenant's, Graph's
 * minute (ms), the lease (ms), an id. A place: {1, member}; none yet: {0, ms until one may be free}.
 */
const TAKE = `${TIME_IN_MS}
local minute = tonumber(ARGV[3])
local hold = redis.call('PTTL', KEYS[3])
if hold > 0 then return {0, hold} end
local function wait(key, allowance)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - minute)
  local count = redis.call('ZCARD', key)
  if count < allowance then return 0 end
  local ending = redis.call('ZRANGE', key, count - allowance, count - allowance, 'WITHSCORES')
  return math.ceil(tonumber(ending[2]) + minute - now)
end
local ms = math.max(wait(KEYS[1], tonumber(ARGV[1])), wait(KEYS[2], tonumber(ARGV[2])))
if ms > 0 then return {0, ms} end
local member = now .. ':' .. ARGV[5]
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now + tonumber(ARGV[4]), member)
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[4]) + 2 * minute)
end
return {1, member}`;

/** KEYS: the app's requests, the tenant's. ARGV: a member. Its answer came: it counts a minute from now. */
const ANSWERED = `${TIME_IN_MS}
for i = 1, 2 do redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1]) end
return 1`;

/** KEYS: the app's requests, the tenant's. ARGV: a member. It went unused, or Graph refused it. */
const RELEASE = `for i = 1, 2 do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1`;

/**
 * KEYS: the app's requests, the tenant's, the app's hold. ARGV: the member refused with 429, Graph's wait (ms),
 * Graph's minute (ms). Gives the place back, holds the app for the wait, and returns how many of the app's
 * requests, of every process, were sent in Graph's last minute: what Graph admitted of the app.
 */
const THROTTLED = `${TIME_IN_MS}
for i = 1, 2 do redis.call('ZREM', KEYS[i], ARGV[1]) end
local ms = tonumber(ARGV[2])
if ms > 0 and redis.call('PTTL', KEYS[3]) < ms then redis.call('SET', KEYS[3], '1', 'PX', ms) end
local since = now - tonumber(ARGV[3])
local sent = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if tonumber(string.match(member, '^%d+')) > since then sent = sent + 1 end
end
return sent`;

/** A setting as n8n reads it: the variable, or the contents of the file its `_FILE` variant names. */
function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
	if (name in env) return env[name]?.trim().replace(/^(['"])(.*)\1$/, '$2');
	const file = env[`${name}_FILE`];
	return file ? readFileSync(file, 'utf8').trim() : undefined;
}

const isTrue = (value: string | undefined) => ['true', '1'].includes(value?.toLowerCase() ?? '');

/**
 * n8n's queue-mode Redis, read from n8n's own settings (EXECUTIONS_MODE, QUEUE_BULL_REDIS_*), when this
 * process is part of queue mode and sharing is not switched off; undefined otherwise. A Redis cluster is not
 * supported: there, each process paces alone.
 */
export function queueModeRedis(env: NodeJS.ProcessEnv = process.env): RedisAddress | undefined {
	if (setting(env, 'EXECUTIONS_MODE') !== 'queue') return undefined;
	if (setting(env, SHARED_BUDGET_VARIABLE)?.toLowerCase() === 'off') return undefined;
	if (setting(env, 'QUEUE_BULL_REDIS_CLUSTER_NODES')) return undefined;
	const number = (name: string, otherwise: number) => {
		const value = Number(setting(env, name) || otherwise);
		return Number.isInteger(value) ? value : otherwise;
	};
	const validate = setting(env, 'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE');
	return {
		host: setting(env, 'QUEUE_BULL_REDIS_HOST') || 'localhost',
		port: number('QUEUE_BULL_REDIS_PORT', 6379),
		db: number('QUEUE_BULL_REDIS_DB', 0),
		username: setting(env, 'QUEUE_BULL_REDIS_USERNAME') ?? '',
		password: setting(env, 'QUEUE_BULL_REDIS_PASSWORD') ?? '',
		tls: isTrue(setting(env, 'QUEUE_BULL_REDIS_TLS'))
			? {
					servername: setting(env, 'QUEUE_BULL_REDIS_TLS_SERVERNAME') || undefined,
					rejectUnauthorized: validate === undefined || isTrue(validate),
				}
			: undefined,
	};
}

/** Redis, for every app of this process; after a failure, nobody's for a minute. */
class SharedRedis {
	private downUntil = 0;
	private ids = 0;
	private readonly process = randomBytes(6).toString('hex');

	constructor(private readonly connection: RedisConnection) {}

	get usable(): boolean {
		return Date.now() >= this.downUntil;
	}

	nextId(): string {
		return `${this.process}:${++this.ids}`;
	}

	/** The script's answer; undefined, and pacing alone for a while, when Redis failed. */
	async run(
		script: string,
		keys: string[],
		args: Array<string | number>,
	): Promise<RedisReply | undefined> {
		try {
			return await this.connection.command('EVAL', script, keys.length, ...keys, ...args);
		} catch (error) {
			if (this.usable) {
				LoggerProxy.warn(
					`Entra User Flows: the shared budget in queue mode's Redis failed (${(error as Error).message}); ` +
						'this process paces its Graph requests alone for a minute.',
				);
			}
			this.downUntil = Date.now() + OUTAGE_MS;
			return undefined;
		}
	}
}

let sharedRedis: SharedRedis | undefined | null = null;

function redisOfThisProcess(): SharedRedis | undefined {
	if (sharedRedis === null) {
		let address: RedisAddress | undefined;
		try {
			address = queueModeRedis();
		} catch (error) {
			// A QUEUE_BULL_REDIS_*_FILE that cannot be read: n8n itself would not have started; pace alone.
			LoggerProxy.warn(
				`Entra User Flows: queue mode's Redis settings could not be read (${(error as NodeJS.ErrnoException).code}); this process paces its Graph requests alone.`,
			);
		}
		sharedRedis = address
			? new SharedRedis(new RedisConnection(address, COMMAND_TIMEOUT_MS))
			: undefined;
	}
	return sharedRedis;
}

const hashed = (what: string) => createHash('sha256').update(what).digest('hex').slice(0, 32);

/** A request's place in the shared counts, or how long until one may be free. */
export type SharedTurn = { member: string } | { waitMs: number };

/** One app's pace as every queue-mode process counts it (see the comment at the top). */
export class SharedAppBudget {
	private readonly counts: [string, string];
	private readonly hold: string;

	constructor(
		private readonly redis: SharedRedis,
		tenantKey: string,
		appKey: string,
	) {
		const app = hashed(appKey);
		this.counts = [`${KEY_PREFIX}:app:${app}`, `${KEY_PREFIX}:tenant:${hashed(tenantKey)}`];
		this.hold = `${KEY_PREFIX}:hold:${app}`;
	}

	get usable(): boolean {
		return this.redis.usable;
	}

	/** A place under `allowance` for the app and `tenantAllowance` for the tenant; undefined when Redis failed. */
	async take(
		allowance: number,
		tenantAllowance: number,
		minuteMs: number,
	): Promise<SharedTurn | undefined> {
		const reply = await this.redis.run(
			TAKE,
			[...this.counts, this.hold],
			[allowance, tenantAllowance, minuteMs, LEASE_MS, this.redis.nextId()],
		);
		if (!Array.isArray(reply)) return undefined;
		return reply[0] === 1 ? { member: String(reply[1]) } : { waitMs: Number(reply[1]) };
	}

	/** Its answer came (or its failure): it counts until a minute from now. */
	answered(member: string): void {
		void this.redis.run(ANSWERED, this.counts, [member]);
	}

	/** The place went unused. */
	release(member: string): void {
		void this.redis.run(RELEASE, this.counts, [member]);
	}

	/**
	 * Graph refused the request of `member` with 429 and asked to wait `waitMs`: what Graph admitted of the
	 * app, of every process, in its last minute; undefined when Redis failed.
	 */
	async throttled(member: string, waitMs: number, minuteMs: number): Promise<number | undefined> {
		const reply = await this.redis.run(
			THROTTLED,
			[...this.counts, this.hold],
			[member, waitMs, minuteMs],
		);
		return typeof reply === 'number' ? reply : undefined;
	}
}

/** The shared pace of an app when this process is part of queue mode; undefined otherwise. */
export function sharedBudgetOf(tenantKey: string, appKey: string): SharedAppBudget | undefined {
	const redis = redisOfThisProcess();
	return redis && new SharedAppBudget(redis, tenantKey, appKey);
}
