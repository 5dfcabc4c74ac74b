#!/usr/bin/env node
// Counts type assertions (`x as T`, `<T>x`) in src/ and machines/, per file (issue 16 §4: ≤ 30).
// Not counted: `as const` (no assertion, a literal type) and XState's `{} as T` idiom (an object
// literal cast only to carry a type into setup({ types })). Generated Prisma clients are skipped.
// Usage: node scripts/count-casts.mjs [--max N] [folder…]; exits 1 when the total exceeds N.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { sourceFiles } from './source-files.mjs';

const args = process.argv.slice(2);
const maxAt = args.indexOf('--max');
const max = maxAt === -1 ? Infinity : Number(args.splice(maxAt, 2)[1]);
const roots = args.length > 0 ? args : ['src', 'machines'];

function isCounted(node) {
  if (!ts.isAsExpression(node) && !ts.isTypeAssertionExpression(node)) return false;
  if (ts.isConstTypeReference(node.type)) return false;
  const inner = ts.isParenthesizedExpression(node.expression) ? node.expression.expression : node.expression;
  return !(ts.isObjectLiteralExpression(inner) && inner.properties.length === 0);
}

function castsIn(path) {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const lines = [];
  const visit = (node) => {
    if (isCounted(node)) lines.push(file.getLineAndCharacterOfPosition(node.getStart()).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return lines;
}

const counts = roots
  .flatMap(sourceFiles)
  .map((path) => ({ path, lines: castsIn(path) }))
  .filter((entry) => entry.lines.length > 0);
counts.sort((a, b) => b.lines.length - a.lines.length || a.path.localeCompare(b.path));
for (const { path, lines } of counts) console.log(`${String(lines.length).padStart(4)}  ${path}  (lines ${lines.join(', ')})`);
const total = counts.reduce((sum, entry) => sum + entry.lines.length, 0);
console.log(`${String(total).padStart(4)}  total in ${roots.join(', ')}`);
if (total > max) {
  console.error(`more than ${max} casts`);
  process.exit(1);
}
