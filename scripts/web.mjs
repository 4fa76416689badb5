// `npm run web -- …`: build, then start the browser bridge with the given arguments.
import { spawnSync } from 'node:child_process';

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const web = spawnSync(process.execPath, ['dist/bridge/web.cjs', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(web.status ?? 1);
