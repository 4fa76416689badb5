// `npm test`: typecheck, lint, build, then every test tier (docs/ARCHITECTURE.md, "Test tiers"). Runs everything even
// after a failure (so one run shows all problems), then prints one closing count line and exits
// non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

const TIERS = ['unit', 'integration', 'e2e', 'boot'];
const only = process.argv.slice(2).filter((arg) => TIERS.includes(arg));
const tiers = only.length ? only : TIERS;
const steps = only.length
  ? []
  : [
      ['typecheck', ['npm', 'run', '--silent', 'typecheck']],
      ['lint', ['npm', 'run', '--silent', 'lint']],
    ];
steps.push(['build', ['npm', 'run', '--silent', 'build']]);

const failedSteps = [];
for (const [name, [cmd, ...args]] of steps) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) failedSteps.push(name);
}

mkdirSync('test-results', { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const tier of tiers) {
  console.log(`\n=== ${tier} tests`);
  const report = `test-results/${tier}.json`;
  rmSync(report, { force: true });
  const started = Date.now();
  const result = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      tier,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    { stdio: 'inherit' },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  if (!existsSync(report)) {
    failedSteps.push(`${tier} (no report; vitest exit ${result.status})`);
    continue;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = json.numPendingTests + json.numTodoTests;
  totals.passed += json.numPassedTests;
  totals.failed += json.numFailedTests;
  totals.skipped += skipped;
  console.log(
    `${tier}: ${json.numPassedTests} passed, ${json.numFailedTests} failed, ${skipped} skipped in ${seconds} s`,
  );
  if (json.numTotalTests === 0) failedSteps.push(`${tier} (ran no test)`);
  if (result.status !== 0 && json.numFailedTests === 0)
    failedSteps.push(`${tier} (vitest exit ${result.status})`);
}

console.log('');
if (failedSteps.length) console.log(`failed steps: ${failedSteps.join(', ')}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length || totals.failed ? 1 : 0);
