/**
 * PostgreSQL statements read by PostgreSQL's own grammar: libpg_query (the
 * server's parser, built to WebAssembly by the `libpg-query` package),
 * loaded only when the lint first meets raw SQL on PostgreSQL. Its parse
 * tree is translated into the neutral actions the rules read.
 */
import {requireExternal} from '../boot/index.js'
import {tokenize} from '../sql/lexer.js'
import type {Action, ColumnFacts, ConstraintKind, DefaultFacts, TypeFacts} from './actions.js'
import {pgVolatileFunction} from './defaults.js'
import {parseSqlType} from '../model/sql-type.js'
import {SERIAL_TYPES} from './types.js'

/* eslint-disable @typescript-eslint/no-explicit-any -- the parse tree is JSON of ~500 node types, read defensively */
type Node = any

interface PgQuery {
  loadModule(): Promise<void>
  parseSync(sql: string): {stmts: Array<{stmt: Node}>}
}

let parser: PgQuery | undefined

/** Load the parser (its WebAssembly compiled once, ~30 ms): the lint's own cost, paid when raw SQL is met. */
export async function loadPostgresParser(): Promise<void> {
  if (parser) return
  // require(): the bundle keeps the package external and loads it from node_modules only here.
  const loaded = requireExternal('libpg-query') as PgQuery
  await loaded.loadModule()
  parser = loaded
}

/** The actions of one PostgreSQL statement (the parser must be loaded). */
export function postgresActions(sql: string): Action[] {
  if (!parser) throw new Error('loadPostgresParser() first')
  let tree
  try {
    tree = parser.parseSync(sql)
  } catch (error) {
    // A backslash in a string is read as standard_conforming_strings = on reads it; a file that turned it off
    // (pg_dump of an old server) means something else, which only the server can tell.
    if (/'[^']*\\/.test(sql)) return [{kind: 'unclassified', what: `${statementHead(sql)} (a backslash in a string)`}]
    return [{kind: 'syntaxError', message: `syntax error: ${(error as Error).message}`}]
  }

  return [...longIdentifiers(sql), ...tree.stmts.flatMap(({stmt}) => statementActions(stmt, sql))]
}

/**
 * Identifiers of more than 63 bytes, read from the text: the parser has
 * already truncated them (as the server does, with a NOTICE), so its tree
 * never shows one.
 */
function longIdentifiers(sql: string): Action[] {
  const out: Action[] = []
  for (const t of tokenize(sql, 'postgresql')) {
    if (t.kind !== 'word' && t.kind !== 'quoted') continue
    const text = sql.slice(t.start, t.end)
    const name = t.kind === 'quoted' ? text.slice(1, -1).replaceAll('""', '"') : text.toLowerCase()
    if (Buffer.byteLength(name) > 63) out.push({kind: 'name', name, what: 'identifier'})
  }

  return out
}

/** `{IndexStmt: {...}}` -> ['IndexStmt', {...}]. */
function unwrap(node: Node): [string, Node] {
  const [kind] = Object.keys(node ?? {})
  return [kind, node?.[kind] ?? {}]
}

const str = (node: Node): string => node?.String?.sval ?? node?.sval ?? ''

function relation(rv: Node): string {
  if (!rv) return ''
  return [rv.catalogname, rv.schemaname, rv.relname].filter(Boolean).join('.')
}

function qualified(names: Node[] | undefined): string {
  return (names ?? []).map(str).join('.')
}

/** A TypeName node as the SQL it stands for, read into facts. */
function pgType(typeName: Node): TypeFacts {
  const names: string[] = (typeName?.names ?? []).map(str)
  const base = names.at(-1) ?? ''
  const mods: number[] = (typeName?.typmods ?? []).map((m: Node) => m?.A_Const?.ival?.ival ?? 0)
  const text = `${base}${mods.length > 0 ? `(${mods.join(',')})` : ''}${typeName?.arrayBounds ? '[]' : ''}`
  return {...parseSqlType(text, 'postgresql'), text: displayType(base, mods, Boolean(typeName?.arrayBounds))}
}

