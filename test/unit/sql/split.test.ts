import {expect} from 'chai'

import {splitSql} from '../../../src/sql/split.js'
import {terminate} from '../../../src/runtime/offline.js'

type Dialect = 'mysql' | 'postgresql' | 'sqlite'
const split = (text: string, dialect: Dialect, options = {}) =>
  splitSql(text, dialect, 'f.sql', options).map((s) => s.sql)

describe('splitSql: statements as each database client reads a file', () => {
  describe('MySQL/MariaDB, as the mysql client', () => {
    it('a # comment holding ; and DROP is a comment, whole', () => {
      const text =
        'CREATE TABLE users (id INT);\n# step 1; DROP TABLE users; -- disabled\nINSERT INTO users VALUES (1);\n'
      expect(split(text, 'mysql')).to.deep.equal(['CREATE TABLE users (id INT)', 'INSERT INTO users VALUES (1)'])
    })

    it('-- is a comment only before a space or a control character', () => {
      expect(split('SELECT 1--1;\nSELECT 2;', 'mysql')).to.deep.equal(['SELECT 1--1', 'SELECT 2'])
      expect(split('SELECT 1;--\tx; DROP TABLE t;\nSELECT 2;', 'mysql')).to.deep.equal(['SELECT 1', 'SELECT 2'])
      expect(split('SELECT 1;--', 'mysql')).to.deep.equal(['SELECT 1'])
    })

    it('backslash escapes in strings, unless the file sets NO_BACKSLASH_ESCAPES', () => {
      expect(split("INSERT INTO t VALUES ('a\\';b');\nSELECT 2;", 'mysql')).to.deep.equal([
        "INSERT INTO t VALUES ('a\\';b')",
        'SELECT 2',
      ])
      expect(split('INSERT INTO t VALUES ("x\\"; y");SELECT 2', 'mysql')).to.deep.equal([
        'INSERT INTO t VALUES ("x\\"; y")',
        'SELECT 2',
      ])
      const plain = "SET sql_mode = 'NO_BACKSLASH_ESCAPES';\nINSERT INTO t VALUES ('a\\');\nSELECT 2;"
      expect(split(plain, 'mysql')).to.deep.equal([
        "SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
        "INSERT INTO t VALUES ('a\\')",
        'SELECT 2',
      ])
      const back =
        "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');\nSET sql_mode = 'ANSI';\nSELECT 'a\\';b';"
      expect(split(back, 'mysql')).to.deep.equal([
        back.split('\n')[0].slice(0, -1),
        "SET sql_mode = 'ANSI'",
        "SELECT 'a\\';b'",
      ])
    })

    it('/*! ... */ and /*M! ... */ are code; a plain /* */ comment holding ; is not', () => {
      const text =
        '/*!40101 SET NAMES utf8mb4 */;\n/*M!100616 SET NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;\n/* a; b */ SELECT 1;'
      expect(split(text, 'mysql')).to.deep.equal([
        '/*!40101 SET NAMES utf8mb4 */',
        '/*M!100616 SET NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */',
        'SELECT 1',
      ])
    })

    it('DELIMITER changes the terminator; the body of a procedure stays whole', () => {
      const text = [
        'DELIMITER $$',
        'CREATE PROCEDURE p() BEGIN',
        "  INSERT INTO t VALUES ('$'); -- a; comment",
        '  SELECT 1;',
        'END$$',
        'delimiter ;;',
        'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END;;',
        'DELIMITER ;',
        'CALL p();',
      ].join('\n')
      expect(split(text, 'mysql')).to.deep.equal([
        "CREATE PROCEDURE p() BEGIN\n  INSERT INTO t VALUES ('$'); -- a; comment\n  SELECT 1;\nEND",
        'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END',
        'CALL p()',
      ])
    })

    it('backticks quote names holding ; and quotes', () => {
      expect(split('CREATE TABLE `a;b` (`c``;` INT);SELECT 1', 'mysql')).to.deep.equal([
        'CREATE TABLE `a;b` (`c``;` INT)',
        'SELECT 1',
      ])
    })

    it('op.execute: a stored program runs whole, its ; inside', () => {
      const text = 'CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;'
      expect(split(text, 'mysql', {programs: true})).to.deep.equal([
        'CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; SELECT 2; END',
      ])
      expect(
        split('CREATE TABLE event (id INT); INSERT INTO event VALUES (1)', 'mysql', {programs: true}),
      ).to.have.length(2)
    })
  })

  describe('PostgreSQL, as psql', () => {
    it('nested block comments', () => {
      expect(split('/* a /* b; */ c; */ SELECT 1; SELECT 2;', 'postgresql')).to.deep.equal(['SELECT 1', 'SELECT 2'])
    })

    it("E'' strings have backslash escapes; plain strings do not (standard_conforming_strings)", () => {
      expect(split("SELECT E'it\\'s; x'; SELECT 'a\\'; SELECT 3;", 'postgresql')).to.deep.equal([
        "SELECT E'it\\'s; x'",
        "SELECT 'a\\'",
        'SELECT 3',
      ])
      const off = "SET standard_conforming_strings = off;\nSELECT 'a\\'; b';\nSELECT 2;"
      expect(split(off, 'postgresql')).to.deep.equal([
        'SET standard_conforming_strings = off',
        "SELECT 'a\\'; b'",
        'SELECT 2',
      ])
    })

    it('U&\'\' strings and U&"" names', () => {
      expect(split(`SELECT U&'d\\0061t;' AS "x;y", U&"a;b" FROM t; SELECT 2`, 'postgresql')).to.deep.equal([
        `SELECT U&'d\\0061t;' AS "x;y", U&"a;b" FROM t`,
        'SELECT 2',
      ])
    })

    it('$tag$ bodies holding ; and $$, and $1 parameters', () => {
      const fn = "CREATE FUNCTION f() RETURNS text AS $body$ SELECT '$$;'; $body$ LANGUAGE sql"
      expect(split(`${fn};\nSELECT $1::int;`, 'postgresql')).to.deep.equal([fn, 'SELECT $1::int'])
      expect(split('SELECT a$b$ FROM t; SELECT 2', 'postgresql')).to.deep.equal(['SELECT a$b$ FROM t', 'SELECT 2'])
    })

    it('BEGIN ATOMIC ... END bodies with CASE ... END inside', () => {
      const fn =
        'CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END; SELECT 2; END'
      expect(split(`${fn};\nBEGIN;\nSELECT 1;\nEND;`, 'postgresql')).to.deep.equal([fn, 'BEGIN', 'SELECT 1', 'END'])
    })

    it('; inside parentheses ends nothing', () => {
      expect(
        split(
          'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1',
          'postgresql',
        ),
      ).to.deep.equal([
        'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))',
        'SELECT 1',
      ])
    })

    it("pg_dump's \\restrict lines are skipped; another meta-command is refused with its line", () => {
      expect(split('\\restrict abc\nSELECT 1;\n\\unrestrict abc\n', 'postgresql')).to.deep.equal(['SELECT 1'])
      expect(() => split('SELECT 1;\n\\connect other\nSELECT 2;', 'postgresql')).to.throw(
        'f.sql:2:1: psql meta-command \\connect is not SQL',
      )
      expect(split('SELECT 1;\n\\connect other\nSELECT 2;', 'postgresql', {directives: 'skip'})).to.deep.equal([
        'SELECT 1',
        'SELECT 2',
      ])
    })

    it('# is no comment on PostgreSQL', () => {
      expect(split("SELECT 1 # 2; SELECT '#';", 'postgresql')).to.deep.equal(['SELECT 1 # 2', "SELECT '#'"])
    })
  })

  describe('SQLite, as sqlite3', () => {
    it('a trigger holding CASE ... END is one statement', () => {
      const trigger =
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN new.a > 0 THEN 'pos;' ELSE 'neg' END; INSERT INTO log VALUES (1); END"
      expect(split(`${trigger};\nINSERT INTO t (a) VALUES (1);`, 'sqlite')).to.deep.equal([
        trigger,
        'INSERT INTO t (a) VALUES (1)',
      ])
    })

    it('CREATE TEMP TRIGGER, and a bare BEGIN; ... COMMIT; is a transaction, not a block', () => {
      const trigger =
        'CREATE TEMPORARY TRIGGER IF NOT EXISTS "t;r" BEFORE DELETE ON [t;] BEGIN SELECT RAISE(ABORT, \'no; way\'); END'
      expect(split(`BEGIN;\n${trigger};\nCOMMIT;`, 'sqlite')).to.deep.equal(['BEGIN', trigger, 'COMMIT'])
    })

    it('a trigger without END is refused, naming where it starts', () => {
      expect(() => split('SELECT 1;\n  CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;', 'sqlite')).to.throw(
        'f.sql:2:3: CREATE TRIGGER without its END;; nothing of it was run',
      )
    })
  })

  describe('a text that cannot be read to a clean end is refused whole, with line and column', () => {
    const cases: Array<[Dialect, string, string]> = [
      ['postgresql', "SELECT 1;\nSELECT 'abc;\nSELECT 2;", "f.sql:2:8: unterminated string '...'"],
      ['postgresql', 'SELECT 1;\n/* a /* b */ c;', 'f.sql:2:1: unterminated /* comment'],
      ['postgresql', 'SELECT $x$ abc;', 'f.sql:1:8: unterminated dollar-quoted string $x$...$x$'],
      ['postgresql', 'SELECT (1;\nSELECT 2;', 'f.sql:1:8: unclosed parenthesis'],
      [
        'postgresql',
        'CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1;',
        'f.sql:2:1: BEGIN without its END',
      ],
      ['mysql', 'SELECT "a;\n', 'f.sql:1:8: unterminated string "..."'],
      ['mysql', '/*!40101 SET NAMES utf8;', 'f.sql:1:1: unterminated /*! ... */ comment'],
      ['mysql', 'SELECT `a;', 'f.sql:1:8: unterminated quoted identifier `...`'],
      ['sqlite', 'SELECT [a;', 'f.sql:1:8: unterminated quoted identifier [...]'],
    ]
    for (const [dialect, text, message] of cases) {
      it(`${dialect}: ${JSON.stringify(text)}`, () => {
        expect(() => split(text, dialect)).to.throw(`${message}; nothing of it was run`)
      })
    }
  })

  describe('terminate: a statement as a file for the client ends it', () => {
    it('MySQL: a stored program between DELIMITER lines', () => {
      expect(terminate('CREATE PROCEDURE p() BEGIN SELECT 1; END', 'mysql')).to.equal(
        'DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n\n',
      )
      expect(terminate("SELECT '$$;'", 'mysql')).to.equal("SELECT '$$;';\n\n")
    })

    it('a statement ending in a line comment gets its ; on a line of its own', () => {
      expect(terminate('SELECT 1 -- one', 'postgresql')).to.equal('SELECT 1 -- one\n;\n\n')
      expect(terminate('SELECT 1 # one', 'mysql')).to.equal('SELECT 1 # one\n;\n\n')
      expect(terminate('SELECT 1 /* one */', 'sqlite')).to.equal('SELECT 1 /* one */;\n\n')
    })
  })
})

describe('splitSql: what the server keeps of a statement', () => {
  it('SQLite: the text up to the ; as sqlite3 sends it (sqlite_master keeps comments and line breaks), LF line ends', () => {
    const text =
      'CREATE VIEW v AS SELECT 1 /* c */ ;\r\nCREATE INDEX i ON a(\r\n x)\r\n;\nCREATE INDEX j ON a(x) -- c\n\n'
    expect(split(text, 'sqlite')).to.deep.equal([
      'CREATE VIEW v AS SELECT 1 /* c */ ',
      'CREATE INDEX i ON a(\n x)\n',
      'CREATE INDEX j ON a(x) -- c\n',
    ])
  })

  it('MySQL: what lies between two DELIMITERs is each statement the server would run of it, a program whole', () => {
    const text =
      'DELIMITER $$\nINSERT INTO t VALUES (1); INSERT INTO t VALUES (2)$$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n'
    expect(split(text, 'mysql')).to.deep.equal([
      'INSERT INTO t VALUES (1)',
      'INSERT INTO t VALUES (2)',
      'CREATE PROCEDURE p() BEGIN SELECT 1; END',
    ])
  })
})
