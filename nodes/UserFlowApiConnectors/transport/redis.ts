import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/*
 * The few Redis commands the shared budget needs (EVAL), over RESP2: n8n's own Redis client is not a package
 * a community node may depend on, and the one runtime dependency stays @azure/identity. One connection per
 * process, opened at the first command, opened again after it broke; replies come in the order of the commands.
 */

/** Where n8n's queue-mode Redis is, as n8n's own QUEUE_BULL_REDIS_* settings say. */
export interface RedisAddress {
	host: string;
	port: number;
	db: number;
	username: string;
	/** Never part of an error or a log. */
	password: string;
	tls?: { servername?: string; rejectUnauthorized: boolean };
}

export type RedisReply = string | number | null | RedisReply[];

/** An error Redis answered (such as NOSCRIPT or WRONGPASS), or the connection's failure, without secrets. */
export class RedisError extends Error {}

/** One reply parsed from `buffer` at `offset`, and where the next begins; undefined while it is incomplete. */
function parseReply(
	buffer: Buffer,
	offset: number,
): { reply: RedisReply | RedisError; next: number } | undefined {
	const lineEnd = buffer.indexOf('\r\n', offset);
	if (lineEnd < 0) return undefined;
	const line = buffer.toString('utf8', offset + 1, lineEnd);
	const next = lineEnd + 2;
	switch (String.fromCharCode(buffer[offset])) {
		case '+':
			return { reply: line, next };
		case '-':
			return { reply: new RedisError(`Redis answered: ${line}`), next };
		case ':':
			return { reply: Number(line), next };
		case '$': {
			const length = Number(line);
			if (length < 0) return { reply: null, next };
			if (buffer.length < next + length + 2) return undefined;
			return { reply: buffer.toString('utf8', next, next + length), next: next + length + 2 };
		}
		case '*': {
			const count = Number(line);
			if (count < 0) return { reply: null, next };
			const items: RedisReply[] = [];
			let at = next;
			for (let i = 0; i < count; i++) {
				const item = parseReply(buffer, at);
				if (!item) return undefined;
				// An error inside an array (a script's own) is kept as its text.
				items.push(item.reply instanceof RedisError ? item.reply.message : item.reply);
				at = item.next;
			}
			return { reply: items, next: at };
		}
		default:
			throw new RedisError('Redis sent an answer that is not RESP');
	}
}

function encodeCommand(args: Array<string | number>): Buffer {
	const parts = args.map((arg) => Buffer.from(String(arg), 'utf8'));
	return Buffer.concat([
		Buffer.from(`*${parts.length}\r\n`),
		...parts.flatMap((part) => [Buffer.from(`$${part.length}\r\n`), part, Buffer.from('\r\n')]),
	]);
}

interface Pending {
	resolve: (reply: RedisReply) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
}

export class RedisConnection {
	private socket?: Socket;
	private ready?: Promise<void>;
	private pending: Pending[] = [];
	private buffer: Buffer = Buffer.alloc(0);

	constructor(
		private readonly address: RedisAddress,
		/** How long a command may take before the connection counts as broken. */
		private readonly timeoutMs: number,
	) {}

	/** Where it connects, for messages: host and port, never the password. */
	get name(): string {
		return `${this.address.host}:${this.address.port}`;
	}

	async command(...args: Array<string | number>): Promise<RedisReply> {
		if (!this.ready) this.ready = this.open();
		await this.ready;
		return await this.send(args);
	}

	private async open(): Promise<void> {
		const { host, port, tls } = this.address;
		const socket = tls
			? // Node sends no name for an IP address (SNI carries host names only).
				connectTls({
					...tls,
					host,
					port,
					servername: tls.servername || (isIP(host) ? undefined : host),
				})
			: connectTcp({ host, port });
		this.socket = socket;
		this.buffer = Buffer.alloc(0);
		// The connection alone never keeps n8n (or `n8n execute`) from exiting.
		socket.unref();
		socket.setNoDelay(true);
		socket.on('data', (chunk: Buffer) => this.received(chunk));
		// A socket replaced already (after a timeout) says nothing of the one in use.
		const broke = (why: string) => {
			if (this.socket === socket) this.broken(new RedisError(`Redis at ${this.name} ${why}`));
		};
		socket.on('error', (error: NodeJS.ErrnoException) =>
			broke(`failed: ${error.code ?? error.message}`),
		);
		socket.on('close', () => broke('closed the connection'));
		const { username, password, db } = this.address;
		// Refused (WRONGPASS, or no such database): the next command connects again.
		const refused = async (error: Error) => {
			this.broken(error);
			return await Promise.reject(error);
		};
		if (password) {
			await this.send(username ? ['AUTH', username, password] : ['AUTH', password]).catch(refused);
		}
		if (db) await this.send(['SELECT', db]).catch(refused);
	}

	private async send(args: Array<string | number>): Promise<RedisReply> {
		const socket = this.socket;
		if (!socket || socket.destroyed) throw new RedisError(`Redis at ${this.name} is not connected`);
		return await new Promise<RedisReply>((resolve, reject) => {
			const timer = setTimeout(
				() =>
					this.broken(
						new RedisError(`Redis at ${this.name} did not answer within ${this.timeoutMs} ms`),
					),
				this.timeoutMs,
			);
			timer.unref();
			this.pending.push({ resolve, reject, timer });
			socket.write(encodeCommand(args));
		});
	}

	private received(chunk: Buffer): void {
		this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
		let offset = 0;
		try {
			for (
				let parsed = parseReply(this.buffer, offset);
				parsed;
				parsed = parseReply(this.buffer, offset)
			) {
				offset = parsed.next;
				const waiting = this.pending.shift();
				if (!waiting) throw new RedisError(`Redis at ${this.name} answered what was not asked`);
				clearTimeout(waiting.timer);
				if (parsed.reply instanceof RedisError) waiting.reject(this.withoutPassword(parsed.reply));
				else waiting.resolve(parsed.reply);
			}
		} catch (error) {
			this.broken(error as Error);
			return;
		}
		this.buffer = this.buffer.subarray(offset);
	}

	/** Redis's own words, in case a reply ever quotes what it was sent. */
	private withoutPassword(error: RedisError): RedisError {
		const { password } = this.address;
		return password ? new RedisError(error.message.split(password).join('***')) : error;
	}

	/** Every command still waiting fails; the next one connects again. */
	private broken(error: Error): void {
		this.socket?.destroy();
		this.socket = undefined;
		this.ready = undefined;
		for (const waiting of this.pending.splice(0)) {
			clearTimeout(waiting.timer);
			waiting.reject(error);
		}
	}
}
