// The filter engine of DESIGN §7: one MDCA filter, evaluated in memory (policies, previews) or as
// SQL (lists, agent pulls), with the same answer either way.
export { compileMatcher, isEmptyFilter, matchesFilter, type StoredRecord } from './match.ts';
export { filterCondition, filterWhere, type FilterWhere } from './sql.ts';