/** The type's usual SQL name for a message (int4 -> integer). */
function displayType(base: string, mods: number[], array: boolean): string {
  const names: Record<string, string> = {
    bpchar: 'char',
    float4: 'real',
    float8: 'double precision',
    int2: 'smallint',
    int4: 'integer',
    int8: 'bigint',
    timestamp: 'timestamp',
    timestamptz: 'timestamptz',
  }
  return `${names[base] ?? base}${mods.length > 0 ? `(${mods.join(',')})` : ''}${array ? '[]' : ''}`
}

/** A default expression: a literal (possibly cast), or a computation; volatile when it calls a volatile function. */
function pgDefault(expr: Node): DefaultFacts {
  let volatile = false
  let expression = false
  const walk = (n: Node): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x)
      return
    }

    if (!n || typeof n !== 'object') return
    for (const [k, v] of Object.entries(n)) {
      if (k === 'FuncCall') {
        expression = true
        volatile ||= pgVolatileFunction(qualified((v as Node).funcname))
      } else if (k === 'SQLValueFunction' || k === 'A_Expr' || k === 'BoolExpr' || k === 'CaseExpr') {
        expression = true
      }

      if (k !== 'typeName') walk(v)
    }
  }

  walk(expr)
  const [kind, body] = unwrap(expr)
  const isNull = kind === 'A_Const' && body.isnull === true
  return {expression, isNull: isNull || undefined, text: expressionText(expr), volatile}
}

/** A short rendering of an expression for a message: `gen_random_uuid()`, `'x'::text`, `CURRENT_TIMESTAMP`. */
function expressionText(expr: Node): string {
  const [kind, body] = unwrap(expr)
  switch (kind) {
    case 'FuncCall': {
      return `${qualified(body.funcname)}(${(body.args ?? []).map(expressionText).join(', ')})`
    }

    case 'A_Const': {
      if (body.isnull) return 'NULL'
      if (body.sval) return `'${body.sval.sval}'`
      if (body.ival) return String(body.ival.ival ?? 0)
      if (body.fval) return body.fval.fval
      if (body.boolval) return String(body.boolval.boolval ?? false)
      return 'a constant'
    }

    case 'TypeCast': {
      return `${expressionText(body.arg)}::${pgType(body.typeName).text}`
    }

    case 'SQLValueFunction': {
      return String(body.op ?? '')
        .replace(/^SVFOP_/, '')
        .replace(/_N$/, '')
    }

    case 'ColumnRef': {
      return (body.fields ?? []).map(str).join('.')
    }

    default: {
      return 'an expression'
    }
  }
}

const CONTYPE: Record<string, ConstraintKind> = {
  CONSTR_CHECK: 'check',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_FOREIGN: 'foreignKey',
  CONSTR_PRIMARY: 'primaryKey',
  CONSTR_UNIQUE: 'unique',
}

function column(def: Node): ColumnFacts {
  const type = def.typeName ? pgType(def.typeName) : undefined
  let autoincrement: ColumnFacts['autoincrement']
  if (type && SERIAL_TYPES.has(type.name)) autoincrement = 'serial'
  const facts: {-readonly [K in keyof ColumnFacts]: ColumnFacts[K]} = {
    autoincrement,
    check: false,
    name: def.colname ?? '',
    notNull: Boolean(def.is_not_null),
    primaryKey: false,
    type,
    unique: false,
  }
  for (const c of def.constraints ?? []) {
    const con = c.Constraint ?? {}
    switch (con.contype) {
      case 'CONSTR_NOTNULL': {
        facts.notNull = true
        break
      }

      case 'CONSTR_DEFAULT': {
        facts.default = pgDefault(con.raw_expr)
        break
      }

      case 'CONSTR_IDENTITY': {
        facts.autoincrement = 'identity'
        break
      }

      case 'CONSTR_GENERATED': {
        facts.generated = con.generated_kind === 'v' ? 'virtual' : 'stored'
        break
      }

      case 'CONSTR_CHECK': {
        facts.check = true
        break
      }

      case 'CONSTR_PRIMARY': {
        facts.primaryKey = true
        facts.notNull = true
        break
      }

      case 'CONSTR_UNIQUE': {
        facts.unique = true
        break
      }

      case 'CONSTR_FOREIGN': {
        facts.references = relation(con.pktable)
        break
      }

      default: {
        break
      }
    }
  }

  return facts
}

