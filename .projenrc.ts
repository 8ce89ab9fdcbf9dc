import { awscdk, javascript, JsonFile } from 'projen';

// The lowest aws-cdk-lib the tests run on: cdk-nag 3 plugs into the policy validation of 2.269 and later.
const cdkVersion = '2.278.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-aurora-snapshots',
  description: 'Scheduled Aurora DB cluster snapshots with restic-grade retention that only ever prunes its own snapshots.',
  author: 'cdk-aurora-snapshots maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-1fc40ab7.example',
  repositoryUrl: 'https://github.com/maintainers/cdk-aurora-snapshots.git',
  keywords: ['cdk', 'aurora', 'rds', 'snapshot', 'backup', 'retention', 'step-functions'],
  defaultReleaseBranch: 'main',
  cdkVersion,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  license: 'Apache-2.0',

  publishToPypi: {
    distName: 'cdk-aurora-snapshots',
    module: 'cdk_aurora_snapshots',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkaurorasnapshots',
    mavenGroupId: 'io.github.cdk-aurora-snapshots',
    mavenArtifactId: 'cdk-aurora-snapshots',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkAuroraSnapshots',
    packageId: 'CdkAuroraSnapshots',
  },
  publishToGo: {
    moduleName: 'github.com/maintainers/cdk-aurora-snapshots-go',
  },

  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    bundlingOptions: {
      // The Node.js 24 runtime ships AWS SDK v3, but bundling our own pins the version we test against.
      externals: [],
      sourcemap: false,
    },
  },

  devDeps: [
    'cdk-nag',
    'aws-local-stepfunctions',
    'fast-check',
    '@aws-sdk/client-rds',
    '@aws-sdk/client-service-quotas',
    '@aws-sdk/client-eventbridge',
    '@aws-lambda-powertools/logger',
    '@aws-lambda-powertools/metrics',
    '@types/aws-lambda',
  ],

  jestOptions: {
    jestConfig: {
      testTimeout: 120_000,
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '<rootDir>/test/support/'],
    },
  },

  gitignore: ['cdk.out', '.moto-*.log', '/demo/cdk.out/'],
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'demo', 'bench', 'projenrc', '.projenrc.ts'],
  },
  tsconfigDev: {
    include: ['../demo/**/*.ts', '../bench/**/*.ts'],
  },
});

// A fresh process that only compiles what it runs keeps the demo, soak and bench quick to start.
const tsNode = 'ts-node --transpile-only --project test/tsconfig.json';

const bundle = project.tasks.tryFind('bundle')!;

// Tests synthesize stacks, and synthesis needs the bundled handler, so a fresh clone's `npm test` bundles first.
project.testTask.prependSpawn(bundle);

// `npx cdk-aurora-snapshots preview ...`: bundled with its AWS SDK, so the package needs no runtime dependencies.
project.bundler.addBundle('src/cli/cdk-aurora-snapshots.ts', {
  platform: 'node',
  target: 'node20',
  outfile: 'index.js',
  executable: true,
  banner: '#!/usr/bin/env node',
  sourcemap: false,
});
project.addBins({ 'cdk-aurora-snapshots': 'assets/cli/cdk-aurora-snapshots/index.js' });

const demo = project.addTask('demo', {
  description: 'Synthesizes the example app and runs its workflow for 30 simulated days against moto',
});
demo.spawn(bundle);
demo.exec(`${tsNode} demo/demo.ts`);

const soak = project.addTask('soak', {
  description: 'Two simulated years of daily runs through the fault-injecting proxy, with faults in about 10% of calls',
});
soak.spawn(bundle);
soak.exec(`${tsNode} bench/soak.ts`);

const bench = project.addTask('bench', {
  description: 'Measures stack scale, transitions per run, the function and the cost; writes bench/results.json',
});
bench.spawn(bundle);
bench.exec(`${tsNode} bench/bench.ts`);

project.npmignore?.exclude('/demo/', '/bench/', '/cdk.out/', '/.ci/');

// The demo and the benchmarks compile with the tests' settings; a tsconfig beside them lets eslint find it.
for (const dir of ['demo', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, { obj: { extends: '../test/tsconfig.json' } });
}

// The handler and the preview command are bundled by esbuild at build time, so what they import stays a dev
// dependency: users of the library never install it.
project.eslint?.addOverride({
  files: ['src/runtime/**/*.ts', 'src/cli/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

project.synth();
