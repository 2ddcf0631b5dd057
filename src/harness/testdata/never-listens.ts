// Starts and keeps running, but never listens on APP_PORT: for the harness tests.
setInterval(() => {}, 1000);
