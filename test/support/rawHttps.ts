// Plain HTTPS requests to the emulator, for the specs of the emulator itself: no node, no @azure/identity.
import { afterAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';

import { EMULATOR_FILES, type Emulator } from '../../emulator';

export interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, checked by expect()
	body: any;
}

export interface RawHttps {
	/** Trusts the emulator's test CA whether or not NODE_EXTRA_CA_CERTS is set. */
	agent: https.Agent;
	send(
		method: string,
		path: string,
		options?: { token?: string; json?: unknown; form?: Record<string, string> },
	): Promise<Answer>;
	/** A Graph token of an app registration (the seeded one by default) with the seeded secret. */
	token(clientId?: string): Promise<string>;
}

/** Requests to the suite's emulator over an agent of their own, destroyed after the suite. */
export function rawHttps(emulator: Emulator, agentOptions: https.AgentOptions = {}): RawHttps {
	const agent = new https.Agent({
		ca: readFileSync(EMULATOR_FILES.caCertificate),
		...agentOptions,
	});
	afterAll(() => agent.destroy());

	const send: RawHttps['send'] = (method, path, options = {}) => {
		const headers: Record<string, string> = {};
		let payload: string | undefined;
		if (options.token) headers.Authorization = `Bearer ${options.token}`;
		if (options.json !== undefined) {
			headers['Content-Type'] = 'application/json';
			payload = JSON.stringify(options.json);
		}
		if (options.form) {
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
			payload = new URLSearchParams(options.form).toString();
		}
		return new Promise((resolve, reject) => {
			const request = https.request(
				new URL(path, emulator.url),
				{ method, headers, agent },
				(response) => {
					let text = '';
					response.setEncoding('utf8');
					response.on('data', (chunk: string) => (text += chunk));
					response.on('end', () =>
						resolve({
							status: response.statusCode ?? 0,
							headers: response.headers,
							body: text ? JSON.parse(text) : undefined,
						}),
					);
				},
			);
			request.on('error', reject);
			request.end(payload);
		});
	};

	const token: RawHttps['token'] = async (clientId = emulator.defaults.clientId) => {
		const answer = await send('POST', `/${emulator.defaults.tenantId}/oauth2/v2.0/token`, {
			form: {
				client_id: clientId,
				client_secret: emulator.defaults.clientSecret,
				grant_type: 'client_credentials',
				scope: 'https://graph.microsoft.com/.default',
			},
		});
		return answer.body.access_token as string;
	};

	return { agent, send, token };
}
