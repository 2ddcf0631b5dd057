#!/usr/bin/env node
// Thin entry: the runner is compiled from src/ into dist/ by `npm install` (the prepare script).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exitCode = 70;
  },
);
