// For standby-service.test.ts: a service importing other packages than standby-report.ts.
import { z } from 'zod';

console.log(z.string().parse('other'));
