/** A worker process that accepts a job and ignores cancel requests (as a stuck native kernel would). */
process.on('message', () => undefined);
setInterval(() => undefined, 1000);
