/** A chain of `count` TypeScript revisions in `dir/migrations`, with a db-manage.ini. */
export function writeChain(dir: string, count: number, options?: {connection?: string}): void
export function script(i: number): string
