import path from 'node:path'

import {ROOT} from './cli.js'

/**
 * The public sample schemas (Chinook, Pagila, Sakila; test/fixtures/public/README.md says where each comes from
 * and its licence), or DB_MANAGE_FIXTURES's copy.
 */
export const SAMPLES = process.env.DB_MANAGE_FIXTURES ?? path.join(ROOT, 'test', 'fixtures', 'public')
