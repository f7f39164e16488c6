// Times json-logic-engine in compiled mode (new LogicEngine().build(rule)) on the same rules and
// data as dev.arbiter.bench.rules.JsonLogicBenchmark. Prints ns/op per rule.
//
// Usage: node bench.mjs [warmupSeconds=3] [iterations=5] [secondsPerIteration=2]
import { readFileSync } from 'node:fs';
import { LogicEngine } from 'json-logic-engine';

const [warmupSeconds = 3, iterations = 5, secondsPerIteration = 2] =
  process.argv.slice(2).map(Number);
const cases = JSON.parse(
  readFileSync(new URL('../src/main/resources/rules/jsonlogic-cases.json', import.meta.url), 'utf8'));
const engine = new LogicEngine();
const version = JSON.parse(
  readFileSync(new URL('./node_modules/json-logic-engine/package.json', import.meta.url), 'utf8'))
  .version;

function timeLoop(fn, data, seconds) {
  // Runs batches until `seconds` have passed; returns [calls, nanoseconds].
  const budget = BigInt(Math.round(seconds * 1e9));
  const batch = 100_000;
  let calls = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) {
      if (fn(data)) sink++;
    }
    calls += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink !== calls && sink !== 0) throw new Error('inconsistent answers');
  return [calls, Number(elapsed)];
}

console.log(`json-logic-engine ${version} (compiled), node ${process.version}`);
console.log(`warm-up ${warmupSeconds}s, ${iterations} x ${secondsPerIteration}s per rule`);
console.log('rule          ns/op (mean)   min     max');
for (const [name, rule] of Object.entries(cases.rules)) {
  const fn = engine.build(rule);
  const answer = fn(cases.data);
  if (answer !== cases.expected[name]) {
    throw new Error(`${name}: json-logic-engine answered ${answer}, expected ${cases.expected[name]}`);
  }
  timeLoop(fn, cases.data, warmupSeconds);
  const results = [];
  for (let i = 0; i < iterations; i++) {
    const [calls, ns] = timeLoop(fn, cases.data, secondsPerIteration);
    results.push(ns / calls);
  }
  const mean = results.reduce((a, b) => a + b, 0) / results.length;
  console.log(
    `${name.padEnd(13)} ${mean.toFixed(1).padStart(12)} ${Math.min(...results).toFixed(1).padStart(7)}`
    + ` ${Math.max(...results).toFixed(1).padStart(7)}`);
}
