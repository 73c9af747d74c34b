// A forward proxy as companies run them (CONNECT host:port, then bytes both ways), and the proxy variables
// set for a describe block: n8n's request helper then carries the node's requests, one tunnel each.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

export const PROXY_VARIABLES = [
	'HTTPS_PROXY',
	'https_proxy',
	'HTTP_PROXY',
	'http_proxy',
	'ALL_PROXY',
	'all_proxy',
	'NO_PROXY',
	'no_proxy',
];

export interface ConnectProxy {
	/** http://127.0.0.1:PORT */
	url: string;
	/** The host:port of every CONNECT, in order. */
	tunnels: string[];
}

/**
 * Starts the proxy before the block's tests and sets the variables it is given (the proxy's URL stands for
 * `{proxy}`), restoring every proxy variable and closing every tunnel after them.
 */
export function useConnectProxy(variables: Record<string, string>): ConnectProxy {
	const saved: Record<string, string | undefined> = {};
	const sockets = new Set<{ destroy(): void }>();
	const state: ConnectProxy = { url: '', tunnels: [] };
	let proxy: Server;
	beforeAll(async () => {
		proxy = createServer((_request, response) => response.writeHead(405).end());
		proxy.on('connect', (request, client) => {
			state.tunnels.push(request.url ?? '');
			const [host, port] = (request.url ?? '').split(':');
			const upstream = connect(Number(port), host, () => {
				client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
				upstream.pipe(client).pipe(upstream);
			});
			sockets.add(client).add(upstream);
			upstream.on('error', () => client.destroy());
			client.on('error', () => upstream.destroy());
		});
		await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
		state.url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
		for (const name of PROXY_VARIABLES) {
			saved[name] = process.env[name];
			delete process.env[name];
		}
		for (const [name, value] of Object.entries(variables)) {
			process.env[name] = value.replace('{proxy}', state.url);
		}
	});
	afterAll(async () => {
		for (const name of PROXY_VARIABLES) {
			if (saved[name] === undefined) delete process.env[name];
			else process.env[name] = saved[name];
		}
		for (const socket of sockets) socket.destroy();
		await new Promise((resolve) => proxy.close(resolve));
	});
	beforeEach(() => {
		state.tunnels.length = 0;
	});
	return state;
}
