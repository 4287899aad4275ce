#!/usr/bin/env node
// Lists the page's deliberate throw sites for the source-map check: every line of src/ carrying
// `gate:throw-site <id> <function>` becomes {id, file, line, column, function}, where column (1-based) is
// that of `Error` in `new Error` on the line. Writes throw-sites.json beside package.json; `--check` only compares.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MARK = /gate:throw-site\s+([a-z0-9-]+)\s+([A-Za-z_$][\w$]*)/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (/\.(js|vue)$/.test(entry.name)) yield full;
  }
}

export function collect() {
  const sites = [];
  for (const file of [...files(path.join(root, 'src'))].sort()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      const m = MARK.exec(text);
      if (!m) return;
      // The column of `Error` in `new Error`: where resolved frames land (the constructor call).
      const column = text.indexOf('new Error') === -1 ? -1 : text.indexOf('new Error') + 4;
      if (column === -1) throw new Error(`${file}:${index + 1}: a throw site needs \`new Error\` on its line`);
      const fn = m[2];
      const declared = lines.slice(0, index).some((l) => new RegExp(`function\\s+${fn.replace('$', '\\$')}\\b`).test(l));
      if (!declared) throw new Error(`${file}:${index + 1}: function ${fn} is not declared above its throw site`);
      sites.push({ id: m[1], file: path.relative(root, file), line: index + 1, column: column + 1, function: fn });
    });
  }
  return { version: 1, sites };
}

const target = path.join(root, 'throw-sites.json');
const text = `${JSON.stringify(collect(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error('throw-sites.json is stale: run `node scripts/throw-sites.mjs`');
    process.exit(1);
  }
} else {
  let current = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: write it
  }
  // Only when it changed: readers (tests, the build of another variant) never see a half-written file.
  if (current !== text) writeFileSync(target, text);
}
