import { sleep } from 'n8n-workflow';

import type { GraphAccess } from './types';

/** When the requests of one app registration may go to Graph again. */
export interface ThrottleGate {
	openAt: number;
}

/**
 * Graph throttles per app registration and tenant, whatever the execution: one gate per pair for the life of
 * the process. A 429's Retry-After closes it for every request of that app, instead of each request retrying
 * on its own and feeding the throttle.
 */
const gatesByApp = new Map<string, ThrottleGate>();

export function throttleGateOf({ app: { settings, endpoints } }: GraphAccess): ThrottleGate {
	const key = `${endpoints.graphOrigin}|${settings.tenantId.toLowerCase()}|${settings.clientId.toLowerCase()}`;
	let gate = gatesByApp.get(key);
	if (!gate) gatesByApp.set(key, (gate = { openAt: 0 }));
	return gate;
}

/** Holds every request of the app until Graph's Retry-After has passed. */
export function closeGate(gate: ThrottleGate, forMs: number): void {
	gate.openAt = Math.max(gate.openAt, Date.now() + forMs);
}

/** Waits, or less when the execution is stopped: the caller looks at the signal afterwards. */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	await sleep(ms, signal).catch(() => undefined);
}

export async function passGate(gate: ThrottleGate, signal: AbortSignal | undefined): Promise<void> {
	for (
		let wait = gate.openAt - Date.now();
		wait > 0 && !signal?.aborted;
		wait = gate.openAt - Date.now()
	) {
		await pause(wait, signal);
	}
}
