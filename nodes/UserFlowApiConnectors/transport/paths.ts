/** A path segment from user input must be one segment: no traversal, no control characters. */
export function encodePathSegment(value: string): string {
	if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
		throw new Error(`"${String(value)}" cannot be used as a Graph path segment`);
	}
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f]/.test(value)) {
		throw new Error('A Graph path segment cannot contain control characters');
	}
	return encodeURIComponent(value).replace(/'/g, '%27');
}

/** Tagged template: literal parts are kept, every interpolated value becomes one encoded segment. */
export function graphPath(literals: TemplateStringsArray, ...values: string[]): string {
	return literals.reduce(
		(path, literal, i) => path + literal + (i < values.length ? encodePathSegment(values[i]) : ''),
		'',
	);
}

// Graph's query options start with $ and take commas and quotes unencoded in its own examples.
function encodeQueryValue(value: string | number): string {
	return encodeURIComponent(String(value))
		.replace(/%24/g, '$')
		.replace(/%2C/g, ',')
		.replace(/%27/g, "'");
}

/** Path and query below the version root. */
export function relativeUrl(path: string, qs?: Record<string, string | number>): string {
	const query = Object.entries(qs ?? {})
		.map(([key, value]) => `${key}=${encodeQueryValue(value)}`)
		.join('&');
	return `${path}${query ? `?${query}` : ''}`;
}

/** Whether a path is an absolute URL (a link Graph gave) rather than a path below the version root. */
export function isAbsoluteUrl(path: string): boolean {
	return /^[a-z][a-z0-9+.-]*:/i.test(path);
}