/** The names a statement gives new objects. */
function named(name: string | undefined, what: string): Action[] {
  return name ? [{kind: 'name', name, what}] : []
}

function statementActions(stmt: Node, sql: string): Action[] {
  const [kind, s] = unwrap(stmt)
  switch (kind) {
    case 'CreateStmt': {
      const table = relation(s.relation)
      const keyColumns = new Set<string>()
      for (const e of s.tableElts ?? []) {
        const con = e.Constraint
        if (con?.contype === 'CONSTR_PRIMARY') for (const k of con.keys ?? []) keyColumns.add(str(k))
      }

      const columns = (s.tableElts ?? [])
        .filter((e: Node) => e.ColumnDef)
        .map((e: Node) => {
          const c = column(e.ColumnDef)
          return keyColumns.has(c.name) ? {...c, notNull: true, primaryKey: true} : c
        })
      return [
        ...named(s.relation?.relname, 'table'),
        ...columns.flatMap((c: ColumnFacts) => named(c.name, 'column')),
        ...(s.tableElts ?? []).flatMap((e: Node) => named(e.Constraint?.conname, 'constraint')),
        {columns, kind: 'createTable', table},
      ]
    }

    case 'CreateTableAsStmt': {
      return [...named(s.into?.rel?.relname, 'table'), {columns: [], kind: 'createTable', table: relation(s.into?.rel)}]
    }

    case 'AlterTableStmt': {
      return alterTable(s)
    }

    case 'IndexStmt': {
      return [
        ...named(s.idxname, 'index'),
        {
          columns: (s.indexParams ?? []).length,
          concurrently: Boolean(s.concurrent),
          kind: 'createIndex',
          method: s.accessMethod,
          name: s.idxname,
          only: s.relation?.inh === false || undefined,
          table: relation(s.relation),
          unique: Boolean(s.unique),
        },
      ]
    }

    case 'DropStmt': {
      return dropActions(s)
    }

    case 'RenameStmt': {
      return renameActions(s)
    }

    case 'TruncateStmt': {
      return [
        {
          cascade: s.behavior === 'DROP_CASCADE',
          kind: 'truncate',
          tables: (s.relations ?? []).map((r: Node) => relation(r.RangeVar)),
        },
      ]
    }

    case 'VacuumStmt': {
      const options = new Set((s.options ?? []).map((o: Node) => o.DefElem?.defname))
      const tables = (s.rels ?? []).map((r: Node) => relation(r.VacuumRelation?.relation)).join(', ')
      if (s.is_vacuumcmd && options.has('full'))
        return [{kind: 'rebuild', table: tables || undefined, what: 'vacuum full'}]
      return [{kind: 'harmless', what: s.is_vacuumcmd ? 'VACUUM' : 'ANALYZE'}]
    }

    case 'ClusterStmt': {
      return [{kind: 'rebuild', table: relation(s.relation) || undefined, what: 'cluster'}]
    }

    case 'ReindexStmt': {
      const concurrently = (s.params ?? []).some((p: Node) => p.DefElem?.defname === 'concurrently')
      const what = String(s.kind ?? '').replace('REINDEX_OBJECT_', '')
      return [{concurrently, kind: 'reindex', target: `${what} ${relation(s.relation) || s.name || ''}`.trim()}]
    }

    case 'LockStmt': {
      const modes = [
        '',
        'ACCESS SHARE',
        'ROW SHARE',
        'ROW EXCLUSIVE',
        'SHARE UPDATE EXCLUSIVE',
        'SHARE',
        'SHARE ROW EXCLUSIVE',
        'EXCLUSIVE',
        'ACCESS EXCLUSIVE',
      ]
      return [
        {
          kind: 'lockTable',
          mode: modes[s.mode ?? 8] ?? '',
          tables: (s.relations ?? []).map((r: Node) => relation(r.RangeVar)),
        },
      ]
    }

    case 'AlterEnumStmt': {
      const type = qualified(s.typeName)
      if (s.oldVal) return [{kind: 'renameEnumValue', newValue: s.newVal, type, value: s.oldVal}]
      return [{kind: 'addEnumValue', positioned: Boolean(s.newValNeighbor), type, value: s.newVal}]
    }

    case 'CreateEnumStmt': {
      return [...named(qualified(s.typeName).split('.').at(-1), 'type'), {kind: 'harmless', what: 'CREATE TYPE'}]
    }

    case 'CreateDomainStmt': {
      const constrained = (s.constraints ?? []).some((c: Node) => c.Constraint?.contype === 'CONSTR_CHECK')
      return [{constrained, kind: 'createDomain', name: qualified(s.domainname)}]
    }

    case 'AlterDomainStmt': {
      if (s.subtype === 'C') return [{kind: 'alterDomainAddConstraint', name: qualified(s.typeName)}]
      return [{kind: 'harmless', what: 'ALTER DOMAIN'}]
    }

    case 'RefreshMatViewStmt': {
      return [{concurrently: Boolean(s.concurrent), kind: 'refreshMaterializedView', name: relation(s.relation)}]
    }

    case 'DropdbStmt': {
      return [{kind: 'dropDatabase', name: s.dbname, what: 'database'}]
    }

    case 'UpdateStmt':
    case 'DeleteStmt': {
      return [
        {
          bounded: Boolean(s.whereClause),
          kind: 'writeRows',
          table: relation(s.relation),
          verb: kind === 'UpdateStmt' ? 'update' : 'delete',
        },
      ]
    }

    case 'VariableSetStmt': {
      return [{kind: 'setting', name: s.name ?? '', value: (s.args ?? []).map(expressionText).join(', ')}]
    }

    default: {
      if (HARMLESS.has(kind)) return [{kind: 'harmless', what: kind}]
      return [{kind: 'unclassified', what: `${statementHead(sql)} (raw SQL the lint does not read)`}]
    }
  }
}

