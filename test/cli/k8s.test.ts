/**
 * `pushbench k8s` as a user types it: the manifests and the README land in --out, the commands
 * are printed, and bad input exits 2 naming the value received and what is allowed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { runCli } from '../helpers/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-k8s-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const GOOD = [
  'k8s',
  '--shards',
  '3',
  '--target',
  'http://10.1.2.3:8080',
  '--allow-remote',
  '--technique',
  'sse',
  '--clients',
  '300',
  '--cpu',
  '500m',
  '--memory',
  '512Mi',
];

test('writes the manifests and a README with the commands, and prints the commands', async () => {
  const out = path.join(dir, 'out');
  const result = await runCli([...GOOD, '--out', out, '--run-id', 'abc']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['README.md', 'coordinator-job.json', 'coordinator-service.json', 'shards-job.json']);
  const job = new Job(JSON.parse(fs.readFileSync(path.join(out, 'shards-job.json'), 'utf8')) as Job);
  job.validate();
  assert.equal(job.spec!.completions, 3);
  const command = job.spec!.template.spec!.containers[0]!.command!;
  assert.ok(
    command
      .join(' ')
      .includes(
        'run --shard auto/3 --coordinator http://pushbench-coordinator:7700 --target http://10.1.2.3:8080 --allow-remote --technique sse --clients 300',
      ),
    command.join(' '),
  );
  // --cpu 500m: one generator process per pod (a pod sees the node's cores, not its share).
  assert.equal(command[command.indexOf('--generators') + 1], '1');
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  for (const line of [
    `kubectl apply -f ${out}`,
    'kubectl logs -l app.kubernetes.io/name=pushbench,app.kubernetes.io/instance=pushbench,app.kubernetes.io/component=shard -c shard --tail=-1',
    'pushbench merge pushbench-shards.log',
  ]) {
    assert.ok(readme.includes(line), line);
    assert.ok(result.stdout.includes(line), line);
  }
  assert.ok(readme.includes(`pushbench k8s ${GOOD.slice(1).join(' ')}`), 'the README names the command that wrote it');
});

test('bad input exits 2 and names the value and what is allowed', async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ['k8s', '--shards', '0', '--serve', '--technique', 'sse', '--clients', '3'],
      /invalid --shards: received "0"; expected an integer from 1 to 1000/,
    ],
    [['k8s', '--shards', '1001', '--serve', '--technique', 'sse', '--clients', '3000'], /invalid --shards: received "1001"/],
    [['k8s', '--shards', '4', '--technique', 'sse', '--clients', '3'], /needs --target URL .* or --serve/],
    [['k8s', '--shards', '4', '--serve', '--technique', 'sse', '--clients', '3'], /--clients 3 cannot be dealt to --shards 4/],
    [
      ['k8s', '--shards', '2', '--serve', '--technique', 'sse', '--clients', '4', '--cpu', 'two'],
      /invalid --cpu: received "two"; expected a positive Kubernetes quantity such as 500m or 2/,
    ],
    [
      ['k8s', '--shards', '2', '--serve', '--technique', 'sse', '--clients', '4', '--memory', '1GB'],
      /invalid --memory: received "1GB"; expected a positive Kubernetes quantity such as 512Mi or 2Gi/,
    ],
    [['k8s', '--shards', '2', '--serve', '--technique', 'sse', '--clients', '4', '--cpu', '0'], /invalid --cpu: received "0"/],
    [
      ['k8s', '--shards', '2', '--target', 'http://127.0.0.1:8080', '--technique', 'sse', '--clients', '4'],
      /in a pod, 127\.0\.0\.1 is the pod itself/,
    ],
    [
      ['k8s', '--shards', '2', '--target', 'http://10.0.0.1:8080', '--technique', 'sse', '--clients', '4'],
      /refusing --target "http:\/\/10\.0\.0\.1:8080" without --allow-remote/,
    ],
    [
      ['k8s', '--shards', '2', '--serve', '--technique', 'smoke', '--clients', '4'],
      /invalid --technique: received "smoke"; allowed: polling/,
    ],
    [
      ['k8s', '--shards', '2', '--serve', '--technique', 'sse', '--clients', '4', '--name', 'Bench_1'],
      /invalid --name: received "Bench_1"; expected lower-case letters/,
    ],
    [
      ['k8s', '--shards', '2', '--serve', '--technique', 'sse', '--clients', '4', '--anti-affinity', 'always'],
      /invalid --anti-affinity: received "always"; allowed: none, preferred, required/,
    ],
    [
      ['k8s', '--shards', '3', '--serve', '--technique', 'sse', '--clients', '4', '--workload', 'chat', '--room-size', '2'],
      /--shards 3: 2 rooms of 2 clients cannot be dealt to them; allowed: at most as many shards as rooms/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await runCli([...args, '--out', path.join(dir, 'bad')]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
  assert.equal(fs.existsSync(path.join(dir, 'bad')), false, 'nothing is written on bad input');
});
