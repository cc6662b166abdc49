// npm run test:fuzz [-- --full] [-- --seed N]: the fuzz, hostile-ERP and outbox fault suites. The short profile
// (2,000 messages per node) also runs in npm test; --full sends 20,000 per node.
const { spawnSync } = require('node:child_process');

const args = process.argv.slice(2);
const full = args.includes('--full');
const seedAt = args.indexOf('--seed');
const env = { ...process.env, PLANTBRIDGE_FUZZ_RUNS: process.env.PLANTBRIDGE_FUZZ_RUNS || (full ? '20000' : '2000') };
if (seedAt >= 0 && args[seedAt + 1]) env.PLANTBRIDGE_FUZZ_SEED = args[seedAt + 1];
console.log(`fuzz profile: ${full ? 'full' : 'short'} (${env.PLANTBRIDGE_FUZZ_RUNS} messages per node, seed ${env.PLANTBRIDGE_FUZZ_SEED || 20261201})`);
const mocha = require.resolve('mocha/bin/mocha.js');
const r = spawnSync(
  process.execPath,
  [
    mocha,
    '--no-config',
    '-r',
    'tsx/cjs',
    '-r',
    'test/helpers/guards.ts',
    '--extension',
    'ts',
    '--timeout',
    '20000',
    'test/fuzz/**/*.spec.ts',
    'test/hostile/**/*.spec.ts',
  ],
  { stdio: 'inherit', env },
);
process.exit(r.status ?? 1);
