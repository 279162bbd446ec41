/** A worker process that dies as soon as it is given a job (as an out-of-memory kill would). */
process.on('message', () => process.exit(3));