/** Statements that take no lock worth a finding on the tables of a running application. */
const HARMLESS = new Set([
  'AlterDefaultPrivilegesStmt',
  'AlterExtensionStmt',
  'AlterFunctionStmt',
  'AlterOwnerStmt',
  'AlterRoleStmt',
  'AlterSeqStmt',
  'AlterStatsStmt',
  'CallStmt',
  'CommentStmt',
  'CompositeTypeStmt',
  'CreateCastStmt',
  'CreateExtensionStmt',
  'CreateFunctionStmt',
  'CreatePolicyStmt',
  'CreateRoleStmt',
  'CreateSchemaStmt',
  'CreateSeqStmt',
  'CreateStatsStmt',
  'CreateTrigStmt',
  'CreatedbStmt',
  'DefineStmt',
  'DoStmt',
  'ExplainStmt',
  'GrantRoleStmt',
  'GrantStmt',
  'InsertStmt',
  'NotifyStmt',
  'RuleStmt',
  'SelectStmt',
  'TransactionStmt',
  'VariableShowStmt',
  'ViewStmt',
  'AlterPolicyStmt',
  'AlterEventTrigStmt',
  'CreateEventTrigStmt',
  'CreateOpClassStmt',
  'CreatePublicationStmt',
  'AlterPublicationStmt',
  'SecLabelStmt',
  'CopyStmt',
  'CheckPointStmt',
])

/** The first words of a statement, for a message. */
function statementHead(sql: string): string {
  return sql.replaceAll(/\s+/g, ' ').trim().split(' ').slice(0, 3).join(' ')
}

function dropActions(s: Node): Action[] {
  const objects: string[] = (s.objects ?? []).map((o: Node) => (o.List ? qualified(o.List.items) : str(o)))
  switch (s.removeType) {
    case 'OBJECT_TABLE': {
      return objects.map((table) => ({kind: 'dropTable', table}) as Action)
    }

    case 'OBJECT_INDEX': {
      return objects.map((name) => ({concurrently: Boolean(s.concurrent), kind: 'dropIndex', name}) as Action)
    }

    case 'OBJECT_SCHEMA': {
      return objects.map((name) => ({kind: 'dropDatabase', name, what: 'schema'}) as Action)
    }

    case 'OBJECT_MATVIEW': {
      return [{kind: 'harmless', what: 'DROP MATERIALIZED VIEW'}]
    }

    default: {
      return [{kind: 'harmless', what: `DROP ${String(s.removeType).replace('OBJECT_', '')}`}]
    }
  }
}

