import * as Flags from '@oclif/core/flags'

/** Flags that revision --autogenerate and check_migration --autogenerate share. */
export const autogenerateFlags = {
  'allow-empty-target': Flags.boolean({
    dependsOn: ['autogenerate'],
    summary: 'With --autogenerate: accept a target_schema with no tables (which drops every table).',
  }),
}
