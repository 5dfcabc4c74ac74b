import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The journey documents of test/fixtures/journeys, read as the admin API will receive them: JSON of
// no known shape.

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'journeys', `${name}.json`), 'utf8'));
}
