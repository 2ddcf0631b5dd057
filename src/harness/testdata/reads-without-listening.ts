// Busy, as a service that is slow to start is on a loaded machine, but reading files all the
// time, as a start-up does: not a loop that never ends. Never listens. For the fault tests.
import { readFileSync } from 'node:fs';

for (;;) readFileSync(import.meta.filename);
