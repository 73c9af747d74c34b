// Loaded with NODE_OPTIONS=--require by `npm run bench` into each n8n process it measures: at exit, appends
// "<pid> <peak RSS in kB> <CPU time in µs, user + system>" to $PROCESS_STATS_FILE.
const { appendFileSync } = require('node:fs');

if (process.env.PROCESS_STATS_FILE) {
	process.on('exit', () => {
		const { user, system } = process.cpuUsage();
		appendFileSync(
			process.env.PROCESS_STATS_FILE,
			`${process.pid} ${process.resourceUsage().maxRSS} ${user + system}\n`,
		);
	});
}
