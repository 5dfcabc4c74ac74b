import type { TestProject } from 'vitest/node';
import { ensureBuilt } from './helpers/build.js';
import { admin } from './helpers/pg-admin.js';
import { createTemplates } from './helpers/template-databases.js';

// Once per run, before any test file: the processes tests start run dist/ (test/helpers/process.ts),
// and every test database is a copy of a template migrated here (test/helpers/template-databases.ts).
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [templates] = await Promise.all([createTemplates(process.env.TEST_POSTGRES_URL, admin), ensureBuilt()]);
  project.provide('sqliteTemplate', templates.sqlite);
  project.provide('postgresTemplate', templates.postgres);
  return () => templates.drop();
}
