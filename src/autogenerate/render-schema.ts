import {describeUncompared, type TableSchema} from '../model/table-schema.js'
import {defaultConstraintName} from '../operations/naming.js'
import type {DialectName} from '../util/dialect-names.js'
import {defaultValue, reflectedColumn} from './compare.js'
import type {SchemaSnapshot} from './snapshot.js'
import type {DomainDefinition, TableDefinition} from './target-schema.js'

/**
 * A schema as `defineSchema` TypeScript source (db-manage pull): what the
 * database reports, in the spelling autogenerate writes (portable types where
 * they round-trip, defaults as values or `sql()`), so that the file, as a
 * target_schema, reads back as no difference from the database it came from.
 */
export function renderSchema(snapshot: SchemaSnapshot, dialect: DialectName): string {
  const helpers = new Set(['defineSchema'])
  const code = new Code(helpers)
  const parts: string[] = []
  if (snapshot.extensions.length > 0) parts.push(`  extensions: ${code.value(snapshot.extensions)},`)
  if (snapshot.enums.length > 0) {
    parts.push('  enums: {', ...snapshot.enums.map((e) => `    ${code.key(e.name)}: ${code.value(e.values)},`), '  },')
  }

  if (snapshot.domains.length > 0) {
    const domains = snapshot.domains.map((d): [string, DomainDefinition] => [
      d.name,
      {
        checks: d.checks.length > 0 ? d.checks.map((k) => ({condition: k.condition, name: k.name})) : undefined,
        default: d.default === undefined ? undefined : defaultValue(d.default, undefined, d.type),
        nullable: d.nullable ? undefined : false,
        type: d.type,
      },
    ])
    parts.push('  domains: {', ...domains.map(([name, d]) => `    ${code.key(name)}: ${code.value(d)},`), '  },')
  }

  parts.push('  tables: {')
  for (const table of creationOrder(snapshot.tables)) {
    const {columns, ...rest} = tableDefinition(table, dialect)
    const list = columns.map((c) => {
      const {name, type, ...options} = c
      helpers.add('column')
      const given = code.options(options)
      return `        column(${[code.value(name), code.value(type), ...(given ? [given] : [])].join(', ')}),`
    })
    parts.push(
      `    ${code.key(table.name)}: {`,
      ...(list.length > 0 ? ['      columns: [', ...list, '      ],'] : ['      columns: [],']),
      ...Object.entries(rest)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `      ${k}: ${code.value(v)},`),
      '    },',
    )
  }

  parts.push('  },')
  if (snapshot.virtualTables.length > 0)
    parts.push(`  virtualTables: ${code.value(snapshot.virtualTables.map((t) => t.sql))},`)
  // Views, functions, procedures, aggregates and triggers, each the statement that makes it as it is.
  if (snapshot.objects.length > 0)
    parts.push('  objects: [', ...snapshot.objects.map((o) => `    ${code.value(o.create)},`), '  ],')
  const notPulled = describeUncompared(snapshot.uncompared)
  return [
    `import {${[...helpers].sort().join(', ')}} from 'db-manage'`,
    '',
    `// The schema of a ${dialect} database, as db-manage pull read it.`,
    ...(notPulled ? [`// Not pulled (autogenerate does not compare them): ${notPulled}.`] : []),
    'export default defineSchema({',
    ...parts,
    '})',
    '',
  ].join('\n')
}

