// Loaded with NODE_OPTIONS=--require by `npm run bench` into the n8n process it measures: at exit, appends
// "<pid> <peak RSS in kB>" to $MAX_RSS_FILE.
const { appendFileSync } = require('node:fs');

if (process.env.MAX_RSS_FILE) {
	process.on('exit', () => appendFileSync(process.env.MAX_RSS_FILE, `${process.pid} ${process.resourceUsage().maxRSS}\n`));
}
