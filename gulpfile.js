// Build steps tsc does not do: start from an empty dist (no stale files get packed), and copy the node and
// credential icons (light and dark) and the codex files.
const { rmSync } = require('node:fs');
const { src, dest } = require('gulp');

function clean(done) {
	rmSync('dist', { recursive: true, force: true });
	done();
}

function copyAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports.clean = clean;
exports.build = copyAssets;
exports.default = copyAssets;