/** A reflected table as a declared one, stated as createTable states a new table in a revision. */
export function tableDefinition(table: TableSchema, dialect: DialectName): TableDefinition {
  const pk = table.primaryKey?.columns ?? []
  const keyName = table.primaryKey?.name
  const ownName = keyName !== undefined && keyName !== defaultConstraintName.primaryKey(table.name)
  const flagged = pk.length === 1 && !ownName ? pk : []
  const named = <T extends {name?: string}>(k: T): T => {
    if (k.name !== undefined) return k
    const {name: _, ...rest} = k
    return rest as T
  }

  const list = <T>(items: readonly T[]): T[] | undefined => (items.length > 0 ? [...items] : undefined)
  return {
    columns: table.partitionOf
      ? []
      : table.columns.map((c) => reflectedColumn(c, dialect, flagged.includes(c.name), table)),
    primaryKey: pk.length > 1 || ownName ? named({columns: [...pk], name: keyName}) : undefined,
    uniques: list(
      table.uniques.map((u) =>
        named({columns: [...u.columns], name: u.name, ...(u.nullsNotDistinct ? {nullsNotDistinct: true} : {})}),
      ),
    ),
    foreignKeys: list(
      table.foreignKeys.map((f) =>
        named({
          columns: [...f.columns],
          name: f.name,
          referent: f.referent,
          referentColumns: [...f.referentColumns],
          ...(f.onDelete ? {onDelete: f.onDelete as never} : {}),
          ...(f.onUpdate ? {onUpdate: f.onUpdate as never} : {}),
          ...(f.deferrable ? {deferrable: true} : {}),
          ...(f.initiallyDeferred ? {initiallyDeferred: true} : {}),
        }),
      ),
    ),
    checks: list(table.checks.map((c) => named({condition: c.condition, name: c.name}))),
    indexes: list(
      table.indexes.map((i) => {
        const {columns, name, unique, ...options} = i
        return {columns: [...columns], name, ...(unique ? {unique: true} : {}), ...options}
      }),
    ),
    comment: table.comment,
    mysqlCollate: table.mysqlCollate,
    mysqlEngine: table.mysqlEngine,
    mysqlRowFormat: table.mysqlRowFormat,
    partitionBy: table.partitionBy,
    partitionOf: table.partitionOf,
  }
}

/** The tables in the catalog's order, a partition after the table it is a partition of. */
function creationOrder(tables: readonly TableSchema[]): TableSchema[] {
  const byName = new Map(tables.map((t) => [t.name, t]))
  const depth = (t: TableSchema, seen = new Set<string>()): number => {
    const parent = t.partitionOf && byName.get(t.partitionOf.parent)
    if (!parent || seen.has(parent.name)) return 0
    seen.add(t.name)
    return 1 + depth(parent, seen)
  }

  return tables
    .map((t) => ({depth: depth(t), t}))
    .sort((a, b) => a.depth - b.depth)
    .map((x) => x.t)
}

/** Values as TypeScript source, noting which of db-manage's helpers (`sql`, `now`) they use. */
class Code {
  constructor(private readonly helpers: Set<string>) {}

  /**
   * A string literal: single quotes, escapes for backslashes and control characters; text of several lines (a
   * check's condition, a view's query) as a template literal, its lines as they are.
   */
  string(text: string): string {
    if (text.includes('\n') && !/[\0-\u0008\v-\u001F\u007F]/.test(text))
      return `\`${text.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${')}\``
    const control = (c: string) =>
      c === '\n' ? String.raw`\n` : `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`
    const escaped = text.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)
    return `'${escaped.replaceAll(/[\0-\u0008\n-\u001F\u007F]/g, control)}'`
  }

  key(name: string): string {
    return /^[A-Za-z_$][\w$]*$/.test(name) ? name : this.string(name)
  }

  value(v: unknown): string {
    if (v === null) return 'null'
    if (typeof v === 'string') return this.string(v)
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    if (typeof v === 'bigint') return `${v}n`
    if (Array.isArray(v)) return `[${v.map((x) => this.value(x)).join(', ')}]`
    if (typeof v === 'object' && (v as {kind?: string}).kind === 'sql') {
      const {sql} = v as {sql: string}
      const now = /^current_timestamp(\(\))?$/i.test(sql)
      this.helpers.add(now ? 'now' : 'sql')
      return now ? 'now()' : `sql(${this.string(sql)})`
    }

    return this.options(v as Record<string, unknown>) || '{}'
  }

  /** `{a: 1, b: 'x'}` with keys in order, leaving out undefined, or '' when nothing is left. */
  options(o: Record<string, unknown>): string {
    const entries = Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${this.key(k)}: ${this.value(v)}`).join(', ')}}`
  }
}
