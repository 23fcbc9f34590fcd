/**
 * The exports of a package entry that carry no JSDoc, as an editor would show them: each export
 * is followed through re-exports to its declaration, and counts as documented when TypeScript
 * finds a doc comment for it (a file header above the imports does not count: TypeScript
 * attaches it to the import, and editors never show it).
 */
import { dirname, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const tsconfig = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url))

/**
 * Names exported by `entry` (a path to a package's src/index.ts) that have no JSDoc, among
 * those declared in that package's src folder (re-exports of another package's API are checked
 * where they are declared).
 */
export function undocumentedExports(entry: string): string[] {
  const own = dirname(entry) + sep
  const config = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (config === undefined) throw new Error(`cannot read ${tsconfig}`)
  const program = ts.createProgram([entry], config.options)
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry)
  const module = source && checker.getSymbolAtLocation(source)
  if (module === undefined) throw new Error(`${entry} is not a module`)
  const missing: string[] = []
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    if (!symbol.declarations?.some((declaration) => declaration.getSourceFile().fileName.startsWith(own))) continue
    if (symbol.getDocumentationComment(checker).length === 0) missing.push(exported.name)
  }
  return missing
}
