// The suite-wide secret scan: every secret a test hands the product is registered here, and every node
// output, error and log line of the suite is searched for them (and for anything shaped like a JWT).
const registered = new Set<string>();

/** Registers a secret; long multi-line values (PEM, base64) also register their inner lines. */
export function registerSecret(value: unknown): void {
	if (typeof value !== 'string' || value.length < 8) return;
	registered.add(value);
	for (const line of value.split(/\r?\n/)) {
		if (line.length >= 40 && !line.startsWith('-----')) registered.add(line);
	}
	// A base64 blob leaked in part is still a leak.
	if (/^[A-Za-z0-9+/=]{200,}$/.test(value)) registered.add(value.slice(64, 192));
}

const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/;

/** The registered secrets (shortened) and bearer-token-like strings found in a text. */
export function findSecrets(text: string): string[] {
	const found = [...registered]
		.filter((secret) => text.includes(secret))
		.map((secret) => `${secret.slice(0, 12)}…`);
	const token = JWT.exec(text);
	return token ? [...found, `a JWT ${token[0].slice(0, 12)}…`] : found;
}

/** Throws if anything secret appears in what the product produced. */
export function assertNoSecrets(value: unknown, where: string): void {
	const text = typeof value === 'string' ? value : JSON.stringify(value);
	const found = findSecrets(text ?? '');
	if (found.length) throw new Error(`Secret scan: ${found.join(', ')} found in ${where}`);
}
