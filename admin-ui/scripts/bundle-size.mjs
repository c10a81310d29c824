// Prints the size of the production bundle (raw and gzip) after `vite build`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
let raw = 0;
let gzip = 0;
for (const path of files(dist).sort()) {
  const bytes = readFileSync(path);
  const zipped = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += zipped;
  console.log(`  ${relative(dist, path).padEnd(40)} ${kb(bytes.length).padStart(10)}  gzip ${kb(zipped).padStart(9)}`);
}
console.log(`admin-ui bundle: ${kb(raw)} (gzip ${kb(gzip)}) in dist/`);
