// The layer rule (`npm run lint:layers`, part of `npm run lint`): which folder of src may import
// which, so the arrows point one way, toward core. Tests beside the sources (*.test.ts) may import
// test tooling (src/synth, test/); everything else follows its layer.
//
//   core      <- contract <- store <- server <- cli
//   core      <- reader   <- server, synth
//   core      <- demo     <- cli
//   core, contract <- web (browser code)
//   synth (test tooling) <- tests, bench, scripts, training; never production
//   eval (evaluation only: camera 2) <- bench, tests; it shares nothing with synth, reader, training

const TEST = '\\.test\\.ts$';
const OURS = '^(src|test|bench|scripts|training|eval)/';
/** Node-side files of src/web: they bundle and serve the browser code, they are not part of it. */
const WEB_NODE_SIDE = '^src/web/(assets|field-assets|map-assets|bundle)\\.ts$';

/** A rule: files of `folder` (tests aside) import nothing of ours outside `allowed`. */
function layer(name, folder, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^src/${folder}/`, pathNot: TEST },
    to: { path: OURS, pathNot: `^src/(${[folder, ...allowed].join('|')})/` },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment:
        'A cycle makes two modules one: neither can be read, tested or loaded without the other, ' +
        'and the load order decides what is undefined at import time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'production-not-test-tooling',
      comment:
        'Synthesis and test tooling (src/synth: synthetic camera, fake photos, builders of results) ' +
        'and the test, bench, scripts and training folders are for tests and measurements; ' +
        'production code never loads them (MNIST, for one, is only a devDependency).',
      severity: 'error',
      from: { path: '^src/(core|contract|reader|store|server|web|demo|cli)/', pathNot: TEST },
      to: { path: '^(src/synth|test|bench|scripts|training)/' },
    },
    layer(
      'core-imports-nothing-of-ours',
      'core',
      [],
      'core holds the domain types and rules, pure: everything else builds on it, so it depends on ' +
        'nothing of ours.',
    ),
    {
      name: 'core-no-node-builtins',
      comment:
        'core is pure (no I/O) and runs in the browser too (the field app, the portal, receipts).',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    layer(
      'contract-imports-core-only',
      'contract',
      ['core'],
      'contract is the HTTP API as zod schemas, shared by server, web, cli and the OpenAPI ' +
        'document: it may build on core, never on a side of the wire.',
    ),
    {
      name: 'contract-only-zod',
      comment:
        'contract runs in the browser and in Node and holds only schemas: zod and core, nothing else.',
      severity: 'error',
      from: { path: '^src/contract/', pathNot: TEST },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'],
        pathNot: '(^|/)node_modules/zod/',
      },
    },
    layer(
      'reader-imports-core-only',
      'reader',
      ['core'],
      'The reader (photo to numbers) runs in the browser and in Node: it knows the domain (core), ' +
        'not the store, server or apps that use it.',
    ),
    layer(
      'store-imports-core-and-contract',
      'store',
      ['core', 'contract'],
      'The store persists the domain: it knows core and the shapes it returns (contract), not the ' +
        'server or the apps above it.',
    ),
    layer(
      'server-imports-store-reader-core-contract',
      'server',
      ['store', 'reader', 'core', 'contract', 'web'],
      'The server is built from the store, the reader, core and the contract; the cli wires it, ' +
        'the demo drives it from outside.',
    ),
    {
      name: 'server-web-asset-types-only',
      comment:
        'The server serves the built web apps it is given (buildApp({ webAssets })): it may name ' +
        'their type (src/web/assets.ts), never import the browser code or the bundler.',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TEST },
      to: { path: '^src/web/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'server-web-asset-module-only',
      comment: 'Of src/web, the server may name only the asset type of the Node-side asset module.',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TEST },
      to: { path: '^src/web/', pathNot: WEB_NODE_SIDE },
    },
    layer(
      'web-imports-core-contract-reader',
      'web',
      ['core', 'contract', 'reader'],
      'The web apps (portal, field app) talk to the server over HTTP (the contract) and share the ' +
        "domain (core); the field app reads forms on the phone (reader). The server's code is on " +
        'the other side of the wire.',
    ),
    {
      name: 'web-browser-no-node-builtins',
      comment:
        'The web apps run in the browser, where there is no node:fs or node:crypto; only the ' +
        'Node-side asset builders (assets.ts, field-assets.ts, map-assets.ts, bundle.ts) may use Node.',
      severity: 'error',
      from: { path: '^src/web/', pathNot: [WEB_NODE_SIDE, TEST] },
      to: { dependencyTypes: ['core'] },
    },
    layer(
      'demo-imports-core-only',
      'demo',
      ['core'],
      'The demo election and its simulated night build on the domain alone and drive the server ' +
        'over HTTP like a phone would: never the store, server, cli or web code.',
    ),
    {
      name: 'eval-shares-nothing-with-training',
      comment:
        'eval/ (camera 2 and whatever else grades the reader) must share no code with what the ' +
        'reader was built or trained from: were it to draw with src/synth, measure with ' +
        'src/reader or reuse training/, the reader would be graded on its own habits again ' +
        '(issue 11). It may use src/core (the domain) and the shared data.',
      severity: 'error',
      from: { path: '^eval/' },
      to: { path: '^(src/synth|src/reader|training)/' },
    },
    {
      name: 'nothing-builds-on-eval',
      comment:
        'Evaluation data stays apart from what it evaluates: production code, the training ' +
        'camera and the training scripts never import eval/ (the training camera may borrow its ' +
        'conditions, written again, never its code), so a held-out test cannot leak into training.',
      severity: 'error',
      from: { path: '^(src|training)/' },
      to: { path: '^eval/' },
    },
    layer(
      'synth-imports-core-reader',
      'synth',
      ['core', 'reader'],
      'Synthesis and test tooling draws forms the reader reads, from the domain: nothing above.',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
