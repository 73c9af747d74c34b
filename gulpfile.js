// Copies what tsc does not: node and credential icons (light and dark) and the codex files.
const { src, dest } = require('gulp');

function copyAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], { base: '.', encoding: false }).pipe(
		dest('dist'),
	);
}

exports.build = copyAssets;
exports.default = copyAssets;
