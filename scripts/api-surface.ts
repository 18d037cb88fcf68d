/**
 * The measures of the public surface and of the code's shape that issue 19 tracks, printed as a
 * table (`npx ts-node --transpile-only scripts/api-surface.ts [--json]`):
 *  - exports per package entry point (`.`, `./cdk8s`, `./pulumi`), types included, and how many of
 *    them are marked `@internal`;
 *  - the longest functions (methods, arrows and constructors included) and the longest files of `src/`
 *    (generated CRD types aside);
 *  - the size of API.md.
 * Read-only; it changes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const ENTRIES: Record<string, string> = { '.': 'src/index.ts', './cdk8s': 'src/cdk8s/index.ts', './pulumi': 'src/pulumi/index.ts' };
const GENERATED = /src\/core\/crds\/generated\//;

function program(): ts.Program {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.dev.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return ts.createProgram(Object.values(ENTRIES).map((e) => path.join(ROOT, e)), { ...parsed.options, noEmit: true });
}

function isInternal(symbol: ts.Symbol): boolean {
  return symbol.getJsDocTags().some((t) => t.name === 'internal');
}

interface FunctionLength {
  readonly where: string;
  readonly lines: number;
}

function functionLengths(sf: ts.SourceFile): FunctionLength[] {
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node, owner: string) => {
    let name = owner;
    const isFunction = ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node);
    if (isFunction || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const variable = ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)';
      const own = ts.isConstructorDeclaration(node) ? 'constructor' : (node as ts.FunctionDeclaration).name?.getText(sf) ?? variable;
      name = owner ? `${owner}.${own}` : own;
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ where: `${path.relative(ROOT, sf.fileName)}:${start + 1} ${name}`, lines: end - start + 1 });
    } else if (ts.isClassDeclaration(node) && node.name) {
      name = node.name.getText(sf);
    }
    ts.forEachChild(node, (c) => visit(c, name));
  };
  visit(sf, '');
  return out;
}

function main(): void {
  const p = program();
  const checker = p.getTypeChecker();
  const exportsPerEntry: Record<string, { total: number; internal: number }> = {};
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const sf = p.getSourceFile(path.join(ROOT, file))!;
    const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!);
    // eslint-disable-next-line no-bitwise
    const resolved = symbols.map((s) => ((s.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(s) : s));
    exportsPerEntry[entry] = { total: symbols.length, internal: resolved.filter(isInternal).length };
  }
  const sources = p.getSourceFiles().filter((sf) => sf.fileName.startsWith(path.join(ROOT, 'src')) && !GENERATED.test(sf.fileName));
  const functions = sources.flatMap(functionLengths).sort((a, b) => b.lines - a.lines);
  const lineCount = (sf: ts.SourceFile) => sf.getLineAndCharacterOfPosition(sf.getEnd()).line + 1;
  const files = sources.map((sf) => ({ where: path.relative(ROOT, sf.fileName), lines: lineCount(sf) })).sort((a, b) => b.lines - a.lines);
  const apiMd = path.join(ROOT, 'API.md');
  const apiLines = fs.existsSync(apiMd) ? fs.readFileSync(apiMd, 'utf8').split('\n').length : 0;
  const report = {
    exportsPerEntry,
    functionsOver80Lines: functions.filter((f) => f.lines > 80).length,
    longestFunctions: functions.slice(0, 10),
    filesOver400Lines: files.filter((f) => f.lines > 400).length,
    longestFiles: files.slice(0, 10),
    apiMdLines: apiLines,
  };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = ['exports per entry (internal):'];
  for (const [e, c] of Object.entries(exportsPerEntry)) lines.push(`  ${e.padEnd(9)} ${c.total} (${c.internal} @internal)`);
  lines.push(`functions over 80 lines: ${report.functionsOver80Lines}; longest:`);
  for (const f of report.longestFunctions) lines.push(`  ${String(f.lines).padStart(4)}  ${f.where}`);
  lines.push(`files over 400 lines: ${report.filesOver400Lines}; longest:`);
  for (const f of report.longestFiles) lines.push(`  ${String(f.lines).padStart(4)}  ${f.where}`);
  lines.push(`API.md: ${apiLines} lines`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
