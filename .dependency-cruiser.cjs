// Dependency rules for `npm run lint:deps`, generated from layers.cjs (the same
// list README.md's "Code map" shows). Each rule's comment is the one line a
// failing build prints.
const { LAYERS, KNOWN_EXCEPTIONS, CDK_PACKAGES, CDK_FOLDERS, RUNTIME_PACKAGES, PURE } = require('./layers.cjs');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A path pattern for a layer folder: `lib/*.ts` is the files directly in lib/. */
const folderPattern = (folder) => (folder === 'lib/*.ts' ? '^lib/[^/]+\\.ts$' : `^${escape(folder)}/`);
const anyOf = (folders) => folders.map(folderPattern).join('|');
const packagePattern = (packages) => `(^|/)node_modules/(${packages.map(escape).join('|')})(/|$)`;
const ruleName = (folder) => folder.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '');

const layerRules = LAYERS.filter((l) => !l.imports.includes('any')).map((l) => {
  const exceptions = KNOWN_EXCEPTIONS.filter((e) => e.from === l.folder).map((e) => e.to);
  return {
    name: `layer-${ruleName(l.folder)}`,
    comment: `${l.folder} may import only: ${l.imports.length ? l.imports.join(', ') : 'nothing outside itself'} (layers.cjs)`,
    severity: 'error',
    from: { path: folderPattern(l.folder) },
    to: { path: '^(lib|bin|lambdas|bench|test)/', pathNot: anyOf([l.folder, ...l.imports, ...exceptions]) },
  };
});

const exceptionRules = KNOWN_EXCEPTIONS.map((e) => ({
  name: `known-exception-${ruleName(e.from)}-to-${ruleName(e.to)}`,
  comment: e.why,
  severity: 'warn',
  from: { path: folderPattern(e.from) },
  to: { path: folderPattern(e.to) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    ...exceptionRules,
    {
      name: 'folder-without-a-layer',
      comment: 'every folder of lib/ has a line in layers.cjs (and so in the README code map)',
      severity: 'error',
      from: { path: '^lib/[^/]+/', pathNot: anyOf(LAYERS.map((l) => l.folder)) },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no runtime import cycles between modules (type-only imports are erased and a lazy import() runs after both modules loaded)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'dynamic-import'] } },
    },
    {
      name: 'cdk-only-in-construct',
      comment: `only ${CDK_FOLDERS.join(', ')} (and tests, benchmarks) import ${CDK_PACKAGES.join(', ')}`,
      severity: 'error',
      from: { pathNot: `${anyOf(CDK_FOLDERS)}|^(bench|test)/` },
      to: { path: packagePattern(CDK_PACKAGES) },
    },
    {
      name: 'pure-layers',
      comment: `${PURE.join(', ')} reach no AWS SDK, CDK, Lambda runtime library or DuckDB, directly or through what they import`,
      severity: 'error',
      from: { path: anyOf(PURE) },
      to: { path: packagePattern(RUNTIME_PACKAGES), reachable: true },
    },
    {
      name: 'construct-without-runtime',
      comment: 'the construct reaches no AWS SDK client, Lambda runtime library or DuckDB: it deploys handlers, it does not run them',
      severity: 'error',
      from: { path: folderPattern('lib/construct') },
      to: { path: packagePattern(['@aws-sdk', '@aws-lambda-powertools', '@middy', '@duckdb']), reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in the graph (as leaves: doNotFollow) so the package rules can see it.
    exclude: { path: '^(dist|cdk\\.out|bench/out)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a layer that names another's types depends on it.
    tsPreCompilationDeps: true,
    // Resolve package subpaths (@aws-lambda-powertools/logger/middleware) through their exports maps, as Node does.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'] },
  },
};