function renameActions(s: Node): Action[] {
  const table = relation(s.relation)
  switch (s.renameType) {
    case 'OBJECT_TABLE': {
      return [...named(s.newname, 'table'), {kind: 'renameTable', newName: s.newname, table}]
    }

    case 'OBJECT_COLUMN': {
      return [...named(s.newname, 'column'), {column: s.subname, kind: 'renameColumn', newName: s.newname, table}]
    }

    case 'OBJECT_SCHEMA': {
      return [{kind: 'renameSchema', newName: s.newname, schema: s.subname}]
    }

    default: {
      return [
        ...named(s.newname, String(s.renameType).replace('OBJECT_', '').toLowerCase()),
        {kind: 'harmless', what: 'RENAME'},
      ]
    }
  }
}

function alterTable(s: Node): Action[] {
  const table = relation(s.relation)
  if (s.objtype && s.objtype !== 'OBJECT_TABLE')
    return [{kind: 'harmless', what: `ALTER ${String(s.objtype).replace('OBJECT_', '')}`}]
  const out: Action[] = []
  for (const c of s.cmds ?? []) {
    const cmd = c.AlterTableCmd ?? {}
    const col: string = cmd.name ?? ''
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const facts = column(cmd.def?.ColumnDef ?? {})
        out.push(...named(facts.name, 'column'), {column: facts, kind: 'addColumn', table})
        for (const con of cmd.def?.ColumnDef?.constraints ?? [])
          out.push(...named(con.Constraint?.conname, 'constraint'))
        break
      }

      case 'AT_DropColumn': {
        out.push({column: col, kind: 'dropColumn', table})
        break
      }

      case 'AT_AlterColumnType': {
        out.push({column: col, kind: 'alterType', table, type: pgType(cmd.def?.ColumnDef?.typeName)})
        break
      }

      case 'AT_SetNotNull': {
        out.push({column: col, kind: 'setNotNull', table})
        break
      }

      case 'AT_DropNotNull': {
        out.push({column: col, kind: 'dropNotNull', table})
        break
      }

      case 'AT_AddConstraint': {
        const con = cmd.def?.Constraint ?? {}
        const constraint = CONTYPE[con.contype]
        if (!constraint) {
          out.push({kind: 'harmless', what: 'ADD CONSTRAINT'})
          break
        }

        out.push(...named(con.conname, 'constraint'), {
          constraint,
          kind: 'addConstraint',
          name: con.conname,
          notValid: Boolean(con.skip_validation) || undefined,
          referencedTable: con.pktable ? relation(con.pktable) : undefined,
          table,
          usingIndex: Boolean(con.indexname) || undefined,
        })
        break
      }

      case 'AT_ValidateConstraint': {
        out.push({kind: 'validateConstraint', name: col, table})
        break
      }

      case 'AT_DropConstraint': {
        out.push({kind: 'dropConstraint', name: col, table})
        break
      }

      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
      case 'AT_SetTableSpace':
      case 'AT_SetAccessMethod': {
        const what = {
          AT_SetAccessMethod: 'set access method',
          AT_SetLogged: 'set logged',
          AT_SetTableSpace: 'set tablespace',
          AT_SetUnLogged: 'set unlogged',
        }[cmd.subtype as string] as 'set logged'
        out.push({kind: 'rebuild', table, what})
        break
      }

      case 'AT_DetachPartition': {
        out.push({
          concurrently: Boolean(cmd.def?.PartitionCmd?.concurrent),
          kind: 'detachPartition',
          partition: relation(cmd.def?.PartitionCmd?.name),
          table,
        })
        break
      }

      case 'AT_AddIdentity': {
        out.push({column: col, how: 'identity', kind: 'numbering', table})
        break
      }

      default: {
        out.push({kind: 'harmless', what: String(cmd.subtype)})
        break
      }
    }
  }

  return out
}
