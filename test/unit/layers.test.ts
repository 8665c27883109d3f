// Issue 29: imports point one way. Each folder of src/ is a layer; a module may import its own layer and the
// layers below it, never one above, and no set of modules imports itself round a circle.
import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {ROOT} from '../helpers/cli.js'

const SRC = path.join(ROOT, 'src')

/**
 * From the top down; names on one line are one layer. The entry (main.ts, index.ts) and the commands are the top;
 * util is the floor.
 */
export const LAYERS: readonly string[][] = [
  ['main.ts', 'index.ts'],
  ['commands', 'hooks'],
  ['cli'],
  ['api'],
  ['autogenerate'],
  ['lint'],
  ['runtime'],
  ['dialects'],
  ['model'],
  ['sql', 'operations'],
  ['script', 'config'],
  ['boot'],
  ['util'],
]

const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)))

function layerOf(file: string): string {
  const [first] = path.relative(SRC, file).split(path.sep)
  return first
}

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  )
}

/** The src/ files a module imports (static, dynamic and type-only alike), by path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)\.js['"]/gm)
  return [...found].map((m) => path.resolve(path.dirname(file), `${m[1]}.ts`))
}

describe('layers of src/', () => {
  const files = sources(SRC)
  const graph = new Map(files.map((f) => [f, importsOf(f)]))

  it('every folder of src/ has a place in the layers', () => {
    const unplaced = [...new Set(files.map(layerOf))].filter((l) => !rank.has(l))
    expect(unplaced, 'add the new folder to LAYERS').to.deep.equal([])
  })

  it('no import runs from a lower layer to a higher one', () => {
    const upward = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => rank.get(layerOf(target))! < rank.get(layerOf(file))!)
        .map((target) => `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`),
    )
    expect(upward).to.deep.equal([])
  })

  it('no module imports itself round a circle', () => {
    const cycles: string[] = []
    const state = new Map<string, 'done' | 'open'>()
    const stack: string[] = []
    const visit = (file: string) => {
      state.set(file, 'open')
      stack.push(file)
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open')
          cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(SRC, f)).join(' -> '))
        else if (!state.has(next)) visit(next)
      }
      stack.pop()
      state.set(file, 'done')
    }
    for (const file of files) if (!state.has(file)) visit(file)
    expect(cycles).to.deep.equal([])
  })

  it('finds the imports it judges (a file of each layer imports something)', () => {
    // Guards the reading itself: were the pattern wrong, every check above would pass on nothing.
    expect([...graph.values()].flat().length).to.be.greaterThan(300)
    expect(graph.get(path.join(SRC, 'api', 'migrate.ts'))).to.include(path.join(SRC, 'util', 'errors.ts'))
  })
})
