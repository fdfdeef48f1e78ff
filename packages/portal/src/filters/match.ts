// Evaluates an MDCA filter (DESIGN §7) on one record in memory — the policies' per-activity test and
// the reference the SQL engine (sql.ts) must agree with, op for op.
import {
  filterFieldKind,
  OPS_BY_KIND,
  type DataType,
  type FieldKind,
  type Filter,
} from '@cloudsiem/protocol';
import {
  LIST_SEPARATOR,
  normaliseListElement,
  type StoredActivity,
  type StoredAlert,
} from '../store/columns.ts';

export type StoredRecord<T extends DataType = DataType> = T extends 'activities'
  ? StoredActivity
  : StoredAlert;

type Test = (value: unknown) => boolean;

/** A field the catalogue does not know, or an op its kind does not take: the filter skipped validation. */
function unfilterable(dataType: DataType, field: string, op?: string): Error {
  const what = op === undefined ? `field ${field}` : `op ${op} on field ${field}`;
  return new TypeError(`${dataType} filters cannot use ${what}; validate filters with filterSchema first`);
}

/**
 * The kind of a filter field, or a TypeError for a field outside the catalogue. Own keys only:
 * `constructor` or `__proto__` reached here unvalidated must not resolve through the prototype.
 */
export function fieldKind(dataType: DataType, field: string): FieldKind {
  const kind = filterFieldKind(dataType, field);
  if (kind === undefined) throw unfilterable(dataType, field);
  return kind;
}

/** The ops of a condition that are present, checked against the field's kind. */
export function conditionOps(
  dataType: DataType,
  field: string,
  kind: FieldKind,
  condition: Filter[string],
): [op: string, value: unknown][] {
  const ops: [string, unknown][] = [];
  if (typeof condition !== 'object' || condition === null) throw unfilterable(dataType, field);
  for (const [op, value] of Object.entries(condition)) {
    if (value === undefined) continue;
    if (!(OPS_BY_KIND[kind] as readonly string[]).includes(op)) throw unfilterable(dataType, field, op);
    ops.push([op, value]);
  }
  return ops;
}

/** True when the filter constrains nothing, so it matches every record. */
export function isEmptyFilter(filter: Filter): boolean {
  return Object.values(filter).every((condition) => Object.values(condition).every((v) => v === undefined));
}

/** A list element or needle as the delimited list column holds it (see encodeList). */
function listForm(value: string): string {
  return value.includes(LIST_SEPARATOR) ? normaliseListElement(value) : value;
}

function isSet(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value !== '';
    case 'list':
      return Array.isArray(value) && value.length > 0;
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function stringTest(op: string, operand: unknown): Test {
  switch (op) {
    case 'eq': {
      const values = new Set(operand as unknown[]);
      return (v) => typeof v === 'string' && values.has(v);
    }
    case 'neq': {
      const values = new Set(operand as unknown[]);
      return (v) => typeof v !== 'string' || !values.has(v);
    }
    case 'contains': {
      const needle = operand as string;
      return (v) => typeof v === 'string' && v.includes(needle);
    }
    default: {
      const prefix = operand as string;
      return (v) => typeof v === 'string' && v.startsWith(prefix);
    }
  }
}

function someElement(v: unknown, test: (element: string) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const element of v as unknown[]) {
    if (typeof element === 'string' && test(listForm(element))) return true;
  }
  return false;
}

function listTest(op: string, operand: unknown): Test {
  switch (op) {
    case 'eq': {
      const values = new Set((operand as string[]).map(listForm));
      return (v) => someElement(v, (e) => values.has(e));
    }
    case 'neq': {
      const values = new Set((operand as string[]).map(listForm));
      return (v) => !someElement(v, (e) => values.has(e));
    }
    case 'contains': {
      const needle = listForm(operand as string);
      return (v) => someElement(v, (e) => e.includes(needle));
    }
    default: {
      const prefix = listForm(operand as string);
      return (v) => someElement(v, (e) => e.startsWith(prefix));
    }
  }
}

function numberTest(op: string, operand: unknown): Test {
  switch (op) {
    case 'eq': {
      const values = new Set(operand as unknown[]);
      return (v) => typeof v === 'number' && values.has(v);
    }
    case 'neq': {
      const values = new Set(operand as unknown[]);
      return (v) => typeof v !== 'number' || !values.has(v);
    }
    case 'gte': {
      const bound = operand as number;
      return (v) => typeof v === 'number' && v >= bound;
    }
    default: {
      const bound = operand as number;
      return (v) => typeof v === 'number' && v <= bound;
    }
  }
}

function booleanTest(op: string, operand: unknown): Test {
  const values = new Set(operand as unknown[]);
  return op === 'eq'
    ? (v) => typeof v === 'boolean' && values.has(v)
    : (v) => typeof v !== 'boolean' || !values.has(v);
}

const TESTS: Record<FieldKind, (op: string, operand: unknown) => Test> = {
  string: stringTest,
  list: listTest,
  number: numberTest,
  boolean: booleanTest,
};

function opTest(kind: FieldKind, op: string, operand: unknown): Test {
  if (op === 'isset') return (v) => isSet(kind, v);
  if (op === 'isnotset') return (v) => !isSet(kind, v);
  return TESTS[kind](op, operand);
}

/**
 * Compiles a validated filter into a predicate: fields, kinds and eq/neq sets are resolved once,
 * so each call only reads fields and compares. An unknown field or misplaced op throws a TypeError.
 */
export function compileMatcher<T extends DataType>(
  dataType: T,
  filter: Filter,
): (record: StoredRecord<T>) => boolean {
  const fields: string[] = [];
  const tests: Test[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    const kind = fieldKind(dataType, field);
    for (const [op, operand] of conditionOps(dataType, field, kind, condition)) {
      fields.push(field);
      tests.push(opTest(kind, op, operand));
    }
  }
  const count = tests.length;
  if (count === 0) return () => true;
  return (record) => {
    const values = record as unknown as Record<string, unknown>;
    for (let i = 0; i < count; i++) {
      // A field the record leaves out (country, isAdmin) is read as missing, never inherited.
      const field = fields[i]!;
      if (!tests[i]!(Object.hasOwn(values, field) ? values[field] : undefined)) return false;
    }
    return true;
  };
}

/** Whether one record matches a filter; to test many records, compile once with compileMatcher. */
export function matchesFilter<T extends DataType>(
  dataType: T,
  record: StoredRecord<T>,
  filter: Filter,
): boolean {
  return compileMatcher(dataType, filter)(record);
}
