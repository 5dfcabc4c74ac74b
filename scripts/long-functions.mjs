#!/usr/bin/env node
// Lists functions longer than a limit (default 60 lines) and files longer than 250 lines in src/
// and machines/ (issue 16 §4). A function's length is from its first to its last line, nested
// functions included (a long factory of small closures is still a long read).
// Usage: node scripts/long-functions.mjs [--check] [--lines N] [--file-lines N] [folder…]; with
// --check, exits 1 when any.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { sourceFiles } from './source-files.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
if (check) args.splice(args.indexOf('--check'), 1);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args.splice(at, 2)[1]);
};
const maxLines = option('--lines', 60);
const maxFileLines = option('--file-lines', 250);
const roots = args.length > 0 ? args : ['src', 'machines'];

function nameOf(node) {
  if (node.name !== undefined) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '(anonymous)';
}

const found = [];
for (const path of roots.flatMap(sourceFiles)) {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (position) => file.getLineAndCharacterOfPosition(position).line + 1;
  const fileLines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (fileLines > maxFileLines) found.push(`${String(fileLines).padStart(4)}  ${path}  (file)`);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const length = lineOf(node.getEnd()) - lineOf(node.getStart()) + 1;
      if (length > maxLines) found.push(`${String(length).padStart(4)}  ${path}:${lineOf(node.getStart())}  ${nameOf(node)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}
for (const line of found) console.log(line);
console.log(`${String(found.length).padStart(4)}  over ${maxLines} lines (functions) or ${maxFileLines} (files) in ${roots.join(', ')}`);
if (found.length > 0 && check) process.exit(1);
