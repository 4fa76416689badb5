#!/usr/bin/env node
// Entry for `npx livestick` / the installed command: runs the built CLI bundle.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli', 'cli.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('livestick: the CLI is not built yet; run "npm run build" first.\n');
  process.exit(1);
}
require(bundle);
