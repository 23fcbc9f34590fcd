/**
 * Finds the case files of the HTTP corpus (cases/<topic>/<name>.md) and parses them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCaseFile, type HttpCase } from './case-file.js'

/** The folder that holds the case files, one subfolder per topic. */
export const HTTP_CASES_DIR = fileURLToPath(new URL('./cases/', import.meta.url))

/** A case file's id (its path below cases/ without `.md`) and its text. */
export interface CaseSource {
  id: string
  path: string
  markdown: string
}

/** Every case file below `dir`, sorted by id. */
export function listCaseFiles(dir = HTTP_CASES_DIR): CaseSource[] {
  const sources: CaseSource[] = []
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (entry.name.endsWith('.md')) {
        sources.push({ id: relative(dir, path).replace(/\.md$/, ''), path, markdown: readFileSync(path, 'utf8') })
      }
    }
  }
  visit(dir)
  return sources.sort((a, b) => a.id.localeCompare(b.id))
}

/** Parses every case below `dir`; throws on the first malformed one (the format test lists them all). */
export function loadHttpCorpus(dir = HTTP_CASES_DIR): HttpCase[] {
  return listCaseFiles(dir).map((source) => parseCaseFile(source.id, source.markdown))
}
