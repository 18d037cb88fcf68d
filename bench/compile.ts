/**
 * Compiles the library and the benchmark to JavaScript once (TypeScript's `transpileModule`, no type
 * checking: `npx tsc` does that), so each measured child process starts with plain `node`: no
 * compiler in the process, no source-map rewriting of stack traces (Pulumi captures one per promise).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** The project root. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

const FOLDERS = ['src', 'bench'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/**
 * Writes `<outDir>/src/**.js` and `<outDir>/bench/**.js`; returns the path of the compiled child
 * entry point and the number of files.
 */
export function compileForBench(outDir: string): { child: string; files: number } {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    sourceMap: false,
    inlineSourceMap: false,
  };
  fs.rmSync(outDir, { recursive: true, force: true });
  let files = 0;
  for (const folder of FOLDERS) {
    for (const file of sources(path.join(PROJECT_ROOT, folder))) {
      const rel = path.relative(PROJECT_ROOT, file);
      const { outputText, diagnostics } = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file, reportDiagnostics: true });
      if (diagnostics && diagnostics.length > 0) {
        throw new Error(`${rel}: ${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
      }
      const target = path.join(outDir, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, outputText);
      files += 1;
    }
  }
  return { child: path.join(outDir, 'bench', 'child.js'), files };
}
