// For standby-service.test.ts: says what a service can see of how it was started, then exits (or
// throws at import, with STANDBY_THROW set).
import { parse } from 'yaml';

if (process.env.STANDBY_THROW) throw new Error(`thrown at import: ${String(parse('a: 1').a)}`);
console.log(JSON.stringify({ argv: process.argv.slice(1), execArgv: process.execArgv, url: import.meta.url, harness: process.env.COURSE_CHECK_REPORT_DIR ?? null }));
