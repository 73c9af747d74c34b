/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	setupFiles: ['<rootDir>/test/support/env.ts'],
	// The suite-wide secret scan of logs; node outputs and errors are scanned by the runner itself.
	setupFilesAfterEnv: ['<rootDir>/test/support/secretScan.ts'],
	testTimeout: 60_000,
	// Two cores: one worker per core keeps the emulators and n8n engines from starving each other.
	maxWorkers: 2,
};
