#!/usr/bin/env node
// Thin entry: the runner is compiled from src/ into dist/ by `npm install` (the prepare script).
const args = process.argv.slice(2);
// `course check` forks its check's worker first, so that it loads while the runner does (src/grading/worker-fork.ts).
if (args[0] === 'check' && !args.includes('--help') && !args.includes('-h')) (await import('../dist/grading/worker-fork.js')).forkWorkerEarly();
const { main } = await import('../dist/cli.js');

main(args).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exitCode = 70;
  },
);
