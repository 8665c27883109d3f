/**
 * Every command of the CLI, by id: the one list. oclif reads it from the
 * bundle (package.json oclif.commands, strategy explicit), and so does
 * scripts/manifest.mjs when it writes oclif.manifest.json.
 */
import CheckMigration from './check_migration.js'
import Completion from './completion.js'
import Current from './current.js'
import Diff from './diff.js'
import Downgrade from './downgrade.js'
import Exec from './exec.js'
import Heads from './heads.js'
import HelpCommand from './help.js'
import History from './history.js'
import Init from './init.js'
import Pull from './pull.js'
import Renumber from './renumber.js'
import Reset from './reset.js'
import Revision from './revision.js'
import Seed from './seed.js'
import Show from './show.js'
import Squash from './squash.js'
import Stamp from './stamp.js'
import Upgrade from './upgrade.js'

export const COMMANDS = {
  check_migration: CheckMigration,
  completion: Completion,
  current: Current,
  diff: Diff,
  downgrade: Downgrade,
  exec: Exec,
  heads: Heads,
  help: HelpCommand,
  history: History,
  init: Init,
  pull: Pull,
  renumber: Renumber,
  reset: Reset,
  revision: Revision,
  seed: Seed,
  show: Show,
  squash: Squash,
  stamp: Stamp,
  upgrade: Upgrade,
}
