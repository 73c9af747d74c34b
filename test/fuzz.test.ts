// The smaller form of `npm run test:fuzz`: generated hostile input through n8n's engine.
import { runFuzz } from './support/fuzz';
import { useEmulator } from './support/useEmulator';

const { emulator } = useEmulator({ reset: false });

it.each(['v1.0', 'beta'] as const)(
	'400 generated parameter sets against Graph %s: nothing crashes, strays or goes out for bad input',
	async (version) => {
		const figures = await runFuzz(emulator, {
			sets: 400,
			seed: version === 'v1.0' ? 7 : 11,
			version,
		});
		expect(figures.examples).toEqual([]);
		expect(figures).toMatchObject({
			unhandledExceptions: 0,
			requestsToUnintendedPaths: 0,
			requestsForInvalidInput: 0,
			emptyOrGenericMessages: 0,
		});
		expect(figures.validSets).toBeGreaterThan(25);
		expect(figures.invalidSets).toBeGreaterThan(40);
	},
	120_000,
);
